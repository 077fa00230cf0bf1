"""Full-text search of recording output: SQLite FTS5 by default, PostgreSQL full-text search on PostgreSQL.

The lines of a recording (plain text, see `tether.recording.text`) live in `recording_text` (migration 0006).
Both databases see the same words: SQLite's `unicode61` tokenizer splits on everything but letters and digits, and
PostgreSQL indexes `to_tsvector('simple', line)` after punctuation is turned into spaces, so `web-1.example.com`
is the words `web 1 example com` on both and a search for `example` finds it on both. Matching ignores case.

A query is words and "quoted phrases"; a line matches when it holds every one of them (a phrase as consecutive
words), and a bare word ending in `*` matches as a prefix. The query is rebuilt from its words, never passed to the
database's query syntax as typed, so no input can cause a syntax error there. Results are sessions, newest first,
each with its first few matching lines; paging is keyset on the sessions (created_at, id) like
DescribeTerminalSessions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    TextClause,
    bindparam,
    column,
    delete,
    func,
    literal_column,
    select,
    table,
    text,
    update,
)
from sqlalchemy.sql.selectable import Select

from tether.store.db import Database
from tether.store.models import Recording, Session
from tether.store.sessions import SessionFilter, after_cursor, encode_cursor

# tables of the search index that the SQLAlchemy models do not describe (FTS5 adds its shadow tables)
SEARCH_TABLES = frozenset(
    {
        "recording_text",
        "recording_text_fts",
        "recording_text_fts_data",
        "recording_text_fts_idx",
        "recording_text_fts_docsize",
        "recording_text_fts_config",
        "recording_text_fts_content",
    }
)
MAX_QUERY_TERMS = 16  # words and phrases in one query
MAX_QUERY_LENGTH = 512
INSERT_BATCH = 1000

_WORD = re.compile(r"[^\W_]+")  # letters and digits: what both tokenizers keep
_TERM = re.compile(r'"([^"]*)"?|(\S+)')

_lines = table(
    "recording_text",
    column("id"),
    column("session_id"),
    column("seq"),
    column("t"),
    column("line"),
)


class SearchQueryError(ValueError):
    """The search text has nothing to look for (no letters or digits), or too much."""


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # consecutive words (one for a bare word)
    prefix: bool = False  # the last word matches as a prefix


def parse_query(query: str) -> list[Term]:
    """Words and "phrases" of a search text; raises SearchQueryError when nothing searchable is left."""
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchQueryError(f"the search text is longer than {MAX_QUERY_LENGTH} characters")
    terms: list[Term] = []
    for match in _TERM.finditer(query):
        phrase, bare = match.group(1), match.group(2)
        words = tuple(w.lower() for w in _WORD.findall(phrase if phrase is not None else bare))
        if words:
            terms.append(Term(words, prefix=bare is not None and bare.endswith("*")))
    if not terms:
        raise SearchQueryError("the search text has no words: give letters or digits to look for")
    if len(terms) > MAX_QUERY_TERMS:
        raise SearchQueryError(f"the search text has more than {MAX_QUERY_TERMS} words and phrases")
    return terms


def fts5_query(terms: Sequence[Term]) -> str:
    """An FTS5 MATCH expression: every term as a quoted string (so nothing is syntax), ANDed."""
    parts = []
    for term in terms:
        quoted = '"' + " ".join(term.words).replace('"', '""') + '"'
        parts.append(quoted + " *" if term.prefix else quoted)
    return " AND ".join(parts)


def tsquery(terms: Sequence[Term]) -> str:
    """A to_tsquery expression: words quoted as lexemes, `<->` within a phrase, `&` between terms."""

    def lexeme(word: str, prefix: bool) -> str:
        return "'" + word.replace("'", "''").replace("\\", "\\\\") + "'" + (":*" if prefix else "")

    parts = []
    for term in terms:
        last = len(term.words) - 1
        words = [lexeme(w, term.prefix and i == last) for i, w in enumerate(term.words)]
        parts.append("(" + " <-> ".join(words) + ")")
    return " & ".join(parts)


@dataclass(frozen=True)
class MatchLine:
    t: float  # seconds into the recording
    text: str


@dataclass(frozen=True)
class SearchHit:
    session: Session
    recording: Recording | None
    lines: Sequence[MatchLine]  # the first matching lines, in recording order
    more_lines: bool  # more lines of this session match than are listed


@dataclass(frozen=True)
class SearchPage:
    hits: Sequence[SearchHit]
    next_token: str | None


class SearchRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- indexing -----------------------------------------------------------------------------------------------

    async def clear(self, session_id: str) -> None:
        """Forget the lines of a session (before indexing it again after an interrupted attempt)."""
        async with self._db.transaction() as s:
            await s.execute(delete(_lines).where(_lines.c.session_id == session_id))

    async def add(self, session_id: str, first_seq: int, lines: Sequence[tuple[float, str]]) -> int:
        """Store lines (time offset, text) numbered from `first_seq`; returns the next sequence number."""
        if not lines:
            return first_seq
        rows = [
            {"session_id": session_id, "seq": first_seq + i, "t": float(t), "line": line}
            for i, (t, line) in enumerate(lines)
        ]
        async with self._db.transaction() as s:
            for start in range(0, len(rows), INSERT_BATCH):
                await s.execute(_lines.insert(), rows[start : start + INSERT_BATCH])
        return first_seq + len(rows)

    async def mark_indexed(self, session_id: str, now: datetime) -> None:
        async with self._db.transaction() as s:
            await s.execute(update(Recording).where(Recording.session_id == session_id).values(indexed_at=now))

    async def index(self, session_id: str, lines: Iterable[tuple[float, str]], now: datetime) -> int:
        """Replace the lines of a session and mark its recording indexed; returns how many lines were stored."""
        await self.clear(session_id)
        seq, batch = 0, []
        for line in lines:
            batch.append(line)
            if len(batch) >= INSERT_BATCH:
                seq = await self.add(session_id, seq, batch)
                batch = []
        seq = await self.add(session_id, seq, batch)
        await self.mark_indexed(session_id, now)
        return seq

    async def unindexed(self, node: str, limit: int = 100) -> list[str]:
        """Sealed recordings of this node not indexed yet, oldest first (only this node has their files)."""
        query = (
            select(Recording.session_id)
            .join(Session, Session.id == Recording.session_id)
            .where(Recording.sealed.is_(True), Recording.indexed_at.is_(None), Session.node == node)
            .order_by(Recording.sealed_at, Recording.session_id)
            .limit(limit)
        )
        async with self._db.transaction() as s:
            return list((await s.scalars(query)).all())

    async def lines_of(self, session_id: str) -> list[MatchLine]:
        """Every indexed line of a session, in order (tests and diagnostics; a session has a bounded number)."""
        query = select(_lines.c.t, _lines.c.line).where(_lines.c.session_id == session_id).order_by(_lines.c.seq)
        async with self._db.transaction() as s:
            return [MatchLine(float(t), line) for t, line in (await s.execute(query)).all()]

    # --- searching ----------------------------------------------------------------------------------------------

    def _matching(self, terms: Sequence[Term]) -> tuple[Select[tuple[str]], ColumnElement[bool] | TextClause]:
        """(the ids of sessions with a matching line, the condition on `recording_text` rows that match)."""
        if self._db.is_sqlite:
            condition: ColumnElement[bool] | TextClause = _lines.c.id.in_(
                select(literal_column("rowid"))
                .select_from(table("recording_text_fts"))
                .where(text("recording_text_fts MATCH :fts").bindparams(bindparam("fts", fts5_query(terms))))
            )
        else:
            condition = text("recording_text.tsv @@ to_tsquery('simple'::regconfig, :tsq)").bindparams(
                bindparam("tsq", tsquery(terms))
            )
        return select(_lines.c.session_id).where(condition), condition

    async def search(
        self,
        query: str,
        filters: SessionFilter | None = None,
        *,
        limit: int = 20,
        lines_per_session: int = 5,
        next_token: str | None = None,
    ) -> SearchPage:
        """Sessions with a line matching `query`, newest first, with up to `lines_per_session` matching lines.

        Raises SearchQueryError for a query with nothing to search, ValueError for a bad NextToken.
        """
        terms = parse_query(query)
        sessions_matching, line_matches = self._matching(terms)
        conditions = (filters or SessionFilter()).conditions()
        conditions.append(Session.id.in_(sessions_matching))
        if next_token is not None:
            conditions.append(after_cursor(next_token))
        page_query = (
            select(Session).where(*conditions).order_by(Session.created_at.desc(), Session.id.desc()).limit(limit + 1)
        )
        async with self._db.transaction() as s:
            sessions = list((await s.scalars(page_query)).all())
            more = len(sessions) > limit
            sessions = sessions[:limit]
            ids = [row.id for row in sessions]
            found: dict[str, list[MatchLine]] = {i: [] for i in ids}
            recordings: dict[str, Recording] = {}
            if ids:
                number = func.row_number().over(partition_by=_lines.c.session_id, order_by=_lines.c.seq).label("n")
                ranked = (
                    select(_lines.c.session_id, _lines.c.t, _lines.c.line, number)
                    .where(line_matches, _lines.c.session_id.in_(ids))
                    .subquery()
                )
                rows = await s.execute(
                    select(ranked.c.session_id, ranked.c.t, ranked.c.line)
                    .where(ranked.c.n <= lines_per_session + 1)
                    .order_by(ranked.c.session_id, ranked.c.n)
                )
                for session_id, t, line in rows.all():
                    found[session_id].append(MatchLine(float(t), line))
                recordings = {
                    r.session_id: r
                    for r in (await s.scalars(select(Recording).where(Recording.session_id.in_(ids)))).all()
                }
        hits = [
            SearchHit(
                session=row,
                recording=recordings.get(row.id),
                lines=found[row.id][:lines_per_session],
                more_lines=len(found[row.id]) > lines_per_session,
            )
            for row in sessions
        ]
        return SearchPage(hits=hits, next_token=encode_cursor(sessions[-1]) if more and sessions else None)
