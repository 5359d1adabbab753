"""A leaner request path: two of the SDKs' per-call costs, done once or skipped.

Against a fast server the client's CPU per request decides how many requests one process keeps
in flight (benchmarks/throughput.py). cProfile over its library run at concurrency 32 found two
costs that buy nothing for this tool's requests:

  * instructor makes sure, several times per call, that the response model declares no async
    validators (its runtime would not run them), by walking the whole model and every base class:
    about 40% of the client's CPU per request. The answer depends only on the model class, so it
    is kept per class; a model that fails the check fails it every time, since only a class that
    passed is remembered.
  * openai walks every request body against its TypedDict annotations (aliases, date formats,
    files as base64, iterables made lists), and drops the parameters not given: about a quarter of
    what was left. A body whose values are JSON already (strings, numbers, lists and dicts: every
    body this tool sends) needs only the dropping, so that is all it gets; any other body takes
    the SDK's own path. `tests/test_transport.py` checks that both give the same body.

`install()` is idempotent and changes nothing where the SDKs' internals are not where it expects
them (another version): the slower path then stays.
"""

from __future__ import annotations

import functools
import json
import weakref
from typing import Any


def install() -> None:
    _check_async_validators_once()
    _plain_bodies_as_they_are()


def _check_async_validators_once() -> None:
    try:
        from instructor.v2.core import patch
        from instructor.v2.validation import async_validators
    except ImportError:  # another instructor: its own path stays
        return
    original = getattr(async_validators, "reject_async_validators", None)
    if original is None or getattr(original, "checks_once", False):
        return
    passed: weakref.WeakSet[type] = weakref.WeakSet()

    @functools.wraps(original)
    def reject_async_validators(response_model: Any) -> None:
        if isinstance(response_model, type) and response_model in passed:
            return
        original(response_model)
        if isinstance(response_model, type):
            passed.add(response_model)

    reject_async_validators.checks_once = True  # type: ignore[attr-defined]
    async_validators.reject_async_validators = reject_async_validators  # the other callers import it per call
    if getattr(patch, "reject_async_validators", None) is original:
        patch.reject_async_validators = reject_async_validators  # this one imported it once, by name


def is_plain(value: Any) -> bool:
    """Whether a value is JSON as it stands, which is what openai's transform hands back unchanged
    but for the parameters not given: json.dumps (in C) refuses anything else (dates, paths,
    files, generators, the SDK's sentinels), and costs a fifth of a walk in Python."""
    try:
        json.dumps(value, allow_nan=False, check_circular=False)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def _plain_bodies_as_they_are() -> None:
    try:
        from openai._utils import is_given
        from openai.resources.chat.completions import completions
    except ImportError:
        return
    original_async = getattr(completions, "async_maybe_transform", None)
    original_sync = getattr(completions, "maybe_transform", None)
    if original_async is None or original_sync is None or getattr(original_async, "plain_as_is", False):
        return

    def given(data: Any) -> dict[str, Any] | None:
        if type(data) is not dict:
            return None
        body = {k: v for k, v in data.items() if is_given(v)}
        return body if is_plain(body) else None

    @functools.wraps(original_async)
    async def async_maybe_transform(data: Any, expected_type: Any) -> Any:
        body = given(data)
        return body if body is not None else await original_async(data, expected_type)

    @functools.wraps(original_sync)
    def maybe_transform(data: Any, expected_type: Any) -> Any:
        body = given(data)
        return body if body is not None else original_sync(data, expected_type)

    async_maybe_transform.plain_as_is = True  # type: ignore[attr-defined]
    maybe_transform.plain_as_is = True  # type: ignore[attr-defined]
    completions.async_maybe_transform = async_maybe_transform
    completions.maybe_transform = maybe_transform
