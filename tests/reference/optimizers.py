#!/usr/bin/env python3
"""Reference numbers for nn's optimizers, schedules and regularizers, from PyTorch in float64.

Run from anywhere (writes next to this file):

    python tests/reference/optimizers.py

Writes
  optimizers.json  5-step parameter trajectories of torch.optim optimizers on a
                   small network (nn.Sequential(Linear(3,4), Tanh(), Linear(4,2)),
                   MSELoss, one fixed batch), for several configurations each;
  schedules.json   learning-rate sequences of torch.optim.lr_scheduler schedulers;
  regularize.json  L1/L2 penalties and their gradients, clip_grad_norm_ and
                   clip_grad_value_ results.

Initial parameters and data are rounded to float32 first, so that the Rust side
(which works in f32) starts from exactly the same numbers; everything after
that is float64.

Checked by nn-core/tests/reference_optimizers.rs, reference_schedules.rs and
reference_regularize.rs.
"""

import json
import os

import torch
from torch import nn

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 5


def f32(t):
    """Rounds a float64 tensor to the nearest float32 values (kept as float64)."""
    return t.to(torch.float32).to(torch.float64)


def flat(model):
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).tolist()


def make_model(initial):
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    with torch.no_grad():
        offset = 0
        for p in model.parameters():
            n = p.numel()
            p.copy_(torch.tensor(initial[offset : offset + n]).reshape(p.shape))
            offset += n
    return model


# --------------------------------------------------------------------------- optimizers

OPTIMIZERS = {
    "SGD": torch.optim.SGD,
    "Adagrad": torch.optim.Adagrad,
    "RMSprop": torch.optim.RMSprop,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "NAdam": torch.optim.NAdam,
}

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.8, weight_decay=0.05, nesterov=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.05, initial_accumulator_value=0.1, eps=1e-6)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.05)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.05)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.0)),
    ("NAdam", dict(lr=2e-3)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, betas=(0.8, 0.99), momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.05)),
    ("NAdam", dict(lr=0.01, weight_decay=0.05, decoupled_weight_decay=True)),
]


def optimizers():
    torch.manual_seed(0)
    initial = f32(torch.cat([p.detach().reshape(-1) for p in nn.Sequential(
        nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).parameters()])).tolist()
    xs = f32(torch.rand(6, 3) * 2 - 1)
    ys = f32(torch.rand(6, 2) * 2 - 1)
    runs = []
    for name, kwargs in CONFIGS:
        model = make_model(initial)
        opt = OPTIMIZERS[name](model.parameters(), **kwargs)
        losses, params = [], []
        for _ in range(STEPS):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(xs), ys)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            params.append(flat(model))
        runs.append(dict(optimizer=name, kwargs=kwargs, losses=losses, params=params))
    return dict(
        network="nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)), MSELoss()",
        initial=initial,
        xs=xs.tolist(),
        ys=ys.tolist(),
        runs=runs,
    )


# --------------------------------------------------------------------------- schedules

def sequence(make, epochs, base_lr=0.1):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    sched = make(opt)
    lrs = []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return lrs


def schedules():
    S = torch.optim.lr_scheduler
    out = []

    def add(kind, args, make, epochs=30, base_lr=0.1):
        out.append(dict(kind=kind, args=args, base_lr=base_lr, lrs=sequence(make, epochs, base_lr)))

    # Inverse-time decay lr0 / (1 + k * epoch): torch has no class for it, LambdaLR gives it.
    for k in [0.5, 0.01]:
        add("InverseTime", dict(k=k), lambda o, k=k: S.LambdaLR(o, lambda e: 1.0 / (1.0 + k * e)))
    for step_size, gamma in [(3, 0.5), (7, 0.1)]:
        add("StepLR", dict(step_size=step_size, gamma=gamma),
            lambda o, s=step_size, g=gamma: S.StepLR(o, step_size=s, gamma=g))
    for gamma in [0.9, 0.5]:
        add("ExponentialLR", dict(gamma=gamma), lambda o, g=gamma: S.ExponentialLR(o, gamma=g))
    for t_max, eta_min in [(10, 0.0), (7, 0.001)]:
        add("CosineAnnealingLR", dict(T_max=t_max, eta_min=eta_min),
            lambda o, t=t_max, m=eta_min: S.CosineAnnealingLR(o, T_max=t, eta_min=m), epochs=25)

    # ReduceLROnPlateau: a metric sequence that improves, stalls, creeps down by less
    # than the threshold, improves again, ...
    metrics = [1.0, 0.9, 0.85, 0.86, 0.87, 0.8499, 0.85, 0.84, 0.84, 0.84, 0.84, 0.7, 0.71, 0.72,
               0.73, 0.74, 0.75, 0.69, 0.695, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
    plateau = []
    for kwargs in [
        dict(),
        dict(factor=0.5, patience=2),
        dict(factor=0.5, patience=1, cooldown=2),
        dict(factor=0.3, patience=0, min_lr=0.005),
        dict(factor=0.5, patience=1, threshold=0.05),
        dict(factor=0.5, patience=1, threshold=0.02, threshold_mode="abs"),
        dict(mode="max", factor=0.5, patience=1),
    ]:
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        sched = S.ReduceLROnPlateau(opt, **kwargs)
        lrs = []
        for m in metrics:
            opt.step()
            sched.step(m)
            lrs.append(opt.param_groups[0]["lr"])
        plateau.append(dict(kwargs=kwargs, base_lr=0.1, lrs=lrs))
    return dict(schedules=out, plateau=dict(metrics=metrics, runs=plateau))


# --------------------------------------------------------------------------- regularization

def regularize():
    torch.manual_seed(1)
    w = f32(torch.randn(20))
    w[3] = 0.0  # sign(0) = 0: torch's d|w|/dw at 0
    lam = 0.03
    out = dict(w=w.tolist(), lam=lam)

    p = w.clone().requires_grad_(True)
    l1 = lam * p.abs().sum()
    l1.backward()
    out["l1_penalty"] = l1.item()
    out["l1_grad"] = p.grad.tolist()

    p = w.clone().requires_grad_(True)
    l2 = 0.5 * lam * (p * p).sum()
    l2.backward()
    out["l2_penalty"] = l2.item()
    out["l2_grad"] = p.grad.tolist()

    # Weights only: the penalties over the weight matrices of the test network
    # (0.weight, 2.weight), not the biases; gradient over all parameters.
    torch.manual_seed(2)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    with torch.no_grad():
        for q in model.parameters():
            q.copy_(f32(q))
    params = flat(model)
    weights = [model[0].weight, model[2].weight]
    l1w = lam * sum(q.abs().sum() for q in weights)
    l2w = 0.5 * lam * sum((q * q).sum() for q in weights)
    grads = {}
    for key, pen in [("l1", l1w), ("l2", l2w)]:
        model.zero_grad()
        pen.backward(retain_graph=True)
        grads[key] = torch.cat([
            (q.grad if q.grad is not None else torch.zeros_like(q)).reshape(-1) for q in model.parameters()
        ]).tolist()
    out["network"] = dict(params=params, l1_penalty=l1w.item(), l1_grad=grads["l1"],
                          l2_penalty=l2w.item(), l2_grad=grads["l2"])

    # Clipping over two "parameters" (a 4x3 and a 5-vector): one global norm.
    torch.manual_seed(3)
    g = f32(torch.randn(17) * 0.7)
    clips = []
    for max_norm in [0.5, 1.0, 100.0]:
        clips.append(dict(kind="norm", max=max_norm, **clip(g, lambda ps: nn.utils.clip_grad_norm_(ps, max_norm))))
    # The 1e-6 in scale = max_norm / (total_norm + 1e-6): a tiny gradient is scaled
    # by ~0.5 when max_norm equals its norm.
    tiny = f32(g / g.norm() * 1e-6)
    clips.append(dict(kind="norm", max=1e-6, **clip(tiny, lambda ps: nn.utils.clip_grad_norm_(ps, 1e-6))))
    for value in [0.3, 10.0]:
        clips.append(dict(kind="value", max=value, **clip(g, lambda ps: nn.utils.clip_grad_value_(ps, value))))
    out["clip"] = clips
    return out


def clip(g, f):
    """Applies a torch clipping function to g split into two tensors; the total norm is
    torch's return value for clip_grad_norm_, the norm before clipping for clip_grad_value_."""
    a = torch.zeros(4, 3, requires_grad=True)
    b = torch.zeros(5, requires_grad=True)
    a.grad = g[:12].reshape(4, 3).clone()
    b.grad = g[12:].clone()
    total = f([a, b])
    total = g.norm().item() if total is None else total.item()
    return dict(grads=g.tolist(), total_norm=total, clipped=torch.cat([a.grad.reshape(-1), b.grad]).tolist())


# --------------------------------------------------------------------------- doc-comment examples

def doc_examples():
    """Two steps on one parameter w = 1 with gradients 0.5 then -0.25 (printed; the doc
    comments of the Rust optimizers quote these numbers)."""
    for name, kwargs in [
        ("SGD", dict(lr=0.1, momentum=0.9)),
        ("Adagrad", dict(lr=0.1, lr_decay=0.5)),
        ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True)),
        ("Adam", dict(lr=0.1)),
        ("AdamW", dict(lr=0.1, weight_decay=0.1)),
        ("NAdam", dict(lr=0.1)),
    ]:
        w = torch.tensor([1.0], requires_grad=True)
        opt = OPTIMIZERS[name]([w], **kwargs)
        values = []
        for g in [0.5, -0.25]:
            w.grad = torch.tensor([g])
            opt.step()
            values.append(w.item())
        print(f"{name}({kwargs}): w = 1, grads 0.5, -0.25 -> {values}")


def write(name, data):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    print("torch", torch.__version__)
    write("optimizers.json", optimizers())
    write("schedules.json", schedules())
    write("regularize.json", regularize())
    doc_examples()
