#!/usr/bin/python3
"""Run every job of an lrsweep sweep spec in PyTorch, one after another.

    /usr/bin/python3 bench/sweep_torch.py SPEC.yaml [--threads 1] [--limit N]

This is the PyTorch side of bench/compare_demo_sweep.py. It runs the same
grid as `lrsweep run SPEC.yaml` (solvers x solver arguments x base learning
rates x schedulers x scheduler arguments x seeds). The model, epochs, batch
size, validation split size, schedulers and their step units are the same.
Jobs run one after another on --threads threads (torch.set_num_threads). Each job
trains for training.epochs epochs of shuffled mini-batches, evaluates the
validation rows after every epoch (ReduceLROnPlateau steps on that
validation loss), and evaluates the test file, when the spec names one, at
the end.

The data files are read once, as an lrsweep worker does: IDX prefixes
(`-images-idx3-ubyte[.gz]`, `-labels-idx1-ubyte[.gz]`, pixels scaled to
[0, 1]) or CSV files with a header and data.label_column. Relative paths
are relative to the spec file.

Differences from lrsweep that do not change the amount of work: PyTorch's
default weight initialization and random streams, so the losses differ run
by run from lrsweep's. PyTorch 1.13's CyclicLR cannot cycle Adam's beta1
(PyTorch 2.x can, and lrsweep follows 2.x), so for optimizers with `betas`
this script sets beta1 after every scheduler step with 2.x's triangular
formula.

Prints one JSON object: jobs, data-loading seconds, training seconds (all
jobs, data loading excluded), the best configuration by the spec's
objective, and the PyTorch version.
"""

import argparse
import csv
import gzip
import itertools
import json
import math
import os
import sys
import time

import numpy as np
import torch
import yaml

# Arguments whose value is itself a list: a list of scalars is one value,
# and only a list of lists is a grid axis.
LIST_ARGUMENTS = {"milestones", "betas"}
# Lower-case spellings that lrsweep accepts for PyTorch's argument names.
ARGUMENT_ALIASES = {"t_max": "T_max", "t_0": "T_0", "t_mult": "T_mult"}
PER_ITERATION_SCHEDULERS = {"CyclicLR", "OneCycleLR"}


def expand(entries):
    """Expand solver or scheduler entries into (name, kwargs) pairs."""
    expanded = []
    for entry in entries:
        axes = []
        for key, value in sorted(entry.items()):
            if key == "name":
                continue
            key = ARGUMENT_ALIASES.get(key, key)
            is_axis = isinstance(value, list) and (
                key not in LIST_ARGUMENTS or all(isinstance(item, list) for item in value))
            axes.append([(key, item) for item in value] if is_axis else [(key, value)])
        for combination in itertools.product(*axes):
            expanded.append((entry["name"], dict(combination)))
    return expanded


def read_idx(prefix):
    def read(suffix):
        for path in (prefix + suffix + ".gz", prefix + suffix):
            if os.path.exists(path):
                opener = gzip.open if path.endswith(".gz") else open
                with opener(path, "rb") as file:
                    return file.read()
        raise FileNotFoundError(prefix + suffix + "[.gz]")

    images = read("-images-idx3-ubyte")
    labels = read("-labels-idx1-ubyte")
    count, rows, columns = (int.from_bytes(images[i:i + 4], "big") for i in (4, 8, 12))
    pixels = np.frombuffer(images, dtype=np.uint8, offset=16).reshape(count, rows * columns)
    classes = np.frombuffer(labels, dtype=np.uint8, offset=8).astype(np.int64)
    return pixels.astype(np.float32) / 255.0, classes


def read_csv(path, label_column, class_names):
    with open(path, newline="") as file:
        rows = list(csv.reader(file))
    header, rows = rows[0], rows[1:]
    label = header.index(label_column) if label_column in header else int(label_column or -1)
    features = np.array([[float(value) for i, value in enumerate(row) if i != label % len(row)]
                         for row in rows], dtype=np.float32)
    labels = [row[label] for row in rows]
    for name in labels:
        class_names.setdefault(name, len(class_names))
    return features, np.array([class_names[name] for name in labels], dtype=np.int64)


def load(path, data, folder, class_names):
    path = path if os.path.isabs(path) else os.path.join(folder, path)
    if path.endswith(".csv"):
        return read_csv(path, str(data.get("label_column", "")), class_names)
    return read_idx(path)


def build_model(model, inputs, classes):
    if model["kind"] == "softmax":
        return torch.nn.Linear(inputs, classes)
    if model["kind"] != "mlp":
        raise ValueError(f"model.kind {model['kind']!r} is not supported by this script")
    activation = torch.nn.Tanh if model.get("activation") == "tanh" else torch.nn.ReLU
    layers, width = [], inputs
    for hidden in model.get("hidden", []):
        layers += [torch.nn.Linear(width, hidden), activation()]
        width = hidden
    layers.append(torch.nn.Linear(width, classes))
    return torch.nn.Sequential(*layers)


def cyclic_beta1(scheduler, args, optimizer):
    """Set Adam-style beta1 as PyTorch 2.x's triangular CyclicLR does."""
    up = args.get("step_size_up", 2000)
    down = args.get("step_size_down") or up
    total = up + down
    t = scheduler.last_epoch
    cycle = math.floor(1 + t / total)
    x = 1.0 + t / total - cycle
    scale = x / (up / total) if x <= up / total else (x - 1) / (up / total - 1)
    base, top = args.get("base_momentum", 0.8), args.get("max_momentum", 0.9)
    for group in optimizer.param_groups:
        group["betas"] = (top - (top - base) * scale, group["betas"][1])


def evaluate(model, features, labels):
    with torch.no_grad():
        return torch.nn.functional.cross_entropy(model(features), labels).item()


def run_job(spec, solver, base_lr, scheduler_entry, seed, split):
    train_x, train_y, val_x, val_y, test_x, test_y = split
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = build_model(spec["model"], train_x.shape[1], int(train_y.max()) + 1)
    optimizer = getattr(torch.optim, solver[0])(model.parameters(), lr=base_lr, **solver[1])

    scheduler, per_iteration, beta1 = None, False, False
    if scheduler_entry is not None:
        name, args = scheduler_entry
        args = dict(args)
        per_iteration = name in PER_ITERATION_SCHEDULERS
        if name == "CyclicLR":
            args["base_lr"] = base_lr
            beta1 = "momentum" not in optimizer.defaults and "betas" in optimizer.defaults
            if beta1:
                args["cycle_momentum"] = False
        scheduler = getattr(torch.optim.lr_scheduler, name)(optimizer, **args)
        if beta1:
            cyclic_beta1(scheduler, scheduler_entry[1], optimizer)

    training = spec["training"]
    batch_size = training.get("batch_size") or len(train_y)
    val_loss = math.nan
    for _ in range(training["epochs"]):
        order = torch.randperm(len(train_y), generator=generator)
        for start in range(0, len(train_y), batch_size):
            batch = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(train_x[batch]), train_y[batch])
            loss.backward()
            optimizer.step()
            if per_iteration:
                scheduler.step()
                if beta1:
                    cyclic_beta1(scheduler, scheduler_entry[1], optimizer)
        val_loss = evaluate(model, val_x, val_y) if len(val_y) else loss.item()
        if scheduler is not None and not per_iteration:
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(val_loss)
            else:
                scheduler.step()
    if test_x is not None:
        evaluate(model, test_x, test_y)
    return val_loss


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spec")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0,
                        help="run only the first N jobs; 0 runs all")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    with open(args.spec) as file:
        spec = yaml.safe_load(file)
    folder = os.path.dirname(os.path.abspath(args.spec))
    data = spec["data"]

    began = time.perf_counter()
    class_names = {}
    features, labels = load(data["train"], data, folder, class_names)
    test = load(data["test"], data, folder, class_names) if data.get("test") else None
    load_seconds = time.perf_counter() - began

    grid = spec["grid"]
    schedulers = expand(grid.get("schedulers", [])) or [None]
    jobs = list(itertools.product(expand(grid["solvers"]), grid["base_lr"], schedulers,
                                  spec["training"].get("seeds", [0])))
    if args.limit:
        jobs = jobs[:args.limit]

    began = time.perf_counter()
    results = []
    for solver, base_lr, scheduler, seed in jobs:
        # The split depends on the seed, as in lrsweep; its cost is counted.
        order = np.random.default_rng(seed).permutation(len(labels))
        validation = round(data.get("validation_fraction", 0) * len(labels))
        train_x, val_x = features[order[validation:]], features[order[:validation]]
        if data.get("standardize"):
            mean, std = train_x.mean(axis=0), train_x.std(axis=0)
            std[std == 0] = 1
            train_x, val_x = (train_x - mean) / std, (val_x - mean) / std
        split = (torch.from_numpy(train_x), torch.from_numpy(labels[order[validation:]]),
                 torch.from_numpy(val_x), torch.from_numpy(labels[order[:validation]]),
                 torch.from_numpy(test[0]) if test else None,
                 torch.from_numpy(test[1]) if test else None)
        val_loss = run_job(spec, solver, float(base_lr), scheduler, seed, split)
        results.append((val_loss, solver, base_lr, scheduler, seed))
    train_seconds = time.perf_counter() - began

    finite = [result for result in results if math.isfinite(result[0])]
    best = min(finite, key=lambda result: result[0]) if finite else None
    print(json.dumps({
        "torch_version": torch.__version__,
        "threads": args.threads,
        "jobs": len(results),
        "load_seconds": load_seconds,
        "train_seconds": train_seconds,
        "best": None if best is None else {
            "val_loss": best[0], "solver": best[1], "base_lr": best[2],
            "scheduler": best[3], "seed": best[4]},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
