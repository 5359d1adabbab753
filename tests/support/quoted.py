"""Hand-written fake answers for the convoy article, evidence as quotes (`--evidence quotes`):
one clean answer per stage, for logic tests over the queue-based fake model."""

INCIDENTS = {
    "incidents": [
        {
            "id": "I1",
            "evidence": ["Drones attacked a convoy of trucks in eastern Syria Sunday night"],
            "summary": "Drones struck a truck convoy near Boukamal.",
            "event_type": "Explosions/Remote violence",
            "sub_event_type": "Air/drone strike",
            "stage": "accomplished",
            "primary": True,
            "date": {"start": "2023-01-29", "end": "2023-01-29", "precision": "day", "text": "Sunday night"},
            "location": {
                "name": "Boukamal",
                "country": "Syria",
                "country_code": "SY",
                "precision": "near",
                "text": "the Syrian border region of Boukamal",
            },
            "fatalities": {
                "low": None,
                "best": None,
                "high": None,
                "text": "There was no immediate word on casualties.",
            },
        },
        {
            "id": "I2",
            "evidence": ["The November strike hit tanker trucks carrying fuel"],
            "summary": "A November strike on tanker trucks.",
            "event_type": "Explosions/Remote violence",
            "sub_event_type": "Air/drone strike",
            "stage": "accomplished",
            "primary": False,
            "date": {"start": "2022-11-01", "end": "2022-11-30", "precision": "month", "text": "in November"},
            "location": {"name": "Deir el-Zour", "country": "Syria", "country_code": "SY", "precision": "region"},
            "fatalities": {
                "low": 14,
                "best": 14,
                "high": None,
                "text": "at least 14 people, most of them militiamen, were killed",
            },
        },
    ]
}
ACTORS = {
    "actors": [
        {
            "id": "A1",
            "evidence": ["from the U.S.-led coalition"],
            "name": "U.S.-led coalition",
            "kind": "external_forces",
            "country_code": "US",
        },
        {
            "id": "A2",
            "evidence": ["The Britain-based Syrian Observatory for Human Rights"],
            "name": "Syrian Observatory for Human Rights",
            "kind": "monitor",
        },
        {"id": "A3", "evidence": ["Iran-backed militias"], "name": "Iran-backed militias", "kind": "political_militia"},
    ],
    "attributions": [
        {
            "incident_id": "I1",
            "evidence": ["said the drones appear to have been from the U.S.-led coalition"],
            "perpetrator_id": "A1",
            "source_id": "A2",
            "kind": "alleged",
            "hedged": True,
        },
        {
            "incident_id": "I1",
            "evidence": ["It was not immediately clear who was behind the attack"],
            "perpetrator_id": None,
            "source_id": None,
            "kind": "unknown",
            "hedged": False,
        },
    ],
    "targets": [{"incident_id": "I1", "actor_id": "A3"}],
}
