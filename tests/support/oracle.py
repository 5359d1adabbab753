"""The oracle ceiling: a hand-written fake, not a recording.

`OracleModel` is a fake OpenAI server (an httpx2 transport, sync and async) that answers every
stage of extractor's pipeline from a gold document (../shared/gold/*.json), as a perfect model
would: every gold incident (optional ones too) with the gold evidence quotes verbatim, every gold
actor, attribution and target. Run through the real pipeline (prompts, instructor, grounding,
checks, salvage, assembly, normalisation) and scored against the same gold, it measures the
pipeline's ceiling: whatever it loses is lost by the pipeline (or by the scoring), never by a
model.

How the stage is decided, from the request body alone:
  * the requested response schema: `response_format.schema` (json_object, the llama.cpp form),
    `response_format.json_schema.schema` (json_schema) or the first tool's parameters (tools);
    its properties are compared with the fields of the two draft containers
    (`extractor.flow.draft.DraftIncidents`, `DraftActorsAndAttributions`);
  * the task text of the first user message ("Task: list the incidents" / "Task: list the
    actors") is read too; when both are there they must agree, and a request that names no
    stage is an AssertionError (the oracle never guesses).
For the actors stage, the incident ids come from the list the stage-2 prompt gives
("- I1: summary (evidence: "quote")"): each listed id is mapped to the gold incident with that
summary, else the one whose evidence holds the listed quote.

Answers are built through the draft models (each draft field is copied from the gold field of the
same name, nested drafts recursively; evidence becomes the quotes), so they follow the draft shape
when it changes. Where a draft limit (MAX_*, a list's max_length, a string's max_length, a
pattern) cannot hold the gold, nothing is truncated: the gold is sent as it is, as raw JSON in the
draft's shape, so the pipeline's own checks and salvage decide, and the breach is recorded in
`OracleModel.notes` (by stage and gold id).

`run_oracle` runs one article through `extract_article` and `normalised` and scores it with
`score_article`; `lost_points` lists every point lost with the warnings that explain it;
`oracle_report(article_path, gold_path)` returns both as a dict, for a benchmark to print.
"""

from __future__ import annotations

import json
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from extractor.articles.load import Article, iter_articles
from extractor.flow.draft import (
    DraftActor,
    DraftActorsAndAttributions,
    DraftAttribution,
    DraftIncident,
    DraftIncidents,
    DraftTarget,
)
from extractor.flow.ground import normalise as fold
from extractor.flow.pipeline import extract_article
from extractor.llm.client import LLMClient
from extractor.results.evaluate import MATCH_THRESHOLD, Score, _greedy, _names, incident_similarity, score_article
from extractor.runs.article import normalised
from extractor.schema import ArticleExtraction, GoldExtraction
from extractor.settings import Settings
from extractor.taxonomy import WarningCode
from support.fakes import completion

INCIDENTS, ACTORS = "incidents", "actors"
CONTAINERS: dict[str, type[BaseModel]] = {INCIDENTS: DraftIncidents, ACTORS: DraftActorsAndAttributions}
TASK_TEXT = {INCIDENTS: "Task: list the incidents", ACTORS: "Task: list the actors"}
_LISTED = re.compile(r'^- (I[0-9]+): (.*) \(evidence: "(.*)"\)\s*$', re.M)
_LISTED_BY_NUMBER = re.compile(r"^- (I[0-9]+): (.*) \(sentences ([0-9, ]+)\)\s*$", re.M)
# A perfect model is a capable one, served as any OpenAI-compatible model is: the bounds meant for
# the embedded small model (`extractor.flow.draft.caps_for`) do not apply to it.
SETTINGS = Settings(provider="openai", model="oracle", response_format="json_schema", max_attempts=3)


# --- the fake server -----------------------------------------------------------------------------


class OracleModel(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Answers each POST /chat/completions with the JSON its stage asks for, taken from `gold`.

    `requests` keeps every request body, `stages` the stage decided for each, `answers` the
    content sent, `notes` every place where a draft limit could not hold the gold (and any
    gold item the oracle could not place), and `emitted[stage]` what was sent, item by item:
    (kind, gold id, draft id, position in its list), so warnings can be traced to gold items."""

    def __init__(self, gold: GoldExtraction) -> None:
        self.gold = gold
        self.requests: list[dict[str, Any]] = []
        self.stages: list[str] = []
        self.answers: list[str] = []
        self.notes: list[str] = []
        self.emitted: dict[str, list[tuple[str, str, str, int]]] = {}
        self.listed: dict[str, str | None] = {}  # stage-2 listed incident id -> gold incident id

    # transport ----------------------------------------------------------------------------------

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.method != "POST" or not request.url.path.endswith("/chat/completions"):
            return httpx2.Response(
                404,
                json={
                    "error": {
                        "message": f"the oracle serves only POST /chat/completions, not {request.method} {request.url.path}"
                    }
                },
            )
        body = json.loads(request.read() or b"{}")
        self.requests.append(body)
        stage = stage_of(body)
        self.stages.append(stage)
        content = self._incidents(body) if stage == INCIDENTS else self._actors(body)
        self.answers.append(content)
        return httpx2.Response(200, json=completion(content))

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        return self.handle_request(request)

    # stage 1 ------------------------------------------------------------------------------------

    def _incidents(self, body: dict[str, Any]) -> str:
        items, emitted = [], []
        for n, g in enumerate(self.gold.incidents, start=1):
            raw = shape(DraftIncident, g, evidence=self._cite(body, INCIDENTS, g.id, g.evidence))
            items.append(self._checked(DraftIncident, raw))
            emitted.append(("incident", g.id, g.id, n))
        self.emitted[INCIDENTS] = emitted
        return self._container(INCIDENTS, {"incidents": items}, body)

    # stage 2 ------------------------------------------------------------------------------------

    def _actors(self, body: dict[str, Any]) -> str:
        gold = self.gold
        self.listed = self._listed_incidents(body)
        by_gold = {g: listed for listed, g in self.listed.items() if g is not None}
        actors, attributions, targets, emitted = [], [], [], []
        for n, a in enumerate(gold.actors, start=1):
            raw = shape(DraftActor, a, evidence=self._cite(body, ACTORS, a.id, a.evidence))
            actors.append(self._checked(DraftActor, raw))
            emitted.append(("actor", a.id, a.id, n))
        for t in gold.attributions:
            listed = by_gold.get(t.incident_id)
            if listed is None:
                self._note(
                    ACTORS,
                    f"gold attribution {t.id}: its incident {t.incident_id} is not among the incidents the "
                    f"stage-2 prompt lists ({sorted(self.listed)}), so it cannot be referred to; not sent",
                )
                continue
            raw = shape(DraftAttribution, t, incident_id=listed, evidence=self._cite(body, ACTORS, t.id, t.evidence))
            attributions.append(self._checked(DraftAttribution, raw))
            emitted.append(("attribution", t.id, listed, len(attributions)))
        for g in gold.incidents:
            for actor_id in g.target_actor_ids:
                listed = by_gold.get(g.id)
                if listed is None:
                    self._note(
                        ACTORS,
                        f"gold target ({g.id}, {actor_id}): incident {g.id} is not listed in the stage-2 prompt; not sent",
                    )
                    continue
                raw = {"incident_id": listed, "actor_id": actor_id}
                targets.append(self._checked(DraftTarget, raw))
                emitted.append(("target", f"{g.id}->{actor_id}", f"{listed}->{actor_id}", len(targets)))
        self.emitted[ACTORS] = emitted
        return self._container(ACTORS, {"actors": actors, "attributions": attributions, "targets": targets}, body)

    def _cite(self, body: dict[str, Any], stage: str, gold_id: str, spans: list[Any]) -> list[Any]:
        """Gold evidence as the request asks for it: the quotes, or, when the article is shown
        as numbered sentences, the number of the sentence holding each quote (of every sentence
        from its first words to its last when it runs across sentences)."""
        shown = numbered_lines(first_user_text(body))
        if not shown:
            return [s.quote for s in spans]
        cited: list[int] = []
        for span in spans:
            quote = " ".join(span.quote.split())
            hits = [n for n, text in shown.items() if quote in text]
            if not hits:
                first = [n for n, text in shown.items() if quote[:40] in text]
                last = [n for n, text in shown.items() if quote[-40:] in text]
                hits = list(range(first[0], last[0] + 1)) if first and last and first[0] <= last[0] else []
            if not hits:
                self._note(stage, f"gold {gold_id}: evidence {quote[:60]!r} is in no numbered sentence; not cited")
            cited += [n for n in hits[: max(1, len(hits) if len(quote) > 40 else 1)] if n not in cited]
        return cited

    def _listed_incidents(self, body: dict[str, Any]) -> dict[str, str | None]:
        """The incident ids the stage-2 prompt lists, each mapped to a gold incident id."""
        prompt = first_user_text(body)
        found: dict[str, str | None] = {}
        shown = numbered_lines(prompt)
        for listed_id, summary, numbers in _LISTED_BY_NUMBER.findall(prompt):
            match = next((g.id for g in self.gold.incidents if g.summary == summary), None)
            if match is None:
                wanted = {int(n) for n in numbers.split(", ")}
                match = (
                    next(
                        (g.id for g in self.gold.incidents if wanted & set(self._cite(body, ACTORS, g.id, g.evidence))),
                        None,
                    )
                    if shown
                    else None
                )
            if match is None:
                self._note(ACTORS, f"listed incident {listed_id} ({summary!r}) matches no gold incident")
            found[listed_id] = match
        for listed_id, summary, quote in _LISTED.findall(prompt):
            match = next((g.id for g in self.gold.incidents if g.summary == summary), None)
            if match is None:
                folded = fold(quote)[0]
                match = next(
                    (
                        g.id
                        for g in self.gold.incidents
                        if any(folded in fold(s.quote)[0] or fold(s.quote)[0] in folded for s in g.evidence)
                    ),
                    None,
                )
            if match is None:
                self._note(ACTORS, f"listed incident {listed_id} ({summary!r}) matches no gold incident")
            found[listed_id] = match
        if not found:
            self._note(
                ACTORS,
                "the stage-2 prompt lists no incidents in the form '- I1: summary (evidence: \"...\")' "
                "or '- I1: summary (sentences 1, 2)'",
            )
        return found

    # building answers ---------------------------------------------------------------------------

    def _checked(self, model: type[BaseModel], raw: dict[str, Any]) -> dict[str, Any]:
        """`raw` through the draft model; when the model cannot hold it, `raw` as it is (the
        breach is noted by `_container`, against the schema the request carries)."""
        try:
            return model.model_validate(raw).model_dump(mode="json")
        except ValidationError:
            return raw

    def _container(self, stage: str, data: dict[str, Any], body: dict[str, Any]) -> str:
        """The answer: through the draft container when it holds the gold, else the gold as it
        is (raw JSON in the draft's shape). Every place where the schema the request carries
        (its caps: maxItems, maxLength, patterns) cannot hold the gold is noted; without a
        schema in the request, the draft models' own limits are checked."""
        schema = requested_schema(body)
        if schema is not None:
            for error in sorted(
                Draft202012Validator(schema).iter_errors(data), key=lambda e: list(map(str, e.absolute_path))
            ):
                self._note(
                    stage,
                    f"{self._owner(stage, list(error.absolute_path))}the requested schema cannot hold the gold "
                    f"({_describe(error)}); sent as the gold has it",
                )
        try:
            return CONTAINERS[stage].model_validate(data).model_dump_json()
        except ValidationError as exc:
            if schema is None:
                for error in exc.errors():
                    where = ".".join(str(p) for p in error["loc"])
                    self._note(
                        stage,
                        f"{self._owner(stage, list(error['loc']))}the draft model cannot hold the gold "
                        f"({where}: {error['msg']}); sent as the gold has it",
                    )
            return json.dumps(data, ensure_ascii=False)

    def _owner(self, stage: str, path: list[Any]) -> str:
        """'gold actor A3: ' for a path into the fourth actor sent, '' for the whole list."""
        if len(path) < 2 or not isinstance(path[1], int):
            return ""
        kind = str(path[0])[:-1]
        for item_kind, gold_id, _, position in self.emitted.get(stage, []):
            if item_kind == kind and position == path[1] + 1:
                return f"gold {kind} {gold_id}: "
        return f"{kind} {path[1] + 1}: "

    def _note(self, stage: str, text: str) -> None:
        line = f"{stage}: {text}"
        if line not in self.notes:  # instructor re-asks: the same answer, the same note
            self.notes.append(line)


def _describe(error: Any) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "(answer)"
    value, limit = error.instance, error.validator_value
    if error.validator == "maxItems":
        return f"{where}: {len(value)} items, maxItems {limit}"
    if error.validator == "maxLength":
        return f"{where}: {len(value)} characters, maxLength {limit}: {value[:60]!r}..."
    return f"{where}: {' '.join(error.message.split())[:160]}"


def shape(model: type[BaseModel], source: BaseModel, **given: Any) -> dict[str, Any]:
    """A dict in the shape of the draft `model`: each of its fields from `given`, else from the
    gold field of the same name (nested draft models recursively); fields gold lacks are left out
    (the draft's default applies)."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name in given:
            out[name] = given[name]
            continue
        if not hasattr(source, name):
            continue
        value = getattr(source, name)
        nested = _draft_model(info.annotation)
        if nested is not None and isinstance(value, BaseModel):
            value = shape(nested, value)
        elif isinstance(value, list):
            value = list(value)
        out[name] = value
    return out


def _draft_model(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


# --- reading a request ---------------------------------------------------------------------------


def requested_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_object" and isinstance(fmt.get("schema"), dict):
        return fmt["schema"]
    if fmt.get("type") == "json_schema":
        return (fmt.get("json_schema") or {}).get("schema")
    tools = body.get("tools") or []
    if tools:
        return (tools[0].get("function") or {}).get("parameters")
    return None


def numbered_lines(prompt: str) -> dict[int, str]:
    """{number: sentence} of an article shown as numbered sentences ("[3] ..." lines)."""
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^\[([0-9]+)\] (.*)$", prompt, re.M)}


def first_user_text(body: dict[str, Any]) -> str:
    """The first user message (instructor's re-asks append messages after it)."""
    for message in body.get("messages") or []:
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
            return content or ""
    return ""


def stage_of(body: dict[str, Any]) -> str:
    """The stage a request asks for, from its response schema and its task text (see the module
    docstring); an AssertionError when it names none or they disagree."""
    properties = set((requested_schema(body) or {}).get("properties") or {})
    by_schema = [stage for stage, model in CONTAINERS.items() if properties and set(model.model_fields) == properties]
    prompt = first_user_text(body)
    by_text = [stage for stage, words in TASK_TEXT.items() if words in prompt]
    if by_schema and by_text and by_schema != by_text:
        raise AssertionError(f"OracleModel: the schema asks for {by_schema} but the task text for {by_text}")
    decided = by_schema or by_text
    if len(decided) != 1:
        raise AssertionError(
            f"OracleModel: cannot tell the stage (schema properties {sorted(properties)}, task text {by_text})"
        )
    return decided[0]


# --- running and explaining ----------------------------------------------------------------------


@dataclass
class OracleRun:
    article: Article
    gold: GoldExtraction
    oracle: OracleModel
    extracted: ArticleExtraction | None  # as extract_article returned it (None when it raised)
    doc: ArticleExtraction | None  # normalised, as the drivers write it (None when the pipeline raised)
    score: Score
    lost: list[str] = field(default_factory=list)
    error: str | None = None  # what the pipeline raised, if it did

    @property
    def warnings(self) -> list[str]:
        """The sentences of the pipeline's warnings (to explain lost points to people)."""
        return [w.message for w in self.doc.warnings] if self.doc is not None else []


def load_article(path: str | Path) -> Article:
    (item,) = list(iter_articles([str(path)]))
    if isinstance(item, Exception):
        raise item
    return item


def load_gold(path: str | Path) -> GoldExtraction:
    return GoldExtraction.model_validate_json(Path(path).read_text(encoding="utf-8"))


def run_oracle(article: Article, gold: GoldExtraction, settings: Settings = SETTINGS) -> OracleRun:
    """The article through the real pipeline with the oracle as the model, normalised as the
    drivers do, scored against the gold the oracle answered from."""
    oracle = OracleModel(gold)
    llm = LLMClient.from_transport(oracle, settings)
    try:
        extracted = extract_article(article, llm)
        doc = normalised(extracted, article)
    except Exception as exc:  # noqa: BLE001 - a crash loses every gold item; the report says why
        run = OracleRun(
            article, gold, oracle, None, None, score_article(gold, GoldExtraction(article=gold.article), article.text)
        )
        run.error = f"{type(exc).__name__}: {' '.join(str(exc).split())[:600]}"
        run.lost = lost_points(run)
        return run
    pred = GoldExtraction.model_validate(doc.model_dump())
    score = score_article(gold, pred, article.text)
    run = OracleRun(article, gold, oracle, extracted, doc, score)
    run.lost = lost_points(run)
    return run


def oracle_client(gold: GoldExtraction | str | Path, settings: Settings = SETTINGS) -> LLMClient:
    """An LLMClient whose model is the oracle for `gold` (a GoldExtraction or a gold file)."""
    if not isinstance(gold, GoldExtraction):
        gold = load_gold(gold)
    return LLMClient.from_transport(OracleModel(gold), settings)


def oracle_report(article_path: str | Path, gold_path: str | Path, settings: Settings = SETTINGS) -> dict[str, Any]:
    """score.as_dict() of the oracle run, plus "lost": one line per point lost (each unmatched
    gold item or false alarm, with the warnings that explain it), "oracle_notes": where the
    draft could not hold the gold, "warnings": all the pipeline's warnings, and "error": what the
    pipeline raised, if it did (then every gold item is lost)."""
    run = run_oracle(load_article(article_path), load_gold(gold_path), settings)
    return {
        **run.score.as_dict(),
        "lost": run.lost,
        "oracle_notes": list(run.oracle.notes),
        "warnings": run.warnings,
        "error": run.error,
    }


def _warnings_about(run: OracleRun, kind: str, gold_id: str) -> list[str]:
    """Pipeline warnings (and oracle notes) about the item the oracle sent for a gold item."""
    found: list[str] = []
    for stage, items in run.oracle.emitted.items():
        for item_kind, gid, draft_id, position in items:
            if item_kind != kind or gid != gold_id:
                continue
            patterns = [rf"^{stage}: {kind} {position} does not fit the schema"]
            if kind == "attribution":
                patterns.append(rf"^attribution {position} \(incident ")
            else:
                patterns.append(rf"^{kind} {re.escape(draft_id)}\b")
            found += [w for w in run.warnings if any(re.search(p, w) for p in patterns)]
    mark = {
        "incident": f"gold incident {gold_id}:",
        "actor": f"gold actor {gold_id}:",
        "attribution": f"gold attribution {gold_id}:",
    }[kind]
    found += [f"[oracle] {n}" for n in run.oracle.notes if mark in n]
    if kind == "actor":
        name = next(a.name for a in run.gold.actors if a.id == gold_id)
        found += [w for w in run.warnings if f'"{name}"' in w and w not in found]
    return found


def _stage_warnings(run: OracleRun) -> list[str]:
    found = run.doc.warnings if run.doc is not None else []
    return [w.message for w in found if w.code == WarningCode.STAGE_SALVAGED]


def lost_points(run: OracleRun) -> list[str]:
    """Every point lost, as the scorer counts them (the matching mirrors `score_article`; a
    mismatch with its counts is reported too), each with the warnings that explain it."""
    gold, score = run.gold, run.score
    warnings = run.warnings
    pred = (
        GoldExtraction.model_validate(run.doc.model_dump())
        if run.doc is not None
        else GoldExtraction(article=gold.article)
    )
    lines: list[str] = [f"the pipeline raised {run.error}: every gold item is lost"] if run.error else []

    def explain(kind: str, gold_id: str) -> str:
        why = (
            ["lost with the whole article: the pipeline raised (first line)"] if run.error else []
        ) + _warnings_about(run, kind, gold_id)
        return "; ".join(repr(w) for w in why) if why else "no warning names it"

    # incidents
    sims = [
        (s, p, g)
        for p, pi in enumerate(pred.incidents)
        for g, gi in enumerate(gold.incidents)
        if (s := incident_similarity(pi, gi)) >= MATCH_THRESHOLD
    ]
    inc_pairs = _greedy(sims)
    incident_map = {pred.incidents[p].id: gold.incidents[g].id for p, g in inc_pairs.items()}
    for g, gi in enumerate(gold.incidents):
        if not gi.optional and g not in inc_pairs.values():
            best = max(((incident_similarity(pi, gi), p) for p, pi in enumerate(pred.incidents)), default=(0.0, None))
            if best[1] is not None and best[0] >= MATCH_THRESHOLD:
                taken = gold.incidents[inc_pairs[best[1]]].id if best[1] in inc_pairs else "nothing"
                nearest = (
                    f"nearest prediction {pred.incidents[best[1]].id} (similarity {best[0]:.2f}) went to gold {taken}"
                )
            else:
                nearest = f"no prediction reaches similarity {MATCH_THRESHOLD} (best {best[0]:.2f})"
            lines.append(
                f"incident missed: gold {gi.id} ({gi.summary[:70]}...; {nearest}) -- {explain('incident', gi.id)}"
            )
    for p, pi in enumerate(pred.incidents):
        if p not in inc_pairs:
            lines.append(
                f"incident false alarm: {pi.id} ({pi.summary[:70]}...) -- "
                + "; ".join(repr(w) for w in warnings if w.startswith(f"{pi.id}:"))
            )

    # actors
    gold_names = [_names(a) for a in gold.actors]
    sims = [
        (len(names & gold_names[g]), p, g)
        for p, a in enumerate(pred.actors)
        if (names := _names(a))
        for g in range(len(gold.actors))
        if names & gold_names[g]
    ]
    actor_pairs = _greedy(sims)
    actor_map = {pred.actors[p].id: gold.actors[g].id for p, g in actor_pairs.items()}
    for g, ga in enumerate(gold.actors):
        if not ga.optional and g not in actor_pairs.values():
            lines.append(f"actor missed: gold {ga.id} {ga.name!r} -- {explain('actor', ga.id)}")
    for p, pa in enumerate(pred.actors):
        if p not in actor_pairs:
            lines.append(
                f"actor false alarm: {pa.id} {pa.name!r} (mentions {pa.mentions}) -- "
                + "; ".join(repr(w) for w in warnings if f'"{pa.name}"' in w or f"{pa.id} " in w)
            )

    # attributions
    optional_incidents = {g.id for g in gold.incidents if g.optional}
    optional_actors = {a.id for a in gold.actors if a.optional}

    def optional(t) -> bool:
        return (
            t.optional or t.incident_id in optional_incidents or bool({t.perpetrator_id, t.source_id} & optional_actors)
        )

    def key_of_pred(t, gold_t=None) -> tuple:
        ref = lambda r: "null" if r is None else actor_map.get(r, f"unmatched:{r}")  # noqa: E731
        source = "null" if getattr(gold_t, "kind_any", None) is not None else ref(t.source_id)  # dev gold: no source
        return (incident_map.get(t.incident_id, f"unmatched:{t.incident_id}"), ref(t.perpetrator_id), source)

    def key_of_gold(t) -> tuple:
        return (t.incident_id, t.perpetrator_id or "null", t.source_id or "null")

    def kind_right(pt, gt) -> bool:
        return pt.kind in (getattr(gt, "kind_any", None) or [gt.kind])

    sims = [
        (2 + kind_right(pt, gt) + 0.5 * (pt.hedged == gt.hedged), p, g)
        for p, pt in enumerate(pred.attributions)
        for g, gt in enumerate(gold.attributions)
        if key_of_pred(pt, gt) == key_of_gold(gt)
    ]
    attr_pairs = _greedy(sims)
    for g, gt in enumerate(gold.attributions):
        if optional(gt) or g in attr_pairs.values():
            continue
        why = [explain("attribution", gt.id)]
        inc = next(i for i in gold.incidents if i.id == gt.incident_id)
        if gt.incident_id not in incident_map.values():
            why.append(f"its incident {gt.incident_id} was lost: {explain('incident', inc.id)}")
        for role, ref in (("perpetrator", gt.perpetrator_id), ("source", gt.source_id)):
            if ref is not None and ref not in actor_map.values():
                why.append(f"its {role} {ref} was lost: {explain('actor', ref)}")
        lines.append(f"attribution missed: gold {gt.id} {key_of_gold(gt)} kind={gt.kind} -- " + " | ".join(why))
    for p, pt in enumerate(pred.attributions):
        if p not in attr_pairs:
            lines.append(
                f"attribution false alarm: {pt.id} {key_of_pred(pt)} kind={pt.kind} (pred ids "
                f"{pt.incident_id}/{pt.perpetrator_id}/{pt.source_id}) -- "
                + "; ".join(repr(w) for w in warnings if pt.id in w)
            )

    # what the counts say must agree with the lines
    for name in ("incidents", "actors", "attributions"):
        counts = getattr(score, name)
        listed = sum(1 for line in lines if line.startswith(name[:-1] + " "))
        if counts.fp + counts.fn != listed:
            lines.append(
                f"NOTE: score_article counts {counts.fp} false alarms + {counts.fn} misses for {name}, "
                f"but {listed} were listed above (the mirror of its matching has drifted)"
            )
    if lines:
        lines += [f"context: {w!r}" for w in _stage_warnings(run)]
    return lines
