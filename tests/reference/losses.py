#!/usr/bin/env python3
"""Reference numbers for nn's losses and activations, computed by PyTorch in float64.

Writes, next to this script:

* losses.json: for every loss, on fixed small batches (including exact
  probabilities 0 and 1, kinks, and predictions of +-30 and +-1000), the
  per-sample losses, the batch-mean loss and its gradient with respect to the
  prediction (torch autograd); CrossEntropy on logits (torch CrossEntropyLoss
  with probability targets); and small networks (the same nn.Sequential as the
  Rust `Chain<Dense, Dense>`, same float32 weights) with their batch-mean loss
  and parameter gradients in state_dict order.
* activations.json: for every activation, its values and the vector-Jacobian
  product with a fixed upstream gradient (plus the slope gradient of PReLU).

Every input (predictions, targets, weights, data) is rounded to float32 first
and stored exactly, so the references are the float64 truth for the very
float32 numbers the Rust tests use.

Run from the workspace root:  python3 tests/reference/losses.py  (see README.md)
"""

import json
import math
import platform
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

torch.set_default_dtype(torch.float64)
OUT_DIR = Path(__file__).resolve().parent
COMMAND = "python3 tests/reference/losses.py"

# The smallest positive normal f32: where nn's CrossEntropy clamps a probability.
F32_MIN_POSITIVE = 2.0**-126
LN2 = math.log(2.0)


def f32(x):
    """Rounds (nested lists of) numbers to float32, returned as float64 numpy."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def tensor(x, grad=False):
    return torch.tensor(f32(x), dtype=torch.float64, requires_grad=grad)


def tolist(t):
    return t.detach().cpu().numpy().astype(np.float64).tolist()


# ---------------------------------------------------------------------------
# Losses: each maps (pred, target), both [batch, n], to the batch-mean loss.
# ---------------------------------------------------------------------------


def straight_through_clamp_min(p, lo):
    """clamp(p, min=lo) in value, identity in gradient: d/dp log(.) = 1/max(p, lo).

    This is the convention of torch's BCELoss backward, (p - y) / max(p(1-p), eps):
    the denominator is clamped, the gradient is not zeroed below the clamp.
    """
    return p + (p.clamp(min=lo) - p).detach()


def log_cosh(e):
    """log(cosh(e)), stable for large |e|: |e| + log1p(exp(-2|e|)) - ln 2."""
    a = e.abs()
    return a + torch.log1p(torch.exp(-2.0 * a)) - LN2


def loss_fn(spec):
    name = spec["name"]
    if name == "Mse":
        return lambda p, y: F.mse_loss(p, y)
    if name == "SumSquaredError":
        return lambda p, y: 0.5 * ((p - y) ** 2).sum(dim=1).mean()
    if name == "Mae":
        return lambda p, y: F.l1_loss(p, y)
    if name == "Huber":
        return lambda p, y: F.huber_loss(p, y, delta=spec["delta"])
    if name == "LogCosh":
        return lambda p, y: log_cosh(p - y).mean()
    if name == "Quantile":
        q = spec["q"]
        # torch.maximum splits the gradient evenly at ties: at e = 0 the
        # subgradient is the midpoint, (1/2 - q) per output w.r.t. the prediction.
        return lambda p, y: torch.maximum(q * (y - p), (q - 1.0) * (y - p)).mean()
    if name == "EpsilonInsensitive":
        eps = spec["epsilon"]
        # relu: subgradient 0 at the kink |e| = eps; abs: 0 at e = 0.
        return lambda p, y: torch.relu((p - y).abs() - eps).mean()
    if name == "BinaryCrossEntropy":
        return lambda p, y: F.binary_cross_entropy(p, y)
    if name == "CrossEntropy":
        # On probabilities (not after a Softmax): -sum y log p per sample, the
        # probability clamped below at the smallest normal f32 (value only, see
        # straight_through_clamp_min).
        return lambda p, y: -(y * torch.log(straight_through_clamp_min(p, F32_MIN_POSITIVE))).sum(dim=1).mean()
    if name == "Hinge":
        # The SVM hinge (not torch's HingeEmbeddingLoss); relu: subgradient 0 at t*s = 1.
        return lambda p, y: torch.relu(1.0 - y * p).mean()
    if name == "MultiClassHinge":
        return lambda p, y: F.multi_margin_loss(p, y.argmax(dim=1), p=1, margin=1.0)
    raise ValueError(name)


def torch_equivalent(spec):
    name = spec["name"]
    return {
        "Mse": "nn.MSELoss()",
        "SumSquaredError": "0.5 * ((p - y) ** 2).sum(1).mean()",
        "Mae": "nn.L1Loss()",
        "Huber": f"nn.HuberLoss(delta={spec.get('delta')})",
        "LogCosh": "(|e| + log1p(exp(-2|e|)) - ln 2).mean(), e = p - y",
        "Quantile": f"torch.maximum(q*e, (q-1)*e).mean(), e = y - p, q = {spec.get('q')}",
        "EpsilonInsensitive": f"torch.relu((p - y).abs() - {spec.get('epsilon')}).mean()",
        "BinaryCrossEntropy": "nn.BCELoss()",
        "CrossEntropy": "-(y * log(max(p, 2**-126))).sum(1).mean()",
        "Hinge": "torch.relu(1 - t * s).mean()",
        "MultiClassHinge": "nn.MultiMarginLoss(p=1, margin=1) with targets y.argmax(1)",
    }[name]


def loss_case(spec, case, pred, target):
    fn = loss_fn(spec)
    p = tensor(pred, grad=True)
    y = tensor(target)
    value = fn(p, y)
    value.backward()
    per_sample = [fn(p[i : i + 1].detach(), y[i : i + 1]).item() for i in range(p.shape[0])]
    assert math.isclose(sum(per_sample) / len(per_sample), value.item(), rel_tol=1e-12, abs_tol=1e-300)
    assert torch.isfinite(value) and torch.isfinite(p.grad).all(), (spec, case)
    return {
        "loss": spec,
        "torch": torch_equivalent(spec),
        "case": case,
        "pred": tolist(p),
        "target": tolist(y),
        "per_sample": per_sample,
        "value": value.item(),
        "grad": tolist(p.grad),
    }


def rng_rows(rng, rows, cols, scale=1.0):
    return (rng.normal(size=(rows, cols)) * scale).tolist()


def regression_cases(rng):
    """(case, pred, target) for losses of a prediction and a real target."""
    return [
        ("doc", [[1.0, 2.0, 3.0, -1.0]], [[1.5, 2.0, 1.0, 1.0]]),
        ("regular", rng_rows(rng, 4, 3, 1.5), rng_rows(rng, 4, 3)),
        (
            # errors p - y of exactly 0, +-0.25, +-0.5, +-1, +-2 (the kinks of
            # Mae, Huber(0.5/1), Quantile, EpsilonInsensitive(0.25/0.5)), exact in f32.
            "kinks",
            [[1.0, 2.0, -0.5, 0.25], [0.0, 1.0, 3.0, -1.75], [0.75, -0.25, 2.0, 0.5]],
            [[1.0, 1.0, 0.5, 0.0], [0.5, 0.5, 1.0, -1.5], [0.25, -0.25, 0.0, 1.5]],
        ),
        (
            "extreme",
            [[1000.0, -1000.0, 30.0, -30.0, 0.0], [0.0, 1e-7, -1e-7, 1000.0, 60.0], [-1000.0, 1000.0, 0.5, -60.0, 1e-3]],
            [[0.0, 0.0, -30.0, 30.0, 1e-7], [1000.0, 0.0, 0.0, -1000.0, -0.25], [1000.0, 999.0, 0.5, 0.0, -1e-3]],
        ),
    ]


def probability_cases(rng, one_hot_rows):
    """(case, pred, target) for losses of a probability and a target in [0, 1]."""
    logits = rng.normal(size=(4, 3)) * 2.0
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    soft = rng.uniform(size=(4, 3))
    soft = soft / soft.sum(axis=1, keepdims=True)
    if one_hot_rows:
        target = [[1.0, 0.0, 0.0], soft[1].tolist(), [0.0, 0.0, 1.0], soft[3].tolist()]
        extreme_p = [
            [1.0, 0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0, 0.0],
            [0.5, 0.5, 0.0, 0.0],
            [1e-30, 1e-45, 1.0 - 2.0**-24, 1e-13],
            [0.25, 0.25, 0.25, 0.25],
        ]
        extreme_y = [
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [0.2, 0.3, 0.5, 0.0],
            [0.25, 0.25, 0.25, 0.25],
            [0.0, 0.0, 0.0, 1.0],
        ]
    else:
        target = [[1.0, 0.0, 1.0], soft[1].tolist(), [0.0, 0.0, 1.0], [0.5, 0.25, 0.75]]
        extreme_p = [
            [0.0, 1.0, 0.0, 1.0],
            [0.0, 1.0, 0.5, 1e-30],
            [1e-45, 1e-13, 1.0 - 2.0**-24, 1e-7],
            [0.5, 1.0 - 2.0**-24, 2.0**-24, 1.0],
        ]
        extreme_y = [
            [0.0, 1.0, 1.0, 0.0],
            [0.5, 0.5, 0.5, 1.0],
            [1.0, 1.0, 0.0, 1.0],
            [0.25, 0.0, 1.0, 0.7],
        ]
    return [
        ("doc", [[0.9, 0.2, 0.5]], [[1.0, 0.0, 1.0]] if not one_hot_rows else [[1.0, 0.0, 0.0]]),
        ("regular", probs.tolist(), target),
        ("extreme", extreme_p, extreme_y),
    ]


def hinge_cases(rng):
    signs = np.where(rng.uniform(size=(4, 4)) < 0.5, -1.0, 1.0)
    return [
        ("doc", [[0.5, -2.0, 3.0]], [[1.0, 1.0, -1.0]]),
        ("regular", rng_rows(rng, 4, 4, 1.5), signs.tolist()),
        (
            # t*s = 1 exactly (the kink), 0, and +-30, +-1000
            "extreme",
            [[1.0, -1.0, 0.0, 1000.0], [-1000.0, 30.0, -30.0, 0.5], [1000.0, -1000.0, 2.0, -0.5]],
            [[1.0, -1.0, 1.0, 1.0], [1.0, -1.0, -1.0, -1.0], [-1.0, -1.0, 1.0, 1.0]],
        ),
    ]


def one_hot(idx, n):
    return [[1.0 if j == i else 0.0 for j in range(n)] for i in idx]


def multi_class_cases(rng):
    return [
        ("doc", [[0.1, 0.2, 0.4, 0.8]], one_hot([3], 4)),
        ("regular", rng_rows(rng, 5, 4, 1.5), one_hot([0, 3, 1, 2, 3], 4)),
        (
            # s_y - s_i = 1 exactly (the kink), ties, and +-1000
            "extreme",
            [[1000.0, -1000.0, 0.0, 0.5], [2.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0], [-1000.0, 1000.0, 30.0, -30.0]],
            one_hot([1, 0, 2, 0], 4),
        ),
    ]


def loss_cases():
    rng = np.random.default_rng(20240611)
    out = []
    regression = [
        {"name": "Mse"},
        {"name": "SumSquaredError"},
        {"name": "Mae"},
        {"name": "Huber", "delta": 1.0},
        {"name": "Huber", "delta": 0.5},
        {"name": "LogCosh"},
        {"name": "Quantile", "q": 0.5},
        {"name": "Quantile", "q": 0.9},
        {"name": "Quantile", "q": 0.25},
        {"name": "EpsilonInsensitive", "epsilon": 0.5},
        {"name": "EpsilonInsensitive", "epsilon": 0.25},
    ]
    reg_cases = regression_cases(rng)
    for spec in regression:
        for case, p, y in reg_cases:
            out.append(loss_case(spec, case, p, y))
    for case, p, y in probability_cases(rng, one_hot_rows=False):
        out.append(loss_case({"name": "BinaryCrossEntropy"}, case, p, y))
    for case, p, y in probability_cases(rng, one_hot_rows=True):
        out.append(loss_case({"name": "CrossEntropy"}, case, p, y))
    for case, p, y in hinge_cases(rng):
        out.append(loss_case({"name": "Hinge"}, case, p, y))
    for case, p, y in multi_class_cases(rng):
        out.append(loss_case({"name": "MultiClassHinge"}, case, p, y))
    # Sanity: the stable log-cosh is log(cosh(e)) where the latter is finite.
    e = torch.linspace(-20, 20, 81)
    assert torch.allclose(log_cosh(e), torch.log(torch.cosh(e)), rtol=1e-12, atol=1e-15)
    return out


def cross_entropy_logit_cases():
    """CrossEntropy on the logits of a Softmax: torch CrossEntropyLoss with probability targets."""
    rng = np.random.default_rng(7)
    soft = rng.uniform(size=(2, 4))
    soft = (soft / soft.sum(axis=1, keepdims=True)).tolist()
    cases = [
        ("doc", [[2.0, 1.0, 0.0]], one_hot([0], 3)),
        ("regular", rng_rows(rng, 4, 4, 2.0), [one_hot([2], 4)[0], soft[0], one_hot([0], 4)[0], soft[1]]),
        (
            "extreme",
            [
                [1000.0, 0.0, -1000.0],
                [1000.0, 1000.0, -1000.0],
                [-1000.0, -1000.0, -1000.0],
                [30.0, -30.0, 0.0],
                [0.0, 0.0, 0.0],
            ],
            [[0.0, 0.0, 1.0], [0.5, 0.5, 0.0], [0.2, 0.3, 0.5], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]],
        ),
    ]
    out = []
    for case, z, y in cases:
        zt = tensor(z, grad=True)
        yt = tensor(y)
        value = F.cross_entropy(zt, yt)
        value.backward()
        assert torch.isfinite(value) and torch.isfinite(zt.grad).all()
        out.append(
            {
                "loss": {"name": "CrossEntropy"},
                "torch": "nn.CrossEntropyLoss() on the logits, probability targets",
                "case": case,
                "logits": tolist(zt),
                "target": tolist(yt),
                "per_sample": tolist(F.cross_entropy(zt, yt, reduction="none")),
                "value": value.item(),
                "grad": tolist(zt.grad),
            }
        )
    return out


# ---------------------------------------------------------------------------
# Networks: Chain<Dense<3, 4, H>, Dense<4, 3, O>> against nn.Sequential.
# ---------------------------------------------------------------------------

HIDDEN = {"tanh": nn.Tanh, "prelu": nn.PReLU}
OUTPUT = {"identity": None, "sigmoid": nn.Sigmoid, "softmax": lambda: nn.Softmax(dim=1)}


def build(arch, loss_name):
    hidden, output = arch.split("_")
    layers = [nn.Linear(3, 4), HIDDEN[hidden](), nn.Linear(4, 3)]
    # CrossEntropy after a Softmax is torch CrossEntropyLoss on the logits.
    if OUTPUT[output] is not None and not (output == "softmax" and loss_name == "CrossEntropy"):
        layers.append(OUTPUT[output]())
    return nn.Sequential(*layers)


def network_targets(rng, spec, output, batch):
    name = spec["name"]
    if name == "Hinge":
        return np.where(rng.uniform(size=(batch, 3)) < 0.5, -1.0, 1.0).tolist()
    if name in ("MultiClassHinge",):
        return one_hot(rng.integers(0, 3, size=batch).tolist(), 3)
    if name == "CrossEntropy":
        soft = rng.uniform(size=(batch, 3))
        soft = soft / soft.sum(axis=1, keepdims=True)
        rows = one_hot(rng.integers(0, 3, size=batch).tolist(), 3)
        return [rows[i] if i % 2 == 0 else soft[i].tolist() for i in range(batch)]
    if name == "BinaryCrossEntropy" or output != "identity":
        return rng.uniform(size=(batch, 3)).tolist()
    return (rng.normal(size=(batch, 3)) * 1.5).tolist()


def away_from_kinks(spec, out, y):
    """The f32 network must not land on the other side of a kink than torch."""
    e = out - y
    name = spec["name"]
    m = 1e-3
    if name in ("Mae", "Quantile"):
        return bool((e.abs() > m).all())
    if name == "EpsilonInsensitive":
        return bool(((e.abs() - spec["epsilon"]).abs() > m).all() and (e.abs() > m).all())
    if name == "Hinge":
        return bool(((1.0 - y * out).abs() > m).all())
    if name == "MultiClassHinge":
        sy = out.gather(1, y.argmax(1, keepdim=True))
        return bool(((1.0 - sy + out).abs() > m).all())
    return True


def network_case(rng, arch, spec, extreme):
    batch = 5
    _, output = arch.split("_")
    for _attempt in range(100):
        model = build(arch, spec["name"])
        flat = []
        with torch.no_grad():
            for name, p in model.named_parameters():
                if name.endswith("weight") and p.dim() == 1:  # PReLU slope
                    v = f32([0.25])
                else:
                    v = f32(rng.normal(size=tuple(p.shape)) * 0.8)
                if extreme and name == "2.bias":
                    v = f32([1000.0, -1000.0, 0.5])
                p.copy_(torch.tensor(v))
                flat.extend(v.reshape(-1).tolist())
        xs = tensor(rng.normal(size=(batch, 3)))
        ys = tensor(network_targets(rng, spec, output, batch))
        out = model(xs)
        if away_from_kinks(spec, out.detach(), ys):
            break
    else:
        raise RuntimeError(f"no case away from the kinks for {arch} {spec}")
    if spec["name"] == "CrossEntropy" and output == "softmax":
        value = F.cross_entropy(out, ys)
    else:
        value = loss_fn(spec)(out, ys)
    value.backward()
    grad = []
    for _, p in model.named_parameters():
        grad.extend(tolist(p.grad.reshape(-1)))
    assert torch.isfinite(value) and all(math.isfinite(g) for g in grad)
    state_dict_order = [k for k in model.state_dict().keys()]
    assert state_dict_order == [k for k, _ in model.named_parameters()]
    return {
        "arch": arch,
        "torch": repr(model).replace("\n", " "),
        "state_dict": state_dict_order,
        "loss": spec,
        "extreme": extreme,
        "params": flat,
        "xs": tolist(xs),
        "ys": tolist(ys),
        "value": value.item(),
        "grad": grad,
    }


def network_cases():
    rng = np.random.default_rng(31337)
    regression = [
        {"name": "Mse"},
        {"name": "SumSquaredError"},
        {"name": "Mae"},
        {"name": "Huber", "delta": 1.0},
        {"name": "Huber", "delta": 0.5},
        {"name": "LogCosh"},
        {"name": "Quantile", "q": 0.9},
        {"name": "EpsilonInsensitive", "epsilon": 0.25},
        {"name": "Hinge"},
        {"name": "MultiClassHinge"},
    ]
    probability = [{"name": "BinaryCrossEntropy"}, {"name": "CrossEntropy"}]
    out = []
    for arch in ("tanh_identity", "prelu_identity"):
        for spec in regression:
            out.append(network_case(rng, arch, spec, extreme=False))
    for arch in ("tanh_sigmoid", "tanh_softmax"):
        for spec in regression + probability:
            out.append(network_case(rng, arch, spec, extreme=False))
        for spec in regression + probability:
            out.append(network_case(rng, arch, spec, extreme=True))
    return out


# ---------------------------------------------------------------------------
# Activations: values and vector-Jacobian products.
# ---------------------------------------------------------------------------

ELEMENTWISE_Z = [
    [-1000.0, -30.0, -20.5, -20.0, -1.0],
    [-1e-3, -1e-7, 0.0, 1e-7, 1e-3],
    [0.5, 1.0, 20.0, 20.5, 30.0],
    [1000.0, -0.5, 2.0, -2.0, -100.0],
]
SOFTMAX_Z = [
    [0.0, 0.0, 0.0, 0.0],
    [1.0, 2.0, 3.0, 4.0],
    [1000.0, 0.0, -1000.0, 1.0],
    [30.0, 30.0, -30.0, 0.0],
    [-1000.0, -1000.0, -1000.0, -999.0],
    [1e-7, -1e-7, 0.5, -0.5],
]

ACTIVATIONS = [
    ("Identity", "nn.Identity()", lambda: nn.Identity(), {}),
    ("Sigmoid", "nn.Sigmoid()", lambda: nn.Sigmoid(), {}),
    ("Tanh", "nn.Tanh()", lambda: nn.Tanh(), {}),
    ("ReLU", "nn.ReLU()", lambda: nn.ReLU(), {}),
    ("LeakyReLU", "nn.LeakyReLU(0.01)", lambda: nn.LeakyReLU(0.01), {"alpha": 0.01}),
    ("LeakyReLU", "nn.LeakyReLU(0.2)", lambda: nn.LeakyReLU(0.2), {"alpha": 0.2}),
    ("PReLU", "nn.PReLU() (weight 0.25)", lambda: nn.PReLU(init=0.25), {"alpha": 0.25}),
    ("ELU", "nn.ELU(alpha=1.0)", lambda: nn.ELU(alpha=1.0), {"alpha": 1.0}),
    ("ELU", "nn.ELU(alpha=0.5)", lambda: nn.ELU(alpha=0.5), {"alpha": 0.5}),
    ("Softplus", "nn.Softplus() (beta 1, threshold 20)", lambda: nn.Softplus(), {}),
    ("Softmax", "nn.Softmax(dim=1)", lambda: nn.Softmax(dim=1), {}),
]


def activation_cases():
    rng = np.random.default_rng(99)
    out = []
    for name, desc, make, params in ACTIVATIONS:
        module = make()
        if name == "PReLU":
            with torch.no_grad():
                module.weight.copy_(torch.tensor(f32([params["alpha"]])))
        z_rows = SOFTMAX_Z if name == "Softmax" else ELEMENTWISE_Z
        z = tensor(z_rows, grad=True)
        upstream = tensor(rng.normal(size=z.shape))
        a = module(z)
        (vjp,) = torch.autograd.grad(a, z, upstream, retain_graph=True)
        entry = {
            "name": name,
            "torch": desc,
            "params": params,
            "width": len(z_rows[0]),
            "z": tolist(z),
            "a": tolist(a),
            "upstream": tolist(upstream),
            "vjp": tolist(vjp),
        }
        if name == "PReLU":
            (alpha_grad,) = torch.autograd.grad(a, module.weight, upstream)
            entry["alpha_grad"] = alpha_grad.item()
        assert torch.isfinite(a).all() and torch.isfinite(vjp).all()
        out.append(entry)
    return out


# ---------------------------------------------------------------------------


def meta():
    return {
        "generator": "tests/reference/losses.py",
        "command": COMMAND,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "dtype": "float64 (inputs rounded to float32 first)",
        "gradients": "torch.autograd, of the batch-mean loss",
    }


def dump(obj, indent=0):
    """JSON with one line per list of numbers (readable diffs)."""
    pad = " " * indent
    if isinstance(obj, dict) and all(not isinstance(v, (dict, list)) for v in obj.values()):
        return pad + json.dumps(obj, allow_nan=False)
    if isinstance(obj, dict):
        items = [f'{pad} {json.dumps(k)}: {dump(v, indent + 1).lstrip()}' for k, v in obj.items()]
        return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and obj and all(isinstance(x, dict) for x in obj):
        return pad + "[\n" + ",\n".join(dump(x, indent + 1) for x in obj) + "\n" + pad + "]"
    if isinstance(obj, list) and obj and all(isinstance(x, list) for x in obj):
        return pad + "[\n" + ",\n".join(dump(x, indent + 1) for x in obj) + "\n" + pad + "]"
    return pad + json.dumps(obj, allow_nan=False)


def main():
    losses = {
        "meta": meta(),
        "losses": loss_cases(),
        "cross_entropy_logits": cross_entropy_logit_cases(),
        "networks": network_cases(),
    }
    activations = {"meta": meta(), "activations": activation_cases()}
    for name, obj in (("losses.json", losses), ("activations.json", activations)):
        text = dump(obj) + "\n"
        json.loads(text)  # well-formed
        (OUT_DIR / name).write_text(text)
        print(f"wrote {OUT_DIR / name}", file=sys.stderr)
    # Values quoted in the doc comments.
    for c in losses["losses"] + losses["cross_entropy_logits"]:
        if c["case"] == "doc":
            print(f"doc {c['loss']}: value {c['value']:.9g}, grad {[round(g, 9) for g in c['grad'][0]]}")


if __name__ == "__main__":
    main()
