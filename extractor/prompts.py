"""Prompts: files in prompts/, rendered into chat messages for each stage. Pure apart from
reading the files once.

The article comes before the stage's task in the user message, so both stages share a prefix
(system prompt + article) and a local llama.cpp model reuses its evaluated prefix for the second
call. `prompt_version` hashes the prompt files, the draft schemas and the output schema version:
any change to what the model is asked gives a new version, a new cache key and stale fixtures.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from string import Template

from extractor.draft import Caps, DraftActorsAndAttributions, DraftIncidents
from extractor.load import Article
from extractor.taxonomy import SCHEMA_VERSION, SUB_EVENT_TYPES

PROMPT_FILES = ("system.md", "article.md", "incidents.md", "actors.md")


def prompts_dir() -> Path:
    override = os.environ.get("EXTRACTOR_PROMPTS_DIR")
    if override:
        return Path(override)
    packaged = Path(__file__).parent / "_prompt_files"  # inside a built wheel
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "prompts"


@lru_cache(maxsize=4)
def _templates(directory: Path) -> dict[str, str]:
    return {name: (directory / name).read_text(encoding="utf-8") for name in PROMPT_FILES}


def templates() -> dict[str, str]:
    return _templates(prompts_dir())


@lru_cache(maxsize=1)
def _schemas_digest() -> str:
    # Building the draft schemas costs milliseconds; prompt_version is asked for every article.
    return "".join(json.dumps(model.model_json_schema(), sort_keys=True) for model in (DraftIncidents, DraftActorsAndAttributions))


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


def taxonomy_lines() -> str:
    return "\n".join(f'  {event}: {"; ".join(subs)}' for event, subs in SUB_EVENT_TYPES.items())


def _article_block(article: Article) -> str:
    # The article sits between <<< and >>>; an article holding those markers itself could close
    # its section early and speak outside it (a prompt injection), so they are broken up.
    text = article.model_text.replace(">>>", "> > >").replace("<<<", "< < <")
    return Template(templates()["article.md"]).substitute(published=article.published or "unknown", article=text)


def incident_messages(article: Article, caps: Caps = Caps()) -> list[dict[str, str]]:
    task = Template(templates()["incidents.md"]).substitute(
        taxonomy=taxonomy_lines(), published=article.published or "unknown", max_incidents=caps.incidents
    )
    return [
        {"role": "system", "content": templates()["system.md"].strip()},
        {"role": "user", "content": _article_block(article) + "\n" + task.strip()},
    ]


def actor_messages(article: Article, incidents: list[tuple[str, str, str]], caps: Caps = Caps()) -> list[dict[str, str]]:
    """`incidents` holds (id, summary, first evidence quote) for each incident kept."""
    listed = "\n".join(f'- {iid}: {summary} (evidence: "{quote}")' for iid, summary, quote in incidents)
    task = Template(templates()["actors.md"]).substitute(incidents=listed, max_actors=caps.actors,
                                                         max_attributions=caps.attributions)
    return [
        {"role": "system", "content": templates()["system.md"].strip()},
        {"role": "user", "content": _article_block(article) + "\n" + task.strip()},
    ]
