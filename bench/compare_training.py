#!/usr/bin/python3
"""Run lrsweep's training benchmarks side by side with PyTorch; print markdown.

For each repetition and task, this runs build/bench/train_bench (lrsweep's
RunJob) and bench/train_torch.py (PyTorch 1.13 on one thread) once each, in
separate processes, alternating which side goes first. Interleaving spreads
the load of other processes over both sides. Each process runs the task
once untimed first (--warmup), so that neither side pays for first-call
costs such as page faults and lazy symbol binding in the timed run. Each
process's peak resident set size comes from wait4(), measured the same way
for both sides.

Both sides time the same region (after the data files are loaded) with a
wall clock and with CPU time. Wall time counts the moments when other
processes held the core, so on a shared machine the CPU-time speed-up
beside it is the steadier number.

The output is the markdown that docs/benchmarks.md records: the machine,
versions, medians, speed-ups, peak RSS, matrix-product GFLOP/s and the
float32 1024^3 GEMM peak that each side reaches on this core.

Usage, from the repository root after building:
  bench/compare_training.py [--repetitions 5] [--torch_openblas_coretype NAME]
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

TASKS = ["iris_softmax", "fashion_softmax", "fashion_mlp"]
SIDES = ["lrsweep", "torch"]
# Per task: the row label and the speed-up (PyTorch time / lrsweep time)
# that lrsweep aims for.
TARGETS = {
    "iris_softmax": ("(a) Iris softmax, full batch, Adam + CosineAnnealingLR, "
                     "1000 steps: time per step", 30.0),
    "fashion_softmax": ("(b) Fashion-MNIST softmax regression, batch 128, 1 epoch", 3.0),
    "fashion_mlp": ("(c) Fashion-MNIST MLP 784-128-10, batch 128, 1 epoch", 1.0),
}


def run_measured(command, env=None):
    """Run `command`; return its parsed JSON stdout and peak RSS in MiB."""
    with tempfile.TemporaryFile(mode="w+") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr,
                                   env=env, text=True)
        stdout = process.stdout.read()
        process.stdout.close()
        # Reap the child with wait4, which returns its resource usage
        # (ru_maxrss in KiB on Linux); Popen.wait() would discard it.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            stderr.seek(0)
            sys.exit(f"failed with exit code {process.returncode}: "
                     f"{' '.join(command)}\n{stderr.read()}")
    return json.loads(stdout), usage.ru_maxrss / 1024.0


def run_lrsweep(args, task):
    """Run one lrsweep benchmark; return a run record (see run_side)."""
    output, rss = run_measured([
        os.path.join(args.build_dir, "bench", "train_bench"),
        f"--benchmark_filter=^{task}",
        f"--benchmark_repetitions={args.warmup + 1}",
        "--benchmark_format=json",
        f"--iris={args.iris}",
        f"--fashion_mnist={args.fashion_mnist}",
    ])
    result = [run for run in output["benchmarks"] if run["run_type"] == "iteration"][-1]
    if "error_message" in result:
        sys.exit(f"train_bench {task}: {result['error_message']}")
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[result["time_unit"]]
    return {"wall": result["real_time"] * scale, "cpu": result["cpu_time"] * scale,
            "rss": rss, "report": result, "context": output["context"]}


def run_torch(args, task):
    """Run one PyTorch benchmark; return a run record (see run_side)."""
    env = dict(os.environ)
    if args.torch_openblas_coretype:
        env["OPENBLAS_CORETYPE"] = args.torch_openblas_coretype
    report, rss = run_measured([
        args.python, os.path.join(os.path.dirname(os.path.abspath(__file__)), "train_torch.py"),
        f"--task={task}", f"--repetitions={args.warmup + 1}", f"--iris={args.iris}",
        f"--fashion_mnist={args.fashion_mnist}",
    ], env=env)
    return {"wall": report.get("seconds", [None])[-1],
            "cpu": report.get("cpu_seconds", [None])[-1], "rss": rss, "report": report}


def run_side(args, side, task):
    """Run one side of one task once.

    Returns a record with `wall` and `cpu` seconds (None for the GEMM task),
    `rss` in MiB, the side's own `report` (GFLOP/s for the GEMM task) and,
    for lrsweep, the benchmark `context`.
    """
    return run_lrsweep(args, task) if side == "lrsweep" else run_torch(args, task)


def lscpu_field(name):
    output = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    for line in output.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return "unknown"


def collect(args):
    """Run every repetition; return the run records by side and task."""
    runs = {side: {task: [] for task in args.tasks + ["gemm"]} for side in SIDES}
    for repetition in range(args.repetitions):
        order = SIDES if repetition % 2 == 0 else list(reversed(SIDES))
        for task in args.tasks + ["gemm"]:
            for side in order:
                runs[side][task].append(run_side(args, side, task))
            print(f"repetition {repetition + 1}/{args.repetitions}: {task} done",
                  file=sys.stderr)
    return runs


def median(records, key):
    return statistics.median(record[key] for record in records)


def format_seconds(seconds, per_step):
    if per_step:
        return f"{seconds * 1e6:.1f} µs/step"
    return f"{seconds * 1e3:.0f} ms"


def print_header(args, runs, load_before, load_after):
    context = runs["lrsweep"]["gemm"][-1]["context"]
    torch_report = runs["torch"]["gemm"][-1]["report"]
    print(f"Measured {datetime.date.today().isoformat()} on {lscpu_field('Model name')}, "
          f"{lscpu_field('CPU(s)')} cores (lscpu), {platform.system()} "
          f"{platform.release()}; load average {load_before:.2f} before, "
          f"{load_after:.2f} after.\n")
    print(f"- lrsweep: Eigen {context['eigen']} ({context['eigen_simd']}), "
          f"GCC {context['compiler']}, Google Benchmark library built as "
          f"{context.get('library_build_type', 'unknown')}.")
    coretype = args.torch_openblas_coretype or torch_report["OPENBLAS_CORETYPE"] or "unset"
    print(f"- PyTorch {torch_report['torch']}, {torch_report['torch_threads']} thread; "
          f"float32 matrix products in {torch_report['openblas_config']}, kernel "
          f"**{torch_report['openblas_kernel']}**, {torch_report['openblas_threads']} "
          f"thread, OPENBLAS_CORETYPE={coretype}.")
    print(f"- Medians of {args.repetitions} runs, each in its own process after "
          f"{args.warmup} untimed run; speed-up = PyTorch time / lrsweep time, by wall "
          "clock and by the CPU time of the training thread (lrsweep) or process "
          "(PyTorch). GFLOP/s = matrix-product FLOP / wall time.\n")


def print_results(args, runs):
    print("| task | lrsweep | PyTorch | speed-up | target | lrsweep CPU | PyTorch CPU "
          "| CPU speed-up | lrsweep peak RSS | PyTorch peak RSS | lrsweep GFLOP/s "
          "| PyTorch GFLOP/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for task in args.tasks:
        label, target = TARGETS[task]
        ours, theirs = runs["lrsweep"][task], runs["torch"][task]
        steps = ours[-1]["report"]["steps"]
        if theirs[-1]["report"]["steps"] != steps:
            sys.exit(f"{task}: lrsweep took {steps} steps, PyTorch "
                     f"{theirs[-1]['report']['steps']}")
        per_step = task == "iris_softmax"
        divisor = steps if per_step else 1
        wall = (median(ours, "wall"), median(theirs, "wall"))
        cpu = (median(ours, "cpu"), median(theirs, "cpu"))
        rates = ["-", "-"]
        if not per_step:
            gflop = ours[-1]["report"]["gflop"]
            rates = [f"{gflop / seconds:.1f}" for seconds in wall]
        print(f"| {label} | {format_seconds(wall[0] / divisor, per_step)} "
              f"| {format_seconds(wall[1] / divisor, per_step)} | {wall[1] / wall[0]:.1f}x "
              f"| {target:g}x | {format_seconds(cpu[0] / divisor, per_step)} "
              f"| {format_seconds(cpu[1] / divisor, per_step)} | {cpu[1] / cpu[0]:.1f}x "
              f"| {max(r['rss'] for r in ours):.0f} MiB "
              f"| {max(r['rss'] for r in theirs):.0f} MiB | {rates[0]} | {rates[1]} |")
    gemm = [statistics.median(r["report"]["gflops"] for r in runs[side]["gemm"])
            for side in SIDES]
    print(f"| float32 GEMM 1024³ on one core (Eigen / torch.mm) | | | | | | | | | "
          f"| {gemm[0]:.1f} | {gemm[1]:.1f} |")


def print_details(args, runs):
    print("\nWall seconds of every run and the final metrics of the last run:\n")
    print("| task | lrsweep runs | PyTorch runs | test accuracy (lrsweep / PyTorch) "
          "| train loss (lrsweep / PyTorch) |")
    print("|---|---|---|---|---|")
    for task in args.tasks:
        samples = [", ".join(f"{r['wall']:.3f}" for r in runs[side][task]) for side in SIDES]
        reports = [runs[side][task][-1]["report"] for side in SIDES]
        accuracy = " / ".join(f"{r['test_accuracy']:.4f}" if "test_accuracy" in r else "-"
                              for r in reports)
        loss = " / ".join(f"{r['train_loss']:.4f}" for r in reports)
        print(f"| {task} | {samples[0]} | {samples[1]} | {accuracy} | {loss} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--tasks", default=",".join(TASKS),
                        help="comma-separated tasks to run, of " + ", ".join(TASKS) +
                             "; the GEMM peak always runs")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed runs of the task in each process before the timed "
                             "one, on both sides")
    parser.add_argument("--build_dir", default="build")
    parser.add_argument("--python", default="/usr/bin/python3",
                        help="interpreter with Debian's python3-torch")
    parser.add_argument("--iris", default="examples/data/iris.csv")
    parser.add_argument("--fashion_mnist", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--torch_openblas_coretype", default="",
                        help="set OPENBLAS_CORETYPE for the PyTorch processes only; "
                             "empty: leave the environment as it is")
    args = parser.parse_args()
    args.tasks = args.tasks.split(",")
    for task in args.tasks:
        if task not in TASKS:
            parser.error(f"--tasks: unknown task '{task}'; expected some of {', '.join(TASKS)}")

    load_before = os.getloadavg()[0]
    runs = collect(args)
    load_after = os.getloadavg()[0]
    print_header(args, runs, load_before, load_after)
    print_results(args, runs)
    print_details(args, runs)


if __name__ == "__main__":
    main()
