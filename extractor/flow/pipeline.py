"""One article through the LLM stages: prompt -> call -> ground/check -> assemble.

The stages are written once, as a flow that yields each LLM request and receives its answer
(`ArticleFlow.steps`), so the same logic runs under a plain loop (`extract_article`), under
asyncio for concurrent runs (`extract_article_async`), and from Batch API results, without any
of them knowing how the others call the model.

Each article makes two requests (incidents, then actors and attributions), each re-asked by
instructor while the checks in `extractor.flow.assemble` find issues. When a stage's attempts run out,
its last draft is salvaged item by item (`extractor.flow.salvage`): items that parse, or can be
repaired to parse, are kept after grounding and repair; the rest are dropped with a warning. A
later stage whose answers never yield anything usable keeps what the earlier stages found (the
article is done, with its incidents and a warning). Only if the first stage yields nothing does
the article fail (ExtractionFailed, carrying the last completion, the attempt count and the tokens
spent). A transport failure (the server kept failing) fails the article at any stage, so that
`--retry-failed` runs it again whole.

The cache and normalisation around it are `extractor.runs.article`'s.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import BaseModel

from extractor.articles.load import Article
from extractor.articles.parse import parse
from extractor.articles.sentences import Sentence, numbered
from extractor.errors import ExtractionFailed, LLMError
from extractor.flow import attribute, event_typing, frames, judge, phrases, prompts
from extractor.flow.assemble import (
    Assembled,
    CheckedActors,
    CheckedIncidents,
    assemble_actors,
    assemble_incidents,
    renumber,
    renumbering,
)
from extractor.flow.draft import Caps, DraftActorsAndAttributions, DraftIncidents, capped, caps_for, cited
from extractor.flow.events import Event, events_of, mentions
from extractor.flow.ground import Grounder
from extractor.flow.place_names import Places
from extractor.flow.salvage import salvage
from extractor.flow.windows import merge_windows, windows_of
from extractor.llm.client import Answer, AsyncLLMClient, LLMClient
from extractor.llm.confidence import value_probability
from extractor.normalise.timex import resolve_found
from extractor.schema import (
    ArticleExtraction,
    ExtractionWarning,
    Incident,
    Provenance,
    Span,
    Usage,
    renamed,
    warning,
)
from extractor.settings import WINDOW_CHARS, Settings
from extractor.taxonomy import WarningCode

INCIDENT_TOKENS = 1536
ACTOR_TOKENS = 1536
QUESTION_TOKENS = 64


@dataclass(frozen=True)
class Request:
    """One structured call the flow needs: what to validate against and what to send."""

    stage: str
    checked: type[BaseModel]  # validated with checks, so instructor re-asks on their issues
    plain: type[BaseModel]  # the same shape without checks, for salvage
    messages: list[dict[str, str]]
    context: dict[str, Any]
    max_tokens: int
    logprobs: bool = False  # ask the server for the tokens' log-probabilities (a confidence)


@dataclass(frozen=True)
class CallRecord:
    stage: str
    attempts: int
    usage: dict[str, int]
    seconds: float
    outcome: str  # ok | salvaged | failed


@dataclass
class ArticleFlow:
    """The stages for one article. `steps()` yields Requests and receives Answers; `calls`
    records each stage's outcome for the call log, whoever drives the flow."""

    article: Article
    provider: str
    model: str
    evidence: str = "sentences"  # how the model gives evidence: "sentences" (cites numbers) or "quotes"
    window_chars: int = WINDOW_CHARS
    small: bool = False  # ask as for a small model (Settings.small_model)
    calls: list[CallRecord] = field(default_factory=list)
    _doc: Any = field(default=None, repr=False)  # the parse, for a small model's event stages
    attempts: int = 0
    usage: dict[str, int] = field(
        default_factory=lambda: {"prompt_tokens": 0, "completion_tokens": 0, "cached_prompt_tokens": 0}
    )

    def _settle(
        self, request: Request, answer: Answer, warnings: list[ExtractionWarning], *, first: bool = True
    ) -> BaseModel | None:
        """The stage's usable draft: the validated answer, or what salvage keeps of the last one.
        A later stage (`first=False`) with nothing usable gives None and a warning; the first fails."""
        self.attempts += answer.attempts
        for k in self.usage:
            self.usage[k] += answer.usage.get(k, 0)
        draft: BaseModel | None = answer.value
        outcome = "ok"
        if draft is None:
            draft, issues = salvage(answer.last_text, request.plain)
            outcome = "failed" if draft is None else "salvaged"
            if draft is not None:
                warnings.append(
                    warning(
                        WarningCode.STAGE_SALVAGED,
                        f"{request.stage}: no fully valid answer after {answer.attempts} attempts; kept what passed the checks",
                    )
                )
                warnings += [issue.prefixed(f"{request.stage}: ") for issue in issues]
        self.calls.append(CallRecord(request.stage, answer.attempts, dict(answer.usage), answer.seconds, outcome))
        if draft is None and not first:
            last_error = answer.errors[-1] if answer.errors else "no answer"
            warnings.append(
                warning(
                    WarningCode.STAGE_LOST,
                    f"{request.stage}: the model gave no usable answer after {answer.attempts} attempts "
                    f"({' '.join(last_error.split())[:200]}); the records of the earlier stages are kept",
                )
            )
            return None
        if draft is None:
            last_error = answer.errors[-1] if answer.errors else "no answer"
            raise ExtractionFailed(
                f"{self.article.id}: the model gave no usable {request.stage} after {answer.attempts} attempts "
                f"({' '.join(last_error.split())[:300]})",
                last_completion=answer.last_text,
                attempts=self.attempts,
                usage=dict(self.usage),
                hint="try a larger model (--model / --base-url) or raise EXTRACTOR_MAX_ATTEMPTS",
            )
        # The plain shape for assembly, built from items already validated: re-validating the
        # container would refuse a salvaged list longer than the request's bound and lose it all.
        return request.plain.model_construct(**{name: getattr(draft, name) for name in request.plain.model_fields})

    def steps(self) -> Generator[Request, Answer, ArticleExtraction]:
        article = self.article
        # A small model's events are found in the parse; its sentence boundaries are the parser's.
        self._doc = parse(article.searchable_text) if self.small else None
        starts = [s.start_char for s in self._doc.sents] if self._doc is not None else None
        sentences = numbered(article.searchable_text, starts=starts)
        grounder = Grounder(article.searchable_text, raw=article.text, sentences=sentences)
        windows = windows_of(sentences, self.window_chars)
        parts: list[Assembled] = []
        told: list[tuple[int | None, list[ExtractionWarning]]] = []  # each window's part (if any) and warnings
        for number, window in enumerate(windows, start=1):
            where = (
                f"window {number} of {len(windows)} (sentences {window[0].number}-{window[-1].number}): "
                if len(windows) > 1
                else ""
            )
            found: list[ExtractionWarning] = []
            index: int | None = len(parts)
            try:
                parts.append(
                    (
                        yield from self._window(
                            window if len(windows) > 1 else None,
                            grounder,
                            found,
                            "" if len(windows) == 1 else f"@{number}",
                        )
                    )
                )
            except ExtractionFailed:
                if len(windows) == 1 or (number == len(windows) and not any(p.incidents for p in parts)):
                    raise
                found.append(
                    warning(
                        WarningCode.WINDOW_LOST,
                        "the model gave no usable incidents for this window; the other windows are kept",
                    )
                )
                index = None
            told.append((index, [w.prefixed(where) for w in found]))
        notes: list[ExtractionWarning] = []
        renames: list[dict[str, str]] = []
        if len(parts) > 1:
            result, notes, renames = merge_windows(parts)
        else:
            result = parts[0] if parts else Assembled([], [], [])
        # Warnings name records by the ids they had when the warning was made: as renumbered now.
        warnings: list[ExtractionWarning] = []
        for index, found in told:
            if index is None or len(parts) > 1:
                found = renamed(found, renames[index] if index is not None else {})
            warnings += found
        warnings = renamed(warnings + notes, renumbering(result))
        result = renumber(result)
        return ArticleExtraction(
            article=article.meta(),
            incidents=result.incidents,
            actors=result.actors,
            attributions=result.attributions,
            provenance=Provenance(
                provider=self.provider,
                model=self.model,
                prompt_version=prompts.prompt_version(),
                attempts=self.attempts,
                usage=Usage(**self.usage),
                cache_hit=False,
                extracted_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            ),
            warnings=warnings,
        )

    def _window(
        self, window: list[Sentence] | None, grounder: Grounder, warnings: list[ExtractionWarning], suffix: str
    ) -> Generator[Request, Answer, Assembled]:
        """Both stages over one window of the article (None: the whole article)."""
        article = self.article
        small = self.small
        shown = window if window is not None else list(grounder.sentences.values())
        view = prompts.View.of(
            article, self.evidence, shown if self.evidence == "sentences" else window, actor_rules=not small
        )
        if small:
            return (yield from self._events(view, shown, grounder, warnings, suffix))
        caps = caps_for(len(view.body))
        incidents_model = capped(CheckedIncidents, caps.incidents, "incidents")
        plain_incidents = capped(DraftIncidents, caps.incidents, "incidents")
        if self.evidence == "sentences":
            incidents_model, plain_incidents = (
                cited(m, shown[0].number, shown[-1].number) for m in (incidents_model, plain_incidents)
            )
        request = Request(
            "incidents" + suffix,
            incidents_model,
            plain_incidents,
            prompts.incident_messages(article, view, caps),
            {"grounder": grounder, "published": article.published},
            INCIDENT_TOKENS,
        )
        incident_draft = self._settle(request, (yield request), warnings)
        # the first stage's draft is never None (it raises instead), and of a model built from DraftIncidents
        incidents, issues = assemble_incidents(cast(DraftIncidents, incident_draft), grounder, article.published)
        warnings += issues
        incidents = self._typed(incidents, grounder, warnings)
        result = Assembled(incidents, [], [])
        if incidents:
            actors_model, plain_actors = (
                _actor_model(CheckedActors, caps),
                _actor_model(DraftActorsAndAttributions, caps),
            )
            if self.evidence == "sentences":
                actors_model, plain_actors = (
                    cited(m, shown[0].number, shown[-1].number) for m in (actors_model, plain_actors)
                )
            listed = [(i.id, i.summary, self._cited(i.evidence, grounder)) for i in incidents]
            request = Request(
                "actors" + suffix,
                actors_model,
                plain_actors,
                prompts.actor_messages(article, view, listed, caps),
                {"grounder": grounder, "incidents": incidents},
                ACTOR_TOKENS,
            )
            actor_draft = self._settle(request, (yield request), warnings, first=False)
            if actor_draft is not None:
                result, issues = assemble_actors(cast(DraftActorsAndAttributions, actor_draft), grounder, incidents)
                warnings += issues
        return result

    def _events(
        self,
        view: prompts.View,
        shown: list[Sentence],
        grounder: Grounder,
        warnings: list[ExtractionWarning],
        suffix: str,
    ) -> Generator[Request, Answer, Assembled]:
        """A small model's incidents: events found by code in the parse (`extractor.flow.events`),
        each judged and typed by one small question (`extractor.flow.judge`), the rest computed."""
        article = self.article
        places = _places()
        published = dt.date.fromisoformat(article.published) if article.published else None
        numbers = {s.number for s in shown}
        found = [m for m in mentions(self._doc, list(grounder.sentences.values())) if m.sentence.number in numbers]
        recent = (published - dt.timedelta(days=7), published) if published else None
        events = events_of(found, lambda t: _when(t, published), places.country, recent)
        answers: list[judge.EventAnswer] = []
        for number, event in enumerate(events[:MAX_EVENTS], start=1):
            offered = judge.options(event)
            task = judge.question_text(prompts.templates()["event.md"], event, offered)
            model = judge.answer_model(offered)
            request = Request(
                f"event{suffix}.{number}",
                model,
                model,
                prompts.task_messages(article, view, task),
                {},
                judge.QUESTION_TOKENS,
            )
            answer = self._settle(request, (yield request), warnings, first=False)
            answers.append(cast(judge.EventAnswer, answer) if answer is not None else _typed_by_rules(event))
        if len(events) > MAX_EVENTS:
            warnings.append(
                warning(
                    WarningCode.EVENTS_NOT_ASKED,
                    f"{len(events) - MAX_EVENTS} more possible events were not asked about (at most {MAX_EVENTS})",
                )
            )
        for event, answer in zip(events, answers, strict=False):  # events beyond MAX_EVENTS were not asked
            if answer.happened == "no":
                warnings.append(
                    warning(
                        WarningCode.EVENT_NOT_HAPPENED,
                        f"possible event in sentence {event.sentences[0].number} left out: the model judged that it "
                        "did not happen (a threat, a plan or a general statement)",
                    )
                )
        events = events[:MAX_EVENTS]
        dateline = next(iter(grounder.sentences.values())).shown if grounder.sentences else ""
        prefer = places.countries([e.text for e in self._doc.ents if e.label_ in ("GPE", "LOC")])
        # an event whose sentences name no place the gazetteer knows is placed in the country the
        # article names most (the country alone), rather than nowhere
        main = (places.gazetteer.country_name(prefer[0]) or prefer[0]) if prefer else None
        country = (main, main) if main else None
        capitals = article.model_text.isupper()  # only there does the parser miss the names

        def scan(text: str) -> tuple[str, str] | None:
            return (places.scan(text) or places.scan(dateline) if capitals else None) or country

        draft = judge.draft_incidents(
            events, answers, article.published, lambda names: places.first(names, prefer), scan
        )
        incidents, issues = assemble_incidents(draft, grounder, article.published)
        warnings += issues
        kept = {
            f"I{n}": e
            for n, e in enumerate((e for e, a in zip(events, answers, strict=False) if a.happened == "yes"), start=1)
        }
        texts = {iid: judge.typing_text(e) for iid, e in kept.items()}
        incidents = self._typed(incidents, grounder, warnings, texts)
        result = Assembled(incidents, [], [])
        if incidents:
            return (yield from self._statements(result, kept, view, shown, grounder, warnings, suffix))
        return result

    def _statements(
        self,
        result: Assembled,
        events: dict[str, Event],
        view: prompts.View,
        shown: list[Sentence],
        grounder: Grounder,
        warnings: list[ExtractionWarning],
        suffix: str,
    ) -> Generator[Request, Answer, Assembled]:
        """A small model's attributions: the statements read in the sentences' structure
        (`extractor.flow.frames`), tied to incidents and checked by code, each accusation confirmed
        by one small question (`extractor.flow.attribute`), with the answer's probability as its
        confidence."""
        places = _places()
        numbers = {s.number for s in shown}
        found = [
            s
            for s in frames.statements(self._doc, list(grounder.sentences.values()), places.is_place)
            if s.sentence.number in numbers
        ]
        incidents = result.incidents
        live = {i.id: events[i.id] for i in incidents if i.id in events}
        sentences_of = {iid: {s.number for s in e.sentences} for iid, e in live.items()}
        mentions_of = {iid: [(m.start, m.end) for m in e.mentions] for iid, e in live.items()}
        targets_of = {
            i.id: [*i.targets, *(m.patient for m in live[i.id].mentions if m.patient and not m.weak)]
            if i.id in live
            else list(i.targets)
            for i in incidents
        }
        linked, notes = attribute.link(found, incidents, sentences_of, mentions_of)
        places_of = {i.id: {attribute.fold(i.location.name), attribute.fold(i.location.country)} for i in incidents}
        kept, more = attribute.checked(linked, targets_of, places_of)
        warnings += notes + more
        asked = attribute.questions(
            kept, lambda st: phrases.names_in_sentence(self._doc, st.sentence, places.is_place), targets_of
        )
        by_id = {i.id: i for i in incidents}
        confirmed: dict[int, float | None] = {}
        for number, question in enumerate(asked, start=1):
            model = question.answer_model()
            task = attribute.question_text(question, by_id[question.linked.incident_id])
            request = Request(
                f"attribution{suffix}.{number}",
                model,
                model,
                prompts.task_messages(self.article, view, task),
                {},
                QUESTION_TOKENS,
                logprobs=True,
            )
            answer = yield request
            value = self._settle(request, answer, warnings, first=False)
            sentence = question.linked.statement.sentence.number
            if value is None:
                continue
            if value.answer != question.options[0]:  # type: ignore[attr-defined]
                warnings.append(
                    warning(
                        WarningCode.STATEMENT_UNCONFIRMED,
                        f"attribution in sentence {sentence} ({question.linked.incident_id}) left out: the model read "
                        f'"{value.answer}" where the sentence\'s grammar gives "{question.options[0]}"',  # type: ignore[attr-defined]
                        question.linked.incident_id,
                    )
                )
                continue
            confirmed[id(question.linked)] = value_probability(answer.content, answer.logprobs, "answer")
        asked_ids = {id(q.linked) for q in asked}
        decided = [(k, confirmed.get(id(k))) for k in kept if id(k) in confirmed or id(k) not in asked_ids]
        attributions, actors, notes = attribute.attributions_from(decided, grounder)
        warnings += notes
        return Assembled(incidents, actors, attributions)

    def _typed(
        self,
        incidents: list[Incident],
        grounder: Grounder,
        warnings: list[ExtractionWarning],
        texts: dict[str, str] | None = None,
    ) -> list[Incident]:
        """The model's typing after the codebook's rules (`extractor.flow.event_typing`; for events
        found by code, typed from options the words proposed, only the mechanical rules and the
        crowd's and explosives' refinements, `kept`); an incident
        whose evidence speaks of a disaster, diplomacy or crime and of no political violence (or,
        when its evidence holds no word of violence, whose article does) is removed, with a
        warning that says why."""
        typed = []
        for incident in incidents:
            text = (texts or {}).get(incident.id) or " ".join(s.shown for s in grounder.covering(incident.evidence))
            instead = event_typing.not_political(text)
            if instead is None and not event_typing.speaks_of_violence(text):
                # Evidence with no word of violence at all: the whole article says what it is about.
                instead = event_typing.not_political(" ".join(s.shown for s in grounder.sentences.values()))
            if instead:
                warnings.append(
                    warning(
                        WarningCode.NOT_POLITICAL_VIOLENCE,
                        f"{incident.id}: removed, not political violence: its evidence speaks of {instead}",
                    )
                )
                continue
            check = event_typing.kept if texts is not None else event_typing.checked
            event, sub, note = check(incident.event_type, incident.sub_event_type, text)
            if note:
                warnings.append(warning(WarningCode.EVENT_TYPE_CODEBOOK, f"{incident.id}: {note}", incident.id))
            typed.append(incident.model_copy(update={"event_type": event, "sub_event_type": sub}))
        return typed

    def _cited(self, evidence: list[Span], grounder: Grounder) -> str:
        """How the actors prompt points at an incident's evidence: its sentence numbers, or its
        first quote when the model quotes."""
        if self.evidence != "sentences":
            return f'evidence: "{evidence[0].quote}"'
        numbers = [s.number for s in grounder.covering(evidence)]
        return "sentences " + ", ".join(map(str, numbers))


MAX_EVENTS = 8  # per window: one small question each


def _when(found, published: dt.date | None):
    resolved = resolve_found(found, published)
    return None if resolved is None else (resolved.start, resolved.end)


def _typed_by_rules(event) -> judge.EventAnswer:
    """An event the model gave no usable answer for: typed by the codebook's words alone."""
    return judge.EventAnswer(happened="yes", sub_event_type=judge.options(event)[0])


@functools.lru_cache(maxsize=1)
def _places() -> Places:
    from extractor.normalise.gazetteer import default_gazetteer  # loaded once per process

    return Places(default_gazetteer())


def _actor_model(container: type[BaseModel], caps: Caps) -> type[BaseModel]:
    return capped(capped(container, caps.actors, "actors", "targets"), caps.attributions, "attributions")


def flow_for(article: Article, settings: Settings) -> ArticleFlow:
    return ArticleFlow(
        article, settings.provider, settings.model, settings.evidence, settings.window_chars, settings.asks_small
    )


def run_flow(flow: ArticleFlow, ask: Callable[[Request], Answer]) -> ArticleExtraction:
    """The flow's document, asking `ask` for each request it makes (a small model's article in
    which code finds no event makes none)."""
    steps = flow.steps()
    try:
        request = next(steps)
        while True:
            request = steps.send(ask(request))
    except StopIteration as done:
        return done.value


async def run_flow_async(flow: ArticleFlow, ask: Callable[[Request], Awaitable[Answer]]) -> ArticleExtraction:
    """`run_flow` for an async `ask`."""
    steps = flow.steps()
    try:
        request = next(steps)
        while True:
            request = steps.send(await ask(request))
    except StopIteration as done:
        return done.value


def _account(exc: LLMError, flow: ArticleFlow) -> None:
    """Let a failure carry its article and what it cost before it failed (tokens are billed anyway)."""
    exc.accounted(flow.article.id, flow.attempts, flow.usage)


def extract_article(article: Article, llm: LLMClient, *, flow: ArticleFlow | None = None) -> ArticleExtraction:
    """Grounded, checked records for one article over a client (no cache, no normalisation: see
    `extractor.runs.article`). `flow`: the flow to run, for a caller that reads its calls after."""
    flow = flow or flow_for(article, llm.settings)
    try:
        return run_flow(flow, lambda r: llm.extract(r.checked, r.messages, r.context, r.max_tokens, r.logprobs))
    except LLMError as exc:
        _account(exc, flow)
        raise


async def extract_article_async(
    article: Article, llm: AsyncLLMClient, *, flow: ArticleFlow | None = None
) -> ArticleExtraction:
    """`extract_article` over the async client."""
    flow = flow or flow_for(article, llm.settings)
    try:
        return await run_flow_async(
            flow, lambda r: llm.extract(r.checked, r.messages, r.context, r.max_tokens, r.logprobs)
        )
    except LLMError as exc:
        _account(exc, flow)
        raise
