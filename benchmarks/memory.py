"""Peak memory reading a large JSONL: flat in the number of articles, under 300 MB.

    .venv/bin/python benchmarks/memory.py [--sizes 10000 30000 100000] [--extract-sizes 1000 3000 10000]
                                          [--repeats 3]

Writes a JSONL of small articles (about 600 bytes a line) for each size, then measures peak RSS
(`ru_maxrss` of a fresh child process, read by the child itself with RUSAGE_SELF, or for the CLI
by a wrapper with RUSAGE_CHILDREN):

* reading path: `extractor.articles.load.count_inputs` (what the progress bar counts), then
  `extractor.articles.load.iter_articles` streamed over every article (each one's `model_text` built, as
  the prompt needs, and dropped); also the RSS right after the imports, for reference;
* full extract: `extractor extract FILE.jsonl --base-url URL --no-cache -q -o out.jsonl
  --concurrency 16` against the zero-latency fake server (in its own process, not measured).

Flat means: peak at the largest size minus peak at the smallest is under 10% of the smallest
peak (and under 20 MB). Target: every peak under 300 MB and flat.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import (  # noqa: E402
    EXTRACTOR,
    MODEL,
    PYTHON,
    ROOT,
    ServerProcess,
    child_env,
    header,
    load1,
    median,
    result,
    workdir,
    write_articles,
)

TARGET_MB = 300.0

READER = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from extractor.articles.load import count_inputs, iter_articles
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
total = count_inputs([{path!r}])
after_count = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
seen = chars = 0
for article in iter_articles([{path!r}]):
    seen += 1
    chars += len(article.model_text)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"base_kb": base, "count_kb": after_count, "peak_kb": peak, "counted": total, "read": seen,
                  "seconds": time.perf_counter() - started}}))
"""

WRAPPER = """
import resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - started, code.returncode)
print(code.stderr[-2000:], file=sys.stderr)
"""


def read_peak(path: Path) -> dict:
    done = subprocess.run([PYTHON, "-c", READER.format(root=str(ROOT), path=str(path))], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    return json.loads(done.stdout)


def extract_peak(path: Path, folder: Path, base_url: str) -> tuple[float, float]:
    cmd = [
        EXTRACTOR,
        "extract",
        str(path),
        "--base-url",
        base_url,
        "--model",
        MODEL,
        "--no-cache",
        "-q",
        "-o",
        str(folder / "out.jsonl"),
        "--concurrency",
        "16",
    ]
    done = subprocess.run([PYTHON, "-c", WRAPPER, *cmd], env=child_env(folder), capture_output=True, text=True)
    peak_kb, seconds, code = done.stdout.split()
    if int(code):
        raise SystemExit(f"extract failed ({code}): {done.stderr[-2000:]}")
    lines = sum(1 for _ in (folder / "out.jsonl").open(encoding="utf-8"))
    if lines != int(path.stem.split("-")[-1]):
        raise SystemExit(f"extract wrote {lines} documents for {path}")
    return int(peak_kb) / 1024, float(seconds)


def flat(peaks: dict[int, float]) -> tuple[bool, float]:
    sizes = sorted(peaks)
    growth = peaks[sizes[-1]] - peaks[sizes[0]]
    return growth < min(20.0, 0.1 * peaks[sizes[0]]), growth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--extract-sizes", type=int, nargs="*", default=[1_000, 3_000, 10_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a smoke test: 200 and 600 articles, one repeat")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.extract_sizes, args.repeats = [200, 600], [20, 60], 1
    header("peak memory")
    with workdir() as folder:
        files = {
            n: write_articles(folder / f"articles-{n}.jsonl", n, seed=5)
            for n in sorted(set(args.sizes) | set(args.extract_sizes))
        }
        for path in files.values():
            print(f"  {path.name}: {path.stat().st_size / 1e6:.1f} MB", flush=True)

        peaks: dict[int, float] = {}
        for n in args.sizes:
            runs, loads, info = [], [], {}
            for _ in range(args.repeats):
                info = read_peak(files[n])
                if info["counted"] != n or info["read"] != n:
                    raise SystemExit(f"read {info} from {n} articles")
                runs.append(info["peak_kb"] / 1024)
                loads.append(load1())
            peaks[n] = median(runs)
            result(
                f"memory[reading path, {n} articles]",
                f"< {TARGET_MB:.0f} MB, flat",
                f"{peaks[n]:.1f} MB peak RSS "
                f"(after imports {info['base_kb'] / 1024:.1f} MB, after count_inputs {info['count_kb'] / 1024:.1f} MB; "
                f"read in {info['seconds']:.2f} s)",
                runs,
                peaks[n] < TARGET_MB,
                fmt="{:.1f}",
                loads=loads,
            )
        ok, growth = flat(peaks)
        result(
            f"memory[reading path, growth {min(peaks)} -> {max(peaks)} articles]",
            "flat (< 10% and < 20 MB)",
            f"{growth:+.1f} MB",
            None,
            ok and max(peaks.values()) < TARGET_MB,
        )

        if args.extract_sizes:
            peaks = {}
            with ServerProcess(0.0) as server:
                for n in args.extract_sizes:
                    runs, loads, secs = [], [], []
                    for _ in range(args.repeats if n <= 3_000 else 1):
                        started = time.perf_counter()
                        peak, seconds = extract_peak(files[n], folder, server.base_url)
                        runs.append(peak)
                        secs.append(seconds)
                        loads.append(load1())
                        print(
                            f"  extract {n}: peak {peak:.1f} MB in {time.perf_counter() - started:.1f} s; load1 {loads[-1]:.2f}",
                            flush=True,
                        )
                    peaks[n] = median(runs)
                    result(
                        f"memory[full extract CLI, {n} articles]",
                        f"< {TARGET_MB:.0f} MB, flat",
                        f"{peaks[n]:.1f} MB peak RSS ({median(secs):.1f} s)",
                        runs,
                        peaks[n] < TARGET_MB,
                        fmt="{:.1f}",
                        loads=loads,
                    )
            ok, growth = flat(peaks)
            result(
                f"memory[full extract, growth {min(peaks)} -> {max(peaks)} articles]",
                "flat (< 10% and < 20 MB)",
                f"{growth:+.1f} MB",
                None,
                ok and max(peaks.values()) < TARGET_MB,
            )


if __name__ == "__main__":
    main()
