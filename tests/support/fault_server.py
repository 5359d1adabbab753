"""A fake OpenAI-compatible HTTP server on 127.0.0.1 that injects faults at configurable rates.

    with FaultServer(faults={"429": 0.05, "drop": 0.03}, latency=0.2, seed=1) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="test-placeholder", max_retries=0)
        ...
        assert server.count_by_article()[article_key(article.model_text)] == 2

It runs stdlib asyncio in a background thread (a minimal HTTP/1.1 server with keep-alive), so
latency is an `asyncio.sleep` and hundreds of requests can wait at once on two cores; faults need
control of the socket (closing it mid-body), which is why it is not built on a web framework.

Endpoints: POST /v1/chat/completions (answers from `responder`, default
`fake_answers.default_responder`, which grounds its quotes in the article); the Files and Batches
endpoints (`tests/support/fake_batches.py`); GET /_fault/log (the request log as JSON, for a server run
in another process: `cd tests && python -m support.fault_server --help`).

Faults, by name (`faults={name: rate}`, rates summing to at most 1):
    "429"               HTTP 429 with `Retry-After: <retry_after>`, at once (no latency)
    "500", "503"        HTTP 500 / 503 with an OpenAI-style error body, after the latency
    "drop"              the connection is closed without any response
    "drop_mid_body"     headers and half the body of a valid answer are sent, then the connection closes
    "slow"              a valid answer, but after `slow_seconds` instead of the latency
    "truncated"         HTTP 200, content cut in the middle (finish_reason "stop")
    "truncated_length"  the same with finish_reason "length", as at the max_tokens cap
    "invalid"           JSON against the schema (an event_type or actor kind that does not exist)
    "bad_quote"         every evidence quote is a passage the article does not contain
The draw for a request is a pure function of (seed, article, stage, attempt), where attempt counts
this server's requests for that article and stage: the same run gets the same faults whatever
the concurrency. To force faults: `server.script("500", "drop", article=key, stage="actors")`
queues faults for the next matching requests, or `fault_for=(chat_request, attempt) -> name |
"ok" | None` decides per request (None falls through to the random draw).

The request log (`server.requests`, copies of `Logged`) names each request's article by
`article_key(text)` = sha256 of the text between extractor's "<<<" and ">>>" markers, i.e. of
`Article.model_text`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import http
import json
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from support.fake_answers import (
    CONNECTION_FAULTS,
    CONTENT_FAULTS,
    STATUS_FAULTS,
    ChatRequest,
    article_key,
    completion,
    default_responder,
    error_payload,
    spoil_invalid,
    spoil_quotes,
    spoil_truncated,
)
from support.fake_batches import FakeBatches

__all__ = ["FAULTS", "FaultServer", "Logged", "ChatRequest", "article_key", "default_responder"]

FAULTS = (*STATUS_FAULTS, *CONNECTION_FAULTS, *CONTENT_FAULTS)
CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")


@dataclass
class Logged:
    """One request the server saw. Copies are handed out, so tests can keep them."""

    index: int
    at: float  # time.monotonic() on arrival
    path: str
    article: str  # article_key of the article in the prompt (or "messages:<hash>" without one)
    stage: str  # "incidents" | "actors" | "other"
    attempt: int  # 1 for this server's first request for (article, stage), 2 for the next, ...
    fault: str | None
    via: str = "http"  # "http", or "batch" for an item of a batch
    custom_id: str | None = None  # batch items
    status: int | None = None  # HTTP status sent (None for drops and while in flight)
    outcome: str = "in_flight"  # "answered" (a valid answer was sent) | "faulted" | "client_gone" | "in_flight"
    seconds: float | None = None  # arrival to response written


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    action: str | None = None  # "drop" | "drop_mid_body"


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(payload).encode(), {"content-type": "application/json", **(headers or {})})


class FaultServer:
    def __init__(
        self,
        faults: dict[str, float] | None = None,
        *,
        latency: float = 0.0,
        seed: int = 0,
        responder: Callable[[ChatRequest], dict[str, Any] | str] = default_responder,
        fault_for: Callable[[ChatRequest, int], str | None] | None = None,
        retry_after: str | float = "0.1",
        slow_seconds: float = 5.0,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        batch_polls: int = 2,
        batch_failures: Any = (),
        batch_failure_rate: float = 0.0,
    ) -> None:
        self.faults = dict(faults or {})
        unknown = set(self.faults) - set(FAULTS)
        if unknown or sum(self.faults.values()) > 1 or any(r < 0 for r in self.faults.values()):
            raise ValueError(f"faults must name some of {FAULTS} with rates summing to at most 1; got {self.faults}")
        self.latency, self.seed, self.responder, self.fault_for = latency, seed, responder, fault_for
        self.retry_after, self.slow_seconds, self.api_key = str(retry_after), slow_seconds, api_key
        self.host, self.port = host, port
        self.batches = FakeBatches(self, polls=batch_polls, failures=batch_failures, failure_rate=batch_failure_rate)
        self.errors: list[
            str
        ] = []  # exceptions inside the server (a responder bug, ...): tests can assert it stays empty
        self.max_concurrent_seen = 0
        self._in_flight = 0
        self._lock = threading.RLock()
        self._log: list[Logged] = []
        self._attempts: Counter[tuple[str, str]] = Counter()
        self._script: deque[tuple[str, str | None, str | None]] = deque()
        self._tasks: set[asyncio.Task] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._startup_error: BaseException | None = None

    # --- life cycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def start(self) -> FaultServer:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="fault-server", daemon=True)
        self._thread.start()
        ready.wait(30)
        if self._startup_error is not None:
            raise self._startup_error
        return self

    def close(self) -> None:
        """Stops the loop; connections still open (slow answers, idle keep-alives) are cancelled."""
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self, ready: threading.Event) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)  # this thread's loop, for the shutdown code below
        try:
            server = loop.run_until_complete(asyncio.start_server(self._connection, self.host, self.port, backlog=1024))
            self.port = server.sockets[0].getsockname()[1]
        except BaseException as exc:  # e.g. the port is taken: start() re-raises it
            self._startup_error = exc
            ready.set()
            loop.close()
            return
        ready.set()
        loop.run_forever()
        server.close()
        for task in list(self._tasks):
            task.cancel()
        loop.run_until_complete(asyncio.gather(*self._tasks, return_exceptions=True))
        loop.run_until_complete(server.wait_closed())
        loop.close()

    # --- the request log and scripted faults ----------------------------------------------------

    @property
    def requests(self) -> list[Logged]:
        with self._lock:
            return [dataclasses.replace(entry) for entry in self._log]

    def count_by_article(self, stage: str | None = None) -> dict[str, int]:
        """Requests seen per article key (optionally for one stage), batch items included."""
        return dict(Counter(e.article for e in self.requests if stage is None or e.stage == stage))

    def script(self, *faults: str | None, article: str | None = None, stage: str | None = None) -> None:
        """Apply these faults, in order, to the next requests matching article/stage (None or
        "ok" = answer normally). Scripted faults win over `fault_for` and the random draw."""
        for fault in faults:
            if fault not in (None, "ok", *FAULTS):
                raise ValueError(f"unknown fault {fault!r}; one of {FAULTS}")
        with self._lock:
            self._script.extend((fault or "ok", article, stage) for fault in faults)

    def _choose(self, chat: ChatRequest, path: str, via: str = "http", custom_id: str | None = None) -> Logged:
        with self._lock:
            self._attempts[(chat.key, chat.stage)] += 1
            attempt = self._attempts[(chat.key, chat.stage)]
            fault = self._scripted(chat)
        if fault is None and self.fault_for is not None:
            fault = self.fault_for(chat, attempt)
        if fault is None:
            fault = self._draw(chat, attempt)
        with self._lock:
            entry = Logged(
                len(self._log),
                time.monotonic(),
                path,
                chat.key,
                chat.stage,
                attempt,
                None if fault == "ok" else fault,
                via,
                custom_id,
            )
            self._log.append(entry)
            self._in_flight += 1
            self.max_concurrent_seen = max(self.max_concurrent_seen, self._in_flight)
            return entry

    def _scripted(self, chat: ChatRequest) -> str | None:
        for item in self._script:
            fault, article, stage = item
            if article in (None, chat.key) and stage in (None, chat.stage):
                self._script.remove(item)
                return fault
        return None

    def _draw(self, chat: ChatRequest, attempt: int) -> str:
        # A string seed is hashed with SHA-512 by random.Random: stable across runs and processes.
        u = random.Random(f"{self.seed}|{chat.key}|{chat.stage}|{attempt}").random()
        total = 0.0
        for name, rate in self.faults.items():
            total += rate
            if u < total:
                return name
        return "ok"

    def _finish(self, entry: Logged, status: int | None, outcome: str) -> None:
        with self._lock:
            entry.status, entry.outcome, entry.seconds = status, outcome, time.monotonic() - entry.at
            self._in_flight -= 1

    def _answer(self, chat: ChatRequest, fault: str | None, number: int) -> dict[str, Any]:
        """The chat.completion for this request, spoiled by a content fault if it has one."""
        content = self.responder(chat)
        content = content if isinstance(content, str) else json.dumps(content)
        finish = "stop"
        if fault in ("truncated", "truncated_length"):
            content = spoil_truncated(content)
            finish = "length" if fault == "truncated_length" else "stop"
        elif fault == "invalid":
            content = spoil_invalid(content, chat.stage)
        elif fault == "bad_quote":
            content = spoil_quotes(content)
        return completion(chat, content, number, finish)

    # --- HTTP -----------------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return  # the client closed an idle keep-alive connection
                request_line, *lines = head.decode("latin-1").split("\r\n")
                method, target, version = request_line.split(" ", 2)
                headers = {}
                for line in lines:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    body = await _read_chunked(reader)
                else:
                    body = await reader.readexactly(int(headers.get("content-length") or 0))
                keep_alive = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
                if not await self._serve(method, target.split("?", 1)[0], headers, body, writer, keep_alive):
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            return
        except asyncio.CancelledError:
            return  # close(): ending quietly, else asyncio logs every cancelled connection
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _serve(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        writer: asyncio.StreamWriter,
        keep_alive: bool,
    ) -> bool:
        entry = None
        try:
            if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
                reply = json_reply(401, error_payload(401, "Incorrect API key provided (fake server)"))
            elif method == "POST" and path in CHAT_PATHS:
                reply, entry = await self._chat(path, body)
            elif method == "GET" and path == "/_fault/log":
                reply = json_reply(
                    200,
                    {
                        "requests": [dataclasses.asdict(e) for e in self.requests],
                        "max_concurrent_seen": self.max_concurrent_seen,
                    },
                )
            else:
                status, payload = self.batches.handle(method, path, headers, body)
                if isinstance(payload, bytes):
                    reply = Reply(status, payload, {"content-type": "application/octet-stream"})
                else:
                    reply = json_reply(status, payload)
        except Exception as exc:  # a bug here must not look like an injected 500: it is recorded
            self.errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
            reply = json_reply(500, error_payload(500, f"fake server bug: {exc}"))
        if entry is not None:
            # Logged before the bytes go out, so a client never reads the log behind its answer.
            # A slow answer counts as faulted: its client has usually given up and will ask again.
            status = None if reply.action == "drop" else reply.status
            self._finish(entry, status, "answered" if entry.fault is None and reply.status == 200 else "faulted")
        try:
            return await _send(writer, reply, keep_alive)
        except (ConnectionError, RuntimeError):
            if entry is not None:
                with self._lock:
                    entry.outcome = "client_gone"
            return False

    async def _chat(self, path: str, raw: bytes) -> tuple[Reply, Logged | None]:
        try:
            body = json.loads(raw)
            chat = ChatRequest.parse(body)
        except (ValueError, AttributeError, TypeError) as exc:
            return json_reply(400, error_payload(400, f"the body is not a chat request: {exc}")), None
        entry = self._choose(chat, path)
        fault = entry.fault
        try:
            if fault == "429":  # a rate limiter answers at once
                return json_reply(429, error_payload(429), {"retry-after": self.retry_after}), entry
            await asyncio.sleep(self.slow_seconds if fault == "slow" else self.latency)
            if fault in STATUS_FAULTS:
                return json_reply(STATUS_FAULTS[fault], error_payload(STATUS_FAULTS[fault])), entry
            if fault == "drop":
                return Reply(action="drop"), entry
            reply = json_reply(200, self._answer(chat, fault, entry.index))
            reply.action = "drop_mid_body" if fault == "drop_mid_body" else None
            return reply, entry
        except BaseException:
            self._finish(entry, None, "faulted")  # cancelled at close(), or a responder bug
            raise


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return b"".join(chunks)  # (no trailers: clients of this server send none)
        chunks.append(chunk[:-2])


async def _send(writer: asyncio.StreamWriter, reply: Reply, keep_alive: bool) -> bool:
    """Writes the reply; False when the connection must now close."""
    if reply.action == "drop":
        writer.transport.abort()
        return False
    phrase = http.HTTPStatus(reply.status).phrase
    headers = {
        **reply.headers,
        "content-length": str(len(reply.body)),
        "connection": "keep-alive" if keep_alive and not reply.action else "close",
    }
    head = f"HTTP/1.1 {reply.status} {phrase}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    if reply.action == "drop_mid_body":
        writer.write(head.encode("latin-1") + reply.body[: len(reply.body) // 2])
        await writer.drain()
        writer.transport.abort()
        return False
    writer.write(head.encode("latin-1") + reply.body)
    await writer.drain()
    return keep_alive


def main() -> None:
    """Serve until interrupted, e.g. for a benchmark that keeps the server out of its process."""
    parser = argparse.ArgumentParser(description="A fake OpenAI-compatible server that injects faults.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fault", action="append", default=[], metavar="NAME=RATE", help=f"one of {', '.join(FAULTS)}")
    parser.add_argument("--slow-seconds", type=float, default=5.0)
    parser.add_argument("--retry-after", default="0.1")
    args = parser.parse_args()
    faults = {name: float(rate) for name, _, rate in (f.partition("=") for f in args.fault)}
    with FaultServer(
        faults,
        latency=args.latency,
        seed=args.seed,
        port=args.port,
        slow_seconds=args.slow_seconds,
        retry_after=args.retry_after,
    ) as server:
        print(server.base_url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
