"""The run store: every article of a named run, and what became of it (SQLite, no server).

One row per article per run, keyed by the article's id and the sha256 of its text: status
pending, done or failed (with the reason), the result document, attempts, tokens, latency and
cost. Each article is committed the moment it finishes, so a kill -9 loses at most the articles
in flight; running the same command again skips what is done (nobody pays twice for an article)
and retries what failed only when asked. Input that could not be read gets a failed row too, keyed
by where it was read. An analyst's verdicts on the records of done articles are kept beside them
(`add_verdict`, `verdicts`). Lives beside the cache by default (EXTRACTOR_RUN_STORE or --store moves it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractor.cache import open_database
from extractor.errors import StoreError
from extractor.results.verdicts import Verdict

PENDING, DONE, FAILED = "pending", "done", "failed"

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE runs (
        name TEXT PRIMARY KEY,
        settings TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE articles (
        run TEXT NOT NULL REFERENCES runs (name),
        key TEXT NOT NULL,
        seq INTEGER NOT NULL,
        article_id TEXT NOT NULL,
        origin TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
        reason TEXT,
        result TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        seconds REAL NOT NULL DEFAULT 0,
        cost REAL,
        cache_hit INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (run, key)
    );
    CREATE INDEX articles_by_status ON articles (run, status);
    CREATE INDEX articles_by_seq ON articles (run, seq);
    """,
    # An analyst's verdicts on a finished article's records (`extractor review --serve`), in the
    # order made, never changed: the records as reviewed are the model's with these applied
    # (extractor.results.verdicts).
    """
    CREATE TABLE verdicts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run TEXT NOT NULL,
        key TEXT NOT NULL,
        record TEXT NOT NULL,
        level TEXT NOT NULL CHECK (level IN ('incident', 'actor', 'attribution')),
        action TEXT NOT NULL CHECK (action IN ('accept', 'reject', 'fix', 'add')),
        field TEXT,
        value TEXT,
        reviewer TEXT NOT NULL,
        made_at TEXT NOT NULL,
        FOREIGN KEY (run, key) REFERENCES articles (run, key)
    );
    CREATE INDEX verdicts_by_article ON verdicts (run, key, id);
    """,
)


def article_key(article_id: str, sha256: str) -> str:
    return hashlib.sha256(f"{article_id}\0{sha256}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class RunSummary:
    name: str
    created_at: str
    updated_at: str
    settings: dict[str, Any]
    pending: int
    done: int
    failed: int
    prompt_tokens: int
    completion_tokens: int
    cost: float | None
    seconds: float


class RunStore:
    def __init__(self, path: Path, *, any_thread: bool = False) -> None:
        """`any_thread`: for a server that calls it from several threads, one at a time."""
        self.path = path
        try:
            # Files from before each owner kept its own count: user_version 2 held the Batch tables too.
            self.db = open_database(
                path, "runs", MIGRATIONS, legacy={1: {"runs": 1}, 2: {"runs": 1, "batch": 1}}, any_thread=any_thread
            )
            self._holding, self._held = False, 0
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(
                f"cannot open the run store {path}: {exc}", hint="set EXTRACTOR_RUN_STORE or --store to a writable file"
            ) from None

    HELD_WRITES = 500  # writes that may wait in one transaction (see `_write`)

    def _write(self, sql: str, args: tuple, *, hold: bool = False) -> None:
        """One write, committed at once; or, with `hold`, kept in an open transaction committed
        with the next write that is not held, every HELD_WRITES writes, and on close. Held are the
        writes a crash may lose at no cost: an article taken on (a resume takes it on again) and
        a cache hit finished (a resume reads it from the cache again, free)."""
        try:
            if hold and not self.db.in_transaction:
                self.db.execute("BEGIN IMMEDIATE")
                self._holding, self._held = (
                    True,
                    0,
                )  # our transaction; one a caller opened (the Batch state's) is theirs to commit
            self.db.execute(sql, args)
            self._held += 1
            if self._holding and (not hold or self._held >= self.HELD_WRITES):
                self.db.execute("COMMIT")
                self._holding, self._held = False, 0
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot write the run store {self.path}: {exc}", hint="check the disk and the file's permissions"
            ) from None

    def commit_held(self) -> None:
        """Commit the held writes now."""
        if self._holding:
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreError(
                    f"cannot write the run store {self.path}: {exc}", hint="check the disk and the file's permissions"
                ) from None
            self._holding, self._held = False, 0

    def begin_run(self, name: str, settings: dict[str, Any]) -> bool:
        """Create the run, or reopen it; True when it already existed. The settings recorded are
        those of the first invocation (no secrets: provider, model, public base URL, parameters)."""
        existed = self.db.execute("SELECT 1 FROM runs WHERE name = ?", (name,)).fetchone() is not None
        now = _now()
        if existed:
            self._write("UPDATE runs SET updated_at = ? WHERE name = ?", (now, name))
        else:
            self._write("INSERT INTO runs VALUES (?, ?, ?, ?)", (name, json.dumps(settings, sort_keys=True), now, now))
        return existed

    def status(self, run: str, key: str) -> str | None:
        row = self.db.execute("SELECT status FROM articles WHERE run = ? AND key = ?", (run, key)).fetchone()
        return row[0] if row else None

    def mark_pending(self, run: str, key: str, article_id: str, origin: str, *, hold: bool = False) -> None:
        """Take an article on (`hold`: with the next commit, see `_write`)."""
        self._write(
            "INSERT INTO articles (run, key, seq, article_id, origin, status, updated_at)"
            " VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM articles WHERE run = ?), ?, ?, 'pending', ?)"
            " ON CONFLICT (run, key) DO UPDATE SET status = 'pending', reason = NULL, updated_at = excluded.updated_at",
            (run, key, run, article_id, origin, _now()),
            hold=hold,
        )

    def finish(
        self,
        run: str,
        key: str,
        *,
        status: str,
        result: str | None = None,
        reason: str | None = None,
        attempts: int = 0,
        usage: dict[str, int] | None = None,
        seconds: float = 0.0,
        cost: float | None = None,
        cache_hit: bool = False,
        article_id: str = "",
        origin: str = "",
    ) -> None:
        """Record an article's outcome, committed at once; a cache hit's with the next commit
        (`_write`'s held writes)."""
        usage = usage or {}
        self._write(
            "INSERT INTO articles (run, key, seq, article_id, origin, status, reason, result, attempts, prompt_tokens,"
            " completion_tokens, seconds, cost, cache_hit, updated_at)"
            " VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM articles WHERE run = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (run, key) DO UPDATE SET status = excluded.status, reason = excluded.reason, result = excluded.result,"
            " attempts = articles.attempts + excluded.attempts, prompt_tokens = articles.prompt_tokens + excluded.prompt_tokens,"
            " completion_tokens = articles.completion_tokens + excluded.completion_tokens, seconds = excluded.seconds,"
            " cost = CASE WHEN articles.cost IS NULL AND excluded.cost IS NULL THEN NULL"
            "  ELSE COALESCE(articles.cost, 0) + COALESCE(excluded.cost, 0) END,"
            " cache_hit = excluded.cache_hit, updated_at = excluded.updated_at",
            (
                run,
                key,
                run,
                article_id,
                origin,
                status,
                reason,
                result,
                attempts,
                usage.get("prompt_tokens", 0),
                usage.get("completion_tokens", 0),
                seconds,
                cost,
                int(cache_hit),
                _now(),
            ),
            hold=cache_hit,
        )

    def results(self, run: str) -> Iterator[tuple[str, str]]:
        """(key, result JSON) of every done article, in the order they were first seen; streamed."""
        cursor = self.db.execute(
            "SELECT key, result FROM articles WHERE run = ? AND status = 'done' ORDER BY seq", (run,)
        )
        yield from cursor

    def done_articles(self, run: str) -> Iterator[tuple[str, str, str, str]]:
        """(key, article id, origin, result JSON) of every done article, in the order first seen; streamed."""
        yield from self.db.execute(
            "SELECT key, article_id, origin, result FROM articles WHERE run = ? AND status = 'done' ORDER BY seq",
            (run,),
        )

    def done_article(self, run: str, key: str) -> tuple[str, str, str] | None:
        """(article id, origin, result JSON) of one done article, or None."""
        return self.db.execute(
            "SELECT article_id, origin, result FROM articles WHERE run = ? AND key = ? AND status = 'done'", (run, key)
        ).fetchone()

    def add_verdict(self, run: str, key: str, verdict: Verdict) -> int:
        """Record a verdict, committed at once (never held: it is an analyst's work). Returns its number."""
        self.commit_held()
        try:
            cursor = self.db.execute(
                "INSERT INTO verdicts (run, key, record, level, action, field, value, reviewer, made_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run,
                    key,
                    verdict.record,
                    verdict.level,
                    verdict.action,
                    verdict.field,
                    None if verdict.value is None else json.dumps(verdict.value, ensure_ascii=False),
                    verdict.reviewer,
                    verdict.made_at,
                ),
            )
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot write the run store {self.path}: {exc}", hint="check the disk and the file's permissions"
            ) from None
        assert cursor.lastrowid is not None  # an INSERT sets it
        return cursor.lastrowid

    def verdicts(self, run: str, key: str | None = None) -> dict[str, list[Verdict]]:
        """The run's verdicts (or one article's) by article key, each article's in the order made."""
        sql = "SELECT key, record, level, action, field, value, reviewer, made_at FROM verdicts WHERE run = ?"
        args: tuple = (run,)
        if key is not None:
            sql, args = sql + " AND key = ?", (run, key)
        out: dict[str, list[Verdict]] = {}
        for k, record, level, action, field_, value, reviewer, made_at in self.db.execute(sql + " ORDER BY id", args):
            out.setdefault(k, []).append(
                Verdict(record, level, action, field_, None if value is None else json.loads(value), reviewer, made_at)
            )
        return out

    def failures(self, run: str, limit: int = 20) -> list[tuple[str, str, str]]:
        return self.db.execute(
            "SELECT article_id, origin, reason FROM articles WHERE run = ? AND status = 'failed' ORDER BY seq LIMIT ?",
            (run, limit),
        ).fetchall()

    def summary(self, run: str) -> RunSummary | None:
        row = self.db.execute("SELECT settings, created_at, updated_at FROM runs WHERE name = ?", (run,)).fetchone()
        if row is None:
            return None
        counts = dict(
            self.db.execute("SELECT status, COUNT(*) FROM articles WHERE run = ? GROUP BY status", (run,)).fetchall()
        )
        totals = self.db.execute(
            "SELECT COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0), SUM(cost), COALESCE(SUM(seconds), 0),"
            " COUNT(*) - COUNT(cost) FROM articles WHERE run = ? AND status != 'pending' AND cache_hit = 0",
            (run,),
        ).fetchone()
        return RunSummary(
            name=run,
            settings=json.loads(row[0]),
            created_at=row[1],
            updated_at=row[2],
            pending=counts.get(PENDING, 0),
            done=counts.get(DONE, 0),
            failed=counts.get(FAILED, 0),
            prompt_tokens=totals[0],
            completion_tokens=totals[1],
            cost=None if totals[4] and totals[2] is None else totals[2],
            seconds=totals[3],
        )

    def runs(self) -> list[RunSummary]:
        names = [r[0] for r in self.db.execute("SELECT name FROM runs ORDER BY created_at, name")]
        return [s for s in (self.summary(n) for n in names) if s is not None]

    def close(self) -> None:
        self.commit_held()
        self.db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
