// Runs the browser's frame codec and channel (tether/web/static/js) under node against vectors from the Python
// codec (tests/web/test_codec.py writes them). Prints one JSON line: {"failures": [...], "checked": N}.
import { readFileSync } from "node:fs";
import * as frames from "./frames.js";
import { Channel } from "./channel.js";

const vectors = JSON.parse(readFileSync(process.argv[2], "utf8"));
const failures = [];
const hex = (bytes) => Buffer.from(bytes).toString("hex");
const unhex = (text) => new Uint8Array(Buffer.from(text, "hex"));

function view(frame) {
  const out = { ...frame };
  if (out.data) out.data = hex(out.data);
  return out;
}

function same(a, b) {
  return JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
}

for (const v of vectors.encode) {
  let got;
  try {
    const args = v.args.map((a) => (a && typeof a === "object" && "hex" in a ? unhex(a.hex) : a));
    got = hex(frames[v.fn](...args));
  } catch (err) {
    got = `error:${err.code}`;
  }
  if (got !== v.expect) failures.push({ what: "encode", fn: v.fn, args: v.args, expect: v.expect, got });
}

for (const v of vectors.decode) {
  let got;
  try {
    got = view(frames.decode(unhex(v.hex)));
  } catch (err) {
    if (!(err instanceof frames.ProtocolError)) got = { crash: String(err) };
    else got = { error: err.code };
  }
  if (!same(got, v.expect)) failures.push({ what: "decode", hex: v.hex, expect: v.expect, got });
}

// Channel scenarios: a list of steps, each {op, ...} with the expected outcome.
for (const scenario of vectors.channel) {
  const ch = new Channel(scenario.window);
  for (const [i, step] of scenario.steps.entries()) {
    let got;
    try {
      if (step.op === "receive") got = frames.typeName(ch.receive(unhex(step.hex)).type);
      else if (step.op === "send") got = ch.sendData(unhex(step.hex)).map(hex);
      else if (step.op === "consumed") { const ack = ch.consumed(step.n); got = ack ? hex(ack) : null; }
      else if (step.op === "credit") got = ch.credit();
      else if (step.op === "hello") got = hex(ch.hello());
    } catch (err) {
      got = `error:${err.code}`;
    }
    if (JSON.stringify(got) !== JSON.stringify(step.expect)) {
      failures.push({ what: "channel", scenario: scenario.name, step: i, op: step.op, expect: step.expect, got });
      break;
    }
  }
}

const checked = vectors.encode.length + vectors.decode.length + vectors.channel.length;
console.log(JSON.stringify({ failures: failures.slice(0, 20), count: failures.length, checked }));
