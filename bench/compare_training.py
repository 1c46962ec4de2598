#!/usr/bin/python3
"""Run lrsweep's training benchmarks side by side with PyTorch; print markdown.

For each repetition and task, this runs build/bench/train_bench (lrsweep's
RunJob) and bench/train_torch.py (PyTorch 1.13 on one thread) once each, in
separate processes, alternating which side goes first. Interleaving spreads
the load of other processes over both sides. Each process's peak resident
set size comes from wait4(), measured the same way for both sides.

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
# Task label, minimum speed-up (PyTorch time / lrsweep time) that we aim for.
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
    """Run one lrsweep benchmark; return (seconds, counters, context, RSS MiB)."""
    output, rss = run_measured([
        os.path.join(args.build_dir, "bench", "train_bench"),
        f"--benchmark_filter=^{task}",
        "--benchmark_format=json",
        f"--iris={args.iris}",
        f"--fashion_mnist={args.fashion_mnist}",
    ])
    result = output["benchmarks"][0]
    if "error_message" in result:
        sys.exit(f"train_bench {task}: {result['error_message']}")
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[result["time_unit"]]
    return result["real_time"] * scale, result, output["context"], rss


def run_torch(args, task):
    """Run one PyTorch benchmark; return (seconds, report, RSS MiB)."""
    env = dict(os.environ)
    if args.torch_openblas_coretype:
        env["OPENBLAS_CORETYPE"] = args.torch_openblas_coretype
    report, rss = run_measured([
        args.python, os.path.join(os.path.dirname(__file__), "train_torch.py"),
        f"--task={task}", f"--iris={args.iris}", f"--fashion_mnist={args.fashion_mnist}",
    ], env=env)
    seconds = report["seconds"][0] if "seconds" in report else None
    return seconds, report, rss


def lscpu_field(name):
    output = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    for line in output.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return "unknown"


def collect(args):
    """Run every repetition; return samples per side and task, and the reports."""
    samples = {side: {task: [] for task in TASKS + ["gemm"]} for side in ("lrsweep", "torch")}
    rss = {side: {task: [] for task in TASKS} for side in ("lrsweep", "torch")}
    last = {}
    for repetition in range(args.repetitions):
        for task in TASKS + ["gemm"]:
            sides = ["lrsweep", "torch"] if repetition % 2 == 0 else ["torch", "lrsweep"]
            for side in sides:
                if side == "lrsweep":
                    seconds, report, context, memory = run_lrsweep(args, task)
                    last["context"] = context
                    value = report["gflops"] if task == "gemm" else seconds
                else:
                    seconds, report, memory = run_torch(args, task)
                    value = report["gflops"] if task == "gemm" else seconds
                samples[side][task].append(value)
                if task != "gemm":
                    rss[side][task].append(memory)
                last[(side, task)] = report
            print(f"repetition {repetition + 1}/{args.repetitions}: {task} done",
                  file=sys.stderr)
    return samples, rss, last


def format_seconds(seconds, per_step):
    if per_step:
        return f"{seconds * 1e6:.1f} µs/step"
    return f"{seconds * 1e3:.0f} ms"


def print_report(args, samples, rss, last, load_before, load_after):
    context = last["context"]
    torch_report = last[("torch", "gemm")]
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
    print(f"- Medians of {args.repetitions} runs, each in its own process; "
          "speed-up = PyTorch time / lrsweep time.\n")

    print("| task | lrsweep | PyTorch | speed-up | target | lrsweep peak RSS "
          "| PyTorch peak RSS | lrsweep GFLOP/s | PyTorch GFLOP/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for task in TASKS:
        label, target = TARGETS[task]
        per_step = task == "iris_softmax"
        steps = last[("lrsweep", task)]["steps"]
        if last[("torch", task)]["steps"] != steps:
            sys.exit(f"{task}: lrsweep took {steps} steps, PyTorch "
                     f"{last[('torch', task)]['steps']}")
        ours = statistics.median(samples["lrsweep"][task])
        theirs = statistics.median(samples["torch"][task])
        divisor = steps if per_step else 1
        gflop = last[("lrsweep", task)]["gflop"]
        rates = ("-", "-") if per_step else (f"{gflop / ours:.1f}", f"{gflop / theirs:.1f}")
        print(f"| {label} | {format_seconds(ours / divisor, per_step)} "
              f"| {format_seconds(theirs / divisor, per_step)} | {theirs / ours:.2f}x "
              f"| {target:g}x | {max(rss['lrsweep'][task]):.0f} MiB "
              f"| {max(rss['torch'][task]):.0f} MiB | {rates[0]} | {rates[1]} |")
    print(f"| float32 GEMM 1024³, one core (Eigen / torch.mm) | | | | | | "
          f"| {statistics.median(samples['lrsweep']['gemm']):.1f} "
          f"| {statistics.median(samples['torch']['gemm']):.1f} |")

    print("\nEvery run, in seconds (lrsweep; PyTorch), and the final metrics of the last "
          "run:\n")
    print("| task | lrsweep runs | PyTorch runs | lrsweep test accuracy | "
          "PyTorch test accuracy | lrsweep train loss | PyTorch train loss |")
    print("|---|---|---|---|---|---|---|")
    for task in TASKS:
        ours, theirs = last[("lrsweep", task)], last[("torch", task)]
        runs = [", ".join(f"{s:.3f}" for s in samples[side][task])
                for side in ("lrsweep", "torch")]
        accuracy = [f"{report['test_accuracy']:.4f}" if "test_accuracy" in report else "-"
                    for report in (ours, theirs)]
        print(f"| {task} | {runs[0]} | {runs[1]} | {accuracy[0]} | {accuracy[1]} "
              f"| {ours['train_loss']:.4f} | {theirs['train_loss']:.4f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--build_dir", default="build")
    parser.add_argument("--python", default="/usr/bin/python3",
                        help="interpreter with Debian's python3-torch")
    parser.add_argument("--iris", default="examples/data/iris.csv")
    parser.add_argument("--fashion_mnist", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--torch_openblas_coretype", default="",
                        help="set OPENBLAS_CORETYPE for the PyTorch processes only; "
                             "empty: leave the environment as it is")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    samples, rss, last = collect(args)
    load_after = os.getloadavg()[0]
    print_report(args, samples, rss, last, load_before, load_after)


if __name__ == "__main__":
    main()
