#!/usr/bin/env python3
"""Reference numbers for nn's image layers, computed by PyTorch in float64.

Writes conv.json next to this script: two small convolutional networks (the
same torch nn.Sequential as the Rust `network!`, same float32 parameters in
state_dict order), a batch of inputs and one-hot targets, and for each
network the outputs (softmax probabilities), the batch-mean CrossEntropyLoss
on the logits, the parameter gradients in state_dict order (= nn's params()
order).

Network "lenet_like" (input 2x8x8):
  Conv2d(2, 3, 3, padding=1) ReLU MaxPool2d(2) Conv2d(3, 4, 3, stride=2, padding=1) Tanh
  AvgPool2d(2) Flatten Linear(4, 3)
  = network! [Input<2, 8, 8>, Conv2d<2, 3, 3, ReLU, padding = 1>, MaxPool2d<2>,
              Conv2d<3, 4, 3, Tanh, stride = 2, padding = 1>, AvgPool2d<2>, Flatten, Dense<4, 3, Softmax>]
Network "strided" (input 3x7x5, non-square, stride 2 without padding, 1x1 conv):
  Conv2d(3, 4, 3, stride=2) Sigmoid Conv2d(4, 2, 1) Flatten Linear(12, 3)
  = network! [Input<3, 7, 5>, Conv2d<3, 4, 3, Sigmoid, stride = 2>, Conv2d<4, 2, 1>, Flatten, Dense<12, 3, Softmax>]

Every input is rounded to float32 first and stored exactly, so the references
are the float64 truth for the float32 numbers the Rust test uses.

Run from the workspace root:  /work/venv-torch/bin/python tests/reference/conv.py
"""

import json
import platform
from pathlib import Path

import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
OUT_DIR = Path(__file__).resolve().parent
BATCH = 5


def f32(t):
    return torch.tensor(np.asarray(t, dtype=np.float32).astype(np.float64))


def case(name, model, shape, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(f32(torch.empty(p.shape).uniform_(-0.6, 0.6, generator=g)))
    x = f32(torch.empty((BATCH,) + shape).uniform_(-1, 1, generator=g)).requires_grad_(True)
    classes = torch.randint(0, 3, (BATCH,), generator=g)
    target = torch.nn.functional.one_hot(classes, 3).double()
    logits = model(x)
    loss = nn.CrossEntropyLoss()(logits, target)
    model.zero_grad()
    loss.backward()
    params = torch.cat([p.detach().flatten() for p in model.state_dict().values()])
    grads = torch.cat([p.grad.flatten() for p in model.parameters()])
    return {
        "name": name,
        "input_shape": list(shape),
        "params": params.tolist(),
        "inputs": x.detach().reshape(BATCH, -1).tolist(),
        "targets": target.tolist(),
        "outputs": torch.softmax(logits, dim=1).detach().tolist(),
        "loss": loss.item(),
        "grad": grads.tolist(),
    }


def main():
    lenet_like = nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.Tanh(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(4, 3),
    )
    strided = nn.Sequential(
        nn.Conv2d(3, 4, 3, stride=2), nn.Sigmoid(), nn.Conv2d(4, 2, 1), nn.Flatten(), nn.Linear(12, 3),
    )
    out = {
        "generator": "tests/reference/conv.py",
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cases": [case("lenet_like", lenet_like, (2, 8, 8), 1), case("strided", strided, (3, 7, 5), 2)],
    }
    (OUT_DIR / "conv.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
