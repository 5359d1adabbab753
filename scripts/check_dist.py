"""Check the distributions as a user would get them: build the sdist and the wheel, check their
metadata, install the wheel into a fresh virtual environment outside the checkout, and run it there.

    .venv/bin/python scripts/check_dist.py [--keep]

Needs the `dev` extra (build, twine) and the package index for the wheel's dependencies. Checks:
`twine check --strict` passes for both files; the wheel ships the prompts and the data; in the
fresh environment `extractor --version` prints the version written in `extractor/__init__.py`,
`extractor --help` runs, `extractor schema` prints the newest `schemas/extraction.v*.json`, and
`extractor extract examples/` against the fake OpenAI-compatible server (tests/support) writes a
valid document per example article, reading its prompts and data from the installed wheel.
Prints one line per check; exit status 1 at the first that fails. `.ci/run` runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(command: list[str | Path], **options) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, **options)
    if done.returncode != 0:
        raise SystemExit(f"FAILED: {' '.join(map(str, command))}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done


def check(what: str, ok: bool, detail: str = "") -> None:
    print(f"{'ok    ' if ok else 'FAILED'} {what}" + (f": {detail}" if detail else ""), flush=True)
    if not ok:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="extractor-dist-"))
    try:
        check_in(work)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def check_in(work: Path) -> None:
    version = re.search(r'^__version__ = "([^"]+)"', (ROOT / "extractor" / "__init__.py").read_text(), re.M)
    assert version, "extractor/__init__.py writes no __version__"
    version_text = version.group(1)

    dist = work / "dist"
    run([sys.executable, "-m", "build", "--outdir", dist, ROOT])
    built = sorted(p.name for p in dist.iterdir())
    check("python -m build gives an sdist and a wheel", len(built) == 2, ", ".join(built))
    (wheel,) = dist.glob("*.whl")
    run([sys.executable, "-m", "twine", "check", "--strict", *sorted(dist.iterdir())])
    check("twine check --strict passes for both", True)

    shipped = set(zipfile.ZipFile(wheel).namelist())
    prompts = {f"extractor/_prompt_files/{p.name}" for p in (ROOT / "prompts").glob("*.md")}
    data = {f"extractor/data/{p.name}" for p in (ROOT / "extractor" / "data").iterdir() if p.is_file()}
    missing = sorted((prompts | data | {"extractor/py.typed"}) - shipped)
    check("the wheel ships the prompts, the data and py.typed", not missing, ", ".join(missing))

    venv = work / "venv"
    run([sys.executable, "-m", "venv", venv])
    run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel])
    check("the wheel installs into a fresh virtual environment", True)

    # Outside the checkout, with nothing of the developer's: the installed package is what runs.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_", "PYTHONPATH"))}
    env["EXTRACTOR_CACHE_DIR"] = str(work / "cache")
    env["EXTRACTOR_RUN_STORE"] = str(work / "runs.sqlite3")
    command = venv / "bin" / "extractor"
    shown = run([command, "--version"], cwd=work, env=env).stdout.strip()
    check("extractor --version", shown == f"extractor {version_text}", shown)
    helped = run([command, "--help"], cwd=work, env=env).stdout
    check("extractor --help", "extract" in helped and "schema" in helped)
    schema = json.loads(run([command, "schema"], cwd=work, env=env).stdout)
    # the newest published version, the one the package writes (schema.SCHEMA_VERSION)
    newest = max((ROOT / "schemas").glob("extraction.v*.json"), key=lambda p: int(p.stem.rsplit("v", 1)[1]))
    published = json.loads(newest.read_text(encoding="utf-8"))
    check(f"extractor schema prints schemas/{newest.name}", schema == published)

    server = subprocess.Popen(
        [sys.executable, "-m", "support.fault_server"], cwd=ROOT / "tests", stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        out = work / "out"
        out.mkdir()
        env["OPENAI_API_KEY"] = "placeholder"
        examples = sorted((ROOT / "examples").glob("*.txt"))
        extract = [command, "extract", *examples, "--base-url", base_url, "--model", "fake", "-o", f"{out}/", "-q"]
        run([*extract, "--evidence", "quotes", "--no-cache"], cwd=work, env=env)
    finally:
        server.terminate()
        server.wait(timeout=30)
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))]
    check(
        "extractor extract examples/ against the fake server writes a document per article",
        [d["article"]["id"] for d in documents] == [p.stem for p in examples]
        and all(d["incidents"] for d in documents),
        f"{len(documents)} documents",
    )
    print(f"all checks passed for {wheel.name}")


if __name__ == "__main__":
    main()
