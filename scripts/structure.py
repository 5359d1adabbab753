"""The package's structure in figures: modules per layer, import loops, imports against the
layers, and how often one article's data goes back into a module it had left on its way from the
command line to the output.

    .venv/bin/python scripts/structure.py [--repo DIR] [--json]

`--repo DIR` measures another checkout of the project (an older commit, say: `git worktree add
--detach DIR COMMIT`) with this checkout's statement of the layers, so two trees compare on one
scale.

- Layers: as the architecture section states them (tests/test_layers.py reads the same list).
  Imports are read from the code (every import, in a function or for type checking only too).
- The article's way: `extractor extract ARTICLE -o OUT --no-cache --workers 1` runs in a child
  process against the fake server (tests/support/fault_server.py, zero latency), under a
  profiler hook that records each call of a function of the package given one article's data: an
  `Article`, a document (`ArticleExtraction`), or an `Outcome`, alone or in a list or tuple. The
  modules of those calls, in order, are the article's way (a call within the module it is in
  already is no move, nor is a generator or coroutine resumed). A return is an entry into a
  module the way had been in and left.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE / "tests"))
sys.path.insert(0, str(HERE / "benchmarks"))

CARRIERS = ("Article", "ArticleExtraction", "Outcome")

# Run in the child, in the measured checkout: the CLI under a profiler hook.
TRACE = r"""
import json, sys
from pathlib import Path
package = str(Path("extractor").resolve()) + "/"
carriers = set(sys.argv[1].split(","))
out = sys.argv[2]
way = []

def carries(value):
    if type(value).__name__ in carriers:
        return True
    return isinstance(value, (list, tuple)) and any(type(v).__name__ in carriers for v in value[:4])

entered = set()  # frames already entered: a generator or coroutine resumed is no new call

def hook(frame, event, arg):
    if event != "call":
        return
    file = frame.f_code.co_filename
    if not file.startswith(package) or frame in entered:
        return
    entered.add(frame)
    code = frame.f_code
    names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    if any(carries(frame.f_locals.get(n)) for n in names if n != "self"):
        way.append((file[len(package):], code.co_name))

import threading
from extractor.cli import main
sys.argv = ["extractor", *sys.argv[3:]]
sys.setprofile(hook)
threading.setprofile(hook)
try:
    main()
except SystemExit:
    pass
finally:
    sys.setprofile(None)
    Path(out).write_text(json.dumps(way))
"""


def layers_and_imports(repo: Path) -> dict:
    import test_layers as measure

    stated = measure.stated_layers()  # this checkout's statement, applied to `repo`
    measure.ROOT, measure.PACKAGE = repo, repo / "extractor"
    layer_of = {name: number for number, layer in enumerate(stated) for name in layer}
    edges = measure.graph()
    per_layer = Counter()
    against = []
    for module, targets in edges.items():
        if measure.modules()[module].name == "__init__.py":
            continue  # a package's face
        here = measure.part_of(module)
        per_layer[layer_of.get(here, -1)] += 1
        for target in targets:
            there = measure.part_of(target)
            if there != here and layer_of.get(there, -1) >= layer_of.get(here, -1):
                against.append(f"{module} -> {target}")
    return {
        "layers": [
            {"layer": number + 1, "parts": names, "modules": per_layer[number]} for number, names in enumerate(stated)
        ],
        "modules_outside_the_layers": per_layer[-1],
        "import_loops": measure.cycles(edges),
        "imports_against_the_layers": sorted(against),
    }


def article_way(repo: Path) -> dict:
    from _bench import ServerProcess

    from support.run_helpers import write_jsonl

    with tempfile.TemporaryDirectory() as scratch, ServerProcess(latency=0.0) as server:
        folder = Path(scratch)
        write_jsonl(folder / "article.jsonl", 1)
        trace = folder / "way.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_"))}
        env.update(
            OPENAI_API_KEY="placeholder-structure-key",
            EXTRACTOR_CACHE_DIR=str(folder / "cache"),
            EXTRACTOR_RUN_STORE=str(folder / "runs.sqlite3"),
            PYTHONPATH=str(repo),
        )
        args = [str(folder / "article.jsonl"), "-o", str(folder / "out.jsonl"), "--no-cache", "-q"]
        args += ["--base-url", server.base_url, "--model", "fake", "--workers", "1"]
        done = subprocess.run(
            [sys.executable, "-c", TRACE, ",".join(CARRIERS), str(trace), "extract", *args],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0 or not (folder / "out.jsonl").exists():
            raise SystemExit(f"the traced run failed: {done.stderr[-2000:]}")
        calls = json.loads(trace.read_text())
    moves: list[str] = []
    for file, _ in calls:
        if not moves or moves[-1] != file:
            moves.append(file)
    seen: set[str] = set()
    returns = Counter()
    for file in moves:
        if file in seen:
            returns[file] += 1
        seen.add(file)
    return {
        "modules": len(seen),
        "entries": len(moves),
        "returns": sum(returns.values()),
        "returns_by_module": dict(returns.most_common()),
        "way": moves,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=HERE, help="the checkout to measure (default: this one)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    repo = args.repo.resolve()
    figures = {"repo": str(repo), **layers_and_imports(repo), "article": article_way(repo)}
    if args.json:
        print(json.dumps(figures, indent=1))
        return
    print(f"{repo}")
    for layer in figures["layers"]:
        print(f"  layer {layer['layer']} ({', '.join(layer['parts'])}): {layer['modules']} modules")
    print(f"  import loops: {len(figures['import_loops'])} {figures['import_loops'] or ''}")
    print(f"  imports against the layers: {len(figures['imports_against_the_layers'])}")
    for line in figures["imports_against_the_layers"]:
        print(f"    {line}")
    way = figures["article"]
    print(
        f"  one article's way from the CLI to the output: {way['entries']} entries into {way['modules']} modules, "
        f"{way['returns']} returns into a module it had left"
    )
    print("    returns by module: " + ", ".join(f"{m} {n}" for m, n in way["returns_by_module"].items()))


if __name__ == "__main__":
    main()
