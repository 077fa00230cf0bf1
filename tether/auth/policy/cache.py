"""Parsed policy documents kept in memory, keyed by name and version, so a decision never re-parses JSON.

Parsing and compiling a document costs far more than evaluating it; a policy changes rarely and is read on every
request, so the parse is paid once per version and the least recently used versions are dropped beyond a bound.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from tether.auth.policy.document import PolicyDocument, parse_policy


class PolicyCache:
    """Parsed policy documents by (name, version stamp), least recently used evicted beyond `size` entries."""

    def __init__(self, size: int = 2048) -> None:
        self._size = size
        self._docs: OrderedDict[tuple[str, str], PolicyDocument] = OrderedDict()

    def get(self, name: str, stamp: str, text: str) -> PolicyDocument:
        """The parsed `text` of policy `name` at version `stamp`; raises PolicyError if it does not parse."""
        key = (name, stamp)
        doc = self._docs.get(key)
        if doc is not None:
            self._docs.move_to_end(key)
            return doc
        doc = parse_policy(text)
        self._docs[key] = doc
        if len(self._docs) > self._size:
            self._docs.popitem(last=False)
        return doc

    def session_policy(self, text: str) -> PolicyDocument:
        return self.get("(session)", hashlib.sha256(text.encode("utf-8")).hexdigest(), text)

    def __len__(self) -> int:
        return len(self._docs)
