#!/usr/bin/python3
"""Write tests/golden/optimizers.json: parameter trajectories of torch.optim
optimizers on small analytic problems, for optimizer_test.cc.

Reference: PyTorch 1.13.0a0 from Debian's python3-torch, run with
/usr/bin/python3. Run from the repository root:

    /usr/bin/python3 tests/golden/make_optimizer_golden.py

Each case stores the solver spec exactly as lrsweep reads it (name and args
with PyTorch's argument names), the learning rate, the problem, and the
parameters after each of STEPS calls of optimizer.step(), once in float64 and
once in float32. Every run sets torch's default dtype to the parameters' dtype
so that the scalar state tensors (step counts, NAdam's mu product) have the
parameters' precision, as lrsweep's do. Cases with `lr_per_step` or
`momentum_per_step` write those values into the parameter group before the
step of the same index, as a scheduler does. The momentum is SGD's and
RMSprop's `momentum` or the Adam family's `betas[0]`.

The gradient is computed with elementwise tensor operations in the
parameters' dtype, in the order that optimizer_test.cc repeats, so that both
sides feed the optimizer the same bits.

Where PyTorch 1.13 and 2.x differ, lrsweep follows 2.x:
- NAdam: the default (single-tensor) path of 1.13 divides the last term of
  the update by 1 - mu_product * mu * mu_next; 2.x and 1.13's foreach path
  divide by 1 - mu_product * mu_next. The NAdam cases here either run the
  foreach path (foreach: true), which rounds the denominator as
  sqrt(v) / sqrt(1 - beta2^t) where 2.x computes sqrt(v / (1 - beta2^t)), or
  use betas[0] = 0, where mu = mu_next = 0 and both paths agree.
- NAdam and RAdam gained `maximize` and `decoupled_weight_decay` in 2.x, and
  Adam gained `decoupled_weight_decay`; optimizer_test.cc checks those
  against equivalent runs instead.
"""

import json
import sys

import torch

OUTPUT = "tests/golden/optimizers.json"
SCRIPT = "tests/golden/make_optimizer_golden.py"
REFERENCE = "PyTorch %s (Debian python3-torch)" % torch.__version__
STEPS = 200

PROBLEMS = {
    # f(x) = sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2, minimum at ones.
    "rosenbrock": {"start": [-1.2, 1.0, 0.8, -0.6]},
    # f(x) = 0.5 * sum_i c[i] x[i]^2.
    "quadratic": {"start": [1.5, -2.0, 3.0, 0.5],
                  "curvature": [1.0, 4.0, 0.25, 10.0]},
    # f(x) = -0.5 * sum_i c[i] x[i]^2, for maximize=True.
    "concave_quadratic": {"start": [1.5, -2.0, 3.0, 0.5],
                          "curvature": [1.0, 4.0, 0.25, 10.0]},
}


def gradient(problem, x):
    """The gradient of `problem` at x, with one rounding per operation."""
    if problem == "rosenbrock":
        x0, x1 = x[:-1], x[1:]
        r = x1 - x0 * x0
        g = torch.zeros_like(x)
        g[:-1] += (-400 * x0) * r - 2 * (1 - x0)
        g[1:] += 200 * r
        return g
    c = torch.tensor(PROBLEMS[problem]["curvature"], dtype=x.dtype)
    if problem == "quadratic":
        return c * x
    return -(c * x)


def step_schedule(base, values, every):
    """base * values[k // every] for each step k, keeping the last value
    once the list runs out."""
    return [base * values[min(k // every, len(values) - 1)]
            for k in range(STEPS)]


def case(label, solver, args, lr, problem="rosenbrock", lr_per_step=None,
         momentum_per_step=None):
    return {"label": label, "solver": {"name": solver, "args": args},
            "lr": lr, "problem": problem, "lr_per_step": lr_per_step,
            "momentum_per_step": momentum_per_step}


def cases():
    lr_decay = step_schedule(2e-4, [1.0, 0.5, 2.0, 0.25], 50)
    return [
        case("sgd", "SGD", {}, 5e-4),
        case("sgd_momentum", "SGD", {"momentum": 0.9}, 2e-4),
        case("sgd_dampening", "SGD", {"momentum": 0.9, "dampening": 0.5}, 2e-4),
        case("sgd_nesterov", "SGD", {"momentum": 0.9, "nesterov": True}, 2e-4),
        case("sgd_weight_decay", "SGD",
             {"momentum": 0.5, "weight_decay": 0.1}, 5e-4),
        case("sgd_nesterov_maximize", "SGD",
             {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01,
              "maximize": True}, 0.05, "concave_quadratic"),
        case("adam", "Adam", {}, 0.01),
        case("adam_amsgrad", "Adam", {"amsgrad": True}, 0.01),
        case("adam_weight_decay", "Adam",
             {"betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.1}, 0.02),
        case("adam_maximize_amsgrad", "Adam",
             {"maximize": True, "amsgrad": True}, 0.05, "concave_quadratic"),
        case("adamw", "AdamW", {}, 0.01),
        case("adamw_amsgrad", "AdamW",
             {"weight_decay": 0.1, "amsgrad": True}, 0.02),
        case("adamw_maximize", "AdamW", {"maximize": True}, 0.05,
             "concave_quadratic"),
        case("rmsprop", "RMSprop", {}, 1e-3),
        case("rmsprop_centered", "RMSprop", {"centered": True}, 1e-3),
        case("rmsprop_momentum", "RMSprop", {"momentum": 0.9}, 1e-4),
        case("rmsprop_centered_momentum", "RMSprop",
             {"centered": True, "momentum": 0.5, "weight_decay": 0.1,
              "alpha": 0.9}, 1e-3),
        case("rmsprop_maximize", "RMSprop", {"maximize": True}, 0.01,
             "concave_quadratic"),
        case("adagrad", "Adagrad", {}, 0.1),
        case("adagrad_lr_decay", "Adagrad",
             {"lr_decay": 0.01, "initial_accumulator_value": 0.5}, 0.2),
        case("adagrad_weight_decay_maximize", "Adagrad",
             {"weight_decay": 0.1, "eps": 1e-6, "maximize": True}, 0.5,
             "concave_quadratic"),
        case("adamax", "Adamax", {}, 0.02),
        case("adamax_weight_decay", "Adamax",
             {"betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.1}, 0.02),
        case("adamax_maximize", "Adamax", {"maximize": True}, 0.05,
             "concave_quadratic"),
        case("nadam_beta1_zero", "NAdam", {"betas": [0.0, 0.999]}, 0.01),
        case("nadam_beta1_zero_weight_decay", "NAdam",
             {"betas": [0.0, 0.99], "weight_decay": 0.1}, 0.01),
        case("nadam_foreach", "NAdam", {"foreach": True}, 0.01),
        case("nadam_foreach_momentum_decay", "NAdam",
             {"foreach": True, "momentum_decay": 0.01, "weight_decay": 0.1},
             0.02),
        # RAdam's first steps are not normalized (lr times the bias-corrected
        # momentum), so Rosenbrock's large gradients need a small lr.
        case("radam", "RAdam", {}, 0.05, "quadratic"),
        case("radam_weight_decay", "RAdam",
             {"betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.1}, 2e-4),
        case("adadelta", "Adadelta", {}, 1.0),
        case("adadelta_rho_weight_decay", "Adadelta",
             {"rho": 0.5, "eps": 1e-4, "weight_decay": 0.1}, 1.0),
        case("adadelta_maximize", "Adadelta", {"maximize": True}, 1.0,
             "concave_quadratic"),
        # Hyperparameters changed between steps. SGD starts without momentum,
        # so its buffer is created at step 10 as a copy of the gradient.
        case("sgd_scheduled", "SGD", {"momentum": 0.0}, 2e-4,
             lr_per_step=lr_decay,
             momentum_per_step=step_schedule(1.0, [0.0, 0.9, 0.5, 0.0, 0.8],
                                             10)),
        case("rmsprop_scheduled", "RMSprop", {"momentum": 0.9}, 1e-4,
             lr_per_step=step_schedule(1e-4, [1.0, 3.0, 0.5], 40),
             momentum_per_step=step_schedule(1.0, [0.9, 0.3, 0.0, 0.6], 30)),
        case("adam_scheduled", "Adam", {}, 0.01,
             lr_per_step=step_schedule(0.01, [1.0, 0.3, 2.0], 40),
             momentum_per_step=step_schedule(1.0, [0.9, 0.8, 0.95], 30)),
        case("nadam_foreach_scheduled", "NAdam", {"foreach": True}, 0.01,
             lr_per_step=step_schedule(0.01, [1.0, 0.3, 2.0], 40),
             momentum_per_step=step_schedule(1.0, [0.9, 0.8, 0.95], 30)),
    ]


def set_momentum(group, momentum):
    if "betas" in group:
        group["betas"] = (momentum, group["betas"][1])
    else:
        group["momentum"] = momentum


def trajectory(spec, dtype):
    """Parameters after each step, as Python floats."""
    torch.set_default_dtype(dtype)
    x = torch.tensor(PROBLEMS[spec["problem"]]["start"], dtype=dtype,
                     requires_grad=True)
    args = dict(spec["solver"]["args"])
    if "betas" in args:
        args["betas"] = tuple(args["betas"])
    args.setdefault("foreach", False)
    optimizer_class = getattr(torch.optim, spec["solver"]["name"])
    optimizer = optimizer_class([x], lr=spec["lr"], **args)
    group = optimizer.param_groups[0]

    rows = []
    for k in range(STEPS):
        if spec["lr_per_step"] is not None:
            group["lr"] = spec["lr_per_step"][k]
        if spec["momentum_per_step"] is not None:
            set_momentum(group, spec["momentum_per_step"][k])
        with torch.no_grad():
            x.grad = gradient(spec["problem"], x.detach())
        optimizer.step()
        rows.append([float(v) for v in x.detach()])
    return rows


def check_finite(label, rows):
    for k, row in enumerate(rows):
        for v in row:
            if v != v or abs(v) == float("inf"):
                sys.exit("%s: non-finite parameter at step %d" % (label, k + 1))


def format_rows(rows, digits):
    """One JSON line per step; float32 values need 9 significant digits."""
    def number(v):
        return repr(v) if digits is None else "%.*g" % (digits, v)
    return "[\n" + ",\n".join(
        "    [" + ", ".join(number(v) for v in row) + "]" for row in rows
    ) + "\n   ]"


def main():
    if not torch.__version__.startswith("1.13"):
        sys.exit("expected PyTorch 1.13 (Debian python3-torch), got %s"
                 % torch.__version__)
    torch.set_num_threads(1)
    parts = []
    for spec in cases():
        float64 = trajectory(spec, torch.float64)
        float32 = trajectory(spec, torch.float32)
        check_finite(spec["label"], float64)
        check_finite(spec["label"], float32)
        header = json.dumps({k: v for k, v in spec.items() if v is not None},
                            indent=None)
        parts.append("  " + header[:-1] + ",\n   \"float64\": " +
                     format_rows(float64, None) + ",\n   \"float32\": " +
                     format_rows(float32, 9) + "}")
    with open(OUTPUT, "w") as out:
        out.write("{\n \"reference\": %s,\n \"script\": %s,\n \"steps\": %d,\n"
                  " \"problems\": %s,\n \"cases\": [\n" % (
                      json.dumps(REFERENCE), json.dumps(SCRIPT), STEPS,
                      json.dumps(PROBLEMS)))
        out.write(",\n".join(parts))
        out.write("\n ]\n}\n")
    print("wrote %d cases to %s" % (len(parts), OUTPUT))


if __name__ == "__main__":
    main()
