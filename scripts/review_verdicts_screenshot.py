"""Regenerate docs/review-verdicts.png, the README's picture of `extractor review RUN --serve`.

    .venv/bin/python scripts/review_verdicts_screenshot.py [-o docs/review-verdicts.png]

Makes the review tests' run offline (the convoy article answered by the fake model, with two
mistakes to find: tests/support/review_run.py) in a temporary folder, serves its review in this
process, makes the tests' verdicts in headless Chromium as an analyst does (accept, reject, a
fixed figure, two added actors, an added attribution and incident), then opens the page again,
opens the fix form of the first attribution and saves a 1280x900 PNG. Everything it writes (run store, cache, actor
registry) stays in the temporary folder. Needs Debian's chromium and chromium-driver;
tests/test_review_serve.py runs `main` into a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))  # review_screenshot.save_png, also when a test loads this file


def main(out: Path, width: int = 1280, height: int = 900) -> Path:
    import pytest
    from review_screenshot import save_png

    from extractor.results.read import ArticleTexts
    from extractor.runs.review_server import ReviewServer, ReviewSession
    from extractor.runs.store import RunStore
    from support.browser import Browser, missing
    from support.review_run import Analyst, make_run, review_as_an_analyst

    reason = missing()
    if reason:
        raise SystemExit(f"cannot take the screenshot: {reason}")
    with tempfile.TemporaryDirectory() as name, pytest.MonkeyPatch.context() as patch:
        tmp = Path(name)
        for variable in [v for v in os.environ if v.startswith(("OPENAI_", "EXTRACTOR_"))]:
            patch.delenv(variable)
        patch.setenv("EXTRACTOR_CACHE_DIR", str(tmp / "cache"))
        patch.setenv("EXTRACTOR_ACTORS", str(tmp / "actors.json"))
        run = make_run(tmp, patch)
        store = RunStore(run.store, any_thread=True)
        session = ReviewSession(
            store, run.name, ArticleTexts([run.articles]), reviewer="analyst", actors_file=tmp / "actors.json"
        )
        server = ReviewServer(session)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with Browser(width, height) as browser:
                analyst = Analyst(browser)
                analyst.open(server.url)
                review_as_an_analyst(analyst)
                analyst.open("about:blank")
                analyst.open(server.url)  # read again from the store, no record selected
                analyst.open_fix("T1")  # the fix form: the contract's choices
                browser.run("window.scrollTo(0, 0)")
                png = browser.screenshot()
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
            store.close()
    return save_png(png, out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "review-verdicts.png")
    args = parser.parse_args()
    print(main(args.output))
