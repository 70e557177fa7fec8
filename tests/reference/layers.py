#!/usr/bin/env python3
"""Reference numbers for nn's Maxout, Residual (with stochastic depth) and
per-unit PReLU, computed by PyTorch in float64.

Writes layers.json next to this script, read by nn-core/tests/reference_layers.rs.
Each case is a small torch network, the same as a Rust `Chain` with the same
float32 parameters (flat, in state_dict order = nn's `params()` order): its
outputs, the batch-mean `MSELoss` and the parameter gradients (torch autograd).

Torch has no Maxout and no residual module; the reference implementations are
the classes below:

* `Maxout(IN, OUT, K)`: `nn.Linear(IN, OUT*K)` followed by the maximum over
  consecutive groups of K outputs, `linear(x).view(-1, OUT, K).max(-1).values`
  (unit o takes Linear outputs o*K .. o*K+K-1); the gradient goes to the
  maximum piece, as torch.max(dim) routes it.
* `Residual(branch, p)`: `x + stochastic_depth(branch(x), p, "row", training)`
  where `stochastic_depth` is torchvision.ops.stochastic_depth, transcribed
  below (torchvision is not installed here; its code is four lines): in
  training each row of the branch output is multiplied by a Bernoulli(1 - p)
  draw divided by 1 - p; outside training it is the identity.

Random masks cannot be shared between torch and Rust, so the stochastic-depth
case gives, for every sample, the output and the gradient of that sample's
share of the batch-mean loss for both outcomes (branch kept: noise 1/(1-p);
branch dropped: noise 0). The Rust test reads its own mask off its outputs and
sums the matching per-sample gradients.

Every input is rounded to float32 first and stored exactly.

Run from the workspace root:
    /work/venv-torch/bin/python tests/reference/layers.py
"""

import json
import platform
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
OUT_DIR = Path(__file__).resolve().parent
COMMAND = "python3 tests/reference/layers.py"


def f32(x):
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def tolist(t):
    return t.detach().cpu().numpy().astype(np.float64).tolist()


def stochastic_depth(input, p, mode, training=True):
    """torchvision.ops.stochastic_depth (torchvision 0.2x), transcribed."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ["batch", "row"]:
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    if not training or p == 0.0:
        return input
    survival_rate = 1.0 - p
    if mode == "row":
        size = [input.shape[0]] + [1] * (input.ndim - 1)
    else:
        size = [1] * input.ndim
    noise = torch.empty(size, dtype=input.dtype, device=input.device)
    noise = noise.bernoulli_(survival_rate)
    if survival_rate > 0.0:
        noise.div_(survival_rate)
    return input * noise


class Maxout(nn.Module):
    def __init__(self, n_in, n_out, k):
        super().__init__()
        self.n_out, self.k = n_out, k
        self.linear = nn.Linear(n_in, n_out * k)

    def forward(self, x):
        return self.linear(x).view(-1, self.n_out, self.k).max(-1).values


class Residual(nn.Module):
    """x + stochastic_depth(branch(x)); `noise` (per row) replaces the Bernoulli draw when given."""

    def __init__(self, branch, p):
        super().__init__()
        self.branch, self.p = branch, p
        self.noise = None

    def forward(self, x):
        f = self.branch(x)
        if self.noise is not None:
            return x + f * self.noise.view(-1, 1)
        return x + stochastic_depth(f, self.p, "row", self.training)


def set_params(model, rng, scale=0.6):
    """Every parameter from U(-scale, scale), rounded to float32; returns them flat."""
    flat = []
    with torch.no_grad():
        for t in model.state_dict().values():
            v = f32(rng.uniform(-scale, scale, size=tuple(t.shape)))
            t.copy_(torch.tensor(v))
            flat.extend(v.reshape(-1).tolist())
    return flat


def grads_flat(model):
    return [g for p in model.parameters() for g in tolist(p.grad.reshape(-1))]


def network_case(name, rust, model, rng, n_in, n_out, batch):
    params = set_params(model, rng)
    x = torch.tensor(f32(rng.uniform(-1.5, 1.5, size=(batch, n_in))))
    y = torch.tensor(f32(rng.uniform(-1.0, 1.0, size=(batch, n_out))))
    model.zero_grad()
    out = model(x)
    loss = nn.functional.mse_loss(out, y)
    loss.backward()
    return {
        "name": name,
        "rust": rust,
        "params": params,
        "x": x.tolist(),
        "y": y.tolist(),
        "output": tolist(out),
        "loss": loss.item(),
        "grad": grads_flat(model),
        "keys": state_dict_keys(model),
    }


def state_dict_keys(model):
    """The state_dict keys and shapes: what nn's safetensors export must name."""
    return [[k, list(t.shape)] for k, t in model.state_dict().items()]


def stochastic_depth_case(rng, p, batch):
    branch = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 4))
    residual = Residual(branch, p)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), residual, nn.Linear(4, 2))
    params = set_params(model, rng)
    x = torch.tensor(f32(rng.uniform(-1.5, 1.5, size=(batch, 3))))
    y = torch.tensor(f32(rng.uniform(-1.0, 1.0, size=(batch, 2))))
    # Check the transcription against the noise formulation once.
    model.train()
    torch.manual_seed(0)
    a = model(x)
    torch.manual_seed(0)
    residual.noise = torch.empty(batch, dtype=torch.float64).bernoulli_(1 - p).div_(1 - p)
    b = model(x)
    residual.noise = None
    assert torch.equal(a, b)
    per_sample = []
    for i in range(batch):
        outcomes = {}
        for outcome, noise in (("kept", 1.0 / (1.0 - p)), ("dropped", 0.0)):
            residual.noise = torch.full((1,), noise)
            model.zero_grad()
            out = model(x[i : i + 1])
            # The sample's share of the batch-mean MSELoss.
            loss = nn.functional.mse_loss(out, y[i : i + 1], reduction="sum") / (2 * batch)
            loss.backward()
            outcomes[outcome] = {"output": tolist(out[0]), "loss": loss.item(), "grad": grads_flat(model)}
        per_sample.append(outcomes)
    residual.noise = None
    model.eval()
    model.zero_grad()
    out = model(x)
    loss = nn.functional.mse_loss(out, y)
    loss.backward()
    return {
        "name": "stochastic depth",
        "rust": "Chain<Dense<3, 4, Tanh>, Chain<Residual<Chain<Dense<4, 4, Tanh>, Dense<4, 4>>, P=0.5>, Dense<4, 2>>>",
        "torch": "Sequential(Linear(3,4), Tanh, x + stochastic_depth(Sequential(Linear(4,4), Tanh, Linear(4,4))(x), 0.5, 'row'), Linear(4,2))",
        "p": p,
        "params": params,
        "x": x.tolist(),
        "y": y.tolist(),
        "per_sample": per_sample,
        "eval": {"output": tolist(out), "loss": loss.item(), "grad": grads_flat(model)},
        "keys": state_dict_keys(model),
    }


def prelu_case(rng):
    """nn.PReLU(N) alone: values, vector-Jacobian product and the slope gradient."""
    n = 5
    act = nn.PReLU(num_parameters=n)
    with torch.no_grad():
        act.weight.copy_(torch.tensor(f32([0.25, -0.1, 0.5, 1.5, 0.0])))
    z = torch.tensor(f32([[-2.0, 1.0, -3.0, 0.0, -1e-7], [0.5, -0.7, -1000.0, -30.0, 4.0], [-1.0, -1.0, -1.0, -1.0, -1.0]]), requires_grad=True)
    upstream = torch.tensor(f32(rng.uniform(-1.0, 1.0, size=(3, n))))
    a = act(z)
    a.backward(upstream)
    return {
        "torch": "nn.PReLU(num_parameters=5)",
        "weight": tolist(act.weight),
        "z": tolist(z),
        "upstream": tolist(upstream),
        "a": tolist(a),
        "vjp": tolist(z.grad),
        "grad_weight": tolist(act.weight.grad),
    }


def main():
    rng = np.random.default_rng(20261123)
    cases = [
        network_case(
            "maxout",
            "Chain<Dense<4, 6, Tanh>, Chain<Maxout<6, 3, 4>, Dense<3, 2>>>",
            nn.Sequential(nn.Linear(4, 6), nn.Tanh(), Maxout(6, 3, 4), nn.Linear(3, 2)),
            rng, 4, 2, 6,
        ),
        network_case(
            "residual",
            "Chain<Dense<4, 5, Tanh>, Chain<Residual<Chain<Dense<5, 5, ReLU>, Dense<5, 5>>>, Dense<5, 2>>>",
            nn.Sequential(
                nn.Linear(4, 5), nn.Tanh(),
                Residual(nn.Sequential(nn.Linear(5, 5), nn.ReLU(), nn.Linear(5, 5)), 0.0),
                nn.Linear(5, 2),
            ),
            rng, 4, 2, 6,
        ),
        network_case(
            "prelu per unit",
            "Chain<Dense<4, 6, PReLU<6>>, Dense<6, 3, PReLU<3>>>",
            nn.Sequential(nn.Linear(4, 6), nn.PReLU(6), nn.Linear(6, 3), nn.PReLU(3)),
            rng, 4, 3, 6,
        ),
    ]
    out = {
        "meta": {
            "generator": "tests/reference/layers.py",
            "command": COMMAND,
            "python": platform.python_version(),
            "torch": torch.__version__,
            "numpy": np.__version__,
            "dtype": "float64 (inputs rounded to float32 first)",
            "loss": "nn.MSELoss (mean), gradients by torch.autograd",
        },
        "networks": cases,
        "stochastic_depth": stochastic_depth_case(rng, 0.5, 8),
        "prelu": prelu_case(rng),
    }
    text = json.dumps(out, allow_nan=False, indent=1) + "\n"
    (OUT_DIR / "layers.json").write_text(text)
    print(f"wrote {OUT_DIR / 'layers.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()
