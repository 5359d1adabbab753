"""Batch state in the run store's database, so `status` and `collect` work in a later process.

Four tables, this module's own migrations (`MIGRATIONS`, applied to the run store's file when a
BatchStore opens it):
  batches         one row per submitted Batch API job: its file ids, last known status, and
                  `collected_at` once its results were applied (collecting twice is a no-op);
  batch_articles  every article a batch run took on: the article itself as JSON (collect needs
                  no input files), the generation parameters fixed at submit, and its state
                  active | done | failed;
  batch_requests  one row per LLM call of an article: custom_id `<key>:<stage>:<attempt>`, the
                  messages sent, and what came back (text, finish reason, tokens) or the error.
                  state: queued (waiting for the next upload) -> submitted -> answered | failed;
                  a failed request goes back to queued, same custom_id, while tries remain;
  batch_intents   a batch about to be created: its key (also in the batch's metadata) and its
                  custom_ids, written before the upload and removed once the batch is recorded.

The generator in `ArticleFlow.steps()` cannot be saved, so nothing of it is: each collect replays
the flow from the start with the stored answers (`extractor.batch.flow`). The store shares the
RunStore's connection, so an article's result and its batch state commit in one transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from extractor.articles.load import Article
from extractor.cache import migrate
from extractor.errors import StoreError
from extractor.runs.store import RunStore

ACTIVE, QUEUED, SUBMITTED, ANSWERED, FAILED = "active", "queued", "submitted", "answered", "failed"


@dataclass(frozen=True)
class Row:
    """One LLM call of one article, as stored."""

    custom_id: str
    key: str
    stage: str
    attempt: int
    schema: str  # name of the plain draft model in extractor.flow.draft the answer must fit
    messages: list[dict[str, str]]
    max_tokens: int
    state: str
    tries: int
    batch_id: str | None
    text: str | None
    finish_reason: str | None
    usage: dict[str, int]
    error: str | None


@dataclass(frozen=True)
class BatchArticle:
    key: str
    article: Article
    origin: str
    params: dict[str, Any]  # provider, model, max_attempts, temperature, seed (fixed at submit)
    state: str
    submitted_at: float


@dataclass(frozen=True)
class BatchRecord:
    id: str
    run: str
    input_file_id: str
    status: str
    requests: int
    output_file_id: str | None
    error_file_id: str | None
    created_at: str
    collected_at: str | None


def custom_id(key: str, stage: str, attempt: int) -> str:
    return f"{key}:{stage}:{attempt}"


MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE batches (
        id TEXT PRIMARY KEY,
        run TEXT NOT NULL,
        input_file_id TEXT NOT NULL,
        status TEXT NOT NULL,
        requests INTEGER NOT NULL,
        output_file_id TEXT,
        error_file_id TEXT,
        created_at TEXT NOT NULL,
        collected_at TEXT
    );
    CREATE INDEX batches_by_run ON batches (run, collected_at);
    CREATE TABLE batch_articles (
        run TEXT NOT NULL,
        key TEXT NOT NULL,
        article TEXT NOT NULL,
        origin TEXT NOT NULL,
        params TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('active', 'done', 'failed')),
        submitted_at REAL NOT NULL,
        PRIMARY KEY (run, key)
    );
    CREATE TABLE batch_requests (
        run TEXT NOT NULL,
        custom_id TEXT NOT NULL,
        key TEXT NOT NULL,
        stage TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        schema TEXT NOT NULL,
        messages TEXT NOT NULL,
        max_tokens INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'submitted', 'answered', 'failed')),
        tries INTEGER NOT NULL DEFAULT 0,
        batch_id TEXT,
        text TEXT,
        finish_reason TEXT,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        PRIMARY KEY (run, custom_id)
    );
    CREATE INDEX batch_requests_by_key ON batch_requests (run, key);
    CREATE INDEX batch_requests_by_state ON batch_requests (run, state);
    CREATE INDEX batch_requests_by_batch ON batch_requests (batch_id);
    """,
    # Batches about to be created: written before the upload, so a crash between creating a batch
    # at the provider and recording it is found again (by its key in the batch's metadata).
    """
    CREATE TABLE batch_intents (
        key TEXT PRIMARY KEY,
        run TEXT NOT NULL,
        custom_ids TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    """,
)


class BatchStore:
    def __init__(self, store: RunStore) -> None:
        self.store = store
        self.db = store.db
        try:
            migrate(self.db, "batch", MIGRATIONS)
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot prepare the batch state in {store.path}: {exc}",
                hint="check the disk and the file's permissions",
            ) from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; the RunStore's own writes inside it join it (its connection
        is in autocommit mode, so an explicit BEGIN groups them)."""
        try:
            self.store.commit_held()
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot write the run store {self.store.path}: {exc}", hint="check the disk and the file's permissions"
            ) from None
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _write(self, sql: str, args: tuple) -> sqlite3.Cursor:
        try:
            return self.db.execute(sql, args)
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot write the batch state in {self.store.path}: {exc}",
                hint="check the disk and the file's permissions",
            ) from None

    # --- articles ---------------------------------------------------------------------------

    def add_article(self, run: str, key: str, article: Article, origin: str, params: dict[str, Any]) -> None:
        """Take an article on (again): a retried article starts over, its earlier calls forgotten."""
        self._write("DELETE FROM batch_requests WHERE run = ? AND key = ?", (run, key))
        self._write(
            "INSERT OR REPLACE INTO batch_articles (run, key, article, origin, params, state, submitted_at)"
            " VALUES (?, ?, ?, ?, ?, 'active', ?)",
            (
                run,
                key,
                json.dumps(dataclasses.asdict(article)),
                origin,
                json.dumps(params, sort_keys=True),
                time.time(),
            ),
        )

    def article(self, run: str, key: str) -> BatchArticle | None:
        row = self.db.execute(
            "SELECT key, article, origin, params, state, submitted_at FROM batch_articles WHERE run = ? AND key = ?",
            (run, key),
        ).fetchone()
        if row is None:
            return None
        fields = json.loads(row[1])
        fields["masked"] = tuple(tuple(span) for span in fields.get("masked") or ())
        return BatchArticle(row[0], Article(**fields), row[2], json.loads(row[3]), row[4], row[5])

    def article_state(self, run: str, key: str) -> str | None:
        row = self.db.execute("SELECT state FROM batch_articles WHERE run = ? AND key = ?", (run, key)).fetchone()
        return row[0] if row else None

    def set_article_state(self, run: str, key: str, state: str) -> None:
        self._write("UPDATE batch_articles SET state = ? WHERE run = ? AND key = ?", (state, run, key))

    def params(self, run: str) -> dict[str, dict[str, Any]]:
        """Each active article's generation parameters, by key (what its request lines need)."""
        rows = self.db.execute("SELECT key, params FROM batch_articles WHERE run = ? AND state = 'active'", (run,))
        return {key: json.loads(params) for key, params in rows}

    def stalled(self, run: str) -> list[str]:
        """Active articles with no call queued or in a batch: nothing would ever move them on
        (only an interrupted or older version of this code leaves one so), so collect looks again."""
        return [
            r[0]
            for r in self.db.execute(
                "SELECT a.key FROM batch_articles a WHERE a.run = ? AND a.state = 'active' AND NOT EXISTS"
                " (SELECT 1 FROM batch_requests r WHERE r.run = a.run AND r.key = a.key AND r.state IN ('queued', 'submitted'))",
                (run,),
            )
        ]

    # --- requests ---------------------------------------------------------------------------

    def queue(
        self, run: str, key: str, stage: str, attempt: int, schema: str, messages: list[dict[str, str]], max_tokens: int
    ) -> str:
        cid = custom_id(key, stage, attempt)
        self._write(
            "INSERT INTO batch_requests (run, custom_id, key, stage, attempt, schema, messages, max_tokens, state)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued')",
            (run, cid, key, stage, attempt, schema, json.dumps(messages), max_tokens),
        )
        return cid

    def requeue(self, run: str, cid: str) -> None:
        """Send a request whose transport failed again, under the same custom_id."""
        self._write(
            "UPDATE batch_requests SET state = 'queued', batch_id = NULL WHERE run = ? AND custom_id = ?", (run, cid)
        )

    def rows(self, run: str, key: str) -> list[Row]:
        return [
            _row(r)
            for r in self.db.execute(
                f"SELECT {_COLUMNS} FROM batch_requests WHERE run = ? AND key = ? ORDER BY stage, attempt", (run, key)
            )
        ]

    def queued(self, run: str) -> list[Row]:
        return [
            _row(r)
            for r in self.db.execute(
                f"SELECT {_COLUMNS} FROM batch_requests WHERE run = ? AND state = 'queued' ORDER BY rowid", (run,)
            )
        ]

    def submitted_in(self, run: str, batch_id: str) -> list[Row]:
        return [
            _row(r)
            for r in self.db.execute(
                f"SELECT {_COLUMNS} FROM batch_requests WHERE run = ? AND batch_id = ? AND state = 'submitted'",
                (run, batch_id),
            )
        ]

    def mark_submitted(self, run: str, cids: list[str], batch_id: str) -> None:
        for cid in cids:
            self._write(
                "UPDATE batch_requests SET state = 'submitted', batch_id = ?, tries = tries + 1, error = NULL"
                " WHERE run = ? AND custom_id = ? AND state = 'queued'",
                (batch_id, run, cid),
            )

    def answer(
        self, run: str, cid: str, batch_id: str, text: str | None, finish_reason: str | None, usage: dict[str, int]
    ) -> bool:
        """Record an answer; False when the line is not for a request waiting on this batch
        (a stale or repeated line changes nothing)."""
        cursor = self._write(
            "UPDATE batch_requests SET state = 'answered', text = ?, finish_reason = ?, prompt_tokens = ?, completion_tokens = ?"
            " WHERE run = ? AND custom_id = ? AND batch_id = ? AND state = 'submitted'",
            (text, finish_reason, usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0), run, cid, batch_id),
        )
        return cursor.rowcount > 0

    def fail(self, run: str, cid: str, batch_id: str, error: str) -> bool:
        cursor = self._write(
            "UPDATE batch_requests SET state = 'failed', error = ? WHERE run = ? AND custom_id = ? AND batch_id = ? AND state = 'submitted'",
            (error, run, cid, batch_id),
        )
        return cursor.rowcount > 0

    # --- batches ----------------------------------------------------------------------------

    # --- intents: a batch about to be created ----------------------------------------------

    def add_intent(self, run: str, key: str, custom_ids: list[str]) -> None:
        self._write("INSERT INTO batch_intents VALUES (?, ?, ?, ?)", (key, run, json.dumps(custom_ids), _now()))

    def intents(self, run: str) -> list[tuple[str, list[str]]]:
        rows = self.db.execute(
            "SELECT key, custom_ids FROM batch_intents WHERE run = ? ORDER BY created_at, key", (run,)
        )
        return [(key, json.loads(cids)) for key, cids in rows]

    def drop_intent(self, key: str) -> None:
        self._write("DELETE FROM batch_intents WHERE key = ?", (key,))

    def add_batch(self, run: str, batch_id: str, input_file_id: str, status: str, requests: int) -> None:
        self._write(
            "INSERT INTO batches (id, run, input_file_id, status, requests, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (batch_id, run, input_file_id, status, requests, _now()),
        )

    def update_batch(self, batch_id: str, status: str, output_file_id: str | None, error_file_id: str | None) -> None:
        self._write(
            "UPDATE batches SET status = ?, output_file_id = ?, error_file_id = ? WHERE id = ?",
            (status, output_file_id, error_file_id, batch_id),
        )

    def mark_collected(self, batch_id: str) -> bool:
        """False when another collect got there first."""
        cursor = self._write(
            "UPDATE batches SET collected_at = ? WHERE id = ? AND collected_at IS NULL", (_now(), batch_id)
        )
        return cursor.rowcount > 0

    def batches(self, run: str, *, uncollected: bool = False) -> list[BatchRecord]:
        sql = (
            "SELECT id, run, input_file_id, status, requests, output_file_id, error_file_id, created_at, collected_at"
            " FROM batches WHERE run = ?" + (" AND collected_at IS NULL" if uncollected else "") + " ORDER BY rowid"
        )
        return [BatchRecord(*r) for r in self.db.execute(sql, (run,))]


_COLUMNS = (
    "custom_id, key, stage, attempt, schema, messages, max_tokens, state, tries, batch_id, text, finish_reason,"
    " prompt_tokens, completion_tokens, error"
)


def _row(r: tuple) -> Row:
    return Row(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        json.loads(r[5]),
        r[6],
        r[7],
        r[8],
        r[9],
        r[10],
        r[11],
        {"prompt_tokens": r[12], "completion_tokens": r[13]},
        r[14],
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
