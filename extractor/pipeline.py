"""One article through the stages: prompt -> call -> ground/check -> assemble, and the cache.

`extract_article` takes an `Article` and an injected `LLMClient`; it makes two calls (incidents,
then actors and attributions), each re-asked by instructor while the checks in
`extractor.assemble` find issues. When a stage's attempts run out, its last draft is salvaged item
by item: items that parse are kept after grounding, the rest are dropped with a warning. Only if
nothing parses does the article fail (ExtractionFailed, carrying the last completion, the attempt
count and the tokens spent).

`extract_cached` adds the cache around it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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
from extractor.draft import DraftActorsAndAttributions, DraftIncidents
from extractor.errors import ExtractionFailed
from extractor.ground import Grounder
from extractor.llm import Answer, LLMClient, parse_json
from extractor.load import Article
from extractor.schema import ArticleExtraction, ArticleMeta, Provenance, Usage
from extractor.settings import Settings
from extractor.store import Cache, cache_key

INCIDENT_TOKENS = 1536
ACTOR_TOKENS = 1536


def salvage(text: str | None, container: type[BaseModel]) -> tuple[BaseModel | None, list[str]]:
    """The items of a last, invalid answer that still parse on their own."""
    data = parse_json(text)
    if not isinstance(data, dict):
        return None, []
    kept: dict[str, list[Any]] = {name: [] for name in container.model_fields}
    issues: list[str] = []
    for name, field in container.model_fields.items():
        item_type = field.annotation.__args__[0]  # list[X] -> X
        for number, item in enumerate(data.get(name) or [], start=1):
            try:
                kept[name].append(item_type.model_validate(item))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                issues.append(f"{name[:-1]} {number} does not fit the schema ({where}: {first['msg']}); dropped")
    # Each item is valid on its own; the container is not re-validated, so an over-long list from
    # a server without grammar limits is still kept rather than failing the whole stage.
    return container.model_construct(**kept), issues


class _Stage:
    """Runs one call and turns its answer into a usable draft, salvaging when it must."""

    def __init__(self, llm: LLMClient, cache: Cache | None, key: str, article: Article) -> None:
        self.llm, self.cache, self.key, self.article = llm, cache, key, article
        self.attempts = 0
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0}
        self.warnings: list[str] = []

    def run(self, name: str, checked: type[BaseModel], plain: type[BaseModel], messages: list[dict[str, str]],
            context: dict[str, Any], max_tokens: int) -> BaseModel:
        answer: Answer = self.llm.extract(checked, messages, context, max_tokens)
        self.attempts += answer.attempts
        for k in self.usage:
            self.usage[k] += answer.usage.get(k, 0)
        outcome = "ok" if answer.value is not None else "salvaged"
        draft: BaseModel | None = answer.value
        if draft is None:
            draft, issues = salvage(answer.last_text, plain)
            if draft is None:
                outcome = "failed"
            else:
                self.warnings.append(f"{name}: no fully valid answer after {answer.attempts} attempts; kept what passed the checks")
                self.warnings += [f"{name}: {issue}" for issue in issues]
        if self.cache is not None:
            self.cache.log_call(self.key, self.article.id, name, answer.attempts, answer.usage, answer.seconds, outcome)
        if draft is None:
            last_error = answer.errors[-1] if answer.errors else "no answer"
            raise ExtractionFailed(
                f"{self.article.id}: the model gave no usable {name} after {answer.attempts} attempts ({' '.join(last_error.split())[:300]})",
                last_completion=answer.last_text,
                attempts=self.attempts,
                usage=dict(self.usage),
                hint="try a larger model (--model / --base-url) or raise EXTRACTOR_MAX_ATTEMPTS",
            )
        return plain.model_validate(draft.model_dump())


def extract_article(article: Article, llm: LLMClient, *, cache: Cache | None = None, key: str = "") -> ArticleExtraction:
    """Grounded, checked records for one article (no cache lookup; see `extract_cached`)."""
    grounder = Grounder(article.searchable_text)
    stage = _Stage(llm, cache, key, article)

    incident_draft = stage.run(
        "incidents", CheckedIncidents, DraftIncidents, prompts.incident_messages(article),
        {"grounder": grounder, "published": article.published}, INCIDENT_TOKENS,
    )
    incidents, issues = assemble_incidents(incident_draft, grounder, article.published)
    warnings = list(stage.warnings) + issues
    stage.warnings.clear()

    result = Assembled(incidents, [], [])
    if incidents:
        listed = [(i.id, i.summary, i.evidence[0].quote) for i in incidents]
        actor_draft = stage.run(
            "actors", CheckedActors, DraftActorsAndAttributions, prompts.actor_messages(article, listed),
            {"grounder": grounder, "incidents": incidents}, ACTOR_TOKENS,
        )
        result, issues = assemble_actors(actor_draft, grounder, incidents)
        warnings += stage.warnings + issues

    result = renumber(result)
    return ArticleExtraction(
        article=meta(article),
        incidents=result.incidents,
        actors=result.actors,
        attributions=result.attributions,
        provenance=Provenance(
            provider=llm.provider,
            model=llm.model,
            prompt_version=prompts.prompt_version(),
            attempts=stage.attempts,
            usage=Usage(**stage.usage),
            cache_hit=False,
            extracted_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        ),
        warnings=warnings,
    )


def meta(article: Article) -> ArticleMeta:
    return ArticleMeta(id=article.id, title=article.title, source=article.source, published=article.published,
                       url=article.url, sha256=article.sha256)


def key_for(article: Article, s: Settings) -> str:
    return cache_key(provider=s.provider, model=s.model, base_url=s.base_url, prompt_version=prompts.prompt_version(),
                     params=s.params(), text=article.text, published=article.published)


def extract_cached(
    article: Article, settings: Settings, client: Callable[[], LLMClient], cache: Cache | None, *, refresh: bool = False
) -> ArticleExtraction:
    """`extract_article` behind the cache: a hit makes no call (the client is not even built)
    and sets provenance.cache_hit."""
    key = key_for(article, settings)
    if cache is not None and not refresh:
        stored = cache.get(key)
        if stored is not None:
            stored["article"] = meta(article).model_dump()  # same text, maybe another id or title
            stored["provenance"]["cache_hit"] = True
            return ArticleExtraction.model_validate(stored)
    document = extract_article(article, client(), cache=cache, key=key)
    if cache is not None:
        cache.put(key, document.model_dump(mode="json"))
    return document
