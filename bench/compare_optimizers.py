#!/usr/bin/python3
"""Run bench/optimizer_bench (lrsweep) and bench/optimizer_step_torch.py
(PyTorch) case by case and print a table of median step times on 1M
float32 parameters, one thread each.

    cmake --build build -j2 --target optimizer_bench
    /usr/bin/python3 bench/compare_optimizers.py [--build-dir build]

lrsweep's time is the median over --repetitions Google Benchmark
repetitions of the mean step time. PyTorch's is the median of --runs steps
timed one by one. A ratio below 1 means lrsweep is faster. The two sides
of each case run back to back, so that they see similar load from other
processes. Memory-bound steps like these still vary by tens of percent on
a busy machine, so repeat the run to judge the spread.
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The cases of optimizer_bench.cc and optimizer_step_torch.py.
CASES = ["SGD", "SGD_momentum", "SGD_nesterov", "Adam", "AdamW", "RMSprop",
         "Adagrad", "Adamax", "NAdam", "RAdam", "Adadelta"]


def lrsweep_median_ns(binary, name, repetitions):
    output = subprocess.run(
        [binary, "--benchmark_format=json",
         "--benchmark_filter=^BM_OptimizerStep/%s$" % name,
         "--benchmark_repetitions=%d" % repetitions,
         "--benchmark_report_aggregates_only=true"],
        check=True, capture_output=True, text=True).stdout
    for entry in json.loads(output)["benchmarks"]:
        if entry.get("aggregate_name") == "median":
            scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[entry["time_unit"]]
            return entry["real_time"] * scale
    return None


def torch_median_ns(name, runs):
    output = subprocess.run(
        ["/usr/bin/python3", os.path.join(HERE, "optimizer_step_torch.py"),
         "--runs", str(runs), "--json", name],
        check=True, capture_output=True, text=True).stdout
    return json.loads(output)[name]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default="build",
                        help="CMake build directory (default build)")
    parser.add_argument("--repetitions", type=int, default=10,
                        help="Google Benchmark repetitions (default 10)")
    parser.add_argument("--runs", type=int, default=200,
                        help="timed PyTorch steps per case (default 200)")
    options = parser.parse_args()

    binary = os.path.join(options.build_dir, "bench", "optimizer_bench")
    if not os.path.exists(binary):
        sys.exit("%s not found; build it with: cmake --build %s --target "
                 "optimizer_bench" % (binary, options.build_dir))
    print("%-14s %18s %18s %7s" % ("optimizer", "lrsweep median ns",
                                   "PyTorch median ns", "ratio"))
    for name in CASES:
        ours = lrsweep_median_ns(binary, name, options.repetitions)
        theirs = torch_median_ns(name, options.runs)
        if ours is None:
            print("%-14s %18s %18.0f %7s" % (name, "missing", theirs, "-"))
            continue
        print("%-14s %18.0f %18.0f %7.2f" % (name, ours, theirs,
                                             ours / theirs), flush=True)


if __name__ == "__main__":
    main()
