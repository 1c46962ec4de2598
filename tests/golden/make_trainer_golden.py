#!/usr/bin/env python3
"""Write tests/golden/trainer.json: training trajectories computed by PyTorch.

Reference: PyTorch 1.13.0a0 from Debian's python3-torch, run with
/usr/bin/python3 in float64 on one thread. Two kinds of cases:

- "models": small networks (softmax, mlp with relu and tanh, logistic,
  linear) on a fixed random data set, with the initial parameters written
  out, so that the C++ test starts from the same weights. Parameters are
  flattened in torch.nn.Sequential(...).parameters() order, each weight
  matrix row by row, which is lrsweep's layout.
- "objectives": the analytic objectives (quadratic, rosenbrock, rastrigin,
  with the formulas of common/engine/objectives.h) minimized by every
  optimizer from a given start.

Each case stores the loss of every step, taken before that step's update.
NAdam is left out: 1.13's default CPU path differs from the 2.x formula that
lrsweep implements, and the optimizer tests check NAdam by hand instead.

Run from the repository root: /usr/bin/python3 tests/golden/make_trainer_golden.py
"""

import json
import math

import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)

STEPS = 50


def make_data(rows, features, classes, seed):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(rows, features, generator=generator)
    y = torch.randint(0, classes, (rows,), generator=generator)
    return x, y


def flat_params(model):
    return [v for p in model.parameters() for v in p.detach().reshape(-1).tolist()]


def make_optimizer(params, name, lr, args):
    return getattr(torch.optim, name)(params, lr=lr, **args)


def model_case(name, layers, loss_name, solver, lr, args, x, y, seed):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(*layers)
    initial = flat_params(model)
    optimizer = make_optimizer(model.parameters(), solver, lr, args)
    if loss_name == "cross_entropy":
        criterion, target = torch.nn.CrossEntropyLoss(), y
    elif loss_name == "bce":
        criterion, target = torch.nn.BCEWithLogitsLoss(), y.to(torch.float64).reshape(-1, 1)
    else:
        criterion, target = torch.nn.MSELoss(), y.to(torch.float64).reshape(-1, 1)
    losses = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = criterion(model(x), target)
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    return {
        "name": name,
        "solver": {"name": solver, "args": args},
        "lr": lr,
        "initial_params": initial,
        "final_params": flat_params(model),
        "losses": losses,
    }


def quadratic(x):
    n = x.numel()
    exponents = torch.arange(n, dtype=torch.float64) / (n - 1) if n > 1 else torch.zeros(1)
    return 0.5 * (torch.pow(100.0, exponents) * x * x).sum()


def rosenbrock(x):
    return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()


def rastrigin(x):
    return 10.0 * x.numel() + (x * x - 10.0 * torch.cos(2.0 * math.pi * x)).sum()


OBJECTIVES = {
    "quadratic": (quadratic, [1.0, -2.0, 3.0, -0.5]),
    "rosenbrock": (rosenbrock, [-1.2, 1.0, 0.5]),
    "rastrigin": (rastrigin, [2.3, -1.7]),
}

# Solver, learning rate and arguments; each is run on every objective.
OBJECTIVE_SOLVERS = [
    ("SGD", 1e-3, {"momentum": 0.9, "nesterov": True}),
    ("Adam", 1e-2, {}),
    ("AdamW", 1e-2, {"weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", 1e-3, {"centered": True, "momentum": 0.5}),
    ("Adagrad", 1e-1, {"lr_decay": 0.01}),
    ("Adamax", 1e-2, {}),
    ("RAdam", 1e-2, {}),
    ("Adadelta", 1.0, {"rho": 0.95}),
]


def objective_case(objective, solver, lr, args):
    function, start = OBJECTIVES[objective]
    x = torch.tensor(start, requires_grad=True)
    optimizer = make_optimizer([x], solver, lr, args)
    losses = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = function(x)
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    return {
        "objective": objective,
        "start": start,
        "solver": {"name": solver, "args": args},
        "lr": lr,
        "losses": losses,
    }


def main():
    x, y = make_data(rows=40, features=5, classes=3, seed=11)
    binary = (y > 0).to(torch.int64)
    target = x @ torch.tensor([0.5, -1.0, 2.0, 0.0, 0.3]) + 0.1
    models = [
        model_case("softmax", [torch.nn.Linear(5, 3)], "cross_entropy",
                   "SGD", 0.1, {"momentum": 0.9}, x, y, seed=1),
        model_case("mlp_relu", [torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)],
                   "cross_entropy", "Adam", 0.01, {}, x, y, seed=2),
        model_case("mlp_tanh", [torch.nn.Linear(5, 6), torch.nn.Tanh(), torch.nn.Linear(6, 4),
                                torch.nn.Tanh(), torch.nn.Linear(4, 3)],
                   "cross_entropy", "RMSprop", 0.01, {"momentum": 0.5}, x, y, seed=3),
        model_case("logistic", [torch.nn.Linear(5, 1)], "bce",
                   "AdamW", 0.05, {}, x, binary, seed=4),
        model_case("linear", [torch.nn.Linear(5, 1)], "mse",
                   "SGD", 0.05, {"nesterov": True, "momentum": 0.8}, x, target, seed=5),
    ]
    objectives = [objective_case(objective, solver, lr, args)
                  for objective in OBJECTIVES
                  for solver, lr, args in OBJECTIVE_SOLVERS]
    golden = {
        "reference": f"PyTorch {torch.__version__}, float64, one thread",
        "steps": STEPS,
        "data": {"features": x.tolist(), "classes": y.tolist(), "binary": binary.tolist(),
                 "targets": target.tolist()},
        "models": models,
        "objectives": objectives,
    }
    with open("tests/golden/trainer.json", "w") as out:
        json.dump(golden, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main()
