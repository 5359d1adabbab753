"""Actors: one actor per actor within an article, and canonical actors across articles."""

from __future__ import annotations

import json

import pytest

from extractor.errors import InputError
from extractor.normalise.actors import (
    actor_key,
    add_to_registry_file,
    apply_registry,
    canonical_actor,
    default_registry,
    load_registry,
    merge_mentions,
    unidentified_armed_group,
    use_registry_file,
)
from support.normalise_fixtures import convoy_document, make_doc, oilfield_document, span


@pytest.mark.parametrize(
    ("names", "canonical"),
    [
        (
            [
                "U.S.-led coalition",
                "US-led Coalition",
                "the international coalition",
                "American occupying forces",
                "US occupying forces",
                "US forces",
            ],
            "US-led coalition",
        ),
        (["Kataib Sayyid al-Shuhada", "PMU Brigade 14", "Kata'ib Sayyid al-Shuhada"], "Kataib Sayyid al-Shuhada"),
        (["Kataib Hezbollah", "Kata’ib Hizballah"], "Kataib Hezbollah"),
        (
            ["Iran-backed militias", "pro-Iranian militias", "Pro-Iranian groups", "Iran-backed militiamen"],
            "Iran-backed militias",
        ),
        (["Syrian Observatory for Human Rights", "SOHR", "the Observatory"], "Syrian Observatory for Human Rights"),
        (["SANA", "Syrian News Agency (SANA)", "Syrian Arab News Agency"], "Syrian Arab News Agency"),
        (["Israeli military", "Israel’s military", "IDF"], "Israel Defense Forces"),
    ],
)
def test_registry_aliases(names, canonical):
    assert {canonical_actor(n).name for n in names} == {canonical}


def test_unknown_names_are_not_guessed():
    assert canonical_actor("Omar Abu Layla") is None
    assert canonical_actor("the group") is None


def test_actor_key_folds_spelling():
    assert actor_key("The U.S.-led Coalition") == actor_key("US-led coalition") == "us led coalition"
    assert actor_key("Hezbollah's fighters") == actor_key("Hezbollah fighter")


def _actor(aid, name, kind="other", mentions=()):
    return {"id": aid, "name": name, "mentions": list(mentions), "kind": kind, "evidence": []}


TEXT = (
    "The Syrian Observatory for Human Rights said drones hit the convoy. The Observatory said six trucks burned. "
    "SOHR later said ten. The Syrian Democratic Forces were not involved. Israel’s military chief of staff hinted "
    "that Israel did it."
)


def _doc(actors, attributions=(), targets=()):
    return make_doc(
        "a",
        TEXT,
        "2023-01-29",
        [{"quote": "drones hit the convoy", "target_actor_ids": list(targets)}],
        actors,
        attributions,
    )


def test_within_article_short_form_and_acronym_without_registry():
    doc = _doc(
        [
            _actor("A1", "Syrian Observatory for Human Rights", "monitor"),
            _actor("A2", "the Observatory", "monitor"),
            _actor("A3", "SOHR", "monitor"),
            _actor("A4", "Syrian Democratic Forces", "rebel_group"),
        ]
    )
    out = merge_mentions(doc)
    assert [a.id for a in out.actors] == ["A1", "A4"]
    assert out.actors[0].mentions == ["the Observatory", "SOHR"]
    assert any("A2" in w.message and "short form" in w.message for w in out.warnings)
    assert any("A3" in w.message and "acronym" in w.message for w in out.warnings)


def test_a_bare_name_is_not_a_short_form():
    doc = _doc([_actor("A1", "Israel", "government"), _actor("A2", "Israel’s military chief of staff", "government")])
    assert [a.id for a in merge_mentions(doc).actors] == ["A1", "A2"]


def test_merging_rewrites_every_reference_and_joins_repeated_attributions():
    quote = {"quote": "drones hit the convoy", "start": TEXT.index("drones hit"), "end": TEXT.index("drones hit") + 21}
    attributions = [
        {
            "id": "T1",
            "incident_id": "I1",
            "perpetrator_id": "A3",
            "source_id": "A1",
            "kind": "alleged",
            "hedged": False,
            "evidence": [quote],
        },
        {
            "id": "T2",
            "incident_id": "I1",
            "perpetrator_id": "A3",
            "source_id": "A2",
            "kind": "alleged",
            "hedged": False,
            "evidence": [span(TEXT, "The Observatory said six trucks burned")],
        },
    ]
    doc = _doc(
        [
            _actor("A1", "Syrian Observatory for Human Rights", "monitor"),
            _actor("A2", "the Observatory", "monitor"),
            _actor("A3", "Syrian Democratic Forces", "rebel_group"),
            _actor("A4", "SDF", "rebel_group"),
        ],
        attributions,
        targets=["A4"],
    )
    out = merge_mentions(doc)
    (t,) = out.attributions
    assert (t.id, t.perpetrator_id, t.source_id, len(t.evidence)) == ("T1", "A3", "A1", 2)
    assert out.incidents[0].target_actor_ids == ["A3"]
    type(out).model_validate(out.model_dump())  # still a valid document


def test_gold_oilfield_canonical_actors():
    doc = apply_registry(oilfield_document(), default_registry())
    names = {a.id: a.name for a in doc.actors}
    assert names["A2"] == "US-led coalition" and "A11" not in names  # "US forces" and "US-led Coalition" are one
    assert names["A1"] == "Iran-backed militias"
    assert names["A3"] == "Kataib Hezbollah" and names["A4"] == "Kataib Sayyid al-Shuhada"
    coalition = next(a for a in doc.actors if a.id == "A2")
    assert {"American occupying forces", "the international coalition", "US forces"} <= set(coalition.mentions)
    assert (coalition.kind, coalition.country_code) == ("external_forces", "US")
    assert next(a for a in doc.actors if a.id == "A4").mentions == ["PMU Brigade 14"]


def test_the_same_actor_across_articles_has_one_name():
    registry = default_registry()
    convoy = apply_registry(convoy_document(), registry)
    oilfield = apply_registry(oilfield_document(), registry)
    by_article = [{a.name for a in d.actors} for d in (convoy, oilfield)]
    assert {"US-led coalition", "Iran-backed militias"} <= by_article[0] & by_article[1]
    assert "Syrian Observatory for Human Rights" in by_article[0]
    assert len([a for a in convoy.actors if a.name == "Syrian Observatory for Human Rights"]) == 1


def test_forces_abroad_are_external():
    text = "Israeli warplanes struck a depot near Albukamal."
    actors = [_actor("A1", "Israeli warplanes", "state_forces")]
    attribution = [
        {
            "id": "T1",
            "incident_id": "I1",
            "perpetrator_id": "A1",
            "source_id": None,
            "kind": "reported",
            "hedged": False,
            "evidence": [],
        }
    ]
    doc = make_doc("x", text, "2023-01-29", [{"quote": "Israeli warplanes struck a depot"}], actors, attribution)
    (actor,) = apply_registry(doc, default_registry()).actors
    assert (actor.name, actor.kind, actor.country_code) == ("Israel Defense Forces", "external_forces", "IL")


def test_user_registry_extends_and_overrides(tmp_path):
    user = tmp_path / "mine.json"
    user.write_text(
        json.dumps(
            {
                "actors": [
                    {"name": "Sham FM", "kind": "media", "country_code": "SY", "aliases": ["Radio Sham"]},
                    {
                        "name": "Liwa al-Baqir",
                        "kind": "political_militia",
                        "country_code": "SY",
                        "aliases": ["Baqir Brigade"],
                    },
                ]
            }
        )
    )
    registry = load_registry(user)
    assert registry.canonical("Radio Sham").name == "Sham FM"
    assert registry.canonical("Sham FM radio station").name == "Sham FM"  # shipped aliases kept
    assert registry.canonical("Baqir Brigade").name == "Liwa al-Baqir"
    assert default_registry().canonical("Baqir Brigade") is None  # the shared registry is untouched


def test_bad_registry_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"actors": [{"aliases": []}]}')
    with pytest.raises(InputError, match="is not an actor registry"):
        load_registry(bad)


def test_the_users_registry_file_names_actors_in_normalisation_and_the_fingerprint(tmp_path):
    from extractor.normalise.document import fingerprint

    user = tmp_path / "actors.json"
    shipped = fingerprint()
    assert use_registry_file(user).canonical("Liwa Fatemiyoun fighters") is None  # no file yet: shipped only
    add_to_registry_file(user, "Liwa Fatemiyoun", "political_militia", "AF", ["Liwa Fatemiyoun fighters"])
    registry = use_registry_file(user)
    assert default_registry() is registry and registry.canonical("Liwa Fatemiyoun fighters").name == "Liwa Fatemiyoun"
    assert fingerprint() != shipped  # documents normalised before are normalised again
    text = "Liwa Fatemiyoun fighters attacked a post."
    doc = make_doc(
        "x",
        text,
        "2023-01-29",
        [{"quote": "attacked a post"}],
        [{"id": "A1", "name": "Liwa Fatemiyoun fighters", "kind": "other"}],
    )
    (actor,) = apply_registry(doc, default_registry()).actors  # what normalisation applies
    assert (actor.name, actor.kind, actor.mentions) == (
        "Liwa Fatemiyoun",
        "political_militia",
        ["Liwa Fatemiyoun fighters"],
    )
    use_registry_file(None)
    assert default_registry().canonical("Liwa Fatemiyoun fighters") is None and fingerprint() == shipped


def test_adding_to_the_registry_file_merges_aliases_under_one_name(tmp_path):
    user = tmp_path / "sub" / "actors.json"
    add_to_registry_file(user, "Ansar Allah", "rebel_group", "YE", ["Houthis", "the Houthi rebels", "ansar allah"])
    entry = add_to_registry_file(user, "Ansar Allah", "rebel_group", None, ["Houthi movement", "houthis"])
    assert entry.aliases == ["Houthis", "the Houthi rebels", "Houthi movement"]  # no repeat, the name is no alias
    data = json.loads(user.read_text(encoding="utf-8"))
    assert [a["name"] for a in data["actors"]] == ["Ansar Allah"] and data["actors"][0]["country_code"] == "YE"
    assert load_registry(user).canonical("Houthi movement").name == "Ansar Allah"
    assert not list(user.parent.glob("*.partial"))


def test_a_malformed_user_registry_is_one_error_at_the_start(tmp_path):
    user = tmp_path / "actors.json"
    user.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="is not an actor registry"):
        use_registry_file(user)
    with pytest.raises(InputError, match="is not an actor registry"):
        add_to_registry_file(user, "X Brigade", "other", None, [])
    assert user.read_text(encoding="utf-8") == "{not json"  # nothing overwritten


def test_unidentified_armed_group_name():
    assert unidentified_armed_group("Syria") == "Unidentified Armed Group (Syria)"
