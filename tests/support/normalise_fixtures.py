"""Documents for the normalisation tests, built from the example articles' own words.

shared/gold/ap-2023-01-29-syria-convoy.json currently holds a copy of the oil-field gold (its
article id and sha256 are the oil field's), so the convoy document is written here: quotes are
located in the article to get real offsets. Its dates and names are what a model might give
(the Isfahan date is deliberately wrong, "Deir el-Zour" and "the Observatory" are left raw), so
normalisation has something to do.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from extractor.schema import GoldExtraction

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHARED = Path(__file__).resolve().parents[3] / "shared"
CONVOY_TEXT = (EXAMPLES / "ap-2023-01-29-syria-convoy.txt").read_text(encoding="utf-8")
OILFIELD_TEXT = (EXAMPLES / "2021-06-28-omar-oilfield.txt").read_text(encoding="utf-8")


def span(text: str, quote: str) -> dict:
    start = text.index(quote)
    return {"quote": quote, "start": start, "end": start + len(quote)}


def _incident(text, iid, summary, sub, primary, date, location, quotes, **extra) -> dict:
    event = "Explosions/Remote violence"
    return {
        "id": iid,
        "summary": summary,
        "event_type": event,
        "sub_event_type": sub,
        "stage": "accomplished",
        "primary": primary,
        "date": date,
        "location": location,
        "evidence": [span(text, q) for q in quotes],
        **extra,
    }


def _actor(text, aid, name, kind, country=None, mentions=(), quote=None) -> dict:
    return {
        "id": aid,
        "name": name,
        "mentions": list(mentions),
        "kind": kind,
        "country_code": country,
        "evidence": [span(text, quote or name)],
    }


def convoy_document() -> GoldExtraction:
    t = CONVOY_TEXT
    incidents = [
        _incident(
            t,
            "I1",
            "Drones struck a convoy of trucks in the Boukamal border region after it crossed from Iraq.",
            "Air/drone strike",
            True,
            {"start": "2023-01-29", "end": "2023-01-29", "precision": "day", "text": "Sunday night"},
            {
                "name": "Boukamal",
                "country": "Syria",
                "country_code": "SY",
                "precision": "near",
                "text": "the Syrian border region of Boukamal",
            },
            [
                "Drones attacked a convoy of trucks in eastern Syria Sunday night shortly after it crossed into the country from Iraq",
                "the attack on the convoy in the Syrian border region of Boukamal",
            ],
            targets=["convoy of trucks", "six refrigerated trucks"],
            weapons=["drones"],
        ),
        _incident(
            t,
            "I2",
            "Bomb-carrying drones targeted an Iranian defense factory in Isfahan.",
            "Air/drone strike",
            False,
            {"start": "2023-01-20", "end": "2023-01-20", "precision": "day"},
            {
                "name": "Esfahan",
                "country": "Iran",
                "country_code": "IR",
                "precision": "place",
                "text": "the central city of Isfahan",
            },
            ["bomb-carrying drones targeted an Iranian defense factory in the central city of Isfahan"],
        ),
        _incident(
            t,
            "I3",
            "A November strike on a truck convoy in Deir el-Zour province killed at least 14 people.",
            "Air/drone strike",
            False,
            {"start": "2022-11-01", "end": "2022-11-30", "precision": "month", "text": "in November"},
            {
                "name": "Deir el-Zour",
                "country": "Syria",
                "country_code": "SY",
                "precision": "region",
                "text": "Syria's eastern province of Deir el-Zour",
            },
            [
                "a strike on a truck convoy in Syria in November",
                "The November strike hit tanker trucks carrying fuel and other trucks carrying weapons for the militias",
            ],
            fatalities={"low": 14, "text": "at least 14 people"},
        ),
    ]
    actors = [
        _actor(t, "A1", "Syrian Observatory for Human Rights", "monitor"),
        _actor(t, "A2", "U.S.-led coalition", "external_forces", "US"),
        _actor(t, "A3", "Iran-backed militias", "political_militia", mentions=["Iran-backed militiamen"]),
        _actor(t, "A4", "Sham FM", "media", "SY", quote="Sham FM radio station"),
        _actor(t, "A5", "the Observatory", "monitor"),
        _actor(t, "A6", "Israel", "government", "IL"),
        _actor(t, "A7", "Israel’s military chief of staff", "government", "IL"),
    ]
    attributions = [
        {
            "id": "T1",
            "incident_id": "I1",
            "perpetrator_id": None,
            "source_id": None,
            "kind": "unknown",
            "hedged": False,
            "evidence": [span(t, "It was not immediately clear who was behind the attack on the convoy")],
        },
        {
            "id": "T2",
            "incident_id": "I1",
            "perpetrator_id": "A2",
            "source_id": "A1",
            "kind": "alleged",
            "hedged": True,
            "evidence": [span(t, "said the drones appear to have been from the U.S.-led coalition")],
        },
        {
            "id": "T3",
            "incident_id": "I3",
            "perpetrator_id": "A6",
            "source_id": "A7",
            "kind": "claimed",
            "hedged": True,
            "evidence": [
                span(t, "strongly suggested that Israel was behind a strike on a truck convoy in Syria in November")
            ],
        },
        {
            "id": "T4",
            "incident_id": "I3",
            "perpetrator_id": None,
            "source_id": "A5",
            "kind": "unknown",
            "hedged": False,
            "evidence": [span(t, "the Observatory reported at the time")],
        },
    ]
    return GoldExtraction.model_validate(
        {
            "article": {
                "id": "ap-2023-01-29-syria-convoy",
                "published": "2023-01-29",
                "sha256": hashlib.sha256(t.encode("utf-8")).hexdigest(),
            },
            "incidents": incidents,
            "actors": actors,
            "attributions": attributions,
        }
    )


def oilfield_document() -> GoldExtraction:
    from conftest import require_shared

    require_shared("gold")
    return GoldExtraction.model_validate_json(
        (SHARED / "gold" / "2021-06-28-omar-oilfield.json").read_text(encoding="utf-8")
    )


def make_doc(
    article_id: str,
    text: str,
    published: str | None,
    incidents: list[dict],
    actors: list[dict] = (),
    attributions: list[dict] = (),
) -> GoldExtraction:
    """A small document over `text`. Each incident gives at least `quote`; the rest defaults to a
    drone strike in Albu Kamal on the publication day."""
    built = []
    for number, spec in enumerate(incidents, start=1):
        spec = dict(spec)
        quote = spec.pop("quote")
        location = {
            "name": "Albu Kamal",
            "admin1": "Deir ez-Zor",
            "country": "Syria",
            "country_code": "SY",
            "latitude": 34.45226,
            "longitude": 40.91854,
            "precision": "place",
        }
        location.update(spec.pop("location", {}))
        built.append(
            {
                "id": spec.pop("id", f"I{number}"),
                "summary": spec.pop("summary", quote),
                "stage": "accomplished",
                "event_type": spec.pop("event_type", "Explosions/Remote violence"),
                "sub_event_type": spec.pop("sub_event_type", "Air/drone strike"),
                "primary": spec.pop("primary", True),
                "date": spec.pop("date", {"start": published, "end": published, "precision": "day"}),
                "location": location,
                "evidence": [span(text, quote)],
                **spec,
            }
        )
    return GoldExtraction.model_validate(
        {
            "article": {"id": article_id, "published": published, "sha256": hashlib.sha256(text.encode()).hexdigest()},
            "incidents": built,
            "actors": list(actors),
            "attributions": list(attributions),
        }
    )
