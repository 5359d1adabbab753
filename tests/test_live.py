"""Live tier: the README's first command, run for real with the embedded model.

Runs whenever the `local` extra is installed (CI installs it); skipped with a reason otherwise.
The README's set-up command and test command are read from README.md, so they cannot drift
from what is tested and from what .ci/run executes.
"""

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys

import jsonschema
import pytest

from conftest import ROOT
from extractor.schema import SCHEMA_FILE

README = (ROOT / "README.md").read_text()


def readme_commands() -> list[str]:
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", README, re.S)
    return [blocks[0].strip(), blocks[1].strip()]


def test_readme_opens_with_set_up_and_test_commands_that_ci_runs():
    setup, tests = readme_commands()
    assert README.index(setup) < README.index(tests) < README.index("## ")
    assert "pip install" in setup and "'.[local]'" in setup and "extractor extract examples/" in setup
    # The quickstart works from the clone alone: the article it extracts is in the repository.
    article = shlex.split(setup.split("&&")[-1])[2]
    assert (ROOT / article).is_file() and not article.startswith("..")
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci, ".ci/run must run the README's test command"


@pytest.mark.live
@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="the embedded model needs the `local` extra")
def test_the_readme_extract_command_gives_grounded_valid_output(shared_weights_dir, tmp_path):
    setup, _ = readme_commands()
    extract = setup.split("&&")[-1].strip()  # the part after installing: `.venv/bin/extractor extract ...`
    argv = shlex.split(extract)
    assert argv[0].endswith("extractor") and argv[1] == "extract"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_"))}
    env["EXTRACTOR_CACHE_DIR"] = str(shared_weights_dir)  # weights assembled once per session, no stale cache
    out = tmp_path / "out.json"
    command = [sys.executable, "-m", "extractor.cli", *argv[1:], "--no-cache", "-o", str(out)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-2000:]

    document = json.loads(out.read_text())
    jsonschema.validate(document, json.loads((ROOT / "schemas" / SCHEMA_FILE).read_text()))
    text = (ROOT / argv[2]).resolve().read_text(encoding="utf-8")
    spans = [s for kind in ("incidents", "actors", "attributions") for item in document[kind] for s in item["evidence"]]
    assert all(text[s["start"] : s["end"]] == s["quote"] for s in spans)
    provenance = document["provenance"]
    assert provenance["provider"] == "embedded" and provenance["attempts"] >= 1
    assert provenance["usage"]["prompt_tokens"] > 0 and provenance["usage"]["completion_tokens"] > 0
