"""Extraction quality on many real texts: the development sets and the two example articles.

    .venv/bin/python benchmarks/quality.py                      # embedded default, default sample (~30 min)
    .venv/bin/python benchmarks/quality.py --muc 8 --case 12    # the sample of docs/benchmarks/quality.md's tables
    .venv/bin/python benchmarks/quality.py --oracle             # the oracle ceiling (examples only)
    .venv/bin/python benchmarks/quality.py --out DIR --score-only   # score predictions already made

Runs the chosen provider and model (the same settings as `extractor extract`: flags, then
OPENAI_API_KEY / OPENAI_BASE_URL / EXTRACTOR_*, then the embedded default) through the library
pipeline, cache off, over a seeded sample of each set read from ../shared/dev (never copied into
the project):

  muc       MUC-4 test set 3: stratified, about 7 texts in 10 with gold, the rest report no
            incident (every incident predicted there is a false alarm); with --muc-attributed,
            drawn from the 25 texts whose gold holds an attribution instead;
  case      CASE 2021 task 2 snippets: the primary incident's sub-event type against the label
            (the five labels that are not political violence count as "none");
  examples  ../shared/articles, scored against the full gold in ../shared/gold.

Predictions are written to --out (one JSON document per article, `<set>/<id>.json`, plus
`stats.jsonl` with seconds, calls, tokens, failure and warnings per article), then scored with the
functions behind `extractor eval` (`extractor.results.evaluate.score_article`). It prints one table:
incidents / actors / attributions P, R, F1; event-type and sub-event-type accuracy on matched
incidents; CASE weighted F1 and accuracy over the 30 labels; articles failed; items dropped by
the checks, by reason; seconds, calls and tokens per article (medians). `--json` prints the same
as JSON. Defaults (6 MUC-4 texts, 6 CASE snippets, the 2 examples) are sized so that the embedded
model finishes in about 30 minutes on 2 cores (it takes 2 to 3 minutes an article there).

`--no-score` only extracts (to run an older checkout of the pipeline: put this file in it, run it
there, then `--score-only` here).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import logging
import random
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from extractor.schema import ExtractionWarning  # noqa: E402 - the checkout's own package, found through the path above
from extractor.taxonomy import DROPPED, WarningCode  # noqa: E402

SHARED = ROOT.parent / "shared"
MUC = SHARED / "dev" / "muc4-tst3"
CASE = SHARED / "dev" / "case2021-task2-dev.tsv"
MODERN = SHARED / "dev" / "modern-attrib"
ACLED = SHARED / "dev" / "acled-afghanistan-2020-03-dev.csv"
SETS = ("muc", "case", "examples", "modern", "acled")

CASE_LABELS = {
    "ARMED_CLASH": "Armed clash",
    "GOV_REGAINS_TERIT": "Government regains territory",
    "NON_STATE_ACTOR_OVERTAKES_TER": "Non-state actor overtakes territory",
    "CHEM_WEAP": "Chemical weapon",
    "AIR_STRIKE": "Air/drone strike",
    "SUIC_BOMB": "Suicide bomb",
    "ART_MISS_ATTACK": "Shelling/artillery/missile attack",
    "REM_EXPLOS": "Remote explosive/landmine/IED",
    "GRENADE": "Grenade",
    "SEX_VIOL": "Sexual violence",
    "ATTACK": "Attack",
    "ABDUCT_DISSAP": "Abduction/forced disappearance",
    "OTHER": "Other",
    "PEACE_PROTEST": "Peaceful protest",
    "PROTEST_WITH_INTER": "Protest with intervention",
    "FORCE_AGAINST_PROTEST": "Excessive force against protesters",
    "VIOL_DEMONSTR": "Violent demonstration",
    "MOB_VIOL": "Mob violence",
    "AGREEMENT": "Agreement",
    "ARREST": "Arrests",
    "CHANGE_TO_GROUP_ACT": "Change to group/activity",
    "DISR_WEAP": "Disrupted weapons use",
    "HQ_ESTABLISHED": "Headquarters or base established",
    "PROPERTY_DISTRUCT": "Looting/property destruction",
    "NON_VIOL_TERRIT_TRANSFER": "Non-violent transfer of territory",
    "NATURAL_DISASTER": "none",
    "MAN_MADE_DISASTER": "none",
    "DIPLO": "none",
    "ORG_CRIME": "none",
    "ATTRIB": "none",
}

# CASE labels that are not political violence and not about an incident: disasters, diplomacy,
# ordinary crime (the target counts these; claims of responsibility, ATTRIB, talk of one).
NON_VIOLENCE = ("NATURAL_DISASTER", "MAN_MADE_DISASTER", "DIPLO", "ORG_CRIME")

# Warnings that say an item was thrown away, by reason (their codes). Quotes dropped (one quote of
# an item that keeps others) are counted apart, as `extractor eval` counts them.
DROP_REASONS = {
    WarningCode.INCIDENT_UNGROUNDED: "evidence not found",
    WarningCode.ACTOR_NOT_NAMED: "evidence not found",
    WarningCode.ATTRIBUTION_UNGROUNDED: "evidence not found",
    WarningCode.ITEM_UNFIT: "does not fit the schema",
    WarningCode.ATTRIBUTION_WITHOUT_INCIDENT: "no incident to attach",
    WarningCode.NOT_POLITICAL_VIOLENCE: "not political violence",
}
assert set(DROP_REASONS) == DROPPED, "a code of an item thrown away has no reason here"


# --- the samples ------------------------------------------------------------------------------


def muc_sample(size: int, seed: int) -> list[tuple[str, Path, Path | None]]:
    """(id, article, gold or None): about 7 in 10 with gold, as in the whole set."""
    texts = sorted((MUC / "articles").glob("*.txt"))
    with_gold = [p for p in texts if (MUC / "gold" / f"{p.stem}.json").exists()]
    without = [p for p in texts if p not in with_gold]
    rng = random.Random(seed)
    n_gold = round(size * len(with_gold) / len(texts)) if size > 1 else size
    chosen = rng.sample(with_gold, min(n_gold, len(with_gold))) + rng.sample(without, min(size - n_gold, len(without)))
    return [(p.stem, p, MUC / "gold" / f"{p.stem}.json" if p in with_gold else None) for p in sorted(chosen)]


def muc_attributed_sample(size: int, seed: int) -> list[tuple[str, Path, Path | None]]:
    """(id, article, gold): texts whose gold holds a required attribution (25 of the 100 hold 39),
    so that attribution figures rest on more than the handful a stratified sample brings."""
    texts = sorted((MUC / "articles").glob("*.txt"))
    attributed = [p for p in texts if _required_attributions(MUC / "gold" / f"{p.stem}.json")]
    chosen = random.Random(seed).sample(attributed, min(size, len(attributed)))
    return [(p.stem, p, MUC / "gold" / f"{p.stem}.json") for p in sorted(chosen)]


def _required_attributions(gold: Path) -> int:
    if not gold.exists():
        return 0
    return sum(1 for a in json.loads(gold.read_text(encoding="utf-8")).get("attributions", []) if not a.get("optional"))


def case_sample(size: int, seed: int) -> list[dict[str, str]]:
    with CASE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return sorted(random.Random(seed).sample(rows, min(size, len(rows))), key=lambda r: int(r["id"]))


def example_pairs() -> list[tuple[str, Path, Path | None]]:
    """The example articles with their gold, found by content (the id inside), not by file name."""
    golds = {}
    for path in sorted((SHARED / "gold").glob("*.json")):
        golds.setdefault(json.loads(path.read_text(encoding="utf-8"))["article"]["id"], path)
    return [(p.stem, p, golds.get(p.stem)) for p in sorted((SHARED / "articles").glob("*.txt"))]


def modern_pairs() -> list[tuple[str, Path, Path | None]]:
    """Every modern article with contested attribution, with its full gold answer."""
    return [
        (p.stem, p, MODERN / "gold" / f"{p.stem}.json" if (MODERN / "gold" / f"{p.stem}.json").exists() else None)
        for p in sorted((MODERN / "articles").glob("*.txt"))
    ]


def acled_rows() -> list[dict[str, str]]:
    with ACLED.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def acled_sample(size: int, seed: int) -> list[dict[str, str]]:
    rows = acled_rows()
    return sorted(random.Random(seed).sample(rows, min(size, len(rows))), key=lambda r: r["event_id_cnty"])


# ACLED's interaction codes (inter1/inter2) as the contract's actor kinds.
ACLED_KINDS = {
    "1": "state_forces",
    "2": "rebel_group",
    "3": "political_militia",
    "4": "identity_militia",
    "5": "rioters",
    "6": "protesters",
    "7": "civilians",
    "8": "external_forces",
}
# Event types where ACLED's actor1 is the one who acted on a passive side: who did it is an
# attribution. A battle has two sides and names no perpetrator; a protest or an agreement neither.
ACLED_ONE_SIDED = ("Violence against civilians", "Explosions/Remote violence")


def acled_date(value: str) -> str:
    return dt.datetime.strptime(value, "%d %B %Y").date().isoformat()


def acled_gold(row: dict[str, str]) -> dict:
    """An ACLED coding as gold in the contract's shape, scored on what ACLED records: one incident
    (type, sub-type, date, place; fatalities left out, as ACLED codes 0 where a report is not
    trusted), its actors (actor1 and actor2 by their ACLED names, the name without its
    parenthesis as a mention), and the attribution to actor1, the side that acted, matched on
    incident and perpetrator (`kind_any`: ACLED does not say who accused whom): required for
    one-sided violence, optional for a battle (two sides: naming the one that acted is not
    required, naming another is wrong). An unidentified armed group as actor1 is the statement
    that nobody knows who did it (kind unknown)."""
    day = acled_date(row["event_date"])
    precision = {"1": "day", "2": "week", "3": "month"}.get(row["time_precision"], "day")
    incident = {
        "id": "I1",
        "summary": row["notes"][:200],
        "event_type": row["event_type"],
        "sub_event_type": row["sub_event_type"] or None,
        "stage": "accomplished",
        "primary": True,
        "date": {"start": day, "end": day, "precision": precision},
        "location": {
            "name": row["location"],
            "admin1": row["admin1"] or None,
            "country": row["country"],
            "country_code": "AF",
            "precision": {"1": "place", "2": "near", "3": "region"}.get(row["geo_precision"], "place"),
        },
        "targets": [],
        "evidence": [],
    }
    actors, attributions = [], []
    for n in ("1", "2"):
        name = row[f"actor{n}"].strip()
        if not name:
            continue
        bare = re.sub(r"\s*\([^)]*\)", "", name).strip()
        actors.append(
            {
                "id": f"A{n}",
                "name": name,
                "mentions": [bare] if bare != name else [],
                "kind": ACLED_KINDS.get(row[f"inter{n}"], "other"),
                "evidence": [],
                "optional": row[f"inter{n}"] == "7",  # "Civilians (Afghanistan)": the victims, not named as an actor
            }
        )
    if row["actor1"].strip():
        unknown = row["actor1"].startswith("Unidentified")
        attributions.append(
            {
                "id": "T1",
                "incident_id": "I1",
                "perpetrator_id": None if unknown else "A1",
                "source_id": None,
                "kind": "unknown" if unknown else "reported",
                "kind_any": ["unknown"] if unknown else ["reported", "claimed", "alleged"],
                "hedged": False,
                "evidence": [],
                # a battle has two sides: naming the side that acted is neither required nor wrong
                "optional": row["event_type"] not in ACLED_ONE_SIDED,
            }
        )
    return {
        "schema_version": "1",
        "article": {"id": f"acled-{row['event_id_cnty']}", "published": day},
        "incidents": [incident],
        "actors": actors,
        "attributions": attributions,
    }


# --- extraction -------------------------------------------------------------------------------


def load_article(
    path: Path | None = None, *, text: str | None = None, article_id: str = "", published: str | None = None
):
    from extractor.articles.load import article_from_text, iter_articles

    if path is not None:
        item = next(iter_articles([str(path)]))
        if isinstance(item, Exception):
            raise item
        return item
    return article_from_text(text or "", article_id, f"dev:{article_id}", published=published)


def extract_all(args: argparse.Namespace, out: Path) -> None:
    """Every article of the sample through the pipeline, one at a time; appends to stats.jsonl."""
    from extractor.errors import ExtractorError, LLMError
    from extractor.flow.pipeline import extract_article
    from extractor.runs.article import normalised

    client_for, provider, model = make_client(args)
    jobs = []
    for which in args.sets:  # in the order asked for
        if which == "muc":
            sample = (
                muc_attributed_sample(args.muc, args.seed) if args.muc_attributed else muc_sample(args.muc, args.seed)
            )
            jobs += [("muc", aid, load_article(path)) for aid, path, _ in sample]
        elif which == "case":
            jobs += [
                ("case", f"case-{row['id']}", load_article(text=row["EventSnippet"], article_id=f"case-{row['id']}"))
                for row in case_sample(args.case, args.seed)
            ]
        elif which == "modern":
            jobs += [("modern", aid, load_article(path)) for aid, path, _ in modern_pairs()]
        elif which == "acled":
            jobs += [
                (
                    "acled",
                    f"acled-{row['event_id_cnty']}",
                    load_article(
                        text=row["notes"],
                        article_id=f"acled-{row['event_id_cnty']}",
                        published=acled_date(row["event_date"]),
                    ),
                )
                for row in acled_sample(args.acled, args.seed)
            ]
        else:
            jobs += [("examples", aid, load_article(path)) for aid, path, _ in example_pairs()]

    stats_path = out / "stats.jsonl"
    done = {(r["set"], r["id"]) for r in read_stats(out)} if args.resume else set()
    if not args.resume:
        stats_path.write_text("", encoding="utf-8")
    for number, (which, aid, article) in enumerate(jobs, start=1):
        if (which, aid) in done:
            continue
        started = time.monotonic()
        row = {"set": which, "id": aid, "provider": provider, "model": model, "failed": None}
        try:
            document = normalised(extract_article(article, client_for(article)), article)
        except Exception as exc:  # noqa: BLE001 - a benchmark records any failure and goes on
            document = None
            what = "" if isinstance(exc, ExtractorError) else f"{type(exc).__name__}: "
            row["failed"] = " ".join(f"{what}{exc}".split())[:300]
            usage = exc.usage if isinstance(exc, LLMError) else {}
            row.update(
                calls=exc.calls if isinstance(exc, LLMError) else 0,
                prompt_tokens=usage.get("prompt_tokens", 0),
                completion_tokens=usage.get("completion_tokens", 0),
                warnings=[],
            )
        else:
            (out / which).mkdir(parents=True, exist_ok=True)
            (out / which / f"{aid}.json").write_text(document.model_dump_json(indent=1), encoding="utf-8")
            row.update(
                calls=document.provenance.attempts,
                prompt_tokens=document.provenance.usage.prompt_tokens,
                completion_tokens=document.provenance.usage.completion_tokens,
                cached_prompt_tokens=document.provenance.usage.cached_prompt_tokens,
                warnings=[w.model_dump(mode="json") for w in document.warnings],
            )
        row["seconds"] = round(time.monotonic() - started, 2)
        with stats_path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        state = "FAILED" if row["failed"] else f"{len(document.incidents)} incidents"
        print(f"[{number}/{len(jobs)}] {which} {aid}: {state}, {row['seconds']} s, {row['calls']} calls", flush=True)


def make_client(args: argparse.Namespace):
    """(a function giving the client for an article, provider, model)."""
    if args.oracle:
        from support.oracle import (
            oracle_client,
        )  # tests/support/oracle.py: answers each stage from the article's gold answer

        golds = {aid: gold for aid, _, gold in example_pairs()}
        return (lambda article: oracle_client(golds[article.id])), "oracle", "oracle"
    from extractor.llm.client import build_client
    from extractor.settings import resolve

    settings = resolve(
        {
            "model": args.model,
            "base_url": args.base_url,
            "provider": args.provider,
            "response_format": args.response_format,
            "no_cache": True,
            "local_model": args.local_model,
            "evidence": args.evidence,
            "window_chars": args.window_chars,
        }
    )
    if args.memo:
        client = memo_client(settings, args.memo)
    else:
        client = build_client(settings)  # built once: the embedded model loads its weights once
    return (lambda article: client), settings.provider, settings.model


def memo_client(settings, path: Path):
    """The client `build_client` makes, with the model's answers kept by request in `path`
    (`benchmarks/memo.py`): a re-run whose requests are unchanged does not call the model again."""
    import httpx2
    from memo import MemoTransport

    from extractor.llm.client import LLMClient
    from extractor.llm.transport import RetryingTransport

    if settings.provider == "embedded":
        from extractor.llm.embedded import LlamaTransport, weights_path

        inner = LlamaTransport(weights_path(settings), threads=settings.threads)
    else:
        inner = httpx2.HTTPTransport()
    transport = RetryingTransport(
        MemoTransport(inner, path), attempts=settings.transport_attempts, max_wait=settings.transport_max_wait
    )
    return LLMClient.from_transport(transport, settings)


def read_stats(out: Path) -> list[dict]:
    path = out / "stats.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --- scoring ----------------------------------------------------------------------------------


def drop_reason(warning: ExtractionWarning) -> str | None:
    """Why a warning says an item was thrown away, or None when it drops nothing (a repair, a
    merge, one quote of an item that keeps others, a link to a target)."""
    return DROP_REASONS.get(warning.code)


def row_warnings(row: dict) -> list[ExtractionWarning]:
    """A stats row's warnings (those of a run before warnings had codes load with the code "legacy")."""
    return [
        ExtractionWarning.model_validate({"code": WarningCode.LEGACY, "message": w} if isinstance(w, str) else w)
        for w in row.get("warnings", [])
    ]


def weighted_f1(pairs: list[tuple[str, str]]) -> float | None:
    """Support-weighted mean of per-label F1 (scikit-learn's `average="weighted"`)."""
    if not pairs:
        return None
    support = Counter(gold for gold, _ in pairs)
    total = 0.0
    for label, count in support.items():
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = count - tp
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        total += f1 * count
    return total / len(pairs)


def case_label(document) -> str:
    if document is None or not document.incidents:
        return "none"
    primary = next((i for i in document.incidents if i.primary), document.incidents[0])
    return primary.sub_event_type


def over_share(pairs: list[tuple[str, str]]) -> tuple[str, float]:
    """The predicted label given most often relative to its share in the gold labels, and how many
    times that share (the target: at most 2); a label the gold never has counts as its count."""
    gold, predicted = Counter(g for g, _ in pairs), Counter(p for _, p in pairs)
    ratios = {label: n / gold[label] if gold[label] else float(n) for label, n in predicted.items() if label != "none"}
    if not ratios:
        return "", 0.0
    label = max(ratios, key=ratios.get)
    return label, ratios[label]


def score(out: Path, args: argparse.Namespace) -> dict:
    from extractor.results.evaluate import Score, score_article
    from extractor.schema import ArticleExtraction, GoldExtraction

    stats = read_stats(out)
    if not stats:
        raise SystemExit(f"error: {out / 'stats.jsonl'} holds no articles (hint: run without --score-only first)")
    paired = [*muc_sample(1000, 0), *example_pairs(), *modern_pairs()]
    golds = {aid: gold for aid, _, gold in paired}
    articles = {aid: path for aid, path, _ in paired}
    acled = {f"acled-{r['event_id_cnty']}": r for r in acled_rows()}
    case_rows = {}
    with CASE.open(encoding="utf-8", newline="") as f:
        case_rows = {f"case-{r['id']}": r for r in csv.DictReader(f, delimiter="\t")}

    summary: dict[str, dict] = {}
    for which in SETS:
        rows = [r for r in stats if r["set"] == which]
        if not rows:
            continue
        total = Score(which)
        drops: Counter[str] = Counter()
        quotes_dropped = 0
        stages_lost = 0
        without_code = 0  # warnings of a run made before warnings had codes: counted in none of the above
        case_pairs: list[tuple[str, str]] = []
        first_option = 0
        non_violence: list[bool] = []  # disasters, diplomacy, crime: no incident expected
        for row in rows:
            path = out / which / f"{row['id']}.json"
            document = (
                ArticleExtraction.model_validate_json(path.read_text(encoding="utf-8"))
                if path.exists() and not row["failed"]
                else None
            )
            for warning in row_warnings(row):
                stages_lost += warning.code == WarningCode.STAGE_LOST
                without_code += warning.code == WarningCode.LEGACY
                reason = drop_reason(warning)
                if reason:
                    drops[reason] += 1
                elif warning.code == WarningCode.QUOTE_NOT_FOUND:
                    quotes_dropped += 1
            if which == "case":
                gold_label = CASE_LABELS[case_rows[row["id"]]["SubType"]]
                predicted = case_label(document)
                case_pairs.append((gold_label, predicted))
                first_option += predicted == "Government regains territory"
                if case_rows[row["id"]]["SubType"] in NON_VIOLENCE:
                    non_violence.append(predicted == "none")
                continue
            if which == "acled":
                coded = acled[row["id"]]
                article = load_article(
                    text=coded["notes"], article_id=row["id"], published=acled_date(coded["event_date"])
                )
                gold = GoldExtraction.model_validate(acled_gold(coded))
            else:
                article = load_article(articles[row["id"]])
                gold_path = golds.get(row["id"])
                meta = {"id": row["id"], "sha256": article.sha256, "published": article.published}
                gold = (
                    GoldExtraction.model_validate_json(gold_path.read_text(encoding="utf-8"))
                    if gold_path
                    else GoldExtraction.model_validate({"article": meta})
                )
            pred = (
                GoldExtraction.model_validate(document.model_dump())
                if document
                else GoldExtraction.model_validate({"article": {"id": row["id"], "sha256": article.sha256}})
            )
            total.add(score_article(gold, pred, article.text))
        seconds = [r["seconds"] for r in rows]
        entry = {
            "articles": len(rows),
            "failed": sum(1 for r in rows if r["failed"]),
            "stages_lost": stages_lost,
            "dropped": dict(drops),
            "dropped_total": sum(drops.values()),
            "quotes_dropped": quotes_dropped,
            "warnings_without_code": without_code,
            "seconds_median": statistics.median(seconds),
            "seconds_total": round(sum(seconds), 1),
            "calls_median": statistics.median(r["calls"] or 0 for r in rows),
            "prompt_tokens_median": statistics.median(r["prompt_tokens"] for r in rows),
            "completion_tokens_median": statistics.median(r["completion_tokens"] for r in rows),
            "cached_prompt_tokens_median": statistics.median(r.get("cached_prompt_tokens", 0) for r in rows),
        }
        if which == "case":
            entry["case_weighted_f1"] = weighted_f1(case_pairs)
            entry["case_accuracy"] = sum(g == p for g, p in case_pairs) / len(case_pairs)
            entry["case_first_option_share"] = first_option / len(case_pairs)
            entry["case_over_share"] = over_share(case_pairs)
            entry["case_non_violence_no_incident"] = [sum(non_violence), len(non_violence)]
            entry["case_labels_predicted"] = dict(Counter(p for _, p in case_pairs).most_common())
            entry["case_confusions"] = Counter(f"{g} -> {p}" for g, p in case_pairs if g != p).most_common(5)
        else:
            entry.update({name: getattr(total, name).as_dict() for name in ("incidents", "actors", "attributions")})
            entry["fields"] = {name: acc.as_dict() for name, acc in total.fields.items()}
            entry["attribution_kinds"] = {kind: counts.as_dict() for kind, counts in sorted(total.kinds.items())}
            entry["attribution_kind_confusion"] = dict(sorted(total.kind_confusion.items()))
            entry["accusation_errors"] = dict(sorted(total.accusations.items()))
        summary[which] = entry
    return {"out": str(out), "provider": stats[0]["provider"], "model": stats[0]["model"], "sets": summary}


def table(result: dict) -> str:
    sets = [s for s in SETS if s in result["sets"]]

    def num(v) -> str:
        return "–" if v is None else f"{v:.2f}"

    def prf(s: dict, level: str) -> str:
        c = s.get(level)
        return (
            ""
            if c is None
            else f"{num(c['precision'])} / {num(c['recall'])} / {num(c['f1'])} ({c['tp']} {c['fp']} {c['fn']})"
        )

    def acc(s: dict, name: str) -> str:
        a = s.get("fields", {}).get(name)
        return "" if a is None else f"{num(a['accuracy'])} ({a['correct']}/{a['total']})"

    rows = [
        ("articles (failed)", lambda s: f"{s['articles']} ({s['failed']})"),
        ("later stages lost, article kept", lambda s: str(s.get("stages_lost", 0))),
    ]
    rows += [
        (f"{level} P / R / F1 (tp fp fn)", lambda s, level=level: prf(s, level))
        for level in ("incidents", "actors", "attributions")
    ]
    rows += [
        (f"{name} accuracy, matched", lambda s, name=name: acc(s, name))
        for name in ("event_type", "sub_event_type", "date", "country", "kind", "hedged")
    ]
    rows += [
        (f"attributions {kind} P / R / F1", lambda s, kind=kind: prf(s.get("attribution_kinds", {}), kind))
        for kind in ("reported", "claimed", "alleged", "denied", "unknown")
    ]
    rows += [
        (
            "attribution kinds, gold->predicted (matched)",
            lambda s: ", ".join(f"{pair} {n}" for pair, n in s.get("attribution_kind_confusion", {}).items()),
        )
    ]
    rows += [
        (
            "accusation errors: perpetrator date / place / target; source date / place; unknown beside reported",
            lambda s: (
                "{perpetrator_date} / {perpetrator_place} / {perpetrator_target}; {source_date} / {source_place}; "
                "{unknown_and_reported}".format(**s["accusation_errors"])
                if s.get("accusation_errors")
                else ""
            ),
        )
    ]
    rows += [
        (
            "CASE weighted F1 / accuracy",
            lambda s: f"{num(s['case_weighted_f1'])} / {num(s['case_accuracy'])}" if "case_weighted_f1" in s else "",
        ),
        (
            'CASE typed "Government regains territory" (the list\'s first)',
            lambda s: num(s["case_first_option_share"]) if "case_first_option_share" in s else "",
        ),
        (
            "CASE most over-given label, times its share",
            lambda s: (
                f"{s['case_over_share'][0]} {s['case_over_share'][1]:.1f}"
                if s.get("case_over_share", ["", 0])[0]
                else ""
            ),
        ),
        (
            "CASE non-violence snippets with no incident",
            lambda s: (
                "{} of {}".format(*s["case_non_violence_no_incident"]) if "case_non_violence_no_incident" in s else ""
            ),
        ),
        ("items dropped by checks", lambda s: str(s["dropped_total"])),
        ("quotes dropped", lambda s: str(s["quotes_dropped"])),
        ("seconds / article (median)", lambda s: f"{s['seconds_median']:.1f}"),
        ("calls / article (median)", lambda s: f"{s['calls_median']:g}"),
        (
            "tokens / article, prompt + completion",
            lambda s: f"{s['prompt_tokens_median']:g} + {s['completion_tokens_median']:g}",
        ),
        ("cached prompt tokens / article", lambda s: f"{s.get('cached_prompt_tokens_median', 0):g}"),
    ]
    lines = [
        f"quality: {result['provider']} / {result['model']} ({result['out']})",
        "| figure | " + " | ".join(sets) + " |",
        "|---|" + "---|" * len(sets),
    ]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(result["sets"][s]) for s in sets) + " |")
    reasons = sorted({r for s in sets for r in result["sets"][s]["dropped"]})
    for reason in reasons:
        lines.append(
            f"| dropped: {reason} | "
            + " | ".join(str(result["sets"][s]["dropped"].get(reason, 0)) for s in sets)
            + " |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--muc", type=int, default=6, help="MUC-4 texts in the sample (default 6)")
    parser.add_argument(
        "--muc-attributed",
        action="store_true",
        help="draw the MUC-4 texts from those whose gold holds an attribution (for attribution figures)",
    )
    parser.add_argument("--case", type=int, default=6, help="CASE 2021 snippets in the sample (default 6)")
    parser.add_argument("--acled", type=int, default=20, help="ACLED Afghanistan codings in the sample (default 20)")
    parser.add_argument(
        "--sets", default="muc,case,examples,modern,acled", help="which sets, comma-separated (default all five)"
    )
    parser.add_argument("--seed", type=int, default=0, help="the sample's seed (default 0)")
    parser.add_argument("--model"), parser.add_argument("--base-url"), parser.add_argument("--provider")
    parser.add_argument("--response-format")
    parser.add_argument(
        "--local-model", help="the embedded model: qwen2.5-coder-0.5b, qwen2.5-coder-1.5b or a GGUF path"
    )
    parser.add_argument("--evidence", help="sentences (default) or quotes")
    parser.add_argument("--window-chars", type=int, help="article characters per call (default per provider)")
    parser.add_argument(
        "--oracle", action="store_true", help="answer from the gold answers (examples only): the ceiling"
    )
    parser.add_argument("--out", type=Path, help="where predictions and stats go (default runs/quality/<time>)")
    parser.add_argument("--resume", action="store_true", help="skip articles already in --out's stats.jsonl")
    parser.add_argument(
        "--memo",
        type=Path,
        help="keep the model's answers by request in this SQLite file and reuse them "
        "(a re-run after a change that alters no request, such as a check or a typing rule, costs seconds)",
    )
    parser.add_argument("--score-only", action="store_true", help="score the predictions already in --out")
    parser.add_argument("--no-score", action="store_true", help="extract only")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    args.sets = [s for s in args.sets.split(",") if s]
    unknown = [s for s in args.sets if s not in SETS]
    if unknown:
        parser.error(f"unknown set(s) {unknown}; choose from {', '.join(SETS)}")
    if args.oracle:
        args.sets = ["examples"]
    if not (SHARED / "dev").is_dir():
        raise SystemExit(f"error: {SHARED / 'dev'} is missing (hint: the development sets live in ../shared/dev)")
    out = args.out or ROOT / "runs" / "quality" / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    logging.getLogger("instructor").propagate = False
    if not args.score_only:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        (out / "run.json").write_text(
            json.dumps({"argv": sys.argv, "commit": commit, "started": time.time()}), encoding="utf-8"
        )
        extract_all(args, out)
    if args.no_score:
        return
    result = score(out, args)
    (out / "summary.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result, indent=1) if args.json else table(result))


if __name__ == "__main__":
    main()
