"""The batched-question benchmark (benchmarks/batched_questions.py) builds one request that asks
what the flow's separate event requests ask. Logic test: no model."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from pydantic import ValidationError

from extractor.articles.load import article_from_text
from extractor.flow import judge, prompts
from extractor.flow.pipeline import Request
from support.parsed import events_in

ROOT = Path(__file__).resolve().parent.parent
TEXT = (
    "Drones attacked a convoy of trucks in eastern Syria on Sunday night. "
    "Israel was behind a strike on a truck convoy in Syria in November. "
    "Protesters marched through Damascus on Monday."
)


def _benchmark():
    spec = importlib.util.spec_from_file_location("batched_questions", ROOT / "benchmarks" / "batched_questions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_batched_request_holds_every_event_question_each_limited_to_its_own_options():
    article = article_from_text(TEXT, "three-events", "test", published="2023-01-29")
    view = prompts.View.of(article, "sentences")
    requests = []
    for n, event in enumerate(events_in(TEXT), start=1):
        offered = judge.options(event)
        task = judge.question_text(prompts.templates()["event.md"], event, offered)
        model = judge.answer_model(offered)
        requests.append(Request(f"event.{n}", model, model, prompts.task_messages(article, view, task), {}, 48))
    assert len(requests) == 3
    messages, model, max_tokens = _benchmark().batched_request(requests)
    user = messages[-1]["content"]
    shared = requests[0].messages[-1]["content"].split("Task:")[0]
    assert user.startswith(shared) and messages[0] == requests[0].messages[0]  # the cached prefix is kept
    assert user.count("told in these sentences") == 3 and "[3] Protesters marched" in user
    assert max_tokens == 3 * 48
    first, third = judge.options(events_in(TEXT)[0])[0], judge.options(events_in(TEXT)[2])[0]
    answer = {"happened": "yes", "sub_event_type": first}
    valid = {"event1": answer, "event2": {"happened": "no", "sub_event_type": "Air/drone strike"}}
    model.model_validate({**valid, "event3": {"happened": "yes", "sub_event_type": third}})
    with pytest.raises(ValidationError):  # an option of another event is refused
        model.model_validate({**valid, "event3": {"happened": "yes", "sub_event_type": "Air/drone strike"}})
