// Data-channel frame codec: `u8 type | u32 stream (big-endian) | payload`, one frame per WebSocket message.
//
// The JavaScript twin of tether/protocol/frames.py (docs/protocol.md section 1). It has to agree with it byte for
// byte, so tests/web/test_frames.py runs this module under node against vectors produced by the Python codec.
// `decode` never trusts its input: anything malformed throws ProtocolError, nothing else.

export const PROTOCOL_VERSION = 1;
export const HEADER_SIZE = 5;
export const MAX_DATA = 65536;
export const MAX_MESSAGE = HEADER_SIZE + MAX_DATA;
export const MAX_TEXT = 1024;
export const DEFAULT_WINDOW = 1 << 20;
export const MIN_WINDOW = 4096;
export const MAX_WINDOW = 64 << 20;

export const FrameType = Object.freeze({
  HELLO: 0, DATA: 1, ACK: 2, RESIZE: 3, OPEN: 4, OPEN_OK: 5, OPEN_FAIL: 6, EOF: 7, CLOSE: 8, EXIT: 9, ERROR: 10,
  RESUME: 11, TOKEN: 12,
});
const TYPE_NAMES = Object.fromEntries(Object.entries(FrameType).map(([name, value]) => [value, name]));

export class ProtocolError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
  }
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function header(type, stream, payloadSize) {
  if (!Number.isInteger(stream) || stream < 0 || stream > 0xffffffff) {
    throw new ProtocolError("bad-stream", `stream id ${stream} is outside 0..4294967295`);
  }
  const out = new Uint8Array(HEADER_SIZE + payloadSize);
  const view = new DataView(out.buffer);
  view.setUint8(0, type);
  view.setUint32(1, stream);
  return { out, view };
}

function text(value, field) {
  const raw = utf8.encode(value);
  if (raw.length > MAX_TEXT) {
    throw new ProtocolError("text-too-long", `${field} is ${raw.length} bytes; at most ${MAX_TEXT} are allowed`);
  }
  return raw;
}

function withText(type, stream, value, field) {
  const raw = text(value, field);
  const { out } = header(type, stream, raw.length);
  out.set(raw, HEADER_SIZE);
  return out;
}

// ------------------------------------------------------------------------------------------------------ encoding

export function encodeHello(window = DEFAULT_WINDOW, version = PROTOCOL_VERSION) {
  const { out, view } = header(FrameType.HELLO, 0, 6);
  view.setUint16(5, version);
  view.setUint32(7, window);
  return out;
}

export function encodeData(stream, bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length < 1 || bytes.length > MAX_DATA) {
    throw new ProtocolError("bad-data", `DATA payload must be 1..${MAX_DATA} bytes, not ${bytes?.length}`);
  }
  const { out } = header(FrameType.DATA, stream, bytes.length);
  out.set(bytes, HEADER_SIZE);
  return out;
}

export function encodeAck(stream, offset) {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new ProtocolError("bad-ack", `ACK offset ${offset} out of range`);
  }
  const { out, view } = header(FrameType.ACK, stream, 8);
  view.setBigUint64(5, BigInt(offset));
  return out;
}

export function encodeResize(cols, rows) {
  if (!(cols >= 1 && cols <= 0xffff && rows >= 1 && rows <= 0xffff) || !Number.isInteger(cols + rows)) {
    throw new ProtocolError("bad-resize", `terminal size ${cols}x${rows} out of range 1..65535`);
  }
  const { out, view } = header(FrameType.RESIZE, 0, 4);
  view.setUint16(5, cols);
  view.setUint16(7, rows);
  return out;
}

export const encodeOpen = (stream, target) => withText(FrameType.OPEN, stream, target, "OPEN target");
export const encodeOpenOk = (stream) => header(FrameType.OPEN_OK, stream, 0).out;
export const encodeOpenFail = (stream, reason) => withText(FrameType.OPEN_FAIL, stream, reason, "OPEN_FAIL reason");
export const encodeEof = (stream) => header(FrameType.EOF, stream, 0).out;
export const encodeClose = (stream, reason = "") => withText(FrameType.CLOSE, stream, reason, "CLOSE reason");

export function encodeExit(status) {
  if (!Number.isInteger(status) || status < -(2 ** 31) || status >= 2 ** 31) {
    throw new ProtocolError("bad-exit", `exit status ${status} does not fit in i32`);
  }
  const { out, view } = header(FrameType.EXIT, 0, 4);
  view.setInt32(5, status);
  return out;
}

export function encodeError(code, message) {
  // eslint-disable-next-line no-control-regex
  if (typeof code !== "string" || code.length < 1 || code.length > 255 || !/^[\x00-\x7f]*$/.test(code)) {
    throw new ProtocolError("bad-error", "ERROR code must be 1..255 ASCII characters");
  }
  const raw = text(message, "ERROR message");
  const { out } = header(FrameType.ERROR, 0, 1 + code.length + raw.length);
  out[HEADER_SIZE] = code.length;
  for (let i = 0; i < code.length; i++) out[HEADER_SIZE + 1 + i] = code.charCodeAt(i);
  out.set(raw, HEADER_SIZE + 1 + code.length);
  return out;
}

// ------------------------------------------------------------------------------------------------------ decoding

function decodeText(payload, what) {
  if (payload.length > MAX_TEXT) {
    throw new ProtocolError("text-too-long", `${what} is ${payload.length} bytes; at most ${MAX_TEXT} are allowed`);
  }
  try {
    return strictUtf8.decode(payload);
  } catch {
    throw new ProtocolError("bad-text", `${what} is not valid UTF-8`);
  }
}

function fixed(payload, size, name) {
  if (payload.length !== size) {
    throw new ProtocolError("bad-length", `${name} payload must be ${size} bytes, got ${payload.length}`);
  }
}

function streamZero(stream, name) {
  if (stream !== 0) throw new ProtocolError("bad-stream", `${name} must use stream 0, not ${stream}`);
}

function streamNonzero(stream, name) {
  if (stream === 0) throw new ProtocolError("bad-stream", `${name} needs a stream id above 0`);
}

/** Parse one WebSocket message (ArrayBuffer or Uint8Array) into a plain frame object `{type, stream, ...}`. */
export function decode(message) {
  const bytes = message instanceof Uint8Array ? message : new Uint8Array(message);
  if (bytes.length < HEADER_SIZE) {
    throw new ProtocolError("short-frame", `frame of ${bytes.length} bytes is shorter than the 5-byte header`);
  }
  if (bytes.length > MAX_MESSAGE) {
    throw new ProtocolError("frame-too-large", `frame of ${bytes.length} bytes exceeds ${MAX_MESSAGE}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint8(0);
  const stream = view.getUint32(1);
  const payload = bytes.subarray(HEADER_SIZE);
  switch (type) {
    case FrameType.DATA:
      if (payload.length === 0) throw new ProtocolError("bad-data", "DATA frame with an empty payload");
      return { type, stream, data: payload };
    case FrameType.ACK: {
      fixed(payload, 8, "ACK");
      // Beyond 2^53 a Number is inexact, but such an offset is always beyond what was sent (8 PiB), so the
      // channel refuses it as Python does.
      return { type, stream, offset: Number(view.getBigUint64(5)) };
    }
    case FrameType.HELLO:
      streamZero(stream, "HELLO");
      fixed(payload, 6, "HELLO");
      return { type, stream, version: view.getUint16(5), window: view.getUint32(7) };
    case FrameType.RESIZE: {
      streamZero(stream, "RESIZE");
      fixed(payload, 4, "RESIZE");
      const cols = view.getUint16(5);
      const rows = view.getUint16(7);
      if (cols === 0 || rows === 0) {
        throw new ProtocolError("bad-resize", `terminal size ${cols}x${rows} has a zero dimension`);
      }
      return { type, stream, cols, rows };
    }
    case FrameType.OPEN:
      streamNonzero(stream, "OPEN");
      return { type, stream, target: decodeText(payload, "OPEN target") };
    case FrameType.OPEN_OK:
      streamNonzero(stream, "OPEN_OK");
      fixed(payload, 0, "OPEN_OK");
      return { type, stream };
    case FrameType.OPEN_FAIL:
      streamNonzero(stream, "OPEN_FAIL");
      return { type, stream, reason: decodeText(payload, "OPEN_FAIL reason") };
    case FrameType.EOF:
      fixed(payload, 0, "EOF");
      return { type, stream };
    case FrameType.CLOSE:
      return { type, stream, reason: decodeText(payload, "CLOSE reason") };
    case FrameType.EXIT:
      streamZero(stream, "EXIT");
      fixed(payload, 4, "EXIT");
      return { type, stream, status: view.getInt32(5) };
    case FrameType.ERROR: {
      streamZero(stream, "ERROR");
      const n = payload.length ? payload[0] : 0;
      if (n === 0 || payload.length < 1 + n) {
        throw new ProtocolError("bad-error", "ERROR frame with a missing or truncated code");
      }
      const codeRaw = payload.subarray(1, 1 + n);
      if (codeRaw.some((b) => b > 0x7f)) throw new ProtocolError("bad-error", "ERROR code is not ASCII");
      return {
        type, stream,
        code: String.fromCharCode(...codeRaw),
        message: decodeText(payload.subarray(1 + n), "ERROR message"),
      };
    }
    case FrameType.RESUME: {
      // decoded like Python's codec; the console does not resume yet (docs/protocol.md section 6)
      fixed(payload, 13, "RESUME");
      const answer = view.getUint8(17);
      if (answer > 1) throw new ProtocolError("bad-resume", "RESUME answer flag must be 0 or 1");
      return { type, stream, offset: Number(view.getBigUint64(5)), attempt: view.getUint32(13), answer: answer === 1 };
    }
    case FrameType.TOKEN:
      streamZero(stream, "TOKEN");
      if (payload.length === 0 || payload.length > 128 || payload.some((b) => b > 0x7f)) {
        throw new ProtocolError("bad-token", "TOKEN must be 1..128 ASCII characters");
      }
      return { type, stream, token: String.fromCharCode(...payload) };
    default:
      throw new ProtocolError("unknown-type", `unknown frame type ${type}`);
  }
}

export function typeName(type) {
  return TYPE_NAMES[type] ?? `type ${type}`;
}
