#!/usr/bin/python3
"""Time one torch.optim step on 1M float32 parameters for each optimizer
that lrsweep implements, with the cases and names of
bench/optimizer_bench.cc.

Runs on one thread (torch.set_num_threads(1)), as an lrsweep job does, with
PyTorch's default implementation path (single-tensor on CPU). Each case runs
WARMUP untimed steps, then times RUNS steps one by one with
time.perf_counter_ns and reports the median.

    /usr/bin/python3 bench/optimizer_step_torch.py [--runs N] [--json] [NAME...]

Runs the named cases, or all of them, and prints one line per case, or with
--json one object: {"name": median_ns}.
"""

import argparse
import json
import statistics
import time

import torch

NUM_PARAMS = 1 << 20
WARMUP = 10

# name -> (class, constructor arguments), as in optimizer_bench.cc.
CASES = {
    "SGD": ("SGD", {"lr": 0.01}),
    "SGD_momentum": ("SGD", {"lr": 0.01, "momentum": 0.9}),
    "SGD_nesterov": ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    "Adam": ("Adam", {"lr": 1e-3}),
    "AdamW": ("AdamW", {"lr": 1e-3}),
    "RMSprop": ("RMSprop", {"lr": 1e-2}),
    "Adagrad": ("Adagrad", {"lr": 1e-2}),
    "Adamax": ("Adamax", {"lr": 2e-3}),
    "NAdam": ("NAdam", {"lr": 2e-3}),
    "RAdam": ("RAdam", {"lr": 1e-3}),
    "Adadelta": ("Adadelta", {"lr": 1.0}),
}


def median_step_ns(class_name, args, runs):
    generator = torch.Generator().manual_seed(0)
    params = torch.rand(NUM_PARAMS, generator=generator) * 2 - 1
    params.requires_grad_(True)
    params.grad = torch.rand(NUM_PARAMS, generator=generator) * 2 - 1
    optimizer = getattr(torch.optim, class_name)([params], **args)
    for _ in range(WARMUP):
        optimizer.step()
    times = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        optimizer.step()
        times.append(time.perf_counter_ns() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200,
                        help="timed steps per case (default 200)")
    parser.add_argument("--json", action="store_true",
                        help="print {name: median_ns} as JSON")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="cases to run (default all): %s"
                        % ", ".join(CASES))
    options = parser.parse_args()
    unknown = [name for name in options.names if name not in CASES]
    if unknown:
        parser.error("unknown case %s; known: %s"
                     % (", ".join(unknown), ", ".join(CASES)))

    torch.set_num_threads(1)
    results = {}
    for name in options.names or CASES:
        class_name, args = CASES[name]
        results[name] = median_step_ns(class_name, args, options.runs)
    if options.json:
        print(json.dumps(results))
    else:
        for name, nanoseconds in results.items():
            print("%-14s %12.0f ns" % (name, nanoseconds))


if __name__ == "__main__":
    main()
