"""Prompts: files in prompts/, rendered into chat messages for each stage. Pure apart from
reading the files once.

Every call of an article starts with the same prefix (`prefix`): the system text, the article
(numbered sentences, or plain text when the model quotes) and the rules for every record; the
stage's task comes last. A local llama.cpp model then evaluates only the task of a second call,
and hosted providers bill the repeated prefix as cached input. `prompt_version` hashes the prompt files, the draft schemas and the output schema version:
any change to what the model is asked gives a new version, a new cache key and stale fixtures.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template

from extractor.articles.load import Article
from extractor.articles.sentences import Sentence, numbered
from extractor.flow.draft import Caps, DraftActorsAndAttributions, DraftIncidents
from extractor.taxonomy import SCHEMA_VERSION, SUB_EVENT_TYPES

PROMPT_FILES = (
    "system.md",
    "article.md",
    "rules.md",
    "rules-actors.md",
    "incidents.md",
    "actors.md",
    "evidence.md",
    "event.md",
)


def prompts_dir() -> Path:
    return _prompts_dir(os.environ.get("EXTRACTOR_PROMPTS_DIR"))


@lru_cache(maxsize=4)
def _prompts_dir(override: str | None) -> Path:  # once per setting: it was resolved for every request
    if override:
        return Path(override)
    package = Path(__file__).resolve().parent.parent  # extractor/
    packaged = package / "_prompt_files"  # inside a built wheel
    return packaged if packaged.is_dir() else package.parent / "prompts"


@lru_cache(maxsize=4)
def _templates(directory: Path) -> dict[str, str]:
    return {name: (directory / name).read_text(encoding="utf-8") for name in PROMPT_FILES}


def templates() -> dict[str, str]:
    return _templates(prompts_dir())


def evidence_wording(mode: str) -> dict[str, str]:
    """The `mode.key: text` lines of evidence.md for one evidence mode, as {key: text}."""
    wording = {}
    for line in templates()["evidence.md"].splitlines():
        head, _, text = line.partition(":")
        if line.startswith("#") or "." not in head:
            continue
        owner, _, key = head.partition(".")
        if owner == mode:
            wording[key] = text.strip()
    return wording


@lru_cache(maxsize=1)
def _schemas_digest() -> str:
    # Building the draft schemas costs milliseconds; prompt_version is asked for every article.
    return "".join(
        json.dumps(model.model_json_schema(), sort_keys=True) for model in (DraftIncidents, DraftActorsAndAttributions)
    )


def prompt_version() -> str:
    return _prompt_version(prompts_dir())


@lru_cache(maxsize=4)
def _prompt_version(directory: Path) -> str:
    # Asked for every article (it is part of the cache key): computed once per prompts folder.
    digest = hashlib.sha256()
    for name, body in sorted(_templates(directory).items()):
        digest.update(f"{name}\0{body}\0".encode())
    digest.update(_schemas_digest().encode())
    digest.update(SCHEMA_VERSION.encode())
    return digest.hexdigest()[:12]


@lru_cache(maxsize=1)
def code_version() -> str:
    """What a small model's answer is made of besides its prompts: the code that finds events and
    statements in the parse, asks the small questions and assembles the answer (this package, the
    articles and normalise packages, the shipped data) and the parser's model. Part of the cache
    key on that path only, so an upgrade's better rules reach articles cached before it; a
    capable model's answer is its own, and its cache key leaves the code out (no paid call
    again for a refactor)."""
    from extractor.articles.parse import MODEL, MODEL_VERSION

    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"{MODEL} {MODEL_VERSION}".encode())
    folders = (root / "flow", root / "articles", root / "normalise")
    files = [p for folder in folders for p in sorted(folder.glob("*.py"))] + sorted((root / "data").iterdir())
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def taxonomy_lines() -> str:
    return "\n".join(f"  {event}: {'; '.join(subs)}" for event, subs in SUB_EVENT_TYPES.items())


@dataclass(frozen=True)
class View:
    """What one call shows of the article: all of it or one window, as numbered sentences (the
    model cites their numbers) or as plain text (the model copies passages)."""

    evidence: str  # "sentences" | "quotes"
    body: str
    # The rules for actors and attributions are left out of the prefix when no call of the
    # article asks for them (the small-model flow asks its own small attribution questions).
    actor_rules: bool = True

    @classmethod
    def of(
        cls, article: Article, evidence: str, window: Sequence[Sentence] | None = None, *, actor_rules: bool = True
    ) -> View:
        if evidence == "sentences":
            shown = window if window is not None else numbered(article.searchable_text)
            return cls(evidence, "\n".join(f"[{s.number}] {s.shown}" for s in shown), actor_rules)
        if window is None:
            return cls(evidence, article.model_text, actor_rules)
        return cls(evidence, "\n".join(s.shown for s in window), actor_rules)


def prefix(article: Article, view: View) -> tuple[str, str]:
    """The system text and the start of the user message, identical for every call of an
    article (both stages, every re-ask): the article, then the rules. What varies per stage comes
    after it, so a llama.cpp model re-reads nothing and hosted providers bill the repeat as cached."""
    wording = evidence_wording(view.evidence)
    system = Template(templates()["system.md"]).substitute(evidence_rule=wording["evidence_rule"]).strip()
    # The article sits between <<< and >>>; an article holding those markers itself could close
    # its section early and speak outside it (a prompt injection), so they are broken up.
    body = view.body.replace(">>>", "> > >").replace("<<<", "< < <")
    shown = Template(templates()["article.md"]).substitute(
        published=article.published or "unknown", article=body, layout=wording["layout"]
    )
    rules = Template(templates()["rules.md"]).substitute(
        taxonomy=taxonomy_lines(), incident_evidence=wording["incident_evidence"]
    )
    if view.actor_rules:
        rules = (
            rules.strip()
            + "\n\n"
            + Template(templates()["rules-actors.md"]).substitute(
                actor_evidence=wording["actor_evidence"], attribution_evidence=wording["attribution_evidence"]
            )
        )
    return system, shown.strip() + "\n\n" + rules.strip() + "\n\n"


def task_messages(article: Article, view: View, task: str) -> list[dict[str, str]]:
    """The article's shared prefix followed by one task (e.g. a small attribution question)."""
    return _messages(article, view, task)


def _messages(article: Article, view: View, task: str) -> list[dict[str, str]]:
    system, start = prefix(article, view)
    return [{"role": "system", "content": system}, {"role": "user", "content": start + task.strip()}]


def incident_messages(article: Article, view: View, caps: Caps = Caps()) -> list[dict[str, str]]:
    task = Template(templates()["incidents.md"]).substitute(
        published=article.published or "unknown", max_incidents=caps.incidents
    )
    return _messages(article, view, task)


def actor_messages(
    article: Article, view: View, incidents: list[tuple[str, str, str]], caps: Caps = Caps()
) -> list[dict[str, str]]:
    """`incidents` holds (id, summary, evidence) for each incident kept: the evidence as the
    numbers of its sentences ("sentences 3, 4") or its first quote."""
    listed = "\n".join(f"- {iid}: {summary} ({evidence})" for iid, summary, evidence in incidents)
    task = Template(templates()["actors.md"]).substitute(
        incidents=listed, max_actors=caps.actors, max_attributions=caps.attributions
    )
    return _messages(article, view, task)
