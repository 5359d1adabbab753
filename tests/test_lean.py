"""extractor/llm/lean.py patches private parts of instructor and openai. Its own code gives up
quietly where they are not as it expects (the slower path then stays): these tests fail loudly
instead, naming the part that changed, so an upgrade of either SDK cannot lose the patch unseen.

What lean relies on, each checked below:
  * instructor.v2.validation.async_validators.reject_async_validators: a function of the response
    model, which instructor calls through that module at every call, and which
    instructor.v2.core.patch imported by name;
  * openai.resources.chat.completions.completions.maybe_transform and async_maybe_transform:
    functions of (data, expected_type), which the chat completions resource calls through its
    module for every request body, and openai._utils.is_given for the parameters not given.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect

import pytest

from conftest import CONVOY, article
from support.fakes import FakeModel
from support.quoted import ACTORS, INCIDENTS

CHANGED = "changed in this version of {sdk}: extractor/llm/lean.py no longer applies; update it, or remove it"


def _private(module: str, name: str, sdk: str):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        pytest.fail(f"{module}.{name} " + CHANGED.format(sdk=sdk))


def test_the_private_parts_lean_patches_are_where_it_expects_them():
    import extractor.llm.client  # noqa: F401 - installs the patches, as every client does

    check = _private("instructor.v2.validation.async_validators", "reject_async_validators", "instructor")
    assert getattr(check, "checks_once", False), "the async-validator check is not lean's: " + CHANGED.format(
        sdk="instructor"
    )
    by_name = _private("instructor.v2.core.patch", "reject_async_validators", "instructor")
    assert by_name is check, "instructor.v2.core.patch holds another check: " + CHANGED.format(sdk="instructor")
    assert list(inspect.signature(check.__wrapped__).parameters) == ["response_model"], CHANGED.format(sdk="instructor")

    _private("openai._utils", "is_given", "openai")
    for name in ("maybe_transform", "async_maybe_transform"):
        transform = _private("openai.resources.chat.completions.completions", name, "openai")
        assert getattr(transform, "plain_as_is", False), f"{name} is not lean's: " + CHANGED.format(sdk="openai")
        assert list(inspect.signature(transform.__wrapped__).parameters) == ["data", "expected_type"], (
            f"{name} takes other parameters: " + CHANGED.format(sdk="openai")
        )


def _counting(monkeypatch, module, name: str, also=()) -> list:
    """Count the calls of `module.name` (and of the same function where `also` modules hold it)."""
    calls: list = []
    lean = getattr(module, name)

    if inspect.iscoroutinefunction(lean):

        async def counted(*args, **kwargs):
            calls.append(args)
            return await lean(*args, **kwargs)
    else:

        def counted(*args, **kwargs):
            calls.append(args)
            return lean(*args, **kwargs)

    for holder in (module, *also):
        if getattr(holder, name, None) is lean:
            monkeypatch.setattr(holder, name, counted)
    return calls


def _checked_paths(monkeypatch) -> tuple[list, list, list]:
    from instructor.v2.core import patch
    from instructor.v2.validation import async_validators
    from openai.resources.chat.completions import completions

    return (
        _counting(monkeypatch, async_validators, "reject_async_validators", also=(patch,)),
        _counting(monkeypatch, completions, "maybe_transform"),
        _counting(monkeypatch, completions, "async_maybe_transform"),
    )


def test_a_request_of_the_sync_client_goes_through_both_patches(monkeypatch):
    from extractor.flow.pipeline import extract_article
    from extractor.llm.client import LLMClient
    from extractor.settings import Settings

    checks, bodies, _ = _checked_paths(monkeypatch)
    settings = Settings(provider="openai", model="m", response_format="json_object", evidence="quotes", max_attempts=1)
    doc = extract_article(article(CONVOY), LLMClient.from_transport(FakeModel(INCIDENTS, ACTORS), settings))
    assert doc.incidents
    assert checks, "instructor no longer checks the response model through reject_async_validators: " + (
        CHANGED.format(sdk="instructor")
    )
    assert bodies, "openai no longer makes the request body through maybe_transform: " + CHANGED.format(sdk="openai")


def test_a_request_of_the_async_client_goes_through_both_patches(monkeypatch):
    from extractor.flow.pipeline import extract_article_async
    from extractor.llm.client import AsyncLLMClient
    from extractor.settings import Settings

    checks, _, bodies = _checked_paths(monkeypatch)
    settings = Settings(provider="openai", model="m", response_format="json_object", evidence="quotes", max_attempts=1)

    async def go():
        client = AsyncLLMClient.from_async_transport(FakeModel(INCIDENTS, ACTORS), settings)
        try:
            return await extract_article_async(article(CONVOY), client)
        finally:
            await client.aclose()

    assert asyncio.run(go()).incidents
    assert checks, "instructor no longer checks the response model through reject_async_validators: " + (
        CHANGED.format(sdk="instructor")
    )
    assert bodies, "openai no longer makes the request body through async_maybe_transform: " + CHANGED.format(
        sdk="openai"
    )
