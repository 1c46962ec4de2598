#!/usr/bin/python3
"""Writes models.json: losses and gradients of small models from PyTorch.

Each case builds the torch.nn model that one lrsweep model kind stands for
and sets its parameters from one flat vector in the order of
model.parameters(). It then evaluates the loss on a small batch in float64
and records the loss and the flattened gradient, which model_test.cc
compares with lrsweep's models.

Run from the repository root with Debian's PyTorch (python3-torch 1.13):
    /usr/bin/python3 tests/golden/make_model_golden.py
"""

import json
import math
import pathlib

import torch

NUM_ROWS = 6
NUM_FEATURES = 3


def features():
    """A fixed batch with values of both signs, so ReLU units differ."""
    return [[math.sin(1.3 * r + 0.7 * c + 0.2) * (1 + 0.5 * c) for c in range(NUM_FEATURES)]
            for r in range(NUM_ROWS)]


def parameters(count):
    """A fixed parameter vector of `count` values in (-0.9, 0.9)."""
    return [0.9 * math.sin(0.37 * i + 1.1) for i in range(count)]


def build(case):
    layers = []
    inputs = NUM_FEATURES
    for width in case.get("hidden", []):
        layers.append(torch.nn.Linear(inputs, width))
        layers.append(torch.nn.ReLU() if case["activation"] == "relu" else torch.nn.Tanh())
        inputs = width
    layers.append(torch.nn.Linear(inputs, case["num_outputs"]))
    return torch.nn.Sequential(*layers).double()


def evaluate(case):
    model = build(case)
    count = sum(p.numel() for p in model.parameters())
    flat = parameters(count)
    torch.nn.utils.vector_to_parameters(torch.tensor(flat, dtype=torch.float64),
                                        model.parameters())

    x = torch.tensor(features(), dtype=torch.float64)
    labels = case["labels"]
    z = model(x)
    head = case["head"]
    if head == "mse_regression":
        loss = torch.nn.MSELoss()(z[:, 0], torch.tensor(labels, dtype=torch.float64))
    elif head == "mse_one_hot":
        target = torch.nn.functional.one_hot(torch.tensor(labels), case["num_outputs"]).double()
        loss = torch.nn.MSELoss()(z, target)
    elif head == "bce":
        loss = torch.nn.BCEWithLogitsLoss()(z[:, 0], torch.tensor(labels, dtype=torch.float64))
    else:
        loss = torch.nn.CrossEntropyLoss()(z, torch.tensor(labels))
    loss.backward()
    grad = torch.cat([p.grad.flatten() for p in model.parameters()])

    return {
        "name": case["name"],
        "kind": case["kind"],
        "hidden": case.get("hidden", []),
        "activation": case.get("activation", ""),
        "loss_name": case.get("loss", ""),
        "num_classes": case["num_classes"],
        "features": [v for row in features() for v in row],
        "labels": labels,
        "params": flat,
        "loss": loss.item(),
        "grad": grad.tolist(),
    }


CASES = [
    {"name": "linear", "kind": "linear", "num_outputs": 1, "num_classes": 0,
     "head": "mse_regression", "labels": [0.5, -1.0, 2.0, 0.0, 1.5, -0.25]},
    {"name": "logistic", "kind": "logistic", "num_outputs": 1, "num_classes": 2,
     "head": "bce", "labels": [0, 1, 1, 0, 1, 0]},
    {"name": "softmax", "kind": "softmax", "num_outputs": 3, "num_classes": 3,
     "head": "ce", "labels": [0, 2, 1, 1, 0, 2]},
    {"name": "mlp_relu_cross_entropy", "kind": "mlp", "hidden": [5, 4], "activation": "relu",
     "loss": "cross_entropy", "num_outputs": 3, "num_classes": 3, "head": "ce",
     "labels": [2, 0, 1, 2, 1, 0]},
    {"name": "mlp_tanh_mse_regression", "kind": "mlp", "hidden": [4], "activation": "tanh",
     "loss": "mse", "num_outputs": 1, "num_classes": 0, "head": "mse_regression",
     "labels": [0.5, -1.0, 2.0, 0.0, 1.5, -0.25]},
    {"name": "mlp_relu_mse_one_hot", "kind": "mlp", "hidden": [4], "activation": "relu",
     "loss": "mse", "num_outputs": 3, "num_classes": 3, "head": "mse_one_hot",
     "labels": [1, 0, 2, 2, 1, 0]},
]


def main():
    golden = {
        "reference": f"torch {torch.__version__}, float64",
        "num_rows": NUM_ROWS,
        "num_features": NUM_FEATURES,
        "cases": [evaluate(case) for case in CASES],
    }
    path = pathlib.Path(__file__).with_name("models.json")
    path.write_text(json.dumps(golden, indent=1) + "\n")


if __name__ == "__main__":
    main()
