"""A 60,000-character article (real texts from ../shared, joined) through the whole pipeline with
a capable model's settings, answered by the fake OpenAI server (tests/support/fault_server.py): in one
call when it fits the window, in windows when it does not; offsets global either way. The
embedded model's run on it is benchmarks/long_article.py (README)."""

import httpx2
import pytest

from support.fault_server import FaultServer
from extractor.errors import InputError
from extractor.llm.client import LLMClient
from support.benchmarks import load
from extractor.articles.load import MAX_ARTICLE_BYTES, article_from_text
from extractor.flow.pipeline import extract_article
from extractor.articles.sentences import numbered
from extractor.settings import Settings
from extractor.flow.windows import windows_of

long_article = load("long_article").long_article


def run(article, **changes):
    with FaultServer() as server:
        settings = Settings(
            provider="openai",
            base_url=server.base_url,
            api_key="test-placeholder",
            model="fake-model",
            timeout=10,
            **changes,
        )
        document = extract_article(article, LLMClient.from_transport(httpx2.HTTPTransport(), settings))
        return document, server.requests


def assert_spans_quote_the_text(article, document):
    spans = [s for item in (*document.incidents, *document.actors, *document.attributions) for s in item.evidence]
    assert spans and all(article.text[s.start : s.end] == s.quote and s.alignment == "exact" for s in spans)


def test_a_60000_character_article_fits_a_capable_models_window_in_two_calls():
    article = long_article(60_000)
    assert len(article.text) >= 60_000
    document, requests = run(article)
    assert len(requests) == 2 and document.incidents
    assert_spans_quote_the_text(article, document)


def test_the_same_article_in_windows_gives_global_offsets():
    article = long_article(60_000)
    windows = windows_of(numbered(article.searchable_text), 8_000)
    document, requests = run(article, window_chars=8_000)
    assert len(windows) >= 8 and len(requests) == 2 * len(windows)
    assert_spans_quote_the_text(article, document)
    assert max(s.start for i in document.incidents for s in i.evidence) > 50_000  # found in the last windows too
    assert len({i.id for i in document.incidents}) == len(document.incidents)
    assert {t.incident_id for t in document.attributions} <= {i.id for i in document.incidents}
    names = [a.name.casefold() for a in document.actors]
    assert len(names) == len(set(names))  # an actor found in several windows is listed once


def test_an_article_over_the_hard_limit_is_refused_with_one_line():
    with pytest.raises(InputError) as refused:
        article_from_text("Rebels attacked a base. " * (MAX_ARTICLE_BYTES // 24 + 1), "huge", "huge.txt")
    line = refused.value.one_line()
    assert "huge.txt" in line and "the limit for one article is 2 MB" in line and "split it" in line
    article_from_text("Rebels attacked a base. " * (MAX_ARTICLE_BYTES // 24 - 1), "big", "big.txt")  # just under: taken
