// Terminal: a full-window xterm.js attached to a new shell session on one machine.
//
// /console/terminal?instance=mi-...[&user=NAME] starts the session (StartTerminalSession through the console
// proxy) and dials its WebSocketUrl directly. Copy: select text, then Ctrl+Shift+C (or the browser's Copy);
// paste: Ctrl+Shift+V or Ctrl+V (xterm.js turns the paste into input, bracketed when the shell asks for it).

import { h, clear } from "../dom.js";
import * as api from "../api.js";
import { Terminal } from "../../vendor/xterm/xterm.mjs";
import { FitAddon } from "../../vendor/addon-fit/addon-fit.mjs";
import { WebLinksAddon } from "../../vendor/addon-web-links/addon-web-links.mjs";
import { TerminalSession, describeOutcome } from "../session.js";

export const title = "Terminal";

export const THEME = {
  background: "#0f1217", foreground: "#d8dee9", cursor: "#e6e9ee", cursorAccent: "#0f1217",
  selectionBackground: "#3b4a63", black: "#1b1f27", red: "#f07178", green: "#a6da95", yellow: "#eed49f",
  blue: "#82aaff", magenta: "#c792ea", cyan: "#89ddff", white: "#d8dee9", brightBlack: "#5c6370",
  brightRed: "#ff8b92", brightGreen: "#c3e88d", brightYellow: "#ffcb6b", brightBlue: "#9cc4ff",
  brightMagenta: "#dcb6ff", brightCyan: "#a3f7ff", brightWhite: "#ffffff",
};

export function createTerminal(host) {
  const term = new Terminal({
    allowProposedApi: false,
    convertEol: false,
    cursorBlink: true,
    fontFamily: getComputedStyle(document.documentElement).getPropertyValue("--mono").trim() || "monospace",
    fontSize: 14,
    lineHeight: 1.15,
    scrollback: 5000,
    theme: THEME,
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.loadAddon(new WebLinksAddon());
  term.attachCustomKeyEventHandler((event) => {
    if (event.type !== "keydown" || !event.ctrlKey || !event.shiftKey) return true;
    if (event.code === "KeyC") {
      const text = term.getSelection();
      if (text) navigator.clipboard?.writeText(text).catch(() => {});
      return false;
    }
    if (event.code === "KeyV") return false; // let the browser deliver a paste event to xterm.js
    return true;
  });
  term.open(host);
  fit.fit();
  // Refit whenever the host changes size (window resize, devtools, zoom); xterm then fires onResize -> RESIZE.
  let frame = 0;
  const observer = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      try {
        fit.fit();
      } catch {
        /* hidden or zero-sized host */
      }
    });
  });
  observer.observe(host);
  return { term, fit, dispose: () => { observer.disconnect(); term.dispose(); } };
}

export function render(root, { brand, params }) {
  const instanceId = params.get("instance") || "";
  const username = params.get("user") || undefined;
  const state = h("span.pill.pill-neutral.term-state", { id: "term-state", role: "status" }, "Starting");
  const disconnectBtn = h("button.btn.btn-sm", { type: "button", disabled: true }, "Disconnect");
  const host = h("div.term-host", { id: "terminal", "aria-label": `Terminal on ${instanceId}` });
  const titleEl = h("span.term-title", instanceId || "No machine");
  root.append(h("div.term-shell",
    h("header.term-bar", brand(), h("span.muted", "/"), titleEl,
      username ? h("span.term-sub", `as ${username}`) : null,
      h("span.term-sub", { id: "term-session" }), h("span.spacer"), state, disconnectBtn),
    host));

  const setState = (text, kind) => {
    state.textContent = text;
    state.className = `pill term-state pill-${kind}`;
  };

  const banner = (outcome) => {
    const { ok, title: heading, detail } = describeOutcome(outcome);
    setState(outcome.kind === "exit" ? `Exited ${outcome.status}` : "Ended", ok ? "neutral" : "bad");
    disconnectBtn.disabled = true;
    const again = h("button.btn.btn-sm.btn-primary", { type: "button", onclick: () => location.reload() }, "New session");
    const back = h("a.btn.btn-sm", { href: "/console/machines" }, "Machines");
    const el = h(`div.term-banner${ok ? "" : ".bad"}`, { id: "term-banner", role: "alert", dataset: { outcome: outcome.kind } },
      h("div", h("strong", heading), h("span.detail", detail)), again, back);
    host.append(el);
    again.focus();
  };

  if (!instanceId) {
    banner({ kind: "local", message: "Open a terminal from the Machines page." });
    return undefined;
  }

  const { term, dispose } = createTerminal(host);
  term.focus();
  let session = null;
  disconnectBtn.addEventListener("click", () => session?.disconnect());

  (async () => {
    let started;
    try {
      const described = await api.call("DescribeInstances", { InstanceIds: [instanceId] }).catch(() => null);
      const instance = described?.Instances?.[0];
      if (instance) {
        titleEl.textContent = instance.InstanceName || instance.Hostname || instanceId;
        document.title = `${titleEl.textContent} · tether`;
      }
      setState("Starting session", "neutral");
      started = await api.call("StartTerminalSession", { InstanceId: instanceId, Username: username });
    } catch (error) {
      setState("Not started", "bad");
      const detail = api.explain(error);
      host.append(h("div.term-banner.bad", { id: "term-banner", role: "alert", dataset: { outcome: "refused" } },
        h("div", h("strong", "The session could not start"), h("span.detail", detail)),
        h("a.btn.btn-sm", { href: "/console/machines" }, "Machines")));
      return;
    }
    clear(document.getElementById("term-session"), started.SessionId);
    setState("Connecting", "warn");
    session = new TerminalSession(term, started.WebSocketUrl, {
      onOpen: () => {
        setState("Connected", "ok");
        disconnectBtn.disabled = false;
      },
      onEnd: banner,
      onNotice: (text) => term.write(`\r\n\x1b[33m[tether] ${text}\x1b[0m\r\n`),
    });
    session.start();
  })();

  return () => {
    session?.dispose();
    dispose();
  };
}
