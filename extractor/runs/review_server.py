"""`extractor review RUN --serve`: the review page on a local server that records verdicts.

The analyst reads the run's records beside their articles, as on the static page, and accepts,
rejects, fixes or adds records (extractor/results/verdicts.py says what each does); every
verdict is checked against the contract and committed to the run store before the page hears
back, so closing the browser or killing the server loses nothing. Actor names fixed or added go
into the user's actor registry file too, so the next run names those actors the same way.

Safe by default, as notebook servers are:
  * it listens on 127.0.0.1 only, and answers only requests addressed to it by that name or
    localhost (a Host header naming another site is a DNS-rebinding attempt);
  * a random token, in the URL it prints and opens, is needed to read the page and, in a header,
    for every write; a request without it is refused;
  * a write from another origin is refused (Origin and Sec-Fetch-Site), and a cross-origin
    request cannot even send JSON to it (no CORS answer is ever given);
  * the page keeps its Content-Security-Policy (its own scripts by hash, requests to its own origin
    only), sent as a header too, with no framing, no referrer and no caching;
  * a verdict that breaks the contract gets a 400 with a one-line error and changes nothing.
The standard library's threading HTTP server is enough for one analyst: each request is a few
milliseconds, and verdicts are applied one at a time under a lock.
"""

from __future__ import annotations

import hmac
import json
import secrets
import socketserver
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pydantic import ValidationError

from extractor.errors import ExtractorError, InputError
from extractor.normalise.actors import add_to_registry_file
from extractor.results.read import ArticleTexts, Result
from extractor.results.review import Serving, policy, render_review
from extractor.results.review_verdict_assets import CSS as VERDICT_CSS
from extractor.results.review_verdict_assets import JS as VERDICT_JS
from extractor.results.verdicts import (
    Quality,
    VerdictRequest,
    check_verdict,
    choices,
    record_state,
    registry_entry,
)
from extractor.runs.reviewed import reviews, run_quality
from extractor.runs.store import RunStore
from extractor.schema import ArticleExtraction

HOST = "127.0.0.1"
TOKEN_HEADER = "X-Review-Token"
MAX_BODY = 256 * 1024  # a verdict is a few hundred bytes; an added incident a few kilobytes


class ReviewSession:
    """What the server does, apart from HTTP: the page as the run store holds it now, and
    verdicts checked, stored and answered. One at a time (the lock): the store's connection is
    shared by the server's threads."""

    def __init__(self, store: RunStore, run: str, texts: ArticleTexts, *, reviewer: str, actors_file: Path) -> None:
        self.store, self.run, self.texts = store, run, texts
        self.reviewer, self.actors_file = reviewer, actors_file
        self.token = secrets.token_urlsafe(32)
        self._lock = threading.Lock()

    def check_texts(self) -> int:
        """How many finished articles the run has; an InputError names the first whose text is
        not among the article sources."""
        count = 0
        for _, article_id, origin, result in self.store.done_articles(self.run):
            doc = ArticleExtraction.model_validate_json(result)
            self.texts.require(Result(f"{article_id} ({origin})", doc))  # type: ignore[arg-type]
            count += 1
        return count

    def page(self) -> str:
        with self._lock:
            pairs, keys, states, published = [], [], [], {}
            for key, origin, r in reviews(self.store, self.run):
                doc = r.document
                pairs.append((Result(origin, doc), self.texts.require(Result(origin, doc))))  # type: ignore[arg-type]
                keys.append(key)
                states.append({rid: record_state(r, rid) for rid in r.status})
                published[key] = doc.article.published
        if not pairs:
            raise InputError(self.run, "has no finished article to review", hint="see `extractor runs show`")
        config = {"run": self.run, "reviewer": self.reviewer, "choices": choices(), "published": published}
        return render_review(pairs, Serving(keys, states, config, VERDICT_JS, VERDICT_CSS))

    def verdict(self, payload: object) -> dict:
        """Check, store and answer one verdict (an InputError, storing nothing, when it is bad)."""
        try:
            request = VerdictRequest.model_validate(payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "verdict"
            raise InputError("verdict", f"{where}: {first['msg']}", hint="send what the review page sends") from None
        with self._lock:
            row = self.store.done_article(self.run, request.article)
            if row is None:
                raise InputError("verdict", f"names no finished article of run {self.run}", hint="reload the page")
            doc = ArticleExtraction.model_validate_json(row[2])
            article = self.texts.get(doc.article.sha256)
            if article is None:
                raise InputError("verdict", f"article {doc.article.id}'s text is not loaded", hint="reload the page")
            earlier = self.store.verdicts(self.run, request.article).get(request.article, [])
            verdict, after = check_verdict(doc, earlier, request, article.text, reviewer=self.reviewer)
            self.store.add_verdict(self.run, request.article, verdict)
            registry = self._name_in_registry(verdict, after)  # under the lock: one writer of the file
        message = f"{verdict.record} {after.status[verdict.record]}" + (f" ({verdict.field})" if verdict.field else "")
        if registry:
            message += f"; {registry}"
        return {
            "record": verdict.record,
            "status": after.status[verdict.record],
            "message": message,
            "registry": registry,
            "states": {rid: record_state(after, rid) for rid in after.status},
        }

    def _name_in_registry(self, verdict, after) -> str | None:
        """An actor's name fixed or added goes into the user's registry; what became of it, or None."""
        entry = registry_entry(verdict, after)
        if entry is None:
            return None
        try:
            add_to_registry_file(self.actors_file, *entry)
        except ExtractorError as exc:
            return f"the verdict is saved, but the actor registry is not: {exc.one_line()}"
        return f"{entry[0]} is in your actor registry ({self.actors_file})"


class ReviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, session: ReviewSession, port: int = 0) -> None:
        self.session = session
        super().__init__((HOST, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's name (a DNS query): loopback needs none.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, self.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.server_port}"

    @property
    def url(self) -> str:
        return f"{self.origin}/?token={self.session.token}"

    def hosts(self) -> set[str]:
        return {f"{HOST}:{self.server_port}", f"localhost:{self.server_port}"}

    def origins(self) -> set[str]:
        return {f"http://{host}" for host in self.hosts()}


class _Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    protocol_version = "HTTP/1.1"
    server_version = "extractor-review"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # the default logs every request line, the token in the URL included

    def do_GET(self) -> None:
        if not self._addressed_to_us():
            return
        url = urlsplit(self.path)
        if url.path != "/":
            return self._send(404, "text/plain", b"not found\n")
        token = (parse_qs(url.query).get("token") or [""])[0]
        if not hmac.compare_digest(token.encode(), self.server.session.token.encode()):
            return self._send(
                403, "text/plain", b"refused: open the URL `extractor review --serve` printed (it holds the token)\n"
            )
        try:
            page = self.server.session.page().encode("utf-8")
        except ExtractorError as exc:
            return self._send(500, "text/plain", (exc.one_line() + "\n").encode())
        self._send(200, "text/html; charset=utf-8", page, csp=policy(VERDICT_JS))

    def do_POST(self) -> None:
        if not self._addressed_to_us():
            return
        if urlsplit(self.path).path != "/verdicts":
            return self._error(404, "not found")
        origin = self.headers.get("Origin")
        if origin is not None and origin not in self.server.origins():
            return self._error(403, f"refused: a request from another origin ({origin[:80]})")
        if self.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
            return self._error(403, "refused: a request from another site")
        token = self.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(token.encode(), self.server.session.token.encode()):
            return self._error(403, "refused: no valid token (reload the page from the URL the server printed)")
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return self._error(415, "refused: a verdict is sent as application/json")
        try:
            length = int(self.headers.get("Content-Length") or "-1")
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            return self._error(413, f"refused: a verdict is at most {MAX_BODY} bytes, with its Content-Length")
        try:
            payload = json.loads(self.rfile.read(length) or b"null")
        except (ValueError, UnicodeDecodeError):
            return self._error(400, "verdict: is not JSON")
        try:
            answer = self.server.session.verdict(payload)
        except InputError as exc:
            return self._error(400, exc.one_line())
        except ExtractorError as exc:
            return self._error(500, exc.one_line())
        self._send(200, "application/json", json.dumps(answer, ensure_ascii=False).encode("utf-8"))

    def _refuse_method(self) -> None:
        if self._addressed_to_us():
            self._error(405, "refused: this server answers GET / and POST /verdicts only")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method

    def _addressed_to_us(self) -> bool:
        if self.headers.get("Host") not in self.server.hosts():
            self._error(403, "refused: addressed to another host")
            return False
        return True

    def _error(self, status: int, message: str) -> None:
        self.close_connection = True  # a refused request's body may be unread: never read it as the next request
        self._send(status, "application/json", json.dumps({"error": message}).encode("utf-8"))

    def _send(self, status: int, kind: str, body: bytes, *, csp: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Content-Security-Policy", (csp or "default-src 'none'") + "; frame-ancestors 'none'")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


def serve(
    run: str,
    store_path: Path,
    sources: list[Path],
    *,
    reviewer: str,
    actors_file: Path,
    port: int = 0,
    on_ready: Callable[[ReviewServer], None] = lambda server: None,
) -> Quality:
    """Serve `run`'s review until Ctrl-C or SIGTERM; returns the review's quality at the end.
    Article texts come from `sources` (files or folders; found by sha256, as `review` finds them)."""
    from extractor.runs.driver import sigterm_as_interrupt  # SIGTERM as Ctrl-C, as a run takes it

    with RunStore(store_path, any_thread=True) as store:
        if store.summary(run) is None:
            raise InputError(run, f"is not a run in {store_path}", hint="see `extractor runs list`")
        texts = ArticleTexts(sources)
        session = ReviewSession(store, run, texts, reviewer=reviewer, actors_file=actors_file)
        if not session.check_texts():  # every text found, or one error now
            raise InputError(run, "has no finished article to review", hint="see `extractor runs show`")
        server = ReviewServer(session, port)
        try:
            on_ready(server)
            with sigterm_as_interrupt():
                server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        return run_quality(store, run)
