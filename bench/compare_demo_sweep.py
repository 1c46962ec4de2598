#!/usr/bin/python3
"""Time a whole sweep with `lrsweep run` and with PyTorch, side by side.

    cmake --build build -j2
    /usr/bin/python3 bench/compare_demo_sweep.py
        [--spec examples/fashion_mnist_sweep.yaml] [--repeats 3] [--workers 1,2]

Each repeat runs, back to back so that they see similar load from other
processes: `lrsweep run SPEC --workers=W --format=json` once for every W in
--workers (a new SQLite file each time), then bench/sweep_torch.py on the
same spec with one thread. Times are wall-clock seconds from the start of
the process to its exit, so both include loading the data, and lrsweep's
includes starting its coordinator and workers. Prints one JSON object per
run, then the medians and the ratio PyTorch / lrsweep for each W (above 1
means lrsweep is faster).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def timed(command):
    began = time.perf_counter()
    output = subprocess.run(command, check=True, capture_output=True, text=True,
                            timeout=3600).stdout
    return time.perf_counter() - began, output


def run_lrsweep(build, spec, workers):
    with tempfile.TemporaryDirectory(prefix="lrsweep-demo-") as folder:
        seconds, output = timed([os.path.join(build, "cli", "lrsweep"), "run", spec,
                                 f"--workers={workers}", "--format=json", "--top_k=1",
                                 f"--db={folder}/run.db"])
    best = json.loads(output)["entries"][0]
    return {"side": f"lrsweep --workers={workers}", "seconds": seconds,
            "best": {"solver": best["solver"], "base_lr": best["base_lr"],
                     "scheduler": best.get("scheduler"),
                     "objective_mean": best.get("objective_mean")}}


def run_torch(spec):
    seconds, output = timed([sys.executable, os.path.join(HERE, "sweep_torch.py"), spec,
                             "--threads=1"])
    result = json.loads(output)
    return {"side": "pytorch 1 thread", "seconds": seconds, "jobs": result["jobs"],
            "train_seconds": result["train_seconds"], "load_seconds": result["load_seconds"],
            "torch_version": result["torch_version"], "best": result["best"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--spec", default=os.path.join(ROOT, "examples",
                                                       "fashion_mnist_sweep.yaml"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", default="1,2",
                        help="comma-separated worker counts for lrsweep run")
    args = parser.parse_args()
    build = os.path.abspath(args.build_dir)
    spec = os.path.abspath(args.spec)
    worker_counts = [int(count) for count in args.workers.split(",")]

    times = {}
    for _ in range(args.repeats):
        runs = [run_lrsweep(build, spec, workers) for workers in worker_counts]
        runs.append(run_torch(spec))
        for run in runs:
            print(json.dumps(run), flush=True)
            times.setdefault(run["side"], []).append(run["seconds"])

    medians = {side: statistics.median(seconds) for side, seconds in times.items()}
    torch_seconds = medians["pytorch 1 thread"]
    print(json.dumps({"median_seconds": medians, "repeats": args.repeats,
                      "pytorch_over_lrsweep": {
                          side: torch_seconds / seconds for side, seconds in medians.items()
                          if side.startswith("lrsweep")}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
