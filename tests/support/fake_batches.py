"""OpenAI's Files and Batches endpoints, faked inside tests/support/fault_server.py.

Shapes follow openai-python's `FileObject`, `Batch` and the batch input/output line formats, so
`client.files.create/retrieve/content/delete/list` and `client.batches.create/retrieve/cancel/list`
work against it:
    input line   {"custom_id": ..., "method": "POST", "url": "/v1/chat/completions", "body": {...}}
    output line  {"id": ..., "custom_id": ..., "response": {"status_code": 200, "request_id": ..., "body": <chat.completion>}, "error": null}
    error line   the same with an error status and an error body, or, for a failure given as a
                 string code (e.g. "batch_expired"), "response": null and "error": {"code", "message"}

Status: create answers "validating"; each retrieve advances it: before the `polls`-th retrieve it
is "in_progress", at it "completed" (polls=0: already completed when created). An input file with
a bad line makes the batch "failed" at its first retrieve, with `errors.data` naming the line.
A cancelled batch is "cancelling", then "cancelled" at the next retrieve, with no output.

Items are answered when the batch completes, with the server's responder and faults, and logged
(via="batch"): content faults spoil the answer in the output file; 429/500/503 put the item in the
error file; connection faults (drop, slow) cannot happen to a batch item and are logged as none.
`failures` (custom ids: a set, or a mapping to an HTTP status or an error code string) and
`failure_rate` (seeded by custom id) add error-file items on top.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import time
from collections.abc import Mapping
from typing import Any

from support.fake_answers import CONNECTION_FAULTS, STATUS_FAULTS, ChatRequest, error_payload

PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
ENDPOINT = "/v1/chat/completions"  # the only endpoint this fake can run


class FakeBatches:
    def __init__(self, server: Any, *, polls: int = 2, failures: Any = (), failure_rate: float = 0.0) -> None:
        self.server = server
        self.polls = polls
        self.failures: dict[str, int | str] = (
            dict(failures) if isinstance(failures, Mapping) else {c: 500 for c in failures}
        )
        self.failure_rate = failure_rate
        self.files: dict[str, dict[str, Any]] = {}
        self.contents: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self._retrieved: dict[str, int] = {}
        self._ids = itertools.count(1)

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any] | bytes]:
        parts = path.strip("/").split("/")
        match method, parts:
            case "POST", ["v1", "files"]:
                return self._upload(headers, body)
            case "GET", ["v1", "files"]:
                return 200, _page(list(self.files.values()))
            case "GET", ["v1", "files", file_id]:
                return (200, self.files[file_id]) if file_id in self.files else _missing("File", file_id)
            case "GET", ["v1", "files", file_id, "content"]:
                return (200, self.contents[file_id]) if file_id in self.files else _missing("File", file_id)
            case "DELETE", ["v1", "files", file_id]:
                if file_id not in self.files:
                    return _missing("File", file_id)
                del self.files[file_id], self.contents[file_id]
                return 200, {"id": file_id, "object": "file", "deleted": True}
            case "POST", ["v1", "batches"]:
                return self._create(json.loads(body or b"{}"))
            case "GET", ["v1", "batches"]:
                return 200, _page(list(self.batches.values()))
            case "GET", ["v1", "batches", batch_id]:
                return self._retrieve(batch_id)
            case "POST", ["v1", "batches", batch_id, "cancel"]:
                return self._cancel(batch_id)
        return 404, error_payload(404, f"the fake server has no route {method} {path}")

    def store(self, content: bytes, filename: str, purpose: str) -> dict[str, Any]:
        file_id = f"file-fake{next(self._ids)}"
        self.files[file_id] = {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
            "expires_at": None,
            "status_details": None,
        }
        self.contents[file_id] = content
        return self.files[file_id]

    def _upload(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        boundary = re.search(r'boundary="?([^";]+)"?', headers.get("content-type", ""))
        if boundary is None:
            return 400, error_payload(400, "expected a multipart/form-data upload")
        fields = _multipart(body, boundary.group(1).encode("latin-1"))
        purpose = fields.get("purpose", (None, b""))[1].decode()
        if "file" not in fields or purpose not in PURPOSES:
            return 400, error_payload(
                400, f"an upload needs a file and a purpose in {PURPOSES}; got purpose {purpose!r}"
            )
        filename, content = fields["file"]
        return 200, self.store(content, filename or "upload.jsonl", purpose)

    def _create(self, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        file_id = data.get("input_file_id")
        if file_id not in self.files:
            return _missing("File", str(file_id))
        if self.files[file_id]["purpose"] != "batch":
            return 400, error_payload(400, f"file {file_id} was not uploaded with purpose 'batch'")
        if data.get("endpoint") != ENDPOINT or data.get("completion_window") != "24h":
            return 400, error_payload(400, f"this fake runs endpoint {ENDPOINT} with completion_window 24h only")
        now = int(time.time())
        batch_id = f"batch_fake{next(self._ids)}"
        batch = {
            "id": batch_id,
            "object": "batch",
            "endpoint": ENDPOINT,
            "errors": None,
            "input_file_id": file_id,
            "completion_window": "24h",
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": now,
            "in_progress_at": None,
            "expires_at": now + 86400,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": data.get("metadata"),
            "model": None,
            "usage": None,
        }
        self.batches[batch_id] = batch
        self._retrieved[batch_id] = 0
        if self.polls <= 0:
            self._run(batch)
        return 200, batch

    def _retrieve(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        batch = self.batches.get(batch_id)
        if batch is None:
            return _missing("Batch", batch_id)
        self._retrieved[batch_id] += 1
        if batch["status"] == "cancelling":
            batch.update(status="cancelled", cancelled_at=int(time.time()))
        elif batch["status"] in ("validating", "in_progress"):
            if self._retrieved[batch_id] >= self.polls or self._input_errors(batch)[1]:
                self._run(batch)
            else:
                batch.update(status="in_progress", in_progress_at=batch["in_progress_at"] or int(time.time()))
        return 200, batch

    def _cancel(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        batch = self.batches.get(batch_id)
        if batch is None:
            return _missing("Batch", batch_id)
        if batch["status"] not in ("validating", "in_progress"):
            return 400, error_payload(400, f"cannot cancel a batch with status {batch['status']}")
        batch.update(status="cancelling", cancelling_at=int(time.time()))
        return 200, batch

    def _input_errors(self, batch: dict[str, Any]) -> tuple[list[tuple[str, dict[str, Any]]], list[dict[str, Any]]]:
        """The input file's items, and the problems that fail the whole batch (as the real API
        does while validating)."""
        items, errors, seen = [], [], set()
        lines = self.contents[batch["input_file_id"]].decode("utf-8", "replace").splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(
                    {"code": "invalid_json_line", "line": number, "message": f"not JSON: {exc}", "param": None}
                )
                continue
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("custom_id"), str)
                or not isinstance(item.get("body"), dict)
            ):
                errors.append(
                    {
                        "code": "missing_required_parameter",
                        "line": number,
                        "param": "custom_id",
                        "message": "each line needs a string custom_id and an object body",
                    }
                )
            elif item.get("method") != "POST" or item.get("url") != batch["endpoint"]:
                errors.append(
                    {
                        "code": "mismatched_endpoint",
                        "line": number,
                        "param": "url",
                        "message": f"method must be POST and url {batch['endpoint']}",
                    }
                )
            elif item["custom_id"] in seen:
                errors.append(
                    {
                        "code": "duplicate_custom_id",
                        "line": number,
                        "param": "custom_id",
                        "message": f"custom_id {item['custom_id']!r} is used twice",
                    }
                )
            else:
                seen.add(item["custom_id"])
                items.append((item["custom_id"], item["body"]))
        if not items and not errors:
            errors.append(
                {"code": "empty_file", "line": None, "param": None, "message": "the input file has no requests"}
            )
        return items, errors

    def _run(self, batch: dict[str, Any]) -> None:
        items, errors = self._input_errors(batch)
        now = int(time.time())
        if errors:
            batch.update(status="failed", failed_at=now, errors={"object": "list", "data": errors})
            return
        outputs, failed = [], []
        for custom_id, body in items:
            line = self._item(custom_id, body)
            ok = line["error"] is None and line["response"]["status_code"] == 200
            (outputs if ok else failed).append(line)
        stem = batch["id"]
        batch.update(
            status="completed",
            in_progress_at=batch["in_progress_at"] or now,
            finalizing_at=now,
            completed_at=now,
            request_counts={"total": len(items), "completed": len(outputs), "failed": len(failed)},
            output_file_id=self.store(_jsonl(outputs), f"{stem}_output.jsonl", "batch_output")["id"],
            error_file_id=self.store(_jsonl(failed), f"{stem}_error.jsonl", "batch_output")["id"] if failed else None,
        )

    def _item(self, custom_id: str, body: dict[str, Any]) -> dict[str, Any]:
        server = self.server
        number = next(self._ids)
        chat = ChatRequest.parse(body)
        entry = server._choose(chat, ENDPOINT, via="batch", custom_id=custom_id)
        failure = self.failures.get(custom_id)
        if (
            failure is None
            and self.failure_rate
            and random.Random(f"{server.seed}|batch|{custom_id}").random() < self.failure_rate
        ):
            failure = 500
        with server._lock:
            if entry.fault in CONNECTION_FAULTS:
                entry.fault = None  # no connection to drop or keep waiting
            if failure is not None:
                entry.fault = f"batch_{failure}"
            elif entry.fault in STATUS_FAULTS:
                failure = STATUS_FAULTS[entry.fault]
        line: dict[str, Any] = {
            "id": f"batch_req_fake{number}",
            "custom_id": custom_id,
            "response": None,
            "error": None,
        }
        if isinstance(failure, str):
            line["error"] = {"code": failure, "message": f"the fake server failed this request ({failure})"}
            server._finish(entry, None, "faulted")
            return line
        if failure is not None:
            line["response"] = {
                "status_code": failure,
                "request_id": f"req_fake{number}",
                "body": error_payload(failure),
            }
            server._finish(entry, failure, "faulted")
            return line
        try:
            answer = server._answer(chat, entry.fault, entry.index)
        except Exception:
            server._finish(entry, None, "faulted")
            raise
        line["response"] = {"status_code": 200, "request_id": f"req_fake{number}", "body": answer}
        server._finish(entry, 200, "answered" if entry.fault is None else "faulted")
        return line


def _missing(kind: str, ident: str) -> tuple[int, dict[str, Any]]:
    return 404, error_payload(404, f"No such {kind}: {ident}")


def _page(data: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": False,
    }


def _jsonl(lines: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


def _multipart(body: bytes, boundary: bytes) -> dict[str, tuple[str | None, bytes]]:
    """{field name: (filename or None, bytes)}; byte-exact, unlike the email package's parser."""
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in body.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.partition(b"\r\n\r\n")
        content = content[:-2] if content.endswith(b"\r\n") else content
        disposition = re.search(rb"content-disposition:([^\r\n]*)", head, re.I)
        name = re.search(rb'\bname="([^"]*)"', disposition.group(1)) if disposition else None
        filename = re.search(rb'\bfilename="([^"]*)"', disposition.group(1)) if disposition else None
        if name:
            fields[name.group(1).decode()] = (filename.group(1).decode() if filename else None, content)
    return fields
