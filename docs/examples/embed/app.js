// The page of "my application": ask our backend for a session, then attach xterm.js to its WebSocketUrl.
// TerminalSession (from tether's static files) speaks the binary frames, flow control and resizing.
import { Terminal } from "/tether/vendor/xterm/xterm.mjs";
import { FitAddon } from "/tether/vendor/addon-fit/addon-fit.mjs";
import { TerminalSession, describeOutcome } from "/tether/js/session.js";

const status = document.getElementById("status");
const button = document.getElementById("open");

button.addEventListener("click", async () => {
  button.disabled = true;
  status.textContent = "Starting a session…";
  const reply = await fetch("/api/start", { method: "POST" });
  const body = await reply.json();
  if (!reply.ok) {
    status.textContent = `Could not start: ${body.Message}`;
    button.disabled = false;
    return;
  }
  const term = new Terminal({ cursorBlink: true, fontSize: 14 });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(document.getElementById("terminal"));
  fit.fit();
  window.addEventListener("resize", () => fit.fit());
  const session = new TerminalSession(term, body.WebSocketUrl, {
    onOpen: () => { status.textContent = `Connected (${body.SessionId})`; },
    onEnd: (outcome) => {
      const { title, detail } = describeOutcome(outcome);
      status.textContent = `${title}: ${detail}`;
    },
  });
  session.start();
  term.focus();
});
