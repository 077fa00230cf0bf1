"""The browser's frame codec and channel (tether/web/static/js) agree byte for byte with tether.protocol.

The Python codec is the oracle: it produces encode vectors, decodes thousands of valid and malformed messages, and
drives random channel scenarios; node runs the JavaScript modules over the same inputs (tests/web/check_codec.mjs)
and must produce the same bytes, frames and error codes. Needs plain `node` (no npm install); .ci/run installs it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tether.protocol import (
    MAX_DATA,
    Ack,
    Channel,
    Close,
    Data,
    Eof,
    Error,
    Exit,
    Hello,
    Open,
    OpenFail,
    OpenOk,
    ProtocolError,
    Resize,
    Resume,
    Token,
    decode,
    encode,
)
from tether.protocol.frames import FrameType

STATIC_JS = Path(__file__).parents[2] / "tether" / "web" / "static" / "js"
CHECKER = Path(__file__).parent / "check_codec.mjs"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("TETHER_REQUIRE_BROWSER") == "1":
            pytest.fail("node is not installed but TETHER_REQUIRE_BROWSER=1 (.ci/run installs nodejs)")
        pytest.skip("node is not installed: the JavaScript codec cannot be checked here")
    return node


def _frame_view(frame: Any) -> dict[str, Any]:
    """The Python frame as the JS decoder returns it: {type, stream, fields...} with DATA as hex."""
    ftype = {
        Hello: FrameType.HELLO, Data: FrameType.DATA, Ack: FrameType.ACK, Resize: FrameType.RESIZE,
        Open: FrameType.OPEN, OpenOk: FrameType.OPEN_OK, OpenFail: FrameType.OPEN_FAIL, Eof: FrameType.EOF,
        Close: FrameType.CLOSE, Exit: FrameType.EXIT, Error: FrameType.ERROR, Resume: FrameType.RESUME,
        Token: FrameType.TOKEN,
    }[type(frame)]
    view: dict[str, Any] = {"type": int(ftype)}
    for name in frame.__slots__:
        value = getattr(frame, name)
        view[name] = value.hex() if isinstance(value, bytes) else value
    return view


def _decode_expect(message: bytes) -> dict[str, Any]:
    try:
        return _frame_view(decode(message))
    except ProtocolError as exc:
        return {"error": exc.code}


def _encode_vectors() -> list[dict[str, Any]]:
    cases: list[tuple[str, list[Any], Any]] = [
        ("encodeHello", [1 << 20], Hello()),
        ("encodeHello", [4096, 1], Hello(1, 4096)),
        ("encodeData", [0, {"hex": b"hi \xe4\xb8\xad\xe6\x96\x87\x1b[31m".hex()}], Data(0, "hi 中文\x1b[31m".encode())),
        ("encodeData", [7, {"hex": (b"\xff" * MAX_DATA).hex()}], Data(7, b"\xff" * MAX_DATA)),
        ("encodeData", [0, {"hex": ""}], Data(0, b"")),
        ("encodeData", [0, {"hex": (b"x" * (MAX_DATA + 1)).hex()}], Data(0, b"x" * (MAX_DATA + 1))),
        ("encodeAck", [0, 0], Ack(0, 0)),
        ("encodeAck", [3, 2**40 + 5], Ack(3, 2**40 + 5)),
        ("encodeResize", [80, 24], Resize(80, 24)),
        ("encodeResize", [65535, 1], Resize(65535, 1)),
        ("encodeResize", [0, 24], Resize(0, 24)),
        ("encodeResize", [80, 65536], Resize(80, 65536)),
        ("encodeOpen", [1, "db.internal:5432"], Open(1, "db.internal:5432")),
        ("encodeOpenOk", [1], OpenOk(1)),
        ("encodeOpenFail", [3, "refusé"], OpenFail(3, "refusé")),
        ("encodeEof", [0], Eof(0)),
        ("encodeClose", [0, ""], Close(0, "")),
        ("encodeClose", [5, "x" * 1025], Close(5, "x" * 1025)),
        ("encodeExit", [0], Exit(0)),
        ("encodeExit", [-9], Exit(-9)),
        ("encodeExit", [2**31 - 1], Exit(2**31 - 1)),
        ("encodeExit", [2**31], Exit(2**31)),
        ("encodeError", ["InvalidUser.NotFound", "no user «bob»"], Error("InvalidUser.NotFound", "no user «bob»")),
        ("encodeError", ["", "x"], Error("", "x")),
        ("encodeError", ["é", "x"], Error("é", "x")),
    ]
    vectors = []
    for fn, args, frame in cases:
        try:
            expect = encode(frame).hex()
        except ProtocolError as exc:
            expect = f"error:{exc.code}"
        vectors.append({"fn": fn, "args": args, "expect": expect})
    return vectors


def _decode_vectors(rng: random.Random) -> list[dict[str, Any]]:
    messages = [
        b"", b"\x01", b"\x00\x00\x00\x00", encode(Hello()), encode(Data(0, "ünï 中".encode())),
        encode(Ack(0, 2**53 - 1)), encode(Resize(132, 43)), encode(Exit(-15)), encode(Error("X.Y", "why")),
        encode(Close(0, "bye")), encode(Eof(0)), encode(Open(9, "h:1")), encode(OpenOk(9)), encode(OpenFail(9, "no")),
        bytes([FrameType.DATA, 0, 0, 0, 0]) + b"x" * (MAX_DATA + 1),
        bytes([FrameType.CLOSE, 0, 0, 0, 0]) + b"\xc3\x28",
        bytes([FrameType.ERROR, 0, 0, 0, 0]) + b"\x05ab",
        bytes([FrameType.ERROR, 0, 0, 0, 0]) + b"\x01\xff",
        bytes([FrameType.RESIZE, 0, 0, 0, 0]) + struct.pack(">HH", 0, 10),
        bytes([FrameType.HELLO, 0, 0, 0, 1]) + struct.pack(">HI", 1, 4096),
        bytes([11, 0, 0, 0, 0]),
        encode(Resume(0, 2**40, 7, True)), encode(Resume(3, 0, 2**32 - 1)), encode(Token("t0k-en_")),
        bytes([FrameType.TOKEN, 0, 0, 0, 0]) + b"\x80", bytes([FrameType.RESUME, 0, 0, 0, 0]) + bytes(12) + b"\x02",
    ]
    payloads = [b"", b"\x00", b"\xff\xfe", "é".encode(), b"\x01\x02\x03\x04", b"\x00" * 6, b"\x00" * 8, b"\xc3"]
    for _ in range(3000):
        ftype = rng.randrange(0, 13)
        stream = rng.choice([0, 0, 1, 2, 0xFFFFFFFF])
        payload = rng.choice(payloads) if rng.random() < 0.5 else rng.randbytes(rng.randrange(0, 12))
        messages.append(struct.pack(">BI", ftype, stream) + payload)
    return [{"hex": m.hex(), "expect": _decode_expect(m)} for m in messages]


def _channel_scenarios(rng: random.Random) -> list[dict[str, Any]]:
    """Random sequences of receive/send/consume on stream 0, with the Python Channel's answers as expectations."""
    scenarios = []
    for n in range(60):
        window = rng.choice([4096, 16384, 1 << 20])
        ch = Channel(window)
        steps: list[dict[str, Any]] = [{"op": "hello", "expect": ch.hello().hex()}]
        peer_window = rng.choice([4096, 65536, 3])
        sent_by_peer = 0
        for i in range(rng.randrange(5, 40)):
            choice = rng.random()
            if i == 0 and rng.random() < 0.9:
                message = encode(Hello(1, peer_window)) if peer_window >= 4096 else encode(Hello(1, 4096))
            elif choice < 0.35:
                size = rng.choice([1, 100, 4000, 5000, MAX_DATA])
                message = encode(Data(0, b"o" * size))
                sent_by_peer += size
            elif choice < 0.45:
                message = encode(Ack(0, rng.randrange(0, 3000)))
            elif choice < 0.5:
                message = rng.choice([encode(Hello()), encode(Eof(0)), encode(Exit(0)), encode(Data(1, b"x"))])
            elif choice < 0.75:
                data = b"i" * rng.choice([1, 10, 2000, 70000])
                try:
                    frames = [f.hex() for f in ch.send_data(data, 0)]
                    expect: Any = frames
                except ProtocolError as exc:
                    expect = f"error:{exc.code}"
                steps.append({"op": "send", "hex": data.hex(), "expect": expect})
                continue
            elif choice < 0.95:
                state = ch._streams[0]
                k = rng.randrange(0, max(1, state.received - state.consumed + 2))
                try:
                    ack = ch.consumed(k, 0)
                    expect = ack.hex() if ack else None
                except ProtocolError as exc:
                    expect = f"error:{exc.code}"
                steps.append({"op": "consumed", "n": k, "expect": expect})
                continue
            else:
                steps.append({"op": "credit", "expect": ch.credit(0)})
                continue
            try:
                frame = ch.receive(message)
                expect = type(frame).__name__.upper().replace("OPENOK", "OPEN_OK")
                expect = {"EOF": "EOF"}.get(expect, expect)
            except ProtocolError as exc:
                expect = f"error:{exc.code}"
            steps.append({"op": "receive", "hex": message.hex(), "expect": expect})
            if isinstance(expect, str) and expect.startswith("error:"):
                break
        scenarios.append({"name": f"scenario-{n}", "window": window, "steps": steps})
    return scenarios


def test_js_codec_matches_python(tmp_path: Path) -> None:
    node = _node()
    rng = random.Random(20261201)
    vectors = {
        "encode": _encode_vectors(),
        "decode": _decode_vectors(rng),
        "channel": _channel_scenarios(rng),
    }
    # The modules are browser ES modules with a .js suffix; a package.json marks the copy as ESM for node.
    for name in ("frames.js", "channel.js"):
        shutil.copy(STATIC_JS / name, tmp_path / name)
    shutil.copy(CHECKER, tmp_path / "check_codec.mjs")
    (tmp_path / "package.json").write_text('{"type": "module"}')
    (tmp_path / "vectors.json").write_text(json.dumps(vectors))
    proc = subprocess.run(
        [node, str(tmp_path / "check_codec.mjs"), str(tmp_path / "vectors.json")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["checked"] == sum(len(v) for v in vectors.values())
    assert result["count"] == 0, json.dumps(result["failures"], indent=1)[:6000]


def test_checker_can_fail(tmp_path: Path) -> None:
    """A wrong expectation must be reported: the comparison is not vacuous."""
    node = _node()
    vectors = {
        "encode": [{"fn": "encodeResize", "args": [80, 24], "expect": encode(Resize(81, 24)).hex()}],
        "decode": [{"hex": encode(Exit(3)).hex(), "expect": {"type": 9, "stream": 0, "status": 4}}],
        "channel": [{"name": "x", "window": 4096, "steps": [{"op": "credit", "expect": 1}]}],
    }
    for name in ("frames.js", "channel.js"):
        shutil.copy(STATIC_JS / name, tmp_path / name)
    shutil.copy(CHECKER, tmp_path / "check_codec.mjs")
    (tmp_path / "package.json").write_text('{"type": "module"}')
    (tmp_path / "vectors.json").write_text(json.dumps(vectors))
    proc = subprocess.run(
        [node, str(tmp_path / "check_codec.mjs"), str(tmp_path / "vectors.json")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert json.loads(proc.stdout)["count"] == 3
