// A shell session in the browser: xterm.js <-> the session's data channel (one WebSocket of binary frames).
//
// Follows the CLI (tether/client/terminal.py): HELLO first, then the terminal size; typed bytes go out only within
// the agent's credit; output is acknowledged only after xterm.js has parsed and rendered it (the `write` callback),
// so a flood such as `yes` stalls in the remote kernel once one window is in flight and the page stays responsive
// with bounded memory. EXIT, ERROR and CLOSE end the session after the output before them is on screen; a dropped
// connection ends it too (no reconnect). Also used by docs/examples/embed: it depends on nothing but xterm.js.

import { Channel } from "./channel.js";
import { FrameType, ProtocolError, encodeResize } from "./frames.js";

// Our receive window: how much output may be in flight or waiting for xterm.js. Small enough to keep the tab light,
// large enough that a fast link is not throttled by ACK round trips (an ACK goes out after each quarter).
export const WINDOW = 256 * 1024;
// Input typed or pasted while the agent grants no credit waits here, up to this much; more is refused.
export const MAX_PENDING_INPUT = 1 << 20;
const CLOSE_TIMEOUT_MS = 3000;

export const CLOSE_CODES = {
  1001: "the server is shutting down",
  1002: "protocol error",
  1003: "a side sent a text message",
  1006: "the connection broke",
  1008: "closed by policy",
  1009: "a message exceeded the size limit",
  1011: "the agent could not start the session",
  1012: "the server is restarting",
  1013: "the agent did not connect in time",
  4001: "the session was ended with EndTerminalSession",
};

const utf8 = new TextEncoder();

function latin1(text) {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/**
 * Outcome passed to `onEnd`: {kind: "exit", status} | {kind: "error", code, message} | {kind: "closed", reason}
 * | {kind: "dropped", code, reason} | {kind: "protocol", message} | {kind: "local", message}.
 */
export class TerminalSession {
  constructor(term, url, { window = WINDOW, onOpen = () => {}, onEnd = () => {}, onNotice = () => {} } = {}) {
    this.term = term;
    this.url = url;
    this.channel = new Channel(window);
    this.onOpen = onOpen;
    this.onEnd = onEnd;
    this.onNotice = onNotice;
    this.pending = [];
    this.pendingBytes = 0;
    this.ended = false;
    this.closing = false;
    this.lastSize = null;
    this.disposables = [];
    this.ws = null;
  }

  start() {
    // "tether.v1": the server accepts Alibaba's client framings on the same URL and tells them apart by this
    const ws = new WebSocket(this.url, ["tether.v1"]);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.opened = true;
      this.send(this.channel.hello());
      this.sendSize(this.term.cols, this.term.rows);
      this.onOpen();
    });
    ws.addEventListener("message", (event) => this.onMessage(event.data));
    ws.addEventListener("close", (event) => {
      if (this.closing) this.finishAfterOutput({ kind: "local", message: "You disconnected." });
      else if (!this.opened) this.finishAfterOutput({ kind: "refused", code: event.code });
      else this.finishAfterOutput({ kind: "dropped", code: event.code, reason: event.reason });
    });
    const term = this.term;
    this.disposables.push(
      term.onData((text) => this.input(utf8.encode(text))),
      term.onBinary((text) => this.input(latin1(text))),
      term.onResize(({ cols, rows }) => this.sendSize(cols, rows)),
    );
  }

  /** Hang up: the relay ends the session (the shell gets SIGHUP). */
  disconnect() {
    if (this.ended || !this.ws) return;
    this.closing = true;
    this.ws.close(1000, "client closed");
  }

  dispose() {
    for (const d of this.disposables) d.dispose();
    this.disposables = [];
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000);
  }

  // ---------------------------------------------------------------------------------------------------- sending

  send(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
  }

  sendSize(cols, rows) {
    if (this.ended || !this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    if (!(cols >= 1 && rows >= 1)) return;
    const key = `${cols}x${rows}`;
    if (key === this.lastSize) return;
    this.lastSize = key;
    this.send(encodeResize(cols, rows));
  }

  input(bytes) {
    if (this.ended || !bytes.length) return;
    if (this.pendingBytes + bytes.length > MAX_PENDING_INPUT) {
      this.onNotice("The machine is not taking input as fast as it arrives; some of it was dropped.");
      return;
    }
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.flush();
  }

  /** Send as much pending input as the agent's credit allows. */
  flush() {
    while (this.pending.length && !this.ended) {
      const credit = this.channel.credit();
      if (credit <= 0) return;
      let head = this.pending[0];
      if (head.length > credit) {
        this.pending[0] = head.subarray(credit);
        head = head.subarray(0, credit);
      } else {
        this.pending.shift();
      }
      this.pendingBytes -= head.length;
      for (const frame of this.channel.sendData(head)) this.send(frame);
    }
  }

  // -------------------------------------------------------------------------------------------------- receiving

  onMessage(data) {
    if (this.ended) return;
    if (typeof data === "string") {
      this.fail("the server sent a text message on the data channel");
      return;
    }
    let frame;
    try {
      frame = this.channel.receive(data);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.fail(error.message);
      return;
    }
    switch (frame.type) {
      case FrameType.DATA: {
        const size = frame.data.length;
        // Acknowledge only once xterm.js has processed these bytes: that is the back-pressure.
        this.term.write(frame.data, () => {
          if (this.ended) return;
          const ack = this.channel.consumed(size);
          if (ack) this.send(ack);
        });
        break;
      }
      case FrameType.HELLO:
      case FrameType.ACK:
        this.flush();
        break;
      case FrameType.EXIT:
        this.finishAfterOutput({ kind: "exit", status: frame.status });
        break;
      case FrameType.ERROR:
        this.finishAfterOutput({ kind: "error", code: frame.code, message: frame.message });
        break;
      case FrameType.CLOSE:
        this.finishAfterOutput({ kind: "closed", reason: frame.reason });
        break;
      default:
        break; // EOF: EXIT follows; RESIZE from the agent means nothing to us
    }
  }

  fail(message) {
    this.finishAfterOutput({ kind: "protocol", message });
    if (this.ws) this.ws.close(1002, "protocol error");
  }

  /** End once everything received so far is on screen (xterm.js runs write callbacks in order). */
  finishAfterOutput(outcome) {
    if (this.endQueued) return;
    this.endQueued = true;
    this.term.write("", () => this.finish(outcome));
  }

  finish(outcome) {
    if (this.ended) return;
    this.ended = true;
    this.pending = [];
    this.pendingBytes = 0;
    // After EXIT/ERROR/CLOSE the server closes the channel itself (and records why the session ended); closing
    // first would race it. Close only if it has not done so within a few seconds, like the CLI's close timeout.
    const ws = this.ws;
    if (ws && ws.readyState <= WebSocket.OPEN) {
      if (["exit", "error", "closed"].includes(outcome.kind)) {
        setTimeout(() => ws.readyState <= WebSocket.OPEN && ws.close(1000), CLOSE_TIMEOUT_MS);
      } else {
        ws.close(1000);
      }
    }
    this.onEnd(outcome);
  }
}

/** The end of a session in a title and a detail line, for a banner. */
export function describeOutcome(outcome) {
  switch (outcome.kind) {
    case "exit":
      return { ok: outcome.status === 0, title: "Session ended", detail: `The shell exited with status ${outcome.status}.` };
    case "error":
      return { ok: false, title: "The session failed", detail: `${outcome.message || outcome.code} (${outcome.code})` };
    case "closed":
      return { ok: false, title: "Session closed", detail: outcome.reason || "The machine closed the session." };
    case "dropped": {
      const meaning = CLOSE_CODES[outcome.code];
      const reason = (outcome.reason || "").trim();
      const detail = outcome.code === 1000 || outcome.code === 1005
        ? (reason || "The server closed the connection before the shell exited.")
        : `${meaning || "closed"} (WebSocket code ${outcome.code}${reason ? `: ${reason}` : ""}).`;
      return { ok: false, title: "Connection lost", detail };
    }
    case "refused":
      return {
        ok: false, title: "Cannot open the session",
        detail: "The server refused the data channel or could not be reached. Session links are single-use and "
          + "valid for 30 seconds; start a new session.",
      };
    case "protocol":
      return { ok: false, title: "Protocol error", detail: outcome.message };
    default:
      return { ok: true, title: "Disconnected", detail: outcome.message || "" };
  }
}
