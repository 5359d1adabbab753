"""One article through the stages: prompt -> call -> ground/check -> assemble, and the cache.

The stages are written once, as a flow that yields each LLM request and receives its answer
(`ArticleFlow.steps`), so the same logic runs under a plain loop (`extract_article`), under
asyncio for concurrent runs (`extract_article_async`), and from Batch API results, without any
of them knowing how the others call the model.

Each article makes two requests (incidents, then actors and attributions), each re-asked by
instructor while the checks in `extractor.assemble` find issues. When a stage's attempts run out,
its last draft is salvaged item by item: items that parse are kept after grounding and repair,
the rest are dropped with a warning. A later stage that yields nothing usable keeps what the
earlier stages found (the article is done, with its incidents and a warning). Only if the first
stage yields nothing that parses does the article fail (ExtractionFailed, carrying the last
completion, the attempt count and the tokens spent).

`extract_cached` adds the cache around it.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from extractor import prompts
from extractor.assemble import (
    Assembled,
    CheckedActors,
    CheckedIncidents,
    assemble_actors,
    assemble_incidents,
    renumber,
)
from extractor.draft import Caps, DraftActorsAndAttributions, DraftIncidents, caps_for, capped
from extractor.errors import ExtractionFailed, LLMError
from extractor.ground import Grounder
from extractor.llm import Answer, AsyncLLMClient, LLMClient, parse_json
from extractor.load import Article
from extractor.schema import ArticleExtraction, ArticleMeta, Provenance, Usage
from extractor.settings import EMBEDDED, Settings
from extractor.store import Cache, cache_key

INCIDENT_TOKENS = 1536
ACTOR_TOKENS = 1536


def salvage(text: str | None, container: type[BaseModel]) -> tuple[BaseModel | None, list[str]]:
    """The items of a last, invalid answer that still parse on their own, repaired where a field
    can be cut or left out (`repaired_item`)."""
    data = parse_json(text)
    if not isinstance(data, dict) or any(not isinstance(data.get(name, []), list) for name in container.model_fields):
        return None, []  # not the shape asked for: nothing to salvage
    kept: dict[str, list[Any]] = {name: [] for name in container.model_fields}
    issues: list[str] = []
    for name, field_info in container.model_fields.items():
        item_type = field_info.annotation.__args__[0]  # list[X] -> X
        for number, item in enumerate(data.get(name) or [], start=1):
            value, notes = repaired_item(item_type, item)
            issues += [f"{name[:-1]} {number} {note}" for note in notes]
            if value is not None:
                kept[name].append(value)
    # Each item is valid on its own; the container is not re-validated, so an over-long list from
    # a server without grammar limits is still kept rather than failing the whole stage.
    return container.model_construct(**kept), issues


def repaired_item(item_type: type[BaseModel], item: Any, *, rounds: int = 8) -> tuple[BaseModel | None, list[str]]:
    """`item` validated as `item_type`, repairing what can be repaired without guessing: a string
    over its length limit is cut, a list over its limit is cut, a bad element of a list is removed,
    a bad optional field is left out. Returns (None, why) when a required field stays wrong."""
    notes: list[str] = []
    data = copy.deepcopy(item)
    for _ in range(rounds):
        try:
            return item_type.model_validate(data), notes
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            if not isinstance(data, dict) or not _repair_at(item_type, data, first):
                return None, [*notes, f"does not fit the schema ({where}: {first['msg']}); dropped"]
            notes.append(f"had {where} repaired to fit the schema ({first['msg']})")
    return None, [*notes, "does not fit the schema after repairs; dropped"]


def _repair_at(model: type[BaseModel], data: dict, error: dict) -> bool:
    """Repair `data` in place at the error's location; False when nothing safe can be done."""
    loc = list(error["loc"])
    parent: Any = data
    owner: type[BaseModel] | None = model
    for step in loc[:-1]:  # walk to the container of the bad value, following the model's fields
        if isinstance(step, int) and isinstance(parent, list) and step < len(parent):
            parent = parent[step]
        elif isinstance(step, str) and isinstance(parent, dict) and step in parent:
            info = owner.model_fields.get(step) if owner else None
            owner = _model_in(info.annotation) if info else None
            parent = parent[step]
        else:
            return False
    last = loc[-1] if loc else None
    value = parent[last] if isinstance(parent, dict) and last in parent else (
        parent[last] if isinstance(parent, list) and isinstance(last, int) and last < len(parent) else None)
    limit = (error.get("ctx") or {}).get("max_length")
    if error["type"] == "string_too_long" and isinstance(value, str) and limit:
        parent[last] = value[:limit]
        return True
    if error["type"] == "too_long" and isinstance(value, list) and limit:
        parent[last] = value[:limit]
        return True
    if isinstance(parent, list) and isinstance(last, int):
        del parent[last]  # one bad element of a list (a quote, a name)
        return True
    if isinstance(parent, dict) and owner is not None and isinstance(last, str):
        info = owner.model_fields.get(last)
        if info is not None and not info.is_required():
            parent.pop(last, None)
            return True
        if info is None:
            parent.pop(last, None)
            return True
    return False


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as `X`, `X | None` or `list[X]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class Request:
    """One structured call the flow needs: what to validate against and what to send."""

    stage: str
    checked: type[BaseModel]  # validated with checks, so instructor re-asks on their issues
    plain: type[BaseModel]  # the same shape without checks, for salvage
    messages: list[dict[str, str]]
    context: dict[str, Any]
    max_tokens: int


@dataclass(frozen=True)
class CallRecord:
    stage: str
    attempts: int
    usage: dict[str, int]
    seconds: float
    outcome: str  # ok | salvaged | failed


@dataclass
class ArticleFlow:
    """The stages for one article. `steps()` yields Requests and receives Answers; `calls`
    records each stage's outcome for the call log, whoever drives the flow."""

    article: Article
    provider: str
    model: str
    calls: list[CallRecord] = field(default_factory=list)
    attempts: int = 0
    usage: dict[str, int] = field(default_factory=lambda: {"prompt_tokens": 0, "completion_tokens": 0})

    def _settle(self, request: Request, answer: Answer, warnings: list[str], *, first: bool = True) -> BaseModel | None:
        """The stage's usable draft: the validated answer, or what salvage keeps of the last one.
        A later stage (`first=False`) with nothing usable gives None and a warning; the first fails."""
        self.attempts += answer.attempts
        for k in self.usage:
            self.usage[k] += answer.usage.get(k, 0)
        draft: BaseModel | None = answer.value
        outcome = "ok"
        if draft is None:
            draft, issues = salvage(answer.last_text, request.plain)
            outcome = "failed" if draft is None else "salvaged"
            if draft is not None:
                warnings.append(f"{request.stage}: no fully valid answer after {answer.attempts} attempts; kept what passed the checks")
                warnings += [f"{request.stage}: {issue}" for issue in issues]
        self.calls.append(CallRecord(request.stage, answer.attempts, dict(answer.usage), answer.seconds, outcome))
        if draft is None and not first:
            last_error = answer.errors[-1] if answer.errors else "no answer"
            warnings.append(f"{request.stage}: the model gave no usable answer after {answer.attempts} attempts "
                            f"({' '.join(last_error.split())[:200]}); the records of the earlier stages are kept")
            return None
        if draft is None:
            last_error = answer.errors[-1] if answer.errors else "no answer"
            raise ExtractionFailed(
                f"{self.article.id}: the model gave no usable {request.stage} after {answer.attempts} attempts "
                f"({' '.join(last_error.split())[:300]})",
                last_completion=answer.last_text,
                attempts=self.attempts,
                usage=dict(self.usage),
                hint="try a larger model (--model / --base-url) or raise EXTRACTOR_MAX_ATTEMPTS",
            )
        # The plain shape for assembly, built from items already validated: re-validating the
        # container would refuse a salvaged list longer than the request's bound and lose it all.
        return request.plain.model_construct(**{name: getattr(draft, name) for name in request.plain.model_fields})

    def steps(self) -> Generator[Request, Answer, ArticleExtraction]:
        article = self.article
        grounder = Grounder(article.searchable_text, raw=article.text)
        warnings: list[str] = []

        caps = caps_for(self.provider == EMBEDDED, len(article.model_text))
        request = Request("incidents", capped(CheckedIncidents, caps.incidents, "incidents"),
                          capped(DraftIncidents, caps.incidents, "incidents"), prompts.incident_messages(article, caps),
                          {"grounder": grounder, "published": article.published}, INCIDENT_TOKENS)
        incident_draft = self._settle(request, (yield request), warnings)
        incidents, issues = assemble_incidents(incident_draft, grounder, article.published)
        warnings += issues

        result = Assembled(incidents, [], [])
        if incidents:
            listed = [(i.id, i.summary, i.evidence[0].quote) for i in incidents]
            request = Request("actors", _actor_model(CheckedActors, caps), _actor_model(DraftActorsAndAttributions, caps),
                              prompts.actor_messages(article, listed, caps), {"grounder": grounder, "incidents": incidents},
                              ACTOR_TOKENS)
            actor_draft = self._settle(request, (yield request), warnings, first=False)
            if actor_draft is not None:
                result, issues = assemble_actors(actor_draft, grounder, incidents)
                warnings += issues

        result = renumber(result)
        return ArticleExtraction(
            article=meta(article),
            incidents=result.incidents,
            actors=result.actors,
            attributions=result.attributions,
            provenance=Provenance(
                provider=self.provider,
                model=self.model,
                prompt_version=prompts.prompt_version(),
                attempts=self.attempts,
                usage=Usage(**self.usage),
                cache_hit=False,
                extracted_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
            ),
            warnings=warnings,
        )


def _actor_model(container: type[BaseModel], caps: Caps) -> type[BaseModel]:
    return capped(capped(container, caps.actors, "actors", "targets"), caps.attributions, "attributions")


def run_flow(flow: ArticleFlow, ask: Callable[[Request], Answer]) -> ArticleExtraction:
    steps = flow.steps()
    request = next(steps)
    while True:
        try:
            request = steps.send(ask(request))
        except StopIteration as done:
            return done.value


async def run_flow_async(flow: ArticleFlow, ask: Callable[[Request], Awaitable[Answer]]) -> ArticleExtraction:
    steps = flow.steps()
    request = next(steps)
    while True:
        answer = await ask(request)
        try:
            request = steps.send(answer)
        except StopIteration as done:
            return done.value


def _account(exc: Exception, flow: ArticleFlow) -> None:
    """Let a failure carry what the article cost before it failed (tokens are billed anyway)."""
    exc.flow_usage = dict(flow.usage)  # type: ignore[attr-defined]
    exc.flow_attempts = flow.attempts  # type: ignore[attr-defined]


def _log_calls(flow: ArticleFlow, cache: Cache | None, key: str) -> None:
    if cache is not None:
        for call in flow.calls:
            cache.log_call(key, flow.article.id, call.stage, call.attempts, call.usage, call.seconds, call.outcome)


def extract_article(article: Article, llm: LLMClient, *, cache: Cache | None = None, key: str = "") -> ArticleExtraction:
    """Grounded, checked records for one article (no cache lookup; see `extract_cached`)."""
    flow = ArticleFlow(article, llm.provider, llm.model)
    try:
        return run_flow(flow, lambda r: llm.extract(r.checked, r.messages, r.context, r.max_tokens))
    except LLMError as exc:
        _account(exc, flow)
        raise
    finally:
        _log_calls(flow, cache, key)


async def extract_article_async(article: Article, llm: AsyncLLMClient, *, cache: Cache | None = None, key: str = "") -> ArticleExtraction:
    """`extract_article` over the async client."""
    flow = ArticleFlow(article, llm.provider, llm.model)
    try:
        return await run_flow_async(flow, lambda r: llm.extract(r.checked, r.messages, r.context, r.max_tokens))
    except LLMError as exc:
        _account(exc, flow)
        raise
    finally:
        _log_calls(flow, cache, key)


def meta(article: Article) -> ArticleMeta:
    return ArticleMeta(id=article.id, title=article.title, source=article.source, published=article.published,
                       url=article.url, sha256=article.sha256)


def key_for(article: Article, s: Settings) -> str:
    return cache_key(provider=s.provider, model=s.model, base_url=s.base_url, prompt_version=prompts.prompt_version(),
                     params=s.params(), text=article.text, published=article.published)


def from_cache(article: Article, cache: Cache | None, key: str) -> ArticleExtraction | None:
    """The cached document for this article, marked as a cache hit, or None."""
    stored = cache.get(key) if cache is not None else None
    if stored is None:
        return None
    stored["article"] = meta(article).model_dump()  # same text, maybe another id or title
    stored["provenance"]["cache_hit"] = True
    return ArticleExtraction.model_validate(stored)


def normalised(document: ArticleExtraction, article: Article) -> ArticleExtraction:
    """The normalise stage (dates, places, actors; `extractor.normalise`). Drivers apply it after
    the cache, which keeps the model's grounded answer, so a better gazetteer or actor registry
    takes effect without calling the model again."""
    from extractor.normalise import normalise

    return normalise(document, article)


def extract_cached(
    article: Article, settings: Settings, client: Callable[[], LLMClient], cache: Cache | None, *, refresh: bool = False
) -> ArticleExtraction:
    """`extract_article` behind the cache: a hit makes no call (the client is not even built)
    and sets provenance.cache_hit."""
    key = key_for(article, settings)
    if not refresh and (hit := from_cache(article, cache, key)) is not None:
        return normalised(hit, article)
    document = extract_article(article, client(), cache=cache, key=key)
    if cache is not None:
        cache.put(key, document.model_dump(mode="json"))
    return normalised(document, article)
