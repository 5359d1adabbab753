"""No fixture, cache or error message holds a secret."""

import re

import httpx2

from conftest import FIXTURES, ROOT
from extractor.llm.recording import RECORDING_KEY, SECRET_HEADERS, vcr_for

SECRET_PATTERNS = [
    re.compile(rb"sk-[A-Za-z0-9_-]{16,}"),
    re.compile(rb"Bearer\s+\S+", re.I),
    re.compile(rb"^\s*-?\s*[Aa]uthorization\s*:", re.M),
    re.compile(rb"api[-_]key\s*:", re.I),
]


def test_no_fixture_holds_a_secret():
    files = [p for p in FIXTURES.rglob("*") if p.is_file()]
    assert files, "fixtures/ is empty"
    for path in files:
        data = path.read_bytes()
        assert RECORDING_KEY.encode() not in data, path
        for pattern in SECRET_PATTERNS:
            assert not pattern.search(data), f"{path} matches {pattern.pattern!r}"


def test_recording_scrubs_credentials(tmp_path):
    """Record one exchange that carries a key and cookies, then read the cassette back."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json={"ok": True}, headers={"set-cookie": "session=s3cr3t-cookie"})

    with vcr_for(tmp_path, record_mode="all").use_cassette("scrub.yaml"):
        client = httpx2.Client(transport=httpx2.MockTransport(handler))
        client.post(
            "http://127.0.0.1:9/v1/chat/completions",
            json={"x": 1},
            headers={"Authorization": f"Bearer {RECORDING_KEY}", "api-key": RECORDING_KEY, "Cookie": "a=b"},
        )
    saved = (tmp_path / "scrub.yaml").read_bytes()
    assert b'{"x":' in saved or b"x" in saved  # the exchange itself was recorded
    assert RECORDING_KEY.encode() not in saved and b"s3cr3t-cookie" not in saved
    for header in SECRET_HEADERS:
        assert f"{header}:".encode() not in saved.lower()


def test_no_tracked_file_names_a_real_key():
    for path in [
        *ROOT.glob("extractor/*.py"),
        *ROOT.glob("tests/*.py"),
        *ROOT.glob("scripts/*.py"),
        ROOT / "README.md",
        *ROOT.glob("docs/**/*.md"),
    ]:
        if path.exists():
            assert not re.search(rb"sk-[A-Za-z0-9_-]{20,}|Bearer [A-Za-z0-9._-]{20,}", path.read_bytes()), path
