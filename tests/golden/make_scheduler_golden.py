#!/usr/bin/python3
"""Write tests/golden/schedulers.json: learning rates (and momenta) of
torch.optim.lr_scheduler at every step, for scheduler_test.cc.

Reference: PyTorch 1.13.0a0 from Debian's python3-torch, run with
/usr/bin/python3. Run from the repository root:

    /usr/bin/python3 tests/golden/make_scheduler_golden.py

Each case stores the scheduler spec exactly as lrsweep reads it (name and
args with PyTorch's argument names), the solver, the base learning rate, and
lr[t] for t = 0..steps-1, where t = 0 is the value after construction and
t = k the value after k calls of scheduler.step(). Cases that cycle momentum
also store momentum[t] (SGD's `momentum` or Adam's `betas[0]`).
ReduceLROnPlateau cases store the metric passed to each step, with NaN and
infinities written as the strings "NaN", "Infinity" and "-Infinity" because
JSON has no literal for them.

PyTorch 1.13 rejects CyclicLR momentum cycling on Adam's beta1, which
PyTorch 2.3 added. That case has no entry here because scheduler_test.cc
checks it against the 2.x formula instead.
"""

import json
import math
import sys
import warnings

import torch
from torch.optim import lr_scheduler

OUTPUT = "tests/golden/schedulers.json"
REFERENCE = "PyTorch %s (Debian python3-torch)" % torch.__version__

NAN = float("nan")
INF = float("inf")


def case(label, name, args, steps, base_lr=0.1, solver="SGD", metrics=None):
    return {
        "label": label,
        "scheduler": {"name": name, "args": args},
        "solver": solver,
        "base_lr": base_lr,
        "steps": steps,
        "metrics": metrics,
    }


def plateau_metrics():
    """Metric sequences that exercise ReduceLROnPlateau's branches."""
    falling_then_flat = [1.0 / (1 + t) for t in range(20)] + [0.05] * 40
    noisy = [1.0, 0.9, 0.95, 0.9, 0.9, 0.85, 0.86, 0.87, 0.88, 0.6, 0.61,
             0.62, 0.63, 0.64, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.49, 0.45,
             0.46, 0.47, 0.48, 0.49, 0.50, 0.51, 0.52, 0.53]
    rising = [0.1 * t for t in range(15)] + [1.5 - 0.01 * t for t in range(25)]
    # Negative losses: in rel mode PyTorch compares against best * (1 -
    # threshold), which for a negative best lies above it, so a slightly
    # worse value still counts as an improvement.
    negative = [-1.0, -2.0, -1.9999, -1.99, -1.9, -2.5, -2.49, -2.4, -2.3,
                -2.2, -2.1, -2.0, -3.0, -2.9999, -2.9998, -2.9, -2.8, -2.7,
                -2.6, -2.5, -2.4, -2.3, -2.2, -2.1, -2.0]
    with_nan = [1.0, 0.5, NAN, NAN, 0.4, NAN, NAN, NAN, 0.3, 0.3, NAN, 0.2,
                INF, -INF, 0.1, NAN, NAN, NAN, NAN, NAN]
    return falling_then_flat, noisy, rising, negative, with_nan


def all_cases():
    falling_then_flat, noisy, rising, negative, with_nan = plateau_metrics()
    cases = [
        # ExponentialLR
        case("exponential_0.9", "ExponentialLR", {"gamma": 0.9}, 100),
        case("exponential_0.5_long", "ExponentialLR", {"gamma": 0.5}, 200),
        case("exponential_1", "ExponentialLR", {"gamma": 1.0}, 20),
        # A growing rate, as in an LR range test.
        case("exponential_1.5_growing", "ExponentialLR", {"gamma": 1.5}, 40),
        case("exponential_0.999", "ExponentialLR", {"gamma": 0.999}, 300,
             base_lr=0.3),
        # StepLR
        case("step_3_0.1", "StepLR", {"step_size": 3, "gamma": 0.1}, 40),
        case("step_10_0.5", "StepLR", {"step_size": 10, "gamma": 0.5}, 105),
        case("step_1_default_gamma", "StepLR", {"step_size": 1}, 30),
        case("step_30_gamma_1", "StepLR", {"step_size": 30, "gamma": 1.0}, 100),
        case("step_2_gamma_2_growing", "StepLR", {"step_size": 2, "gamma": 2.0}, 30),
        # MultiStepLR
        case("multistep_30_80", "MultiStepLR",
             {"milestones": [30, 80], "gamma": 0.1}, 100),
        case("multistep_unsorted_repeated", "MultiStepLR",
             {"milestones": [50, 10, 10, 30, 50, 50], "gamma": 0.5}, 100),
        case("multistep_zero_milestone", "MultiStepLR",
             {"milestones": [0, 5, 0]}, 20),
        case("multistep_empty", "MultiStepLR", {"milestones": []}, 10),
        # ConstantLR
        case("constant_defaults", "ConstantLR", {}, 20),
        case("constant_0.5_40", "ConstantLR",
             {"factor": 0.5, "total_iters": 40}, 100),
        case("constant_factor_1", "ConstantLR",
             {"factor": 1.0, "total_iters": 3}, 10),
        case("constant_0.3_1", "ConstantLR",
             {"factor": 0.3, "total_iters": 1}, 10, base_lr=0.7),
        # LinearLR
        case("linear_defaults", "LinearLR", {}, 20),
        case("linear_warmup_40", "LinearLR",
             {"start_factor": 0.05, "total_iters": 40}, 100),
        case("linear_decay", "LinearLR",
             {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 30}, 100),
        case("linear_to_zero", "LinearLR",
             {"start_factor": 0.5, "end_factor": 0.0, "total_iters": 10}, 20),
        # PolynomialLR
        case("polynomial_defaults", "PolynomialLR", {}, 20),
        case("polynomial_50_0.9", "PolynomialLR",
             {"total_iters": 50, "power": 0.9}, 100),
        case("polynomial_30_2", "PolynomialLR",
             {"total_iters": 30, "power": 2.0}, 60, base_lr=0.01),
        case("polynomial_power_0", "PolynomialLR",
             {"total_iters": 10, "power": 0.0}, 20),
        # CosineAnnealingLR
        case("cosine_100", "CosineAnnealingLR", {"T_max": 100}, 100),
        case("cosine_past_t_max_eta_min", "CosineAnnealingLR",
             {"T_max": 20, "eta_min": 0.001}, 130),
        case("cosine_t_max_1", "CosineAnnealingLR", {"T_max": 1}, 12),
        case("cosine_past_t_max_7", "CosineAnnealingLR", {"T_max": 7}, 100,
             base_lr=1.0),
        case("cosine_lower_case_t_max", "CosineAnnealingLR",
             {"t_max": 15, "eta_min": 0.01}, 50),
        # CosineAnnealingWarmRestarts
        case("warm_restarts_10", "CosineAnnealingWarmRestarts", {"T_0": 10},
             100),
        case("warm_restarts_5_mult_2", "CosineAnnealingWarmRestarts",
             {"T_0": 5, "T_mult": 2, "eta_min": 0.001}, 160),
        case("warm_restarts_1", "CosineAnnealingWarmRestarts", {"T_0": 1}, 10),
        case("warm_restarts_3_mult_3", "CosineAnnealingWarmRestarts",
             {"t_0": 3, "t_mult": 3}, 120, base_lr=0.05),
        # CyclicLR
        case("cyclic_triangular", "CyclicLR",
             {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 10}, 100),
        case("cyclic_triangular2_down", "CyclicLR",
             {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 5,
              "step_size_down": 15, "mode": "triangular2"}, 200),
        case("cyclic_exp_range", "CyclicLR",
             {"base_lr": 0.01, "max_lr": 0.5, "step_size_up": 8,
              "mode": "exp_range", "gamma": 0.99}, 150),
        case("cyclic_default_base_lr", "CyclicLR",
             {"max_lr": 0.4, "step_size_up": 7, "base_momentum": 0.7,
              "max_momentum": 0.95}, 60, base_lr=0.02),
        case("cyclic_sawtooth", "CyclicLR",
             {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 6,
              "step_size_down": 0}, 40),
        case("cyclic_no_momentum_adagrad", "CyclicLR",
             {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4,
              "cycle_momentum": False, "mode": "triangular2"}, 50,
             solver="Adagrad"),
        case("cyclic_default_step_size", "CyclicLR",
             {"base_lr": 0.001, "max_lr": 0.006, "scale_mode": "iterations",
              "mode": "exp_range", "gamma": 0.9999}, 120),
        # ReduceLROnPlateau
        case("plateau_min_rel_patience_2", "ReduceLROnPlateau",
             {"patience": 2, "factor": 0.5}, len(falling_then_flat) + 1,
             metrics=falling_then_flat),
        case("plateau_abs_cooldown_min_lr", "ReduceLROnPlateau",
             {"patience": 1, "cooldown": 3, "threshold": 0.02,
              "threshold_mode": "abs", "min_lr": 0.02, "factor": 0.3},
             len(noisy) + 1, metrics=noisy),
        case("plateau_max_rel", "ReduceLROnPlateau",
             {"mode": "max", "patience": 3, "threshold": 0.01,
              "factor": 0.2}, len(rising) + 1, metrics=rising),
        case("plateau_max_abs_eps", "ReduceLROnPlateau",
             {"mode": "max", "patience": 0, "threshold_mode": "abs",
              "factor": 0.5, "eps": 0.01}, len(rising) + 1, metrics=rising),
        case("plateau_negative_rel", "ReduceLROnPlateau",
             {"patience": 1, "threshold": 0.01, "factor": 0.5},
             len(negative) + 1, metrics=negative),
        case("plateau_nan_and_infinite", "ReduceLROnPlateau",
             {"patience": 1, "factor": 0.5}, len(with_nan) + 1,
             metrics=with_nan),
        case("plateau_equal_is_no_improvement", "ReduceLROnPlateau",
             {"patience": 2, "threshold": 0.0, "factor": 0.1},
             13, metrics=[1.0] * 12),
        # OneCycleLR
        case("one_cycle_cos", "OneCycleLR",
             {"max_lr": 0.1, "total_steps": 100}, 100),
        case("one_cycle_three_phase_linear", "OneCycleLR",
             {"max_lr": 1.0, "total_steps": 120, "three_phase": True,
              "anneal_strategy": "linear", "pct_start": 0.25}, 120),
        case("one_cycle_epochs_adam", "OneCycleLR",
             {"max_lr": 0.01, "epochs": 10, "steps_per_epoch": 15,
              "pct_start": 0.4, "div_factor": 10.0,
              "final_div_factor": 100.0}, 150, solver="Adam"),
        case("one_cycle_three_phase_cos_no_momentum", "OneCycleLR",
             {"max_lr": 0.5, "total_steps": 101, "three_phase": True,
              "cycle_momentum": False}, 101, solver="Adagrad"),
        case("one_cycle_linear_momentum", "OneCycleLR",
             {"max_lr": 0.2, "total_steps": 77, "anneal_strategy": "linear",
              "base_momentum": 0.6, "max_momentum": 0.99}, 77),
        # SequentialLR
        case("sequential_warmup_cosine", "SequentialLR",
             {"schedulers": [
                 {"name": "LinearLR", "start_factor": 0.1, "total_iters": 5},
                 {"name": "CosineAnnealingLR", "T_max": 95}],
              "milestones": [5]}, 130),
        case("sequential_warmup_cosine_exponential", "SequentialLR",
             {"schedulers": [
                 {"name": "LinearLR", "start_factor": 0.01, "total_iters": 10},
                 {"name": "CosineAnnealingLR", "T_max": 40, "eta_min": 0.001},
                 {"name": "ExponentialLR", "gamma": 0.95}],
              "milestones": [10, 50]}, 120),
        case("sequential_constant_exponential", "SequentialLR",
             {"schedulers": [
                 {"name": "ConstantLR", "factor": 0.1, "total_iters": 20},
                 {"name": "ExponentialLR", "gamma": 0.9}],
              "milestones": [20]}, 100, base_lr=0.05),
        case("sequential_step_multistep_restarts", "SequentialLR",
             {"schedulers": [
                 {"name": "StepLR", "step_size": 4, "gamma": 0.5},
                 {"name": "MultiStepLR", "milestones": [0, 3, 3, 8]},
                 {"name": "CosineAnnealingWarmRestarts", "T_0": 4,
                  "T_mult": 2},
                 {"name": "PolynomialLR", "total_iters": 10, "power": 2.0}],
              "milestones": [10, 25, 60]}, 100),
        case("sequential_single", "SequentialLR",
             {"schedulers": [{"name": "LinearLR"}], "milestones": []}, 12),
        case("sequential_linear_linear", "SequentialLR",
             {"schedulers": [
                 {"name": "LinearLR", "start_factor": 0.5, "total_iters": 4},
                 {"name": "LinearLR", "start_factor": 1.0, "end_factor": 0.2,
                  "total_iters": 6},
                 {"name": "ConstantLR", "factor": 0.5, "total_iters": 3}],
              "milestones": [4, 12]}, 30),
    ]
    return cases


def make_optimizer(solver, base_lr):
    params = [torch.zeros(1, requires_grad=True)]
    if solver == "SGD":
        return torch.optim.SGD(params, lr=base_lr, momentum=0.9)
    if solver == "Adam":
        return torch.optim.Adam(params, lr=base_lr)
    if solver == "Adagrad":
        return torch.optim.Adagrad(params, lr=base_lr)
    raise ValueError("unknown solver " + solver)


def torch_args(name, args):
    """Converts lrsweep's spelling of the arguments to PyTorch's."""
    renamed = {}
    for key, value in args.items():
        if key in ("t_max", "t_0", "t_mult"):
            key = key.replace("t_", "T_")
        renamed[key] = value
    return renamed


def make_scheduler(optimizer, spec, base_lr):
    name = spec["name"]
    args = torch_args(name, spec["args"])
    if name == "SequentialLR":
        children = []
        for child in args["schedulers"]:
            child_args = {k: v for k, v in child.items() if k != "name"}
            children.append(make_scheduler(
                optimizer, {"name": child["name"], "args": child_args},
                base_lr))
        return lr_scheduler.SequentialLR(optimizer, children,
                                         milestones=args["milestones"])
    if name == "CyclicLR":
        # lrsweep's base_lr defaults to the job's base learning rate.
        args = dict(args)
        args.setdefault("base_lr", base_lr)
    return getattr(lr_scheduler, name)(optimizer, **args)


def momentum_of(optimizer):
    group = optimizer.param_groups[0]
    if "betas" in group:
        return group["betas"][0]
    return group.get("momentum")


def encode_number(x):
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def run(spec_case):
    optimizer = make_optimizer(spec_case["solver"], spec_case["base_lr"])
    scheduler = make_scheduler(optimizer, spec_case["scheduler"],
                               spec_case["base_lr"])
    cycles = spec_case["scheduler"]["args"].get("cycle_momentum", True) and \
        spec_case["scheduler"]["name"] in ("CyclicLR", "OneCycleLR")
    lrs, momenta = [], []
    metrics = spec_case["metrics"]
    for t in range(spec_case["steps"]):
        if t > 0:
            if metrics is not None:
                scheduler.step(metrics[t - 1])
            else:
                scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
        momenta.append(momentum_of(optimizer))
    result = dict(spec_case)
    result["lr"] = lrs
    if cycles:
        result["momentum"] = momenta
    if metrics is None:
        del result["metrics"]
    else:
        assert len(metrics) == spec_case["steps"] - 1, spec_case["label"]
        result["metrics"] = [encode_number(m) for m in metrics]
    return result


def main():
    warnings.filterwarnings("ignore")
    if not torch.__version__.startswith("1.13"):
        sys.exit("expected PyTorch 1.13 (Debian python3-torch), got " +
                 torch.__version__)
    golden = {
        "reference": REFERENCE,
        "script": "tests/golden/make_scheduler_golden.py",
        "cases": [run(c) for c in all_cases()],
    }
    with open(OUTPUT, "w") as out:
        json.dump(golden, out, indent=1, allow_nan=False)
        out.write("\n")
    print("wrote %d cases to %s" % (len(golden["cases"]), OUTPUT))


if __name__ == "__main__":
    main()
