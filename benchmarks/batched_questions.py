"""Whether a small model's event questions are faster asked all at once: one call per article
against one call per event, on the embedded model, side by side.

    .venv/bin/python benchmarks/batched_questions.py [--repeats 2] [--local-model ...] [ARTICLE ...]

A small model's flow (`extractor.flow.pipeline`) asks one short question per event code found
(`prompts/event.md`), each after the article's shared prefix, which llama.cpp keeps cached. For
each article (default: the two examples and the modern-attrib dev articles in ../shared/dev),
this runs the flow's own event requests one by one, as the product does, then asks the same
questions in one request (a JSON object with "event1" ... "eventN", each limited to its own
options), the prefix cached before both (a warm-up call first), in alternating order over
--repeats. It prints the seconds of each way per article, their medians and ratio, and how often
the batched answers agree with the separate ones (happened, sub-event type): the separate ones
are what the quality benchmark scores. Articles with one event (nothing to batch) are skipped.
Nothing here changes the product: the batched wording lives in this script.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from string import Template
from typing import Any

from pydantic import create_model

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.articles.load import iter_articles  # noqa: E402
from extractor.flow import judge  # noqa: E402
from extractor.flow.pipeline import Request, flow_for, run_flow  # noqa: E402
from extractor.llm.client import build_client  # noqa: E402
from extractor.settings import resolve  # noqa: E402

SHARED = ROOT.parent / "shared"
TASK_START = "Task: code found a possible event"
BATCHED = Template(
    """Task: code found $count possible events in the article.
$events
Answer with JSON holding "event1" to "event$count", one object for each event, each with:
- "happened": "yes" if its sentences report an act of political violence, a protest, a riot, an arrest, a seizure or an agreement that took place or was attempted; "no" if they report only a threat, a plan, a warning, a general statement about many past events, or an accident, a disaster or an ordinary crime.
- "sub_event_type": the event's ACLED sub-event type, one of its own options."""
)


class _Enough(Exception):
    """The flow asked for something after its event questions: they are all known."""


def default_articles() -> list[Path]:
    return sorted((SHARED / "articles").glob("*.txt")) + sorted(
        (SHARED / "dev" / "modern-attrib" / "articles").glob("*.txt")
    )


def event_requests(article, settings, client) -> tuple[list[Request], list[Any], float]:
    """The flow's event requests for `article`, asked one by one as the product asks them:
    (requests, answers, seconds of those calls)."""
    requests: list[Request] = []
    answers: list[Any] = []
    seconds = 0.0

    def ask(request: Request):
        nonlocal seconds
        if not request.stage.startswith("event"):
            raise _Enough
        started = time.perf_counter()
        answer = client.extract(request.checked, request.messages, request.context, request.max_tokens)
        seconds += time.perf_counter() - started
        requests.append(request)
        answers.append(answer.value)
        return answer

    try:
        run_flow(flow_for(article, settings), ask)
    except _Enough:
        pass
    return requests, answers, seconds


def batched_request(requests: list[Request]) -> tuple[list[dict[str, str]], type, int]:
    """One request holding every event question: the shared prefix, then each event's sentences
    and options, and an answer model of one field per event, each limited to its options."""
    user = requests[0].messages[-1]["content"]
    prefix = user[: user.index(TASK_START)]
    blocks, fields = [], {}
    for n, request in enumerate(requests, start=1):
        task = request.messages[-1]["content"][len(prefix) :]
        sentences = task.split("\n", 1)[1].split("\nAnswer with JSON:")[0]
        offered = request.checked.model_fields["sub_event_type"].annotation.__args__
        blocks.append(
            f"Event {n}, told in these sentences:\n{sentences}\n"
            f"its sub-event type is one of: {'; '.join(repr(o).replace(chr(39), chr(34)) for o in offered)}"
        )
        fields[f"event{n}"] = (judge.answer_model(tuple(offered)), ...)
    task = BATCHED.substitute(count=len(requests), events="\n".join(blocks))
    messages = [*requests[0].messages[:-1], {"role": "user", "content": prefix + task}]
    return messages, create_model("EventAnswers", **fields), judge.QUESTION_TOKENS * len(requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("articles", nargs="*", type=Path)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--local-model")
    args = parser.parse_args()
    settings = resolve({"local_model": args.local_model, "no_cache": True}, {})
    if settings.provider != "embedded":
        raise SystemExit("error: this measures the embedded model; unset OPENAI_API_KEY and --base-url")
    client = build_client(settings)
    separate_all, batched_all, agree, asked, failed = [], [], 0, 0, 0
    for path in args.articles or default_articles():
        article = next(iter_articles([str(path)]))
        requests, _, _ = event_requests(article, settings, client)  # the warm-up: the prefix is cached after it
        if len(requests) < 2:
            print(f"{path.stem}: {len(requests)} event question(s), nothing to batch; skipped")
            continue
        messages, model, max_tokens = batched_request(requests)
        separate_s, batched_s = [], []
        for repeat in range(args.repeats):
            order = ("separate", "batched") if repeat % 2 == 0 else ("batched", "separate")
            for way in order:
                if way == "separate":
                    _, answers, seconds = event_requests(article, settings, client)
                    separate_s.append(seconds)
                else:
                    started = time.perf_counter()
                    answer = client.extract(model, messages, {}, max_tokens)
                    batched_s.append(time.perf_counter() - started)
                    together = answer.value
            if together is None:
                failed += 1
                continue
            for n, one in enumerate(answers, start=1):
                other = getattr(together, f"event{n}")
                asked += 1
                agree += one is not None and (one.happened, one.sub_event_type) == (
                    other.happened,
                    other.sub_event_type,
                )
        separate_all.append(statistics.median(separate_s))
        batched_all.append(statistics.median(batched_s))
        print(
            f"{path.stem}: {len(requests)} events, separate {separate_all[-1]:.1f} s, batched {batched_all[-1]:.1f} s"
            f" (each of {args.repeats})",
            flush=True,
        )
    if not separate_all:
        raise SystemExit("error: no article had two event questions")
    s, b = statistics.median(separate_all), statistics.median(batched_all)
    print(f"RESULT event questions, median seconds per article: separate {s:.1f}, batched {b:.1f}, ratio {b / s:.2f}")
    print(
        f"RESULT batched answers equal to the separate ones: {agree} of {asked}; batched calls with no valid answer: {failed}"
    )


if __name__ == "__main__":
    main()
