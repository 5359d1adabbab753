"""The cache: SQLite in the user cache directory, the only stage that writes state.

Forward-only numbered migrations, counted per owner of a file (`migrate`). WAL mode and a busy
timeout let several processes read and write at once without corrupting the file; each write is
one transaction.
The key is a content hash of provider, model, base URL, prompt version, schema version, the
generation parameters and the article text with its publication date, so any change to what the
model would be asked is a miss. Nothing secret is stored: no API key, no headers.

Besides the model's finished documents it keeps their normalised form (with the fingerprint of
the normalisation that made it) and logs every stage call (attempts, tokens, latency, outcome).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from extractor.errors import StoreError
from extractor.taxonomy import SCHEMA_VERSION

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE extractions (
        key TEXT PRIMARY KEY,
        article_sha256 TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        document TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE calls (
        id INTEGER PRIMARY KEY,
        cache_key TEXT NOT NULL,
        article_id TEXT NOT NULL,
        stage TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        seconds REAL NOT NULL,
        outcome TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX calls_by_key ON calls (cache_key);
    """,
    # The normalised document beside the model's, so a cached re-run need not normalise again
    # while normalisation is unchanged (`normalised_by`: its fingerprint).
    """
    ALTER TABLE extractions ADD COLUMN normalised TEXT;
    ALTER TABLE extractions ADD COLUMN normalised_by TEXT;
    """,
)


@lru_cache(maxsize=16)
def public_url(url: str | None) -> str | None:
    """A base URL without user:password, safe to hash and keep. (Part of every article's cache key;
    a run has one base URL, so it is parsed once.)"""
    if not url:
        return url
    parts = urlsplit(url)
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=host))


def cache_key(
    *,
    provider: str,
    model: str,
    base_url: str | None,
    prompt_version: str,
    params: dict[str, Any],
    text: str,
    published: str | None,
    code_version: str | None = None,
) -> str:
    material = {
        "provider": provider,
        "model": model,
        "base_url": public_url(base_url),
        "prompt_version": prompt_version,
        "schema_version": SCHEMA_VERSION,
        "params": params,
        "published": published,
        "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }
    if code_version is not None:  # a small model's path: code makes most of the answer
        material["code_version"] = code_version
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def open_database(
    path: Path,
    owner: str,
    migrations: tuple[str, ...],
    *,
    legacy: dict[int, dict[str, int]] | None = None,
    any_thread: bool = False,
) -> sqlite3.Connection:
    """A connection in autocommit mode, WAL, with `owner`'s migrations applied (`migrate`). WAL
    keeps every committed transaction through a kill -9, and lets other processes read while one
    writes; synchronous=NORMAL skips the fsync per commit, which only an OS crash or power loss
    could make matter. `any_thread`: usable from several threads, one at a time (the caller locks)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=not any_thread)
    db.execute("PRAGMA busy_timeout = 30000")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    migrate(db, owner, migrations, legacy=legacy)
    return db


def migrate(
    db: sqlite3.Connection, owner: str, migrations: tuple[str, ...], *, legacy: dict[int, dict[str, int]] | None = None
) -> None:
    """Apply `owner`'s forward-only numbered migrations that this database has not had yet, in one
    transaction (one process migrates at a time). Each owner of a file keeps its own count in the
    `migrations` table, so the run store and the Batch state (`extractor.batch.store`) share a
    file and each registers its own tables. `legacy` maps a file's PRAGMA user_version from before
    owners (one count per file) to each owner's version then."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'migrations'").fetchone():
            db.execute("CREATE TABLE migrations (owner TEXT PRIMARY KEY, version INTEGER NOT NULL)")
            before = db.execute("PRAGMA user_version").fetchone()[0]
            for known, version in ((legacy or {}).get(before, {})).items():
                db.execute("INSERT INTO migrations VALUES (?, ?)", (known, version))
        row = db.execute("SELECT version FROM migrations WHERE owner = ?", (owner,)).fetchone()
        version = row[0] if row else 0
        for number, script in enumerate(migrations[version:], start=version + 1):
            for statement in filter(str.strip, script.split(";")):
                db.execute(statement)
            db.execute(
                "INSERT INTO migrations VALUES (?, ?) ON CONFLICT (owner) DO UPDATE SET version = excluded.version",
                (owner, number),
            )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


class Cache:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = open_database(path, "cache", MIGRATIONS, legacy={1: {"cache": 1}, 2: {"cache": 2}})
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(
                f"cannot open the cache {path}: {exc}",
                hint="set EXTRACTOR_CACHE_DIR to a writable folder, or use --no-cache",
            ) from None

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            row = self.db.execute("SELECT document FROM extractions WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the cache {self.path}: {exc}", hint="use --no-cache") from None
        return json.loads(row[0]) if row else None

    def get_normalised(self, key: str, fingerprint: str) -> str | None:
        """The normalised document kept for `key` (JSON text) if it was made by the normalisation
        `fingerprint` names, else None."""
        try:
            row = self.db.execute(
                "SELECT normalised FROM extractions WHERE key = ? AND normalised_by = ?", (key, fingerprint)
            ).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the cache {self.path}: {exc}", hint="use --no-cache") from None
        return row[0] if row else None

    def put_normalised(self, key: str, fingerprint: str, document_json: str) -> None:
        try:
            self.db.execute(
                "UPDATE extractions SET normalised = ?, normalised_by = ? WHERE key = ?",
                (document_json, fingerprint, key),
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the cache {self.path}: {exc}", hint="use --no-cache") from None

    def put(self, key: str, document: dict[str, Any]) -> None:
        provenance = document["provenance"]
        try:
            self.db.execute(
                "INSERT OR REPLACE INTO extractions (key, article_sha256, provider, model, prompt_version, document, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    document["article"]["sha256"],
                    provenance["provider"],
                    provenance["model"],
                    provenance["prompt_version"],
                    json.dumps(document),
                    _now(),
                ),
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the cache {self.path}: {exc}", hint="use --no-cache") from None

    def log_call(
        self, key: str, article_id: str, stage: str, attempts: int, usage: dict[str, int], seconds: float, outcome: str
    ) -> None:
        try:
            self.db.execute(
                "INSERT INTO calls (cache_key, article_id, stage, attempts, prompt_tokens, completion_tokens, seconds, outcome, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    article_id,
                    stage,
                    attempts,
                    usage.get("prompt_tokens", 0),
                    usage.get("completion_tokens", 0),
                    seconds,
                    outcome,
                    _now(),
                ),
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the call log {self.path}: {exc}", hint="use --no-cache") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
