"""Model answers kept by request, so a benchmark re-run after a change that alters no request
(a check, a typing rule, normalisation) costs seconds instead of an hour of embedded inference.

`MemoTransport` wraps the transport the client would use. A POST's body (the whole request: model,
messages, schema, generation parameters) is hashed; a 200 answer to it is stored in a SQLite
file, and the same body later gets the stored answer without calling the model. Any change to a
prompt, a schema or a parameter is a new body, so it reaches the model. Only answers are stored:
no headers, so no key. Benchmark tooling, not product code: the product's cache keeps finished
documents (`extractor.cache`).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import httpx2


class MemoTransport(httpx2.BaseTransport):
    def __init__(self, inner: httpx2.BaseTransport, path: Path) -> None:
        self.inner = inner
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, body BLOB NOT NULL)")
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.method != "POST":
            return self.inner.handle_request(request)
        body = request.read()
        key = hashlib.sha256(request.url.path.encode() + b"\n" + body).hexdigest()
        with self._lock:
            row = self._db.execute("SELECT body FROM answers WHERE key = ?", (key,)).fetchone()
        if row is not None:
            self.hits += 1
            return httpx2.Response(200, content=row[0], headers={"content-type": "application/json"})
        self.misses += 1
        response = self.inner.handle_request(request)
        if response.status_code == 200:
            content = response.read()
            with self._lock, self._db:
                self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?)", (key, content))
            return httpx2.Response(200, content=content, headers=dict(response.headers))
        return response

    def close(self) -> None:
        self._db.close()
        self.inner.close()
