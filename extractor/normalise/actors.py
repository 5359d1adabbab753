"""One actor per actor: within an article, and across articles by a registry.

Within an article (`merge_mentions`), two actors are one when
  * a name or mention of one equals a name or mention of the other once folded (case, accents,
    "the", possessive 's, plural s, "U.S." = "US");
  * one is a definite short form of the other's name: "the Observatory" of "Syrian
    Observatory for Human Rights" (and no other actor's name holds those words);
  * one is the acronym of the other: "SOHR", or "Syrian News Agency (SANA)";
  * the registry maps both to the same canonical actor.
The lowest id survives; every reference (targets, backers, perpetrators, sources) is rewritten
and attributions that became identical are joined. Each merge is noted in `warnings`.

Across articles (`apply_registry`), the registry (extractor/data/actors.json, extended by the
user's own file of the same shape: the settings' `actors_file`, EXTRACTOR_ACTORS) gives each known actor its canonical name, kind and country; the
article's own forms stay in `mentions`. Registry forces (state_forces) that act outside their
country, by the incidents they take part in, are coded external_forces, as ACLED does.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from extractor.errors import InputError
from extractor.schema import Actor, ArticleExtraction, Attribution, ExtractionWarning, renamed, warning
from extractor.taxonomy import WarningCode

REGISTRY_FILE = Path(__file__).resolve().parent.parent / "data" / "actors.json"
_MINOR = frozenset("the of for and in al el".split())  # left out of acronyms and short forms


def actor_key(name: str) -> str:
    """A name folded so spellings of one actor coincide: 'The U.S.-led Coalition' -> 'us led coalition'."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"\bu\.s\.(?:a\.)?|\bu\.s\b", "us", text)
    text = re.sub(r"['’]s\b", "", text).replace("'", "").replace("’", "")
    tokens = re.sub(r"[^a-z0-9]+", " ", text).split()
    if tokens and tokens[0] == "the":
        tokens = tokens[1:]
    return " ".join(t[:-1] if len(t) > 3 and t.endswith("s") and not t.endswith("ss") else t for t in tokens)


def surface_forms(actor: Actor) -> list[str]:
    """The actor's name and mentions, with a parenthesised acronym split off: 'X (SANA)'."""
    forms = []
    for form in [actor.name, *actor.mentions]:
        forms.append(form)
        m = re.fullmatch(r"(.+?)\s*\(([^)]+)\)\s*", form)
        if m:
            forms += [m.group(1), m.group(2)]
    return forms


def acronym(name: str) -> str:
    words = [w for w in re.split(r"[\s-]+", name) if w and actor_key(w) not in _MINOR and w[0].isalpha()]
    return "".join(w[0] for w in words).lower() if len(words) >= 2 else ""


@dataclass
class RegistryEntry:
    name: str
    kind: str
    country_code: str | None = None
    aliases: list[str] = field(default_factory=list)


class Registry:
    def __init__(self, entries: list[RegistryEntry]) -> None:
        self.entries: list[RegistryEntry] = []
        self._by_key: dict[str, RegistryEntry] = {}
        self.extend(entries)

    def extend(self, entries: list[RegistryEntry]) -> None:
        """Add entries; one whose name is already known updates it (its aliases are added)."""
        for entry in entries:
            known = self._by_key.get(actor_key(entry.name))
            if known is not None and actor_key(known.name) == actor_key(entry.name):
                known.kind, known.country_code = entry.kind, entry.country_code
                known.aliases += [a for a in entry.aliases if a not in known.aliases]
                entry = known
            else:
                self.entries.append(entry)
            for form in [entry.name, *entry.aliases]:
                self._by_key[actor_key(form)] = entry  # later files win a contested alias

    def canonical(self, name: str) -> RegistryEntry | None:
        return self._by_key.get(actor_key(name))

    def match(self, actor: Actor) -> RegistryEntry | None:
        """The entry for an actor: by its name first, then by the first mention that is known."""
        for form in surface_forms(actor):
            entry = self.canonical(form)
            if entry is not None:
                return entry
        return None


def load_registry(*user_files: str | Path) -> Registry:
    """The shipped registry, extended by user files of the same JSON shape, in order."""
    registry = Registry(_read(REGISTRY_FILE))
    for path in user_files:
        registry.extend(_read(Path(path)))
    return registry


def _read(path: Path) -> list[RegistryEntry]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [
            RegistryEntry(e["name"], e["kind"], e.get("country_code"), list(e.get("aliases", [])))
            for e in data["actors"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            str(path),
            f"is not an actor registry ({exc})",
            hint='give {"actors": [{"name": ..., "kind": ..., "aliases": [...]}]}',
        ) from None


_configured: Registry | None = None  # what `default_registry` gives; set by `use_registry_file`
_user_files: tuple[Path, ...] = ()
_user_bytes: tuple[bytes, ...] = ()  # their content when last read


def default_registry() -> Registry:
    """The registry normalisation uses: the shipped one, extended by the user's file when a run
    named it (`use_registry_file`); read once per process (treat it as read-only)."""
    global _configured
    if _configured is None:
        _configured = load_registry()
    return _configured


def use_registry_file(path: Path | None) -> Registry:
    """From now on in this process, the shipped registry extended by `path` (the user's own, the
    settings' `actors_file`) when that file exists. Read here, at the start of a run, so that a
    malformed file is one error before any article, not a failed normalisation per article."""
    global _configured, _user_files, _user_bytes
    files = (Path(path),) if path is not None and Path(path).is_file() else ()
    _configured = load_registry(*files)
    _user_files, _user_bytes = files, tuple(p.read_bytes() for p in files)
    return _configured


def user_registry_content() -> tuple[bytes, ...]:
    """The user's files in `default_registry` as they were read (part of the normalisation's
    fingerprint: another file, or the same one changed, normalises cached articles again)."""
    return _user_bytes


USER_REGISTRY_ABOUT = (
    "Your own actors for extractor, read after the shipped registry (the same shape: name, kind, "
    "country_code, aliases). `extractor review --serve` adds the names an analyst fixes or adds."
)


def add_to_registry_file(
    path: Path, name: str, kind: str, country_code: str | None, aliases: list[str]
) -> RegistryEntry:
    """Write an actor into the user's registry file: a new entry, or more aliases (and the given
    kind and country) for the entry of that name. Atomic (a .partial renamed into place); the
    file is created, with its folder, when it does not exist yet. Returns the entry as written."""
    path = Path(path)
    entries = _read(path) if path.exists() else []
    wanted = actor_key(name)
    forms = [a for a in dict.fromkeys(a.strip() for a in aliases) if a and actor_key(a) != wanted]
    entry = next((e for e in entries if actor_key(e.name) == wanted), None)
    if entry is None:
        entry = RegistryEntry(name, kind, country_code, forms)
        entries.append(entry)
    else:
        known = {actor_key(a) for a in entry.aliases}
        entry.kind, entry.country_code = kind, country_code or entry.country_code
        entry.aliases += [a for a in forms if actor_key(a) not in known]
    payload = {
        "about": USER_REGISTRY_ABOUT,
        "actors": [
            {"name": e.name, "kind": e.kind, "country_code": e.country_code, "aliases": e.aliases} for e in entries
        ],
    }
    partial = path.with_name(path.name + ".partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        with contextlib.suppress(OSError):  # nothing to clean where the folder could not be made
            partial.unlink(missing_ok=True)
        raise InputError(
            str(path), f"cannot be written ({exc.strerror})", hint="set EXTRACTOR_ACTORS to a writable file"
        ) from None
    return entry


def canonical_actor(name: str, registry: Registry | None = None) -> RegistryEntry | None:
    """The registry's canonical actor for a name, or None (shipped registry by default)."""
    return (registry or default_registry()).canonical(name)


def unidentified_armed_group(country_name: str) -> str:
    """ACLED's name for an unknown perpetrator: 'Unidentified Armed Group (Syria)'."""
    return f"Unidentified Armed Group ({country_name})"


# --- within one article -------------------------------------------------------------------


def _same(a: Actor, b: Actor, actors: list[Actor], registry: Registry | None) -> str | None:
    """Why `a` and `b` are one actor, or None."""
    keys_a = {actor_key(f) for f in surface_forms(a)} - {""}
    keys_b = {actor_key(f) for f in surface_forms(b)} - {""}
    if keys_a & keys_b:
        return "same name"
    if registry is not None:
        ea, eb = registry.match(a), registry.match(b)
        if ea is not None and ea is eb:
            return f'both are the registry\'s "{ea.name}"'
    for short, full in ((a, b), (b, a)):
        for form in surface_forms(short):
            if form.isupper() and len(form) >= 3 and acronym(full.name) == form.lower():
                return "acronym"
            # A definite short form, "the Observatory": "the" and one or two capitalised words
            # found in exactly one other actor's longer name. A bare name ("Israel") is a name of
            # its own, not a short form of "Israel's military chief of staff".
            words = form.split()
            institution = len(words) == 2 and words[1].lower() in _INSTITUTIONS  # "the police", "the army"
            if (
                2 <= len(words) <= 3
                and words[0].lower() == "the"
                and (institution or all(w[:1].isupper() for w in words[1:]))
            ):
                tokens = actor_key(" ".join(words[1:])).split()
                holders = [
                    x
                    for x in actors
                    if x is not short
                    and len(actor_key(x.name).split()) > len(tokens)
                    and _contains(actor_key(x.name).split(), tokens)
                ]
                if holders == [full]:
                    return "short form"
    return None


# Institutions an article names by their common noun once it has named them in full ("Manipur
# Police" ... "the police"): a short form when exactly one other actor's name holds the noun.
_INSTITUTIONS = frozenset("police army military government militia militias rebels navy guard ministry".split())


def _contains(tokens: list[str], part: list[str]) -> bool:
    return any(tokens[i : i + len(part)] == part for i in range(len(tokens) - len(part) + 1))


def merge_mentions(doc: ArticleExtraction, registry: Registry | None = None) -> ArticleExtraction:
    """A copy of `doc` in which mentions of one actor are one actor."""
    actors = doc.actors
    parent = {a.id: a.id for a in actors}

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    warnings = list(doc.warnings)
    names = {a.id: a.name for a in actors}
    for i, a in enumerate(actors):
        for b in actors[i + 1 :]:
            if root(a.id) != root(b.id) and (why := _same(a, b, actors, registry)):
                keep, drop = sorted((root(a.id), root(b.id)), key=lambda x: int(x[1:]))
                parent[drop] = keep
                warnings.append(
                    warning(
                        WarningCode.ACTOR_MERGED,
                        f'{drop} ("{names[drop]}") merged into {keep} ("{names[keep]}"): {why}',
                        drop,
                        keep,
                    )
                )
    if all(root(a.id) == a.id for a in actors):
        return doc
    ids = {a.id: root(a.id) for a in actors}
    merged: dict[str, Actor] = {}
    for actor in actors:
        keep = ids[actor.id]
        if keep not in merged:
            merged[keep] = actor.model_copy(update={"id": keep})
            continue
        into = merged[keep]
        forms = [f for f in [*into.mentions, actor.name, *actor.mentions] if f != into.name]
        spans = {(s.start, s.end): s for s in [*into.evidence, *actor.evidence]}
        merged[keep] = into.model_copy(
            update={
                "mentions": list(dict.fromkeys(forms)),
                "country_code": into.country_code or actor.country_code,
                "backed_by": list(dict.fromkeys([*into.backed_by, *actor.backed_by])),
                "evidence": sorted(spans.values(), key=lambda s: s.start),
            }
        )
    return _rewrite(doc, ids, list(merged.values()), warnings)


def _rewrite(
    doc: ArticleExtraction, ids: dict[str, str], actors: list[Actor], warnings: list[ExtractionWarning]
) -> ArticleExtraction:
    actors = [
        a.model_copy(update={"backed_by": [b for b in dict.fromkeys(ids[x] for x in a.backed_by) if b != a.id]})
        for a in actors
    ]
    incidents = [
        i.model_copy(update={"target_actor_ids": list(dict.fromkeys(ids[x] for x in i.target_actor_ids))})
        for i in doc.incidents
    ]
    attributions: dict[tuple, Attribution] = {}
    for t in doc.attributions:
        t = t.model_copy(
            update={
                "perpetrator_id": t.perpetrator_id and ids[t.perpetrator_id],
                "source_id": t.source_id and ids[t.source_id],
            }
        )
        key = (t.incident_id, t.perpetrator_id, t.source_id, t.kind, t.hedged)
        if key in attributions:  # the same claim twice once its actors are one: keep one, all evidence
            first = attributions[key]
            spans = {(s.start, s.end): s for s in [*first.evidence, *t.evidence]}
            attributions[key] = first.model_copy(update={"evidence": sorted(spans.values(), key=lambda s: s.start)})
            warnings.append(
                warning(
                    WarningCode.ATTRIBUTION_JOINED,
                    f"{t.id} joined with {first.id}: the same attribution once its actors are merged",
                    t.id,
                    first.id,
                )
            )
        else:
            attributions[key] = t
    kept = {i.id: i.id for i in incidents} | {a.id: a.id for a in actors} | {t.id: t.id for t in attributions.values()}
    return doc.model_copy(
        update={
            "actors": actors,
            "incidents": incidents,
            "attributions": list(attributions.values()),
            # the actors merged away, and the attributions joined, are named in the sentences alone
            "warnings": renamed(warnings, {**ids, **kept}),
        }
    )


# --- canonical names ----------------------------------------------------------------------


def apply_registry(doc: ArticleExtraction, registry: Registry) -> ArticleExtraction:
    """A copy of `doc` with mentions merged and known actors under their canonical name, kind
    and country; the article's own forms are kept in `mentions`."""
    doc = merge_mentions(doc, registry)
    countries = _incident_countries(doc)
    actors = []
    for actor in doc.actors:
        entry = registry.match(actor)
        if entry is None:
            actors.append(actor)
            continue
        kind = entry.kind
        where = countries.get(actor.id, set())
        if kind in ("state_forces", "external_forces") and entry.country_code and where:
            kind = "state_forces" if where == {entry.country_code} else "external_forces"
        forms = [f for f in dict.fromkeys([actor.name, *actor.mentions]) if f != entry.name]
        actors.append(
            actor.model_copy(
                update={
                    "name": entry.name,
                    "mentions": forms,
                    "kind": kind,
                    "country_code": entry.country_code or actor.country_code,
                }
            )
        )
    return doc.model_copy(update={"actors": actors})


def _incident_countries(doc: ArticleExtraction) -> dict[str, set[str]]:
    """Actor id -> the countries of the incidents it perpetrates or is targeted in."""
    where = {i.id: i.location.country_code for i in doc.incidents}
    out: dict[str, set[str]] = {}
    for incident in doc.incidents:
        for a in incident.target_actor_ids:
            out.setdefault(a, set()).add(incident.location.country_code)
    for t in doc.attributions:
        if t.perpetrator_id:
            out.setdefault(t.perpetrator_id, set()).add(where[t.incident_id])
    return out
