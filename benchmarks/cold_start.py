"""`extractor --help` cold start: target under 0.5 s, imports on demand.

    .venv/bin/python benchmarks/cold_start.py [--runs 10]

Times the installed console script `.venv/bin/extractor --help` (wall time, median of `--runs`
runs after one untimed run that warms the OS file cache), and for comparison `python -c pass`,
`python -c "import typer"` and `extractor extract --help`. Then runs
`python -X importtime -m extractor.cli --help` and lists the imports that cost most (cumulative
microseconds, top-level packages), so a miss names its cause.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import EXTRACTOR, PYTHON, child_env, header, load1, median, result, timed_run, workdir  # noqa: E402

TARGET_S = 0.5


def wall(args: list[str], env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    timed_run(args, env)  # untimed: OS file cache
    times, loads = [], []
    for _ in range(runs):
        seconds, done = timed_run(args, env)
        if done.returncode:
            raise SystemExit(f"{' '.join(args)} failed: {done.stderr[-1000:]}")
        times.append(seconds)
        loads.append(load1())
    return times, loads


def import_costs(env: dict[str, str], top: int = 15) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(top-level packages by cumulative us, extractor modules by cumulative us) from -X importtime."""
    done = subprocess.run(
        [PYTHON, "-X", "importtime", "-m", "extractor.cli", "--help"], env=env, capture_output=True, text=True
    )
    packages: list[tuple[int, str]] = []
    ours: list[tuple[int, str]] = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not match:
            continue
        cumulative, depth, name = int(match.group(2)), len(match.group(3)), match.group(4)
        if depth <= 1:  # imported at top level of the chain (not as another package's dependency)
            packages.append((cumulative, name))
        if name.startswith("extractor"):
            ours.append((cumulative, name))
    return sorted(packages, reverse=True)[:top], sorted(ours, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="a smoke test: 2 runs")
    args = parser.parse_args()
    if args.quick:
        args.runs = 2
    header("cold start")
    with workdir() as folder:
        env = child_env(folder)
        figures = {}
        for label, cmd in (
            ("python -c pass", [PYTHON, "-c", "pass"]),
            ("python -c 'import typer'", [PYTHON, "-c", "import typer"]),
            ("extractor extract --help", [EXTRACTOR, "extract", "--help"]),
            ("extractor --help", [EXTRACTOR, "--help"]),
        ):
            times, loads = wall(cmd, env, args.runs)
            figures[label] = (times, loads)
            print(f"  {label}: median {median(times):.3f} s, min {min(times):.3f} s; load1 {loads[-1]:.2f}", flush=True)
        times, loads = figures["extractor --help"]
        result(
            "cold start[.venv/bin/extractor --help]",
            f"< {TARGET_S} s",
            f"{median(times):.3f} s (min {min(times):.3f} s; "
            f"bare interpreter {median(figures['python -c pass'][0]):.3f} s, import typer {median(figures['python -c ' + repr('import typer')][0]):.3f} s)",
            times,
            median(times) < TARGET_S,
            loads=loads,
        )
        packages, ours = import_costs(env)
        print("  -X importtime, top-level imports by cumulative time:")
        for micros, name in packages:
            print(f"    {micros / 1e3:8.1f} ms  {name}")
        print(
            "  extractor modules imported by --help:", ", ".join(f"{n} ({u / 1e3:.1f} ms)" for u, n in ours) or "none"
        )


if __name__ == "__main__":
    main()
