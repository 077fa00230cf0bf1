// Terminal: a full-window xterm.js attached to a new shell session on one machine.
//
// /console/terminal?instance=mi-...[&user=NAME] starts the session (StartTerminalSession through the console
// proxy) and dials its WebSocketUrl directly, but never because of the navigation alone: the session starts on
// load only after a same-origin Connect (a fresh intent, js/intent.js), else when the user clicks this page's
// Connect button, so a foreign page that sends the browser here starts nothing. Copy: select text, then
// Ctrl+Shift+C (or the browser's Copy);
// paste: Ctrl+Shift+V or Ctrl+V (xterm.js turns the paste into input, bracketed when the shell asks for it).

import { h, clear } from "../dom.js";
import * as api from "../api.js";
import { Terminal } from "../../vendor/xterm/xterm.mjs";
import { FitAddon } from "../../vendor/addon-fit/addon-fit.mjs";
import { WebLinksAddon } from "../../vendor/addon-web-links/addon-web-links.mjs";
import { TerminalSession, describeOutcome } from "../session.js";
import { recordConnectIntent, takeConnectIntent } from "../intent.js";

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
    const again = h("button.btn.btn-sm.btn-primary", { type: "button", onclick: () => {
      recordConnectIntent(instanceId, username); // the user's click on this page: the reloaded page may start
      location.reload();
    } }, "New session");
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

  const describe = api.call("DescribeInstances", { InstanceIds: [instanceId] }).then((described) => {
    const instance = described?.Instances?.[0];
    if (instance) {
      titleEl.textContent = instance.InstanceName || instance.Hostname || instanceId;
      document.title = `${titleEl.textContent} · tether`;
    }
  }).catch(() => null);

  const start = async () => {
    let started;
    try {
      await describe;
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
  };

  if (takeConnectIntent(instanceId, username)) {
    start();
  } else {
    // reached by a link or a navigation from elsewhere: nothing starts until the user says so here
    setState("Not connected", "neutral");
    const connect = h("button.btn.btn-sm.btn-primary", { type: "button", id: "term-connect" }, "Connect");
    const ask = h("div.term-banner", { id: "term-banner", role: "dialog", dataset: { outcome: "ask" } },
      h("div", h("strong", `Open a shell on ${instanceId}${username ? ` as ${username}` : ""}?`),
        h("span.detail", "A new session starts only when you click Connect.")),
      connect, h("a.btn.btn-sm", { href: "/console/machines" }, "Machines"));
    connect.addEventListener("click", () => {
      ask.remove();
      term.focus();
      start();
    });
    host.append(ask);
    connect.focus();
  }

  return () => {
    session?.dispose();
    dispose();
  };
}
