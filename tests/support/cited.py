"""Hand-written fake answers for the convoy article, evidence as sentence numbers (the default):
one clean answer per stage, and `incident` to write one incident, for logic tests over the
queue-based fake model."""


def incident(number, evidence, sub="Air/drone strike", event="Explosions/Remote violence"):
    return {
        "id": f"I{number}",
        "evidence": evidence,
        "summary": "A strike.",
        "event_type": event,
        "sub_event_type": sub,
        "stage": "accomplished",
        "primary": True,
        "date": {"start": "2023-01-29", "end": "2023-01-29", "precision": "day", "text": "Sunday night"},
        "location": {"name": "Boukamal", "country": "Syria", "country_code": "SY", "precision": "near"},
    }


INCIDENTS = {"incidents": [incident(1, [1]), incident(2, [16, 17])]}
ACTORS = {
    "actors": [
        {"id": "A1", "evidence": [5], "name": "U.S.-led coalition", "kind": "external_forces"},
        {"id": "A2", "evidence": [5], "name": "Syrian Observatory for Human Rights", "kind": "monitor"},
        {"id": "A3", "evidence": [], "name": "Sham FM", "kind": "media"},
        {"id": "A4", "evidence": [2], "name": "Israel", "kind": "external_forces"},
    ],
    "attributions": [
        {
            "incident_id": "I1",
            "evidence": [5],
            "perpetrator_id": "A1",
            "source_id": "A2",
            "kind": "alleged",
            "hedged": True,
        },
        {
            "incident_id": "I1",
            "evidence": [4],
            "perpetrator_id": None,
            "source_id": None,
            "kind": "unknown",
            "hedged": False,
        },
    ],
    "targets": [],
}
