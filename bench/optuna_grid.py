#!/usr/bin/python3
"""Run the grid of an lrsweep spec through Optuna's GridSampler.

    /usr/bin/python3 bench/optuna_grid.py [--spec bench/throughput_10k.yaml]
        [--timeout-seconds 600]

The search space is the spec's grid: one categorical "solver" parameter
with every expanded solver (list-valued arguments are axes, so
`{name: SGD, momentum: [0.0, 0.9]}` gives two), "base_lr" and "seed". The
study uses Optuna's default in-memory storage and one thread. The objective
is trivial on purpose, so that the time measured is Optuna's: the spec's
quadratic f(x) = 1/2 sum_i c_i x_i^2, with c_i = 100^(i / (n - 1)) as
lrsweep defines it, after one plain gradient step x - lr * grad f(x) from
the spec's start point, whatever the solver.

Prints one JSON object: trials finished, seconds, trials per second, whether
the whole grid ran, and the elapsed seconds at 100, 1,000 and every further
1,000 trials. The run stops after --timeout-seconds (Optuna checks the
timeout between trials).
"""

import argparse
import itertools
import json
import os
import sys
import time

import optuna
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))


def expand_solvers(solvers):
    """Return one label per solver configuration, e.g. "SGD(momentum=0.9)"."""
    labels = []
    for solver in solvers:
        args = {key: value for key, value in solver.items() if key != "name"}
        axes = [[(key, item) for item in value] if isinstance(value, list) else [(key, value)]
                for key, value in sorted(args.items())]
        for combination in itertools.product(*axes):
            text = ", ".join(f"{key}={value}" for key, value in combination)
            labels.append(f"{solver['name']}({text})")
    return labels


def quadratic_after_one_step(start, lr):
    n = len(start)
    total = 0.0
    for i, x in enumerate(start):
        curvature = 100.0 ** (i / (n - 1)) if n > 1 else 1.0
        x_next = x - lr * curvature * x
        total += 0.5 * curvature * x_next * x_next
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", default=os.path.join(HERE, "throughput_10k.yaml"))
    parser.add_argument("--timeout-seconds", type=float, default=600)
    args = parser.parse_args()

    with open(args.spec) as file:
        spec = yaml.safe_load(file)
    space = {
        "solver": expand_solvers(spec["grid"]["solvers"]),
        "base_lr": [float(lr) for lr in spec["grid"]["base_lr"]],
        "seed": [int(seed) for seed in spec["training"].get("seeds", [0])],
    }
    grid_size = len(space["solver"]) * len(space["base_lr"]) * len(space["seed"])
    start = [float(x) for x in spec["model"]["start"]]

    def objective(trial):
        trial.suggest_categorical("solver", space["solver"])
        lr = trial.suggest_categorical("base_lr", space["base_lr"])
        trial.suggest_categorical("seed", space["seed"])
        return quadratic_after_one_step(start, lr)

    checkpoints = {}
    began = time.perf_counter()

    def record(study, trial):
        done = trial.number + 1
        if done == 100 or done % 1000 == 0:
            checkpoints[str(done)] = round(time.perf_counter() - began, 3)

    # Optuna logs one INFO line per trial by default; only warnings are kept
    # so that the terminal does not slow it down.
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize",
                                sampler=optuna.samplers.GridSampler(space, seed=0))
    study.optimize(objective, n_trials=grid_size, timeout=args.timeout_seconds,
                   callbacks=[record])
    seconds = time.perf_counter() - began

    trials = len(study.trials)
    print(json.dumps({
        "optuna_version": optuna.__version__,
        "grid_size": grid_size,
        "trials": trials,
        "seconds": seconds,
        "trials_per_second": trials / seconds,
        "finished": trials == grid_size,
        "seconds_at_trials": checkpoints,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
