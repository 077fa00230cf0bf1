"""Full-text index of recording output (SQLite FTS5, PostgreSQL tsvector).

Both databases keep the lines in a plain table `recording_text` (session, sequence number, time offset, text) so
lines can be listed and deleted by session through an ordinary index. SQLite adds an FTS5 index
`recording_text_fts` over it ("external content": the text is stored once, triggers keep the index in step);
PostgreSQL adds a generated `tsvector` column with a GIN index, over the line with punctuation turned into spaces
so that both databases see the same words (`tether.store.search`). Neither is in the SQLAlchemy models, which cannot
describe them; `tether.store.search.SEARCH_TABLES` names them for schema comparisons.

Revision ID: 0006_recording_search
Revises: 0005_columns
"""

from __future__ import annotations

from alembic import op

revision = "0006_recording_search"
down_revision = "0005_columns"
branch_labels = None
depends_on = None

_SQLITE = [
    """
    CREATE TABLE recording_text (
        id INTEGER PRIMARY KEY,
        session_id VARCHAR(64) NOT NULL REFERENCES recordings (session_id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        t FLOAT NOT NULL,
        line TEXT NOT NULL
    )
    """,
    "CREATE UNIQUE INDEX ix_recording_text_session_seq ON recording_text (session_id, seq)",
    """
    CREATE VIRTUAL TABLE recording_text_fts USING fts5(
        line, content='recording_text', content_rowid='id', tokenize='unicode61 remove_diacritics 0'
    )
    """,
    """
    CREATE TRIGGER recording_text_ai AFTER INSERT ON recording_text BEGIN
        INSERT INTO recording_text_fts (rowid, line) VALUES (new.id, new.line);
    END
    """,
    """
    CREATE TRIGGER recording_text_ad AFTER DELETE ON recording_text BEGIN
        INSERT INTO recording_text_fts (recording_text_fts, rowid, line) VALUES ('delete', old.id, old.line);
    END
    """,
]

_POSTGRESQL = [
    """
    CREATE TABLE recording_text (
        session_id VARCHAR(64) NOT NULL REFERENCES recordings (session_id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        t DOUBLE PRECISION NOT NULL,
        line TEXT NOT NULL,
        tsv TSVECTOR GENERATED ALWAYS AS (
            to_tsvector('simple'::regconfig, regexp_replace(line, '[[:punct:]]+', ' ', 'g'))
        ) STORED,
        PRIMARY KEY (session_id, seq)
    )
    """,
    "CREATE INDEX ix_recording_text_tsv ON recording_text USING GIN (tsv)",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        statements = _SQLITE
    elif dialect == "postgresql":
        statements = _POSTGRESQL
    else:
        raise RuntimeError(f"recording search supports sqlite and postgresql, not {dialect}")
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS recording_text_ad")
        op.execute("DROP TRIGGER IF EXISTS recording_text_ai")
        op.execute("DROP TABLE IF EXISTS recording_text_fts")
    op.execute("DROP TABLE IF EXISTS recording_text")
