"""The library's entry points: what `extractor extract` does, from Python.

    import extractor
    doc = extractor.extract("BEIRUT (AP) — Drones attacked a convoy ...", published="2023-01-29")
    docs = extractor.extract_many(["first article ...", "second article ..."], model="gpt-4o-mini")

`extract_files` is `extractor extract` itself (files in, files out, a resumable run with
`run=`): the CLI calls it. All take each article through cache -> flow -> normalise exactly as the CLI
does (`extractor.runs.article`), in a run context built as the CLI builds it (`extractor.runs.context`),
with settings resolved once from the keyword arguments, then the
environment, then the defaults (`extractor.settings.resolve`: the CLI's flags by their long names,
`model=`, `base_url=`, `provider=`, `api_key=`, `local_model=`, `no_cache=True`, ...). An LLM
client may be injected (`client=`), as the tests inject a fake server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from extractor.articles.load import Article, article_from_text
from extractor.errors import ExtractionFailed, ExtractorError, InputError
from extractor.normalise.actors import use_registry_file
from extractor.schema import ArticleExtraction
from extractor.settings import Settings, resolve

if TYPE_CHECKING:  # the LLM stack (openai, instructor: about a second) loads only when a call is made
    from extractor.llm.client import AsyncLLMClient, LLMClient
    from extractor.runs.driver import ExtractTotals


def article(
    text: str,
    *,
    article_id: str = "article",
    published: str | None = None,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
) -> Article:
    """An article from its text (a leading ` date YYYY-MM-DD` line is read as its publication date)."""
    return article_from_text(
        text, article_id, f"article {article_id!r}", published=published, title=title, source=source, url=url
    )


def _as_article(item: str | Article, article_id: str, published: str | None = None) -> Article:
    return item if isinstance(item, Article) else article(item, article_id=article_id, published=published)


def extract(
    text_or_article: str | Article,
    *,
    published: str | None = None,
    article_id: str = "article",
    settings: Settings | None = None,
    client: LLMClient | None = None,
    **options: Any,
) -> ArticleExtraction:
    """One article's grounded, normalised document, as the CLI writes it (cached unless `no_cache=True`).
    Raises `InputError` for unusable text and `LLMError` (`ExtractionFailed`, `TransportError`) when
    the model gives nothing usable."""
    from extractor.runs.article import extract as through
    from extractor.runs.context import run_context

    chosen = settings or resolve(options)
    use_registry_file(chosen.actors_file)
    item = _as_article(text_or_article, article_id, published)
    with run_context(chosen, client=client) as ctx:  # the client is built on first need: a cache hit builds none
        return through(item, ctx)


async def extract_many_async(
    items: Iterable[str | Article],
    *,
    settings: Settings | None = None,
    client: AsyncLLMClient | None = None,
    run: str | None = None,
    **options: Any,
) -> list[ArticleExtraction | ExtractorError]:
    """Many articles, `concurrency` at a time, as `extractor extract` runs them. One entry per
    input, in input order: its document, or the error that stopped it (as `asyncio.gather(...,
    return_exceptions=True)` reports them), so one bad article loses nothing else. With `run=NAME`
    the run store records each article as it finishes, and a second call resumes the run."""
    from extractor.runs.article import Outcome
    from extractor.runs.concurrent import run_articles
    from extractor.runs.context import run_context
    from extractor.runs.store import DONE

    chosen = settings or resolve(options)
    use_registry_file(chosen.actors_file)
    articles: list[Article | InputError] = []
    for number, item in enumerate(items, start=1):
        try:
            articles.append(_as_article(item, f"article-{number}"))
        except InputError as exc:
            articles.append(exc)
    results: list[ArticleExtraction | ExtractorError | None] = [None] * len(articles)
    earlier: dict[str, str] = {}  # key -> document JSON of the articles a resumed run had done

    with run_context(chosen, run=run, client=client) as ctx:

        def collect(outcome: Outcome) -> None:
            given = articles[outcome.index]
            if outcome.status == DONE and outcome.document is not None:
                results[outcome.index] = outcome.document
            elif isinstance(given, InputError):
                results[outcome.index] = given
            elif ctx.store is not None and run is not None and ctx.store.status(run, outcome.key) == DONE:
                if not earlier:  # done in an earlier call of this run: its document, not a second call (read once)
                    earlier.update(ctx.store.results(run))
                results[outcome.index] = ArticleExtraction.model_validate_json(earlier[outcome.key])
            else:
                results[outcome.index] = _failure(outcome.reason or outcome.status, outcome.attempts, outcome.usage)

        try:
            await run_articles(articles, ctx, collect)
        finally:
            await ctx.aclose()
    return [r if r is not None else _failure("not run", 0, {}) for r in results]


def _failure(reason: str, attempts: int, usage: dict[str, int]) -> ExtractionFailed:
    return ExtractionFailed(reason, last_completion=None, attempts=attempts, usage=usage)


def extract_many(
    items: Iterable[str | Article], *, settings: Settings | None = None, run: str | None = None, **options: Any
) -> list[ArticleExtraction | ExtractorError]:
    """`extract_many_async` for code that is not async itself."""
    return asyncio.run(extract_many_async(items, settings=settings, run=run, **options))


def extract_files(
    paths: Iterable[str],
    *,
    output: str | None = None,
    fmt: str = "auto",
    run: str | None = None,
    retry_failed: bool = False,
    quiet: bool = True,
    settings: Settings | None = None,
    **options: Any,
) -> ExtractTotals:
    """What `extractor extract PATHS` does (the CLI calls this): read the articles in `paths`
    (files, folders, globs, "-"), extract each through the cache, and write the documents to
    `output` (a file, a folder, or standard output) as `fmt` ("auto", "json", "jsonl"); with `run`,
    a resumable run in the run store. Returns the counts (done, failed, unreadable, skipped).
    Raises `Interrupted` on Ctrl-C or SIGTERM, after writing what finished. Prints nothing unless
    `quiet=False` (the CLI's progress and failure lines on standard error)."""
    from extractor.runs.driver import extract_paths

    return extract_paths(
        list(paths),
        settings or resolve(options),
        output=output,
        fmt=fmt,
        run=run,
        retry_failed=retry_failed,
        quiet=quiet,
    )
