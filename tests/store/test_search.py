"""Recording search and session filters on SQLite (FTS5) and PostgreSQL (tsvector): same answers on both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tether.store import (
    Database,
    RecordingRepo,
    SearchQueryError,
    SearchRepo,
    SessionFilter,
    SessionRepo,
    SessionState,
)

NOW = datetime(2026, 11, 28, 11, 40, 24, tzinfo=UTC)
ALICE = "acs:ram::1234:user/alice"
BOB = "acs:ram::1234:user/bob"


async def _session(
    db: Database,
    session_id: str,
    *,
    created: datetime = NOW,
    instance: str = "mi-1",
    principal: str = ALICE,
    kind: str = "shell",
    lines: list[tuple[float, str]] | None = None,
    node: str = "n1",
) -> None:
    await SessionRepo(db).create(
        session_id=session_id,
        instance_id=instance,
        principal=principal,
        kind=kind,
        username=None,
        command=None,
        node=node,
        client_ip="127.0.0.1",
        client_token_hash="ch",
        client_token_expires_at=created + timedelta(minutes=10),
        agent_token_hash="ah",
        now=created,
    )
    if lines is not None:
        await RecordingRepo(db).create(
            session_id=session_id, path=f"r/{session_id}.cast", started_at=created, input_recorded=False
        )
        await SearchRepo(db).index(session_id, lines, NOW)


async def _ids(repo: SearchRepo, query: str, filters: SessionFilter | None = None) -> list[str]:
    return [hit.session.id for hit in (await repo.search(query, filters, limit=100)).hits]


async def test_a_printed_word_is_found_and_one_never_printed_is_not(db: Database) -> None:
    await _session(db, "s-1", lines=[(0.5, "alice@web-1:~$ ls"), (1.25, "quartzx  notes.txt"), (2.0, "done")])
    await _session(db, "s-2", created=NOW + timedelta(seconds=1), lines=[(0.1, "nothing to see")])
    repo = SearchRepo(db)
    page = await repo.search("quartzx")
    assert [(h.session.id, [(m.t, m.text) for m in h.lines], h.more_lines) for h in page.hits] == [
        ("s-1", [(1.25, "quartzx  notes.txt")], False)
    ]
    assert page.next_token is None
    assert await _ids(repo, "zebrafish") == []
    assert await _ids(repo, "quartz") == []  # words, not substrings


async def test_case_phrases_prefixes_and_punctuation(db: Database) -> None:
    await _session(
        db,
        "s-1",
        lines=[
            (1.0, "Connecting to DB-Primary.example.com:5432 ..."),
            (2.0, "ERROR: disk full on /var/lib/postgresql"),
            (3.0, "full disk warning"),
        ],
    )
    repo = SearchRepo(db)
    for query in [
        "connecting",
        "CONNECTING",
        "example",
        "db primary",
        "primary.example.com",
        "5432",
        '"disk full"',
        "postgresql",
        "/var/lib",
        "postg*",
        '"error disk"',
        "disk full warning",
    ]:
        assert await _ids(repo, query) == ["s-1"], query
    for query in ['"full error"', "postg", '"warning disk"', "connect", "disk full missing"]:
        assert await _ids(repo, query) == [], query
    hit = (await repo.search('"disk full"')).hits[0]
    assert [m.text for m in hit.lines] == ["ERROR: disk full on /var/lib/postgresql"]
    hit = (await repo.search("disk full")).hits[0]  # words anywhere in one line: two lines match
    assert [m.t for m in hit.lines] == [2.0, 3.0]


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "AND",
        "OR NOT (",
        "a:b",
        "col:umn",
        "NEAR(a b)",
        "x' OR '1'='1",
        "back\\slash",
        "^start",
        "a & b | !c",
        "a <-> b",
        "word*",
        "*word",
        "{a b}: c",
        "日本",
        "café",
    ],
)
async def test_no_input_is_a_syntax_error(db: Database, query: str) -> None:
    await _session(db, "s-1", lines=[(1.0, "a b c start word col umn café 日本 x 1")])
    await SearchRepo(db).search(query)  # answers (found or not) without a database error


@pytest.mark.parametrize("query", ["", "   ", "***", "-- ;", '""', "<->"])
async def test_a_query_without_words_is_refused(db: Database, query: str) -> None:
    with pytest.raises(SearchQueryError, match="no words"):
        await SearchRepo(db).search(query)


async def test_filters_and_paging(db: Database) -> None:
    for i in range(7):
        await _session(
            db,
            f"s-{i}",
            created=NOW + timedelta(minutes=i),
            instance="mi-1" if i % 2 else "mi-2",
            principal=ALICE if i < 4 else BOB,
            lines=[(float(i), f"needle {i}")],
        )
    await _session(db, "s-x", principal="acs:ram::1234:user/xbob", lines=[(0.0, "needle")])
    repo = SearchRepo(db)
    assert await _ids(repo, "needle", SessionFilter(principal="bob")) == ["s-6", "s-5", "s-4"]
    assert await _ids(repo, "needle", SessionFilter(principal=BOB)) == ["s-6", "s-5", "s-4"]
    assert await _ids(repo, "needle", SessionFilter(instance_id="mi-1", principal="alice")) == ["s-3", "s-1"]
    window = SessionFilter(created_after=NOW + timedelta(minutes=2), created_before=NOW + timedelta(minutes=5))
    assert await _ids(repo, "needle", window) == ["s-4", "s-3", "s-2"]
    seen, token = [], None
    while True:
        page = await repo.search("needle", SessionFilter(principal="alice"), limit=2, next_token=token)
        seen += [hit.session.id for hit in page.hits]
        token = page.next_token
        if token is None:
            break
    assert seen == ["s-3", "s-2", "s-1", "s-0"]
    with pytest.raises(ValueError):
        await repo.search("needle", next_token="garbage!")


async def test_lines_per_session_are_bounded_and_in_order(db: Database) -> None:
    await _session(db, "s-1", lines=[(i * 0.5, f"match line {i}") for i in range(50)])
    hit = (await SearchRepo(db).search("match", lines_per_session=3)).hits[0]
    assert [(m.t, m.text) for m in hit.lines] == [(0.0, "match line 0"), (0.5, "match line 1"), (1.0, "match line 2")]
    assert hit.more_lines
    assert hit.recording is not None and hit.recording.session_id == "s-1"


async def test_indexing_again_replaces_and_marks_the_recording(db: Database) -> None:
    await _session(db, "s-1", lines=[(1.0, "old words")])
    repo = SearchRepo(db)
    recording = await RecordingRepo(db).get("s-1")
    assert recording is not None and recording.indexed_at == NOW
    assert await repo.index("s-1", [(2.0, "new words"), (3.0, "more")], NOW) == 2
    assert [m.text for m in await repo.lines_of("s-1")] == ["new words", "more"]
    assert await _ids(repo, "old") == [] and await _ids(repo, "new") == ["s-1"]
    # a recording deleted with its session takes its lines (and the full-text index entries) with it
    async with db.transaction() as s:
        await s.execute(text("DELETE FROM recordings WHERE session_id = 's-1'"))
    assert await _ids(repo, "new") == [] and await repo.lines_of("s-1") == []


async def test_unindexed_lists_sealed_recordings_of_this_node(db: Database) -> None:
    recordings, repo = RecordingRepo(db), SearchRepo(db)
    for session_id, node in [("s-1", "n1"), ("s-2", "n1"), ("s-3", "n2"), ("s-4", "n1")]:
        await _session(db, session_id, node=node)
        await recordings.create(
            session_id=session_id, path=f"r/{session_id}.cast", started_at=NOW, input_recorded=False
        )
    for session_id in ["s-1", "s-2", "s-3"]:
        await recordings.seal(
            session_id, ended_at=NOW, duration=1.0, size=10, sha256="0" * 64, truncated=False, failure=None, now=NOW
        )
    assert await repo.unindexed("n1") == ["s-1", "s-2"]  # s-3 is on another node, s-4 is not sealed
    await repo.index("s-1", [], NOW)  # nothing to index still counts as indexed
    assert await repo.unindexed("n1") == ["s-2"]


async def test_session_filters_for_listing(db: Database) -> None:
    sessions = SessionRepo(db)
    await _session(db, "s-1", created=NOW, kind="shell")
    await _session(db, "s-2", created=NOW + timedelta(hours=1), kind="port_forward", principal=BOB)
    await _session(db, "s-3", created=NOW + timedelta(hours=2), instance="mi-2")
    await sessions.finish("s-3", state=SessionState.TERMINATED, reason="exit", exit_status=0, now=NOW)

    async def ids(**kwargs: object) -> list[str]:
        return [s.id for s in (await sessions.page(SessionFilter(**kwargs), limit=10)).sessions]  # type: ignore[arg-type]

    assert await ids(kind="port_forward") == ["s-2"]
    assert await ids(kind="shell") == ["s-3", "s-1"]
    assert await ids(principal="alice") == ["s-3", "s-1"]
    assert await ids(principal=BOB) == ["s-2"]
    assert await ids(principal="ali") == []
    assert await ids(principal="%") == []  # LIKE wildcards in a name are plain characters
    assert await ids(created_after=NOW + timedelta(hours=1)) == ["s-3", "s-2"]
    assert await ids(created_before=NOW + timedelta(hours=1)) == ["s-1"]
    assert await ids(state=SessionState.TERMINATED, instance_id="mi-2") == ["s-3"]
    await _session(db, "s-4", created=NOW + timedelta(hours=3), principal="acs:ram::1234:root")
    assert await ids(principal="root") == ["s-4"]
