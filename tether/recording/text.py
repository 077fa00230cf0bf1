"""The searchable text of a recording: the lines a person would have read on the screen, with their time offsets.

A shell's output is not text: it is text interleaved with escape sequences (colours, cursor moves, window titles),
carriage returns that redraw a line (progress bars, readline), backspaces that erase what was echoed, and bytes that
are not UTF-8. `LineExtractor` turns the "o" events of a cast into plain lines:

- escape sequences are removed whole (CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ST`, DCS/SOS/PM/APC strings,
  charset selects `ESC ( B` and the other two- and three-character escapes, 8-bit CSI), even when one is split
  across two events;
- other control characters and bytes that were not UTF-8 are dropped, a tab becomes a space;
- a carriage return followed by more text on the same line replaces the line with that text (what a redraw shows
  last); `\\r\\n` keeps the line; a backspace erases one character;
- each line carries the time offset of its first character; blank lines are dropped, consecutive identical lines are
  kept once (a `yes` flood becomes one line), and lines are cut at MAX_LINE characters.

Work and memory are bounded whatever the recording holds: the extractor keeps one line and at most MAX_PENDING
characters of an unfinished escape sequence, and stops once MAX_TEXT characters or MAX_LINES lines were produced
(`truncated` then says so). The hot path is a few regular-expression passes per event, not a Python loop per
character, so a 1 GiB recording is read in seconds. Pure and synchronous: the indexer runs it in a worker thread.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from tether.recording.asciicast import iter_events

MAX_LINE = 1000  # characters kept of one line; the rest of a longer line is not indexed
MAX_TEXT = 16 * 1024 * 1024  # characters of lines indexed per recording; the rest of the recording is not
MAX_LINES = 200_000  # lines indexed per recording (many short lines cost rows, not characters)
MAX_PENDING = 4096  # characters of an unfinished escape sequence carried to the next event

# A complete escape sequence: CSI, OSC (ended by BEL or ST), a DCS/SOS/PM/APC string (ended by ST), a two- or
# three-character escape (charset selects `ESC ( B`, `ESC 7`, `ESC =` ...), an 8-bit CSI or OSC.
_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[PX^_][^\x1b]*\x1b\\"
    r"|\x1b(?:[ -/]+[0-~]|[0-OQ-WYZ\\`a-~])"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
)
# what may still become a sequence when more output arrives (an escape cut at the end of an event)
_UNFINISHED = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*\x1b?|[PX^_][^\x1b]*\x1b?|[ -/]*)?\Z"
    r"|\x9b[0-?]*[ -/]*\Z|\x9d[^\x07\x1b\x9c]*\x1b?\Z"
)
# control characters other than \n \r \b \t, C1 controls, lone surrogates (bytes that were not UTF-8), stray ESC
_DROP = re.compile(r"[\x00-\x07\x0b-\x0c\x0e-\x1f\x7f-\x9f\udc80-\udcff]")
_REPEATS = re.compile(r"^([^\n]*\n)\1+", re.MULTILINE)  # a run of identical raw lines: the lines after it add nothing


@dataclass(frozen=True)
class TextLine:
    t: float  # seconds since the start of the recording when the line's first character was printed
    text: str


class LineExtractor:
    """Feed "o" event texts in order; collect the lines. Holds one line and an unfinished escape at most."""

    def __init__(self, *, max_line: int = MAX_LINE, max_text: int = MAX_TEXT, max_lines: int = MAX_LINES) -> None:
        self.truncated = False  # MAX_TEXT or MAX_LINES was reached: later output is not in the lines
        self._max_line = max_line
        self._max_text = max_text
        self._max_lines = max_lines
        self._total = 0
        self._count = 0
        self._pending = ""  # an escape sequence cut at the end of the previous event
        self._line = ""
        self._line_t = 0.0
        self._cr = False  # the line had a carriage return: the next text on it redraws it
        self._last: str | None = None  # the last line produced (consecutive duplicates are dropped)

    def feed(self, t: float, text: str) -> list[TextLine]:
        """The lines completed by one event's text (printed `t` seconds into the recording)."""
        if self.truncated:
            return []
        text = self._pending + text
        self._pending = ""
        text = _SEQUENCE.sub("", text)
        tail = _UNFINISHED.search(text)
        if tail is not None:
            self._pending = _carry(tail.group())
            text = text[: tail.start()]
        text = _DROP.sub("", text)
        first = text.find("\n")
        if first >= 0 and first + 1 < len(text):
            # the first segment may continue the current line, so only whole lines after it are collapsed
            text = text[: first + 1] + _REPEATS.sub(r"\1", text[first + 1 :])
        out: list[TextLine] = []
        segments = text.split("\n")
        for i, segment in enumerate(segments):
            if segment:
                self._add(t, segment)
            if i < len(segments) - 1:
                self._end_line(out)
                if self.truncated:
                    break
        return out

    def finish(self) -> list[TextLine]:
        """The last line, if the output did not end with a newline."""
        out: list[TextLine] = []
        if not self.truncated:
            self._end_line(out)
        return out

    def _add(self, t: float, segment: str) -> None:
        if "\t" in segment:
            segment = segment.replace("\t", " ")
        parts = segment.split("\r")
        for n, part in enumerate(parts):
            if n > 0:
                self._cr = True
            if part and self._cr:
                self._line, self._cr = "", False  # text after a carriage return redraws the line
            if "\b" in part:
                for ch in part:
                    if ch == "\b":
                        self._line = self._line[:-1]
                    else:
                        self._append(t, ch)
            elif part:
                self._append(t, part)

    def _append(self, t: float, text: str) -> None:
        if not self._line:
            self._line_t = t
        room = self._max_line - len(self._line)
        if room > 0:
            self._line += text[:room]

    def _end_line(self, out: list[TextLine]) -> None:
        line, self._line, self._cr = self._line.strip(), "", False
        if not line or line == self._last:
            return
        self._last = line
        if self._total + len(line) > self._max_text or self._count >= self._max_lines:
            self.truncated = True
            return
        self._total += len(line)
        self._count += 1
        out.append(TextLine(round(self._line_t, 3), line))


def _carry(tail: str) -> str:
    """What of an unfinished sequence to keep: all of it, or for a long string (OSC, DCS ...) only its introducer,
    which still swallows the rest of the string when it arrives; a long CSI is not a real one and is dropped."""
    if len(tail) <= MAX_PENDING:
        return tail
    if tail[:2] in ("\x1b]", "\x1bP", "\x1bX", "\x1b^", "\x1b_"):
        return tail[:2]
    if tail[0] == "\x9d":
        return tail[0]
    return ""


def extract_lines(
    path: Path, *, max_line: int = MAX_LINE, max_text: int = MAX_TEXT, max_lines: int = MAX_LINES
) -> Generator[TextLine, None, None]:
    """The lines of a cast file's output, read one event at a time (blocking: call it in a worker thread).

    A line that is not valid JSON (a file cut short by a crash and not yet sealed) ends the reading quietly: what
    was readable is still worth finding.
    """
    extractor = LineExtractor(max_line=max_line, max_text=max_text, max_lines=max_lines)
    events = iter_events(path)
    while True:
        try:
            t, code, text = next(events)
        except StopIteration:
            break
        except (ValueError, TypeError):
            break
        if code == "o":
            yield from extractor.feed(t, text)
            if extractor.truncated:
                return
    yield from extractor.finish()
