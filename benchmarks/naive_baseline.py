"""The baseline the pipeline is measured against: one naive instructor call per article.

    .venv/bin/python benchmarks/naive_baseline.py ARTICLE... -o DIR

Same model, same settings and the same client stack as `extractor extract`, but one call that
asks for incidents, actors and attributions at once, with a short plain prompt, no grounding
checks, no re-asks (one attempt) and no salvage. Its answer is turned into the output contract
with only what the contract itself demands: a quote becomes a span only where it occurs verbatim
(str.find; no normalised or fuzzy alignment), an incident keeps at least one span or is dropped,
a sub-event type must belong to its event type, and references must resolve. Every such drop is
a warning with the pipeline's code, so `extractor eval` counts dropped quotes the same way.
Then score both with `extractor eval` (docs/benchmarks/naive-baseline.md has the commands).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import time
from pathlib import Path

from pydantic import BaseModel, Field

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.articles.load import Article, iter_articles  # noqa: E402
from extractor.flow.assemble import QUOTE_NOT_FOUND  # noqa: E402
from extractor.flow.draft import DraftActor, DraftAttribution, DraftIncident  # noqa: E402
from extractor.llm.client import build_client  # noqa: E402
from extractor.results.write import Writer  # noqa: E402
from extractor.schema import (  # noqa: E402
    Actor,
    ArticleExtraction,
    Attribution,
    ExtractionWarning,
    Figures,
    Incident,
    IncidentDate,
    Location,
    Provenance,
    Span,
    Usage,
    warning,
)  # noqa: E402
from extractor.settings import resolve  # noqa: E402
from extractor.taxonomy import WarningCode, belongs  # noqa: E402

MAX_TOKENS = 3072
PROMPT = """Extract the political violence in this news article (published {published}) as JSON:
the incidents (ACLED event and sub-event types, date, place, casualties), the actors involved,
and the attributions: who is said to be behind each incident, according to whom, and how surely.
Quote the article word for word as evidence.

{text}"""


class NaiveExtraction(BaseModel):
    incidents: list[DraftIncident] = Field(max_length=5)
    actors: list[DraftActor] = Field(max_length=6)
    attributions: list[DraftAttribution] = Field(max_length=4)


def spans(quotes: list[str], article: Article, owner: str, warnings: list[ExtractionWarning]) -> list[Span]:
    found = []
    for quote in quotes:
        start = article.searchable_text.find(quote)
        if start < 0:
            warnings.append(warning(WarningCode.QUOTE_NOT_FOUND, f'{owner}: evidence "{quote[:60]}" {QUOTE_NOT_FOUND}'))
            continue
        found.append(Span(quote=quote, start=start, end=start + len(quote), alignment="exact"))
    return found


def to_contract(
    draft: NaiveExtraction | None,
    article: Article,
    attempts: int,
    usage: dict,
    model: str,
    provider: str,
    problem: str | None,
) -> ArticleExtraction:
    warnings = [warning(WarningCode.STAGE_LOST, problem)] if problem else []
    incidents: list[Incident] = []
    for d in draft.incidents if draft else []:
        evidence = spans(d.evidence, article, f"incident {d.id}", warnings)
        if not evidence or not belongs(d.event_type, d.sub_event_type) or d.id in {i.id for i in incidents}:
            warnings.append(
                warning(WarningCode.ITEM_UNFIT, f"incident {d.id}: cannot be represented in the contract; dropped")
            )
            continue
        try:
            incidents.append(
                Incident(
                    id=d.id,
                    summary=d.summary,
                    event_type=d.event_type,
                    sub_event_type=d.sub_event_type,
                    stage=d.stage,
                    primary=d.primary,
                    date=IncidentDate(**d.date.model_dump()),
                    location=Location(**d.location.model_dump()),
                    fatalities=Figures(**(d.fatalities.model_dump() if d.fatalities else {})),
                    injured=Figures(**(d.injured.model_dump() if d.injured else {})),
                    targets=d.targets,
                    weapons=d.weapons,
                    evidence=evidence,
                )
            )
        except ValueError as exc:
            warnings.append(
                warning(
                    WarningCode.ITEM_UNFIT,
                    f"incident {d.id}: cannot be represented in the contract ({str(exc).splitlines()[0]}); dropped",
                )
            )
    drafted = {d.id: d for d in reversed(draft.actors)} if draft else {}  # the first of a repeated id wins
    actors = {
        d.id: Actor(
            id=d.id,
            name=d.name,
            mentions=d.mentions,
            kind=d.kind,
            country_code=d.country_code,
            backed_by=[a for a in d.backed_by if a in drafted],
            evidence=spans(d.evidence, article, f"actor {d.id}", warnings),
        )
        for d in drafted.values()
    }
    attributions = []
    for number, d in enumerate(draft.attributions if draft else [], start=1):
        if d.incident_id not in {i.id for i in incidents} or any(
            r is not None and r not in actors for r in (d.perpetrator_id, d.source_id)
        ):
            warnings.append(
                warning(
                    WarningCode.ITEM_UNFIT,
                    f"attribution {number}: refers to an incident or actor that is not listed; dropped",
                )
            )
            continue
        attributions.append(
            Attribution(
                id=f"T{number}",
                incident_id=d.incident_id,
                perpetrator_id=d.perpetrator_id,
                source_id=d.source_id,
                kind=d.kind,
                hedged=d.hedged,
                evidence=spans(d.evidence, article, f"attribution T{number}", warnings),
            )
        )
    return ArticleExtraction(
        article=article.meta(),
        incidents=incidents,
        actors=list(actors.values()),
        attributions=attributions,
        provenance=Provenance(
            provider=provider,
            model=model,
            prompt_version="naive-baseline",
            attempts=attempts,
            usage=Usage(**usage),
            cache_hit=False,
            extracted_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        ),
        warnings=warnings,
    )


def main() -> None:
    logging.getLogger("instructor").addHandler(logging.NullHandler())
    logging.getLogger("instructor").propagate = False
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("articles", nargs="+")
    parser.add_argument("-o", "--output", required=True, help="folder for one JSON document per article")
    args = parser.parse_args()
    settings = resolve({"max_attempts": 1, "no_cache": True}, dict(os.environ))
    client = build_client(settings)
    writer = Writer(args.output.rstrip("/") + "/", "json")
    for article in iter_articles(args.articles):
        if not isinstance(article, Article):
            print(article.one_line(), file=sys.stderr)
            continue
        messages = [
            {
                "role": "user",
                "content": PROMPT.format(published=article.published or "unknown", text=article.model_text),
            }
        ]
        started = time.monotonic()
        answer = client.extract(NaiveExtraction, messages, {}, MAX_TOKENS)
        problem = (
            None
            if answer.value is not None
            else f"naive call failed: {' '.join((answer.errors or ['no answer'])[-1].split())[:300]}"
        )
        doc = to_contract(
            answer.value, article, answer.attempts, answer.usage, settings.model, settings.provider, problem
        )
        writer.add(doc)
        print(
            f"{article.id}: {time.monotonic() - started:.1f} s, {len(doc.incidents)}/{len(doc.actors)}/{len(doc.attributions)} "
            f"incidents/actors/attributions, {len(doc.warnings)} warnings",
            flush=True,
        )
    writer.close()


if __name__ == "__main__":
    main()
