"""One article's way through a run, written once: cache -> flow -> normalise -> result.

    key = key_for(article, settings)             # what the cache knows the article's answer by
    hit = cached(article, cache, key)             # the normalised document kept for it, or None
    document = <the flow over the LLM client>     # extractor.flow.pipeline: the LLM stages
    done = kept(document, article, cache, key)    # into the cache, then normalised (kept too)

`extract` is that way for one article at a time (the library's `extract`), `extract_one` for a run
(the driver of `extractor extract`, the library's `extract_many` and each worker process): it also
catches what fails one article alone and gives the article's `Outcome`. Batch collection, whose
flows the Batch API answered, applies `normalised` to the document a finished flow gives.

The cache keeps the model's checked answer, and normalisation is applied after it: a better
gazetteer or actor registry takes effect without calling the model again. The normalised form is
kept beside the answer, under the fingerprint of the normalisation that made it, so a cached
re-run reads one validated document instead of normalising again.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from extractor.articles.load import Article
from extractor.cache import Cache, cache_key
from extractor.errors import ConfigError, LLMError, ModelUnavailableError
from extractor.flow import prompts
from extractor.runs.context import RunContext
from extractor.runs.store import DONE, FAILED
from extractor.schema import ArticleExtraction, warning
from extractor.settings import Settings
from extractor.taxonomy import WarningCode

if TYPE_CHECKING:
    from extractor.flow.pipeline import ArticleFlow


@dataclass
class Outcome:
    """How one article of a run ended: done (with its document), failed (with the reason), or skipped."""

    index: int
    key: str
    article_id: str
    origin: str
    status: str  # done | failed | skipped
    document: ArticleExtraction | None = None
    reason: str | None = None
    attempts: int = 0
    usage: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    cost: float | None = 0.0
    cache_hit: bool = False
    unreadable: bool = False  # the input itself could not be read (no request was made)
    failed_before: bool = False  # skipped as failed in an earlier run of the same named run
    _json: str | None = field(default=None, repr=False, compare=False)

    def document_json(self) -> str | None:
        """The document as compact JSON, made once for the run store and the output alike."""
        if self._json is None and self.document is not None:
            self._json = self.document.model_dump_json()
        return self._json


def key_for(article: Article, s: Settings) -> str:
    return cache_key(
        provider=s.provider,
        model=s.model,
        base_url=s.base_url,
        prompt_version=prompts.prompt_version(),
        params=s.params(),
        text=article.text,
        published=article.published,
        code_version=prompts.code_version() if s.asks_small else None,
    )


def cached(article: Article, cache: Cache | None, key: str) -> ArticleExtraction | None:
    """The cached document for this article, normalised and marked as a cache hit; or None."""
    if cache is None:
        return None
    from extractor.normalise.document import fingerprint

    kept_form = cache.get_normalised(key, fingerprint())
    if kept_form is not None:
        document = ArticleExtraction.model_validate_json(kept_form)
        provenance = document.provenance.model_copy(update={"cache_hit": True}) if document.provenance else None
        return document.model_copy(update={"article": article.meta(), "provenance": provenance})
    stored = cache.get(key)
    if stored is None:
        return None
    stored["article"] = article.meta().model_dump()  # same text, maybe another id or title
    stored["provenance"]["cache_hit"] = True
    return _normalised_and_kept(ArticleExtraction.model_validate(stored), article, cache, key)


def kept(document: ArticleExtraction, article: Article, cache: Cache | None, key: str) -> ArticleExtraction:
    """A fresh answer into the cache, and its normalised form (kept there too, so the next run
    need not normalise it again)."""
    if cache is None:
        return normalised(document, article)
    cache.put(key, document.model_dump(mode="json"))
    return _normalised_and_kept(document, article, cache, key)


def _normalised_and_kept(document: ArticleExtraction, article: Article, cache: Cache, key: str) -> ArticleExtraction:
    from extractor.normalise.document import fingerprint

    done = normalised(document, article)
    if not any(w.code == WarningCode.NORMALISE_FAILED for w in done.warnings):
        cache.put_normalised(key, fingerprint(), done.model_dump_json())
    return done


def normalised(document: ArticleExtraction, article: Article) -> ArticleExtraction:
    """The normalise stage (dates, places, actors; `extractor.normalise.document`). A stage that
    fails keeps what the model's checked answer holds, with a warning that says why."""
    from extractor.normalise.document import normalise

    try:
        return normalise(document, article)
    except Exception as exc:  # noqa: BLE001 - a stage that fails keeps what the earlier stages found
        problem = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        return document.model_copy(
            update={
                "warnings": [
                    *document.warnings,
                    warning(
                        WarningCode.NORMALISE_FAILED,
                        f"normalise: failed ({problem}); the records are as the model's answer was checked, not normalised",
                    ),
                ]
            }
        )


def confident(document: ArticleExtraction, threshold: float | None) -> ArticleExtraction:
    """The document without the attributions whose confidence is below `threshold` (`--min-confidence`),
    a warning naming each; an attribution without a confidence is kept. Applied after the cache, so
    another threshold needs no call."""
    if threshold is None:
        return document
    low = [a for a in document.attributions if a.confidence is not None and a.confidence < threshold]
    if not low:
        return document
    notes = [
        warning(
            WarningCode.BELOW_MIN_CONFIDENCE,
            f"attribution {a.id} ({a.kind}, perpetrator {a.perpetrator_id or 'none'}) left out: its confidence "
            f"{a.confidence:.2f} is below the minimum {threshold:g}",
        )
        for a in low
    ]
    kept_ones = [a for a in document.attributions if a not in low]
    return document.model_copy(update={"attributions": kept_ones, "warnings": [*document.warnings, *notes]})


def _log_calls(cache: Cache | None, key: str, flow: ArticleFlow) -> None:
    """Each call of the article's flow into the cache's call log (whatever the flow's outcome)."""
    if cache is not None:
        for call in flow.calls:
            cache.log_call(key, flow.article.id, call.stage, call.attempts, call.usage, call.seconds, call.outcome)


def extract(article: Article, ctx: RunContext) -> ArticleExtraction:
    """One article's grounded, normalised document: from the cache, or through the flow over the
    context's client (a hit makes no call, and builds no client)."""
    key = key_for(article, ctx.settings)
    threshold = ctx.settings.min_confidence
    if not ctx.settings.refresh and (hit := cached(article, ctx.cache, key)) is not None:
        return confident(hit, threshold)
    from extractor.flow.pipeline import extract_article, flow_for  # the LLM stack loads on the first miss

    client = ctx.sync_client()
    flow = flow_for(article, client.settings)
    try:
        document = extract_article(article, client, flow=flow)
    finally:
        _log_calls(ctx.cache, key, flow)
    return confident(kept(document, article, ctx.cache, key), threshold)


async def extract_one(
    index: int, article: Article, key: str, ctx: RunContext, gazetteer_ready: Awaitable[object]
) -> Outcome:
    """One article of a run (`key`: its key in the run store): its Outcome. A failure of this
    article alone (the model gave nothing usable, transport retries ran out) is a failed outcome;
    one that would fail every article (no model, bad settings) is raised, to stop the run."""
    settings = ctx.settings
    stored_as = key_for(article, settings)
    if not settings.refresh and ctx.cache is not None:
        await gazetteer_ready  # normalising a cached answer may need it (loaded once, at the run's start)
        if (hit := cached(article, ctx.cache, stored_as)) is not None:
            return Outcome(index, key, article.id, "", DONE, confident(hit, settings.min_confidence), cache_hit=True)
    from extractor.flow.pipeline import extract_article_async, flow_for  # the LLM stack loads on the first miss

    started = time.monotonic()
    client = ctx.client()
    flow = flow_for(article, client.settings)
    try:
        document = await extract_article_async(article, client, flow=flow)
    except (ModelUnavailableError, ConfigError):
        raise  # every article would fail the same way: stop the run
    except LLMError as exc:
        reason = exc.one_line()
        if not reason.startswith(f"{article.id}: "):  # transport errors do not name the article
            reason = f"{article.id}: {reason}"
        return Outcome(
            index,
            key,
            article.id,
            "",
            FAILED,
            reason=reason,
            attempts=exc.calls,
            usage=exc.usage,
            seconds=time.monotonic() - started,
            cost=ctx.prices.cost(settings.provider, settings.model, exc.usage),
        )
    finally:
        _log_calls(ctx.cache, stored_as, flow)
    await gazetteer_ready
    usage = document.provenance.usage.model_dump()
    return Outcome(
        index,
        key,
        article.id,
        "",
        DONE,
        confident(kept(document, article, ctx.cache, stored_as), settings.min_confidence),
        attempts=document.provenance.attempts,
        usage=usage,
        seconds=time.monotonic() - started,
        cost=ctx.prices.cost(settings.provider, settings.model, usage),
    )
