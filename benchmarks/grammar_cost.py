"""What llama.cpp's JSON-schema grammar costs the embedded model: generation speed with and without it.

    .venv/bin/python benchmarks/grammar_cost.py [--local-model qwen2.5-coder-0.5b] [--tokens 300] [--runs 3]

For each example article, the incidents request of the pipeline (same prompt, same schema) is
generated --runs times with the grammar and --runs times without it (the prompt still asks for
JSON), each for --tokens tokens at most, the prompt prefix already cached (a warm-up call first),
so the time is generation only. Prints tokens per second of wall time (sampling included: the
grammar acts there, and llama.cpp's eval counters leave it out),
the median of each, and their ratio; and whether the ungrammared answers were valid JSON of the
schema when generated to their end without it (what a cheaper constraint would have to make up for).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.articles.load import iter_articles  # noqa: E402
from extractor.articles.sentences import numbered  # noqa: E402
from extractor.flow import prompts  # noqa: E402
from extractor.flow.assemble import CheckedIncidents  # noqa: E402
from extractor.flow.draft import Caps, capped, cited  # noqa: E402
from extractor.llm.embedded import weights_path  # noqa: E402
from extractor.settings import resolve  # noqa: E402


def main() -> None:
    import llama_cpp
    from pydantic import ValidationError

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--local-model")
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    settings = resolve({"local_model": args.local_model, "no_cache": True}, {})
    model = llama_cpp.Llama(
        model_path=str(weights_path(settings)),
        n_ctx=8192,
        n_threads=settings.threads,
        n_threads_batch=settings.threads,
        verbose=False,
    )
    rates: dict[str, list[float]] = {"grammar": [], "none": []}
    valid = articles = 0
    for path in sorted((ROOT.parent / "shared" / "articles").glob("*.txt")):
        article = next(iter_articles([str(path)]))
        view = prompts.View.of(article, "sentences")
        caps = Caps(incidents=5)  # a bound a small model's answer can meet
        shown = numbered(article.searchable_text)
        response = cited(capped(CheckedIncidents, caps.incidents, "incidents"), 1, len(shown))
        messages = prompts.incident_messages(article, view, caps)
        fmt = {"type": "json_object", "schema": response.model_json_schema()}
        model.create_chat_completion(messages=messages, max_tokens=1, temperature=0.0)  # cache the prompt
        for _ in range(args.runs):
            for kind in ("grammar", "none"):
                started = time.perf_counter()
                result = model.create_chat_completion(
                    messages=messages,
                    max_tokens=args.tokens,
                    temperature=0.0,
                    repeat_penalty=1.1,
                    response_format=fmt if kind == "grammar" else None,
                )
                seconds = (
                    time.perf_counter() - started
                )  # wall time: the grammar works in sampling, which eval counters leave out
                rates[kind].append(result["usage"]["completion_tokens"] / seconds)
            print(
                f"{article.id}: grammar {rates['grammar'][-1]:.1f} tok/s, none {rates['none'][-1]:.1f} tok/s",
                flush=True,
            )
        free = model.create_chat_completion(messages=messages, max_tokens=1536, temperature=0.0, repeat_penalty=1.1)
        try:  # without the grammar, to its end: would the answer fit the schema anyway?
            response.model_validate_json(free["choices"][0]["message"]["content"])
            valid += 1
        except (ValidationError, ValueError):
            pass
        articles += 1
    g, n = statistics.median(rates["grammar"]), statistics.median(rates["none"])
    print(
        json.dumps(
            {
                "model": settings.model,
                "tokens_per_second_grammar": round(g, 1),
                "tokens_per_second_none": round(n, 1),
                "slowdown": round(n / g, 2) if g else None,
                "ungrammared_answers_valid": f"{valid}/{articles}",
            }
        )
    )


if __name__ == "__main__":
    main()
