"""Test tiers (docs/testing.md):
  * logic tests with the queue-based FakeModel (tests/support/fakes.py);
  * replay of real recorded HTTP exchanges (fixtures/cassettes, vcrpy);
  * live tests (marker `live`) that run the embedded model; they run whenever the `local` extra
    is installed (as in CI) and are skipped with a reason otherwise.
Every test runs offline: connections to anything but loopback fail.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"  # gold answers and development sets, not distributed with the repository
ARTICLES = ROOT / "examples"  # the example articles ship with it
GOLD = SHARED / "gold"
FIXTURES = ROOT / "fixtures"
CONVOY = ARTICLES / "ap-2023-01-29-syria-convoy.txt"
OILFIELD = ARTICLES / "2021-06-28-omar-oilfield.txt"


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")
        ):
            raise OSError(f"tests are offline: refused a connection to {host}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    """No test sees the developer's keys, servers or cache."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "EXTRACTOR_API_KEY",
        "EXTRACTOR_BASE_URL",
        "EXTRACTOR_PROVIDER",
        "EXTRACTOR_MODEL",
        "EXTRACTOR_RESPONSE_FORMAT",
        "EXTRACTOR_MAX_ATTEMPTS",
        "EXTRACTOR_DEBUG",
        "EXTRACTOR_CONCURRENCY",
        "EXTRACTOR_RPM",
        "EXTRACTOR_TPM",
        "EXTRACTOR_PRICES",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EXTRACTOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("EXTRACTOR_RUN_STORE", str(tmp_path / "runs.sqlite3"))
    monkeypatch.setenv("EXTRACTOR_ACTORS", str(tmp_path / "actors.json"))  # the user's registry: none yet
    monkeypatch.setenv("EXTRACTOR_REVIEWER", "test-analyst")


@pytest.fixture(autouse=True)
def _shipped_registry():
    """A test that ran with a user actor registry leaves the shipped one behind it."""
    yield
    from extractor.normalise.actors import use_registry_file

    use_registry_file(None)


@pytest.fixture(autouse=True)
def _no_process_left_behind():
    """No test leaves a process running: a run it started in the background (and that run's
    workers, however the run ended), or a child of the test process (a worker pool not closed)."""
    from support import processes

    if not Path("/proc/self/stat").exists():  # the check reads /proc
        yield
        return
    before = processes.children()
    processes.STARTED_GROUPS.clear()
    yield
    left = processes.left_behind(list(processes.STARTED_GROUPS), before)
    processes.STARTED_GROUPS.clear()
    assert not left, f"processes left running after the test (now killed): {sorted(left)}"


@pytest.fixture(scope="session")
def shared_weights_dir(tmp_path_factory) -> Path:
    """Where live tests keep the assembled default weights (assembled once per session)."""
    import os

    return Path(os.environ.get("EXTRACTOR_TEST_MODEL_DIR") or tmp_path_factory.mktemp("weights"))


def article(path: Path):
    from extractor.articles.load import iter_articles

    (item,) = list(iter_articles([str(path)]))
    return item


def require_shared(what: str = "gold") -> None:
    """Skip the calling test when ../shared lacks `what` ("gold", "dev" or "articles"): the
    example articles' gold answers and the development sets are not distributed with the
    repository, so a clone with nothing beside it runs every test that does not need them."""
    if not (SHARED / what).is_dir():
        pytest.skip(f"needs ../shared/{what} beside the clone (not distributed with the repository)")


def gold_files_by_article() -> dict[str, Path]:
    """Gold files keyed by the article they answer, read from their content, not their name."""
    found: dict[str, Path] = {}
    for path in sorted(GOLD.glob("*.json")):
        article_id = json.loads(path.read_text(encoding="utf-8")).get("article", {}).get("id")
        found.setdefault(article_id, path)
    return found


def gold_for(article_id: str) -> dict:
    """The gold answer for an article, found by the id inside the file (../shared/gold)."""
    require_shared("gold")
    path = gold_files_by_article().get(article_id)
    if path is None:
        pytest.fail(f"../shared/gold holds no gold answer for {article_id}: the example articles need theirs")
    return json.loads(path.read_text(encoding="utf-8"))
