"""What the fake OpenAI server (tests/support/fault_server.py) answers, and how it spoils an answer.

`ChatRequest.parse(body)` reads a /v1/chat/completions body the way extractor builds it
(extractor/flow/prompts.py, prompts/article.md): the article is the text between ":\\n<<<\\n"
and the last "\\n>>>" of the first user message that has them (re-asks append messages after
it), so `article_key(Article.model_text)` names the same article on both sides (its words are
compared, so the numbered-sentence layout names it too). The stage comes
from the requested schema's properties (`incidents` vs `actors`: json_schema, json_object or
tools mode), else from the task wording.

`default_responder` answers with one incident, one actor and one attribution whose quotes are a
sentence of the article itself, so extractor's grounding and checks accept them. The `spoil_*`
functions turn a valid answer into the content faults: truncated, schema-invalid, bad quote.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

ARTICLE_START = ":\n<<<\n"  # "Article:" or "Article, one numbered sentence per line:"
ARTICLE_END = "\n>>>"
FALLBACK_DATE = "2024-01-01"  # used when the prompt says "Publication date: unknown"
NOT_IN_ARTICLE = "a passage the fake server made up, which no article contains"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"\S+")
_NAME = re.compile(r"\b[A-Z][A-Za-z]{2,}\b")  # a capitalised word: good enough for an actor name
_INCIDENT_LINE = re.compile(r"^- (I[0-9]{1,2}): ", re.M)

# The fault names, by what they act on (tests/support/fault_server.py documents each).
STATUS_FAULTS = {"429": 429, "500": 500, "503": 503}
CONNECTION_FAULTS = ("drop", "drop_mid_body", "slow")
CONTENT_FAULTS = ("truncated", "truncated_length", "invalid", "bad_quote")
_ERRORS = {
    429: ("Rate limit reached (fake server)", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request (fake server)", "server_error", None),
    503: ("The server is overloaded (fake server)", "server_error", None),
}


def error_payload(status: int, message: str | None = None, kind: str = "invalid_request_error") -> dict[str, Any]:
    """An OpenAI-style error body."""
    default, kind, code = _ERRORS.get(status, (message, kind, None))
    return {"error": {"message": message or default, "type": kind, "param": None, "code": code}}


def article_key(text: str) -> str:
    """The identity of an article in the request log: sha256 of the words the model was shown,
    the same for `Article.model_text` and the article as numbered sentences ("[3] ..." lines;
    sentence numbers, spacing and word-less rules such as "____" set aside)."""
    lines = (re.sub(r"^\[[0-9]+\] ", "", line.strip()) for line in text.splitlines())
    words = [w for line in lines for w in line.split() if any(ch.isalnum() for ch in w)]
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


@dataclass
class ChatRequest:
    """One chat-completion request, as the responder and the fault injector see it."""

    body: dict[str, Any]
    stage: str  # "incidents" | "actors" | "other"
    article: str | None  # the article text, or None when the prompt has no article block
    key: str  # article_key(article), or a hash of the messages when there is no article
    published: str | None  # "YYYY-MM-DD" from "Publication date: ...", else None
    incident_ids: list[str] = field(default_factory=list)  # listed in an actor-stage prompt
    tool_name: str | None = None  # set in tools mode: the answer goes into a tool call

    @classmethod
    def parse(cls, body: dict[str, Any]) -> ChatRequest:
        messages = body.get("messages") or []
        texts = [m.get("content") if isinstance(m.get("content"), str) else _joined(m.get("content")) for m in messages]
        prompt = next((t for t in texts if ARTICLE_START in t), None)
        article = None
        published = None
        incident_ids: list[str] = []
        if prompt is not None:
            start = prompt.index(ARTICLE_START) + len(ARTICLE_START)
            end = prompt.rfind(ARTICLE_END)
            article = prompt[start:end] if end >= start else prompt[start:]
            date = re.search(r"Publication date: ([0-9]{4}-[0-9]{2}-[0-9]{2})", prompt[:start])
            published = date.group(1) if date else None
            incident_ids = _INCIDENT_LINE.findall(prompt[end:] if end >= start else "")
        if article is not None:
            key = article_key(article)
        else:
            key = "messages:" + hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()
        schema, tool_name = _requested_schema(body)
        return cls(body, _stage(schema, prompt or ""), article, key, published, incident_ids, tool_name)


def _joined(content: Any) -> str:
    """Text of a content given as parts ([{"type": "text", "text": ...}])."""
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _requested_schema(body: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return (fmt.get("json_schema") or {}).get("schema"), None
    if fmt.get("type") == "json_object" and isinstance(fmt.get("schema"), dict):
        return fmt["schema"], None  # the llama.cpp form extractor sends with --response-format json_object
    tools = body.get("tools") or []
    if tools:
        function = tools[0].get("function") or {}
        return function.get("parameters"), function.get("name")
    return None, None


def _stage(schema: dict[str, Any] | None, prompt: str) -> str:
    properties = (schema or {}).get("properties") or {}
    if "incidents" in properties:
        return "incidents"
    if "actors" in properties:
        return "actors"
    if "Task: list the incidents" in prompt:
        return "incidents"
    if "Task: list the actors" in prompt:
        return "actors"
    return "other"


@lru_cache(maxsize=4096)  # the same articles come back at every stage and retry
def sentences(article: str, max_words: int = 20) -> tuple[str, ...]:
    """Passages of the article, each an exact substring inside one line: a sentence cut to
    `max_words` words (extractor's prompt asks for 5 to 25 words; its schema caps quotes at 200
    characters)."""
    found = []
    for line in article.splitlines():
        for sentence in _SENTENCE_END.split(line.strip()):
            words = list(_WORD.finditer(sentence))
            if len(words) < 3:
                continue
            passage = sentence[: words[min(len(words), max_words) - 1].end()]
            while len(passage) > 200:  # very long words: drop words from the end
                passage = passage[: passage.rstrip().rfind(" ")].rstrip()
            if len(passage) >= 3:
                found.append(passage)
    return tuple(found)


_NUMBERED = re.compile(r"^\[([0-9]+)\] (.*)$")


def numbered_sentences(article: str) -> dict[str, int]:
    """{passage: sentence number} when the article is shown as numbered sentences ("[3] ...")."""
    found = {}
    for line in article.splitlines():
        match = _NUMBERED.match(line.strip())
        if match:
            for passage in sentences(match.group(2)):
                found.setdefault(passage, int(match.group(1)))
    return found


def default_responder(request: ChatRequest) -> dict[str, Any]:
    """A valid, grounded answer for extractor's two stages (an empty one when the article gives
    nothing to quote). Evidence is quoted, or cited by number when the article is numbered."""
    numbers = numbered_sentences(request.article or "")
    is_numbered = bool(_NUMBERED.match(((request.article or "").strip().splitlines() or [""])[0]))
    passages = tuple(numbers) if is_numbered else sentences(request.article or "")

    def cite(passage: str) -> list[Any]:
        return [numbers[passage]] if is_numbered else [passage]

    if request.stage == "incidents":
        if not passages:
            return {"incidents": []}
        date = request.published or FALLBACK_DATE
        return {
            "incidents": [
                {
                    "id": "I1",
                    "evidence": cite(passages[0]),
                    "summary": "An air strike reported in the article (an answer of the fake server).",
                    "event_type": "Explosions/Remote violence",
                    "sub_event_type": "Air/drone strike",
                    "stage": "accomplished",
                    "primary": True,
                    "date": {"start": date, "end": date, "precision": "day", "text": None},
                    "location": {
                        "name": "Syria",
                        "country": "Syria",
                        "country_code": "SY",
                        "precision": "country",
                        "text": None,
                    },
                    "fatalities": None,
                    "injured": None,
                    "targets": [],
                    "weapons": [],
                }
            ]
        }
    if request.stage == "actors":
        # The actor's evidence must name it, so name and quote come from the same passage.
        named = next(((p, m.group(0)) for p in passages for m in [_NAME.search(p)] if m), None)
        if named is None:
            return {"actors": [], "attributions": [], "targets": []}
        passage, name = named
        attributions = []
        if request.incident_ids:
            attributions.append(
                {
                    "incident_id": request.incident_ids[0],
                    "evidence": cite(passage),
                    "perpetrator_id": "A1",
                    "source_id": None,
                    "kind": "reported",
                    "hedged": False,
                }
            )
        return {
            "actors": [
                {
                    "id": "A1",
                    "evidence": cite(passage),
                    "name": name,
                    "mentions": [],
                    "kind": "other",
                    "country_code": None,
                    "backed_by": [],
                }
            ],
            "attributions": attributions,
            "targets": [],
        }
    return {"answer": "the fake server does not know this prompt"}


# --- content faults: each takes a valid answer (JSON text) and returns a spoiled one ---------


def spoil_truncated(content: str) -> str:
    """Cut in the middle, as a proxy or a server stopping early would: no longer valid JSON."""
    return content[: max(1, len(content) // 2)]


def spoil_invalid(content: str, stage: str) -> str:
    """Still JSON, but against the schema: an enumeration value that does not exist (a model
    without constrained decoding does this), or a missing field when the shape is unknown."""
    try:
        data = json.loads(content)
    except json.JSONDecodeError:
        return json.dumps({"unexpected": content})
    if stage == "incidents" and data.get("incidents"):
        data["incidents"][0]["event_type"] = "Bombing"
    elif stage == "actors" and data.get("actors"):
        data["actors"][0]["kind"] = "terrorist"
    elif isinstance(data, dict) and data:
        data.pop(next(iter(data)))
        data["unexpected"] = True
    else:
        data = {"unexpected": data}
    return json.dumps(data)


NO_SUCH_SENTENCE = 9999


def spoil_quotes(content: str) -> str:
    """Every evidence list quotes words the article does not contain (an invented quote), or,
    when it cites sentence numbers, cites one the article does not have."""
    try:
        data = json.loads(content)
    except json.JSONDecodeError:
        return content
    for items in data.values() if isinstance(data, dict) else []:
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and "evidence" in item:
                cites_numbers = any(isinstance(e, int) for e in item["evidence"])
                item["evidence"] = [NO_SUCH_SENTENCE] if cites_numbers else [NOT_IN_ARTICLE]
    return json.dumps(data)


def completion(request: ChatRequest, content: str, number: int, finish_reason: str = "stop") -> dict[str, Any]:
    """An OpenAI chat.completion object; usage is estimated at 4 characters a token."""
    prompt_chars = sum(len(str(m.get("content") or "")) for m in request.body.get("messages") or [])
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    if request.tool_name:
        message["content"] = None
        message["tool_calls"] = [
            {"id": f"call_{number}", "type": "function", "function": {"name": request.tool_name, "arguments": content}}
        ]
        finish_reason = "tool_calls" if finish_reason == "stop" else finish_reason
    prompt_tokens, completion_tokens = prompt_chars // 4 + 1, len(content) // 4 + 1
    return {
        "id": f"chatcmpl-fake-{number}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.body.get("model") or "fake-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "system_fingerprint": None,
    }
