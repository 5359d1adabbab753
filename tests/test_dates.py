"""Dates resolved against the publication date: a table of expressions, and whole documents."""

from __future__ import annotations

import datetime as dt

import pytest

from extractor.normalise.dates import resolve_dates
from extractor.normalise.timex import find_expressions, relative, resolve_expression
from extractor.schema import warning
from extractor.taxonomy import WarningCode
from support.normalise_fixtures import CONVOY_TEXT, OILFIELD_TEXT, convoy_document, make_doc, oilfield_document

SUN = dt.date(2023, 1, 29)  # the convoy article: a Sunday
MON = dt.date(2021, 6, 28)  # the oil-field article: a Monday

TABLE = [
    # expression, publication date, start, end, precision
    ("Sunday night", SUN, "2023-01-29", "2023-01-29", "day"),
    ("late Sunday", SUN, "2023-01-29", "2023-01-29", "day"),
    ("on Monday", SUN, "2023-01-23", "2023-01-23", "day"),
    ("on Monday", MON, "2021-06-28", "2021-06-28", "day"),
    ("last Monday", MON, "2021-06-21", "2021-06-21", "day"),
    ("Friday's attack", SUN, "2023-01-27", "2023-01-27", "day"),
    ("yesterday", SUN, "2023-01-28", "2023-01-28", "day"),
    ("the day before yesterday", SUN, "2023-01-27", "2023-01-27", "day"),
    ("overnight", SUN, "2023-01-28", "2023-01-29", "day"),
    ("earlier today", SUN, "2023-01-29", "2023-01-29", "day"),
    ("last week", SUN, "2023-01-16", "2023-01-22", "week"),
    ("earlier this week", SUN, "2023-01-23", "2023-01-29", "week"),
    ("last month", SUN, "2022-12-01", "2022-12-31", "month"),
    ("earlier this month", SUN, "2023-01-01", "2023-01-29", "month"),
    ("in November", SUN, "2022-11-01", "2022-11-30", "month"),
    ("The November strike hit tanker trucks", SUN, "2022-11-01", "2022-11-30", "month"),
    ("in January", SUN, "2023-01-01", "2023-01-29", "month"),
    ("November 2021", SUN, "2021-11-01", "2021-11-30", "month"),
    ("last year", SUN, "2022-01-01", "2022-12-31", "year"),
    ("in 2021", SUN, "2021-01-01", "2021-12-31", "year"),
    ("June 27", SUN, "2022-06-27", "2022-06-27", "day"),
    ("June 27", MON, "2021-06-27", "2021-06-27", "day"),
    ("27 June 2021", SUN, "2021-06-27", "2021-06-27", "day"),
    ("on June 27, 2021", SUN, "2021-06-27", "2021-06-27", "day"),
    ("the evening of June 28", MON, "2021-06-28", "2021-06-28", "day"),
    ("2021-06-27", SUN, "2021-06-27", "2021-06-27", "day"),
    ("three days ago", SUN, "2023-01-26", "2023-01-26", "day"),
    # A sentence-opening frame yields to the event's own date.
    (
        "Last month, Israel’s military chief of staff strongly suggested that Israel was behind a strike on a "
        "truck convoy in Syria in November",
        SUN,
        "2022-11-01",
        "2022-11-30",
        "month",
    ),
]


@pytest.mark.parametrize(("expression", "published", "start", "end", "precision"), TABLE)
def test_expression_table(expression, published, start, end, precision):
    found = resolve_expression(expression, published)
    assert found is not None, expression
    assert (found.start.isoformat(), found.end.isoformat(), found.precision) == (start, end, precision)


@pytest.mark.parametrize("text", ["it may rain", "The attack caused heavy damage", "a march through the town"])
def test_no_time_expression(text):
    assert resolve_expression(text, SUN) is None


def test_without_publication_date_only_dates_with_a_year_resolve():
    assert resolve_expression("on Monday", None) is None
    assert resolve_expression("in November", None) is None
    assert resolve_expression("27 June 2021", None).start == dt.date(2021, 6, 27)


@pytest.mark.parametrize(
    ("words", "days"),
    [
        ("hours after", (0, 1)),
        ("roughly 18 hours after", (0, 1)),
        ("36 hours after", (1, 2)),
        ("two days before", (2, 2)),
        ("a day after", (1, 1)),
    ],
)
def test_relative_offsets(words, days):
    (found,) = find_expressions(words)
    assert relative(found).days == days


def test_vague_days_after_is_not_dated():
    (found,) = find_expressions("days after")
    assert relative(found) is None


def test_gold_oilfield_dates_agree_with_gold_and_warn_nothing():
    doc = resolve_dates(oilfield_document(), OILFIELD_TEXT)
    dates = {i.id: (i.date.start, i.date.end, i.date.precision) for i in doc.incidents}
    assert dates["I1"] == ("2021-06-28", "2021-06-28", "day")  # "the evening of June 28"
    assert dates["I2"] == ("2021-06-27", "2021-06-28", "day")  # "roughly 18 hours after" the I1 attack
    assert doc.warnings == []


def test_model_date_replaced_with_a_warning():
    wrong = oilfield_document()
    wrong.incidents[1].date.start = wrong.incidents[1].date.end = "2021-06-20"
    doc = resolve_dates(wrong, OILFIELD_TEXT)
    assert (doc.incidents[1].date.start, doc.incidents[1].date.end) == ("2021-06-27", "2021-06-28")
    assert doc.warnings == [
        warning(
            WarningCode.DATE_RESOLVED,
            "I2: date 2021-06-20..2021-06-20 from the model replaced by 2021-06-27..2021-06-28 "
            'resolved from "roughly 18 hours after"',
            "I2",
        )
    ]


def test_convoy_dates_hours_after_from_the_evidence_sentence():
    doc = resolve_dates(convoy_document(), CONVOY_TEXT)
    dates = {i.id: (i.date.start, i.date.end, i.date.precision) for i in doc.incidents}
    assert dates == {
        "I1": ("2023-01-29", "2023-01-29", "day"),  # Sunday night, in a Sunday paper
        "I2": ("2023-01-28", "2023-01-29", "day"),  # Isfahan: "came hours after", no date.text
        "I3": ("2022-11-01", "2022-11-30", "month"),
    }
    assert (
        'I2: date 2023-01-20..2023-01-20 from the model replaced by 2023-01-28..2023-01-29 resolved from "hours after"'
        in [w.message for w in doc.warnings]
    )
    assert doc.incidents[1].date.text == "hours after"  # the article's words, now that the date comes from them


def test_later_event_is_dated_after_its_anchor():
    text = "Rockets hit a base on Friday. The raid on the depot came hours after rockets hit the base."
    doc = make_doc(
        "later",
        text,
        "2023-01-29",
        [
            {
                "quote": "Rockets hit a base on Friday",
                "date": {"start": "2023-01-29", "end": "2023-01-29", "precision": "day"},
            },
            {"quote": "The raid on the depot", "primary": False},
        ],
    )
    out = resolve_dates(doc, text)
    assert (out.incidents[0].date.start, out.incidents[0].date.end) == ("2023-01-27", "2023-01-27")
    assert (out.incidents[1].date.start, out.incidents[1].date.end) == ("2023-01-27", "2023-01-28")


def test_date_line_is_not_a_date_of_the_article():
    text = " date 2023-01-29 Gunmen attacked a checkpoint near the town on Friday, residents said."
    doc = make_doc("prefix", text, "2023-01-29", [{"quote": "Gunmen attacked a checkpoint"}])
    out = resolve_dates(doc, text)
    assert out.incidents[0].date.start == "2023-01-27"


def test_unresolvable_date_is_left_alone():
    text = "A strike hit the town, activists said."
    doc = make_doc("plain", text, "2023-01-29", [{"quote": "A strike hit the town"}])
    assert resolve_dates(doc, text) == doc
