#!/usr/bin/python3
"""Train the tasks of bench/train_bench.cc with PyTorch on one thread.

The PyTorch side of bench/compare_training.py. Each task is the same job that
train_bench.cc runs through lrsweep's RunJob: the same data, split sizes,
model, float32 precision, batch size, epochs, optimizer, scheduler, per-epoch
shuffle and evaluations. Only the random numbers differ: both sides seed
their own generators with 0, so initial weights and batch order are not the
same, and the accuracies are comparable but not equal.

The timed region starts after the data files are loaded (train_bench.cc
also loads them before its timer starts) and covers the split,
standardization, model and optimizer creation, training, and the validation
and test evaluations.

Prints one JSON object: the task, wall and CPU seconds of each repetition,
steps, final metrics, versions and the BLAS kernel in use.

Usage: bench/train_torch.py --task fashion_mlp [--repetitions 1]
"""

import argparse
import csv
import ctypes
import gzip
import json
import os
import statistics
import sys
import time

# One BLAS thread, because lrsweep runs one job per thread. OpenBLAS reads
# this variable when torch loads it, so it must be set before the import.
# torch.set_num_threads(1) leaves OpenBLAS's own pool at 2 threads on the
# 2-core machine of docs/benchmarks.md (openblas_get_num_threads()).
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

IRIS_CLASSES = ["setosa", "versicolor", "virginica"]
OPENBLAS_LIBRARY = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so"


def load_iris(path):
    """Read the Iris CSV into float64 features and class indices.

    split_and_scale() standardizes the features in float64 and then casts them
    to float32, as lrsweep does when it gathers a batch.
    """
    features, labels = [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            labels.append(IRIS_CLASSES.index(row.pop("species")))
            features.append([float(value) for value in row.values()])
    return (torch.tensor(features, dtype=torch.float64),
            torch.tensor(labels, dtype=torch.int64))


def read_idx(path, header_ints):
    with gzip.open(path, "rb") as f:
        data = f.read()
    return np.frombuffer(data, dtype=np.uint8, offset=4 * header_ints)


def load_fashion_mnist(directory, prefix):
    """Read one IDX pair, with pixels scaled to [0, 1] as lrsweep's loader does."""
    images = read_idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte.gz"), 4)
    labels = read_idx(os.path.join(directory, f"{prefix}-labels-idx1-ubyte.gz"), 2)
    features = torch.from_numpy(images.reshape(len(labels), -1).astype(np.float32) / 255.0)
    return features, torch.from_numpy(labels.astype(np.int64))


# The jobs of train_bench.cc. `hidden` is empty for softmax regression.
TASKS = {
    "iris_softmax": dict(data="iris", hidden=[], epochs=1000, batch_size=0,
                         validation_fraction=0.0, standardize=True, test=False,
                         lr=0.05, scheduler="cosine"),
    "fashion_softmax": dict(data="fashion", hidden=[], epochs=1, batch_size=128,
                            validation_fraction=0.1, standardize=False, test=True,
                            lr=0.001, scheduler="step"),
    "fashion_mlp": dict(data="fashion", hidden=[128], epochs=1, batch_size=128,
                        validation_fraction=0.1, standardize=False, test=True,
                        lr=0.001, scheduler="step"),
}


def make_model(inputs, hidden, outputs):
    layers = []
    for width in hidden:
        layers += [torch.nn.Linear(inputs, width), torch.nn.ReLU()]
        inputs = width
    layers.append(torch.nn.Linear(inputs, outputs))
    return torch.nn.Sequential(*layers)


def make_scheduler(name, optimizer, epochs):
    if name == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    return torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)


def evaluate(model, features, labels):
    """Return the mean cross-entropy and the accuracy on one set."""
    with torch.no_grad():
        logits = model(features)
        loss = F.cross_entropy(logits, labels).item()
        accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
    return loss, accuracy


def split_and_scale(config, features, generator):
    """Split off the validation rows and standardize, as PrepareJobData does."""
    rows = features.shape[0]
    permutation = torch.randperm(rows, generator=generator)
    validation_rows = round(config["validation_fraction"] * rows)
    validation, train = permutation[:validation_rows], permutation[validation_rows:]
    if config["standardize"]:
        # Population standard deviation of the training rows, in float64.
        mean = features[train].mean(dim=0)
        std = features[train].std(dim=0, unbiased=False)
        features = (features - mean) / std
    return features.to(torch.float32), train, validation


def train_once(config, data, seed):
    """Run one job; return its wall and CPU seconds, steps and final metrics."""
    features, labels, test_features, test_labels = data
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    cpu_start = time.process_time()

    features, train, validation = split_and_scale(config, features, generator)
    batch_size = config["batch_size"] or len(train)
    model = make_model(features.shape[1], config["hidden"], int(labels.max()) + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    scheduler = make_scheduler(config["scheduler"], optimizer, config["epochs"])

    metrics = {}
    steps = 0
    for _ in range(config["epochs"]):
        # A full batch is the same whatever the order, so neither side shuffles it.
        if batch_size >= len(train):
            order = train
        else:
            order = train[torch.randperm(len(train), generator=generator)]
        loss_sum = 0.0
        for first in range(0, len(order), batch_size):
            batch = order[first:first + batch_size]
            loss = F.cross_entropy(model(features[batch]), labels[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(batch)
            steps += 1
        metrics["train_loss"] = loss_sum / len(order)
        if len(validation) > 0:
            metrics["val_loss"], metrics["val_accuracy"] = evaluate(
                model, features[validation], labels[validation])
        scheduler.step()
    if test_features is not None:
        metrics["test_loss"], metrics["test_accuracy"] = evaluate(
            model, test_features, test_labels)

    seconds = time.perf_counter() - start
    return seconds, time.process_time() - cpu_start, steps, metrics


def measure_gemm(size, repetitions):
    """Return the median GFLOP/s of torch.mm on float32 size x size matrices."""
    a = torch.randn(size, size)
    b = torch.randn(size, size)
    c = torch.empty(size, size)
    for _ in range(2):
        torch.mm(a, b, out=c)
    seconds = []
    for _ in range(repetitions):
        start = time.perf_counter()
        torch.mm(a, b, out=c)
        seconds.append(time.perf_counter() - start)
    return 2.0 * size**3 / statistics.median(seconds) / 1e9


def blas_description():
    """Name OpenBLAS's kernel, which torch's float32 matrix products run on."""
    try:
        library = ctypes.CDLL(OPENBLAS_LIBRARY)
    except OSError as error:
        return {"openblas": f"not loaded: {error}"}
    library.openblas_get_corename.restype = ctypes.c_char_p
    library.openblas_get_config.restype = ctypes.c_char_p
    return {
        "openblas_config": library.openblas_get_config().decode(),
        "openblas_kernel": library.openblas_get_corename().decode(),
        "openblas_threads": library.openblas_get_num_threads(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", ""),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE", ""),
    }


def load_task_data(config, args):
    if config["data"] == "iris":
        features, labels = load_iris(args.iris)
        return features, labels, None, None
    features, labels = load_fashion_mnist(args.fashion_mnist, "train")
    test_features, test_labels = load_fashion_mnist(args.fashion_mnist, "t10k")
    return features, labels, test_features, test_labels


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", required=True, choices=sorted(TASKS) + ["gemm"])
    parser.add_argument("--repetitions", type=int, default=1,
                        help="timed runs of the task in this process")
    parser.add_argument("--gemm_size", type=int, default=1024,
                        help="rows of the square matrices of the gemm task")
    parser.add_argument("--iris", default="examples/data/iris.csv")
    parser.add_argument("--fashion_mnist", default="/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    report = {"side": "pytorch", "task": args.task, "torch": torch.__version__,
              "torch_threads": torch.get_num_threads(), **blas_description()}

    if args.task == "gemm":
        report["gflops"] = measure_gemm(args.gemm_size, max(args.repetitions, 10))
        report["gemm_size"] = args.gemm_size
    else:
        config = TASKS[args.task]
        data = load_task_data(config, args)
        report["seconds"] = []
        report["cpu_seconds"] = []
        for _ in range(args.repetitions):
            seconds, cpu_seconds, steps, metrics = train_once(config, data, seed=0)
            report["seconds"].append(seconds)
            report["cpu_seconds"].append(cpu_seconds)
        report["steps"] = steps
        report.update(metrics)

    json.dump(report, sys.stdout)
    print()


if __name__ == "__main__":
    main()
