// One endpoint's state of a shell session's data channel: HELLO ordering and credit on stream 0.
//
// The JavaScript twin of tether.protocol.Channel, cut down to what the browser needs: shell sessions use stream 0
// only (docs/protocol.md), so frames for any other stream are a protocol error here. Invariants checked on every
// received frame:
// - the peer's first frame is HELLO (version 1, window within 4 KiB..64 MiB), and it sends exactly one;
// - the peer never has more than our advertised window of DATA unacknowledged by us (`received - consumed`);
//   that is what bounds the output a page holds before xterm.js has rendered it;
// - ACK offsets from the peer are monotonic and never exceed what we sent.
// Like the Python class it does no I/O: callers pass in received messages and send the bytes it returns.

import {
  DEFAULT_WINDOW, FrameType, MAX_DATA, MAX_WINDOW, MIN_WINDOW, PROTOCOL_VERSION, ProtocolError,
  decode, encodeAck, encodeData, encodeEof, encodeHello, typeName,
} from "./frames.js";

export function checkWindow(window) {
  if (!Number.isInteger(window) || window < MIN_WINDOW || window > MAX_WINDOW) {
    throw new ProtocolError("bad-window", `window ${window} is outside ${MIN_WINDOW}..${MAX_WINDOW}`);
  }
}

export class Channel {
  constructor(window = DEFAULT_WINDOW) {
    checkWindow(window);
    this.window = window;
    this.peerWindow = 0;
    this.peerReady = false;
    this.sent = 0;
    this.acked = 0;
    this.received = 0;
    this.consumedBytes = 0;
    this.ackSent = 0;
    this.localEof = false;
    this.remoteEof = false;
    this.ackThreshold = Math.max(1, Math.floor(window / 4));
  }

  /** The HELLO to send before anything else: our version and receive window. */
  hello() {
    return encodeHello(this.window);
  }

  /** How many DATA bytes may be sent right now. */
  credit() {
    if (!this.peerReady || this.localEof) return 0;
    return this.peerWindow - (this.sent - this.acked);
  }

  /** Encode `bytes` (a Uint8Array) as DATA frames, spending credit; throws if they do not fit the credit. */
  sendData(bytes) {
    if (bytes.length > this.credit()) {
      throw new ProtocolError("no-credit", `${bytes.length} bytes exceed the ${this.credit()} bytes of credit`);
    }
    this.sent += bytes.length;
    const frames = [];
    for (let i = 0; i < bytes.length; i += MAX_DATA) frames.push(encodeData(0, bytes.subarray(i, i + MAX_DATA)));
    return frames;
  }

  /** Record that `n` more received bytes were really consumed (rendered); return an ACK frame when one is due. */
  consumed(n) {
    if (!Number.isInteger(n) || n < 0 || this.consumedBytes + n > this.received) {
      throw new ProtocolError("bad-consume", `cannot consume ${n} bytes: only ${this.received} were received`);
    }
    this.consumedBytes += n;
    const due = this.consumedBytes - this.ackSent >= this.ackThreshold
      || (this.remoteEof && this.consumedBytes > this.ackSent);
    if (!due) return null;
    this.ackSent = this.consumedBytes;
    return encodeAck(0, this.consumedBytes);
  }

  /** Bytes received and not yet consumed: what the page holds that xterm.js has not rendered. */
  get unconsumed() {
    return this.received - this.consumedBytes;
  }

  sendEof() {
    this.localEof = true;
    return encodeEof(0);
  }

  /** Decode one incoming message, check it against the channel state, update the state; return the frame. */
  receive(message) {
    const frame = decode(message);
    if (!this.peerReady) {
      if (frame.type !== FrameType.HELLO) {
        throw new ProtocolError("expected-hello", `first frame must be HELLO, got ${typeName(frame.type)}`);
      }
      if (frame.version !== PROTOCOL_VERSION) {
        throw new ProtocolError("bad-version", `peer speaks protocol version ${frame.version}; this side speaks 1`);
      }
      checkWindow(frame.window);
      this.peerWindow = frame.window;
      this.peerReady = true;
      return frame;
    }
    if (frame.stream !== 0) {
      throw new ProtocolError("unknown-stream", `frame for stream ${frame.stream}; shell sessions use stream 0 only`);
    }
    switch (frame.type) {
      case FrameType.HELLO:
        throw new ProtocolError("duplicate-hello", "HELLO sent twice");
      case FrameType.DATA:
        if (this.remoteEof) throw new ProtocolError("data-after-eof", "DATA on stream 0 after its EOF");
        this.received += frame.data.length;
        if (this.received - this.consumedBytes > this.window) {
          throw new ProtocolError(
            "window-exceeded",
            `peer sent ${this.received - this.consumedBytes} unacknowledged bytes on stream 0; `
              + `the window is ${this.window}`,
          );
        }
        break;
      case FrameType.ACK:
        if (!(this.acked <= frame.offset && frame.offset <= this.sent)) {
          throw new ProtocolError("bad-ack", `ACK ${frame.offset} on stream 0 outside ${this.acked}..${this.sent}`);
        }
        this.acked = frame.offset;
        break;
      case FrameType.EOF:
        this.remoteEof = true;
        break;
      case FrameType.OPEN:
      case FrameType.OPEN_OK:
      case FrameType.OPEN_FAIL:
        throw new ProtocolError("bad-open", `${typeName(frame.type)} has no place in a shell session`);
      default:
        break; // RESIZE, CLOSE, EXIT, ERROR: the session decides what they mean
    }
    return frame;
  }
}
