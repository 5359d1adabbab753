"""How recorded fixtures are made and replayed (vcrpy): one configuration for both sides.

vcrpy patches httpx2's transports, so a replay runs the real openai + instructor + pipeline stack
and only the socket is replaced; `RetryingTransport` still wraps the patched transport. It is the
maintained tool made for this, its YAML cassettes are readable in review, and `record_mode="none"`
turns any request that was not recorded into a test failure. Requests match on method, path and
body: the body holds the prompts and the schema, so a changed prompt fails loudly until the
fixtures are recorded again (scripts/record_fixtures.py).

Secrets never reach a cassette: Authorization and other credential headers are removed from
requests, cookies from responses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SECRET_HEADERS = (
    "authorization",
    "api-key",
    "x-api-key",
    "openai-organization",
    "openai-project",
    "cookie",
    "proxy-authorization",
)
RECORDING_KEY = "placeholder-recording-credential-not-a-key"  # sent while recording; must never be stored
MATCH_ON = ("method", "path", "body")


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in ("set-cookie", "authorization"):
            del headers[name]
    return response


def vcr_for(directory: Path, record_mode: str) -> Any:
    import vcr

    return vcr.VCR(
        cassette_library_dir=str(directory),
        record_mode=record_mode,
        match_on=MATCH_ON,
        filter_headers=list(SECRET_HEADERS),
        before_record_response=scrub_response,
        decode_compressed_response=True,
    )
