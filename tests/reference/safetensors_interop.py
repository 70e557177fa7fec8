"""safetensors interop between nn and PyTorch, both directions.

Builds, in torch, the models equivalent to the two networks of
`tests/safetensors_interop.rs`:

    network![Dense<4, 8, ReLU>, Dropout<0.25>, Dense<8, 6, PReLU>, ELU,
             Dense<6, 5>, Tanh, Dense<5, 3, Softmax>]
      = nn.Sequential(Linear(4, 8), ReLU(), Dropout(0.25), Linear(8, 6), PReLU(),
                      ELU(), Linear(6, 5), Tanh(), Linear(5, 3), Softmax(dim=-1))

    network! { struct Named { hidden: Dense<4, 8, PReLU>, drop: Dropout<0.25>,
               act: LeakyReLU<0.2>, mid: Dense<8, 6, Tanh>, slope: PReLU,
               out: Dense<6, 2, Sigmoid> } }
      = the module `Named` below (keys hidden.weight, hidden.bias,
        hidden.activation.weight, mid.weight, mid.bias, slope.weight, out.weight, out.bias)

1. torch -> nn: saves each model's `state_dict` with `safetensors.torch.save_file`
   (safetensors_torch_sequential.safetensors, safetensors_torch_named.safetensors)
   and records the outputs on fixed inputs, computed in float64 from the float32
   weights, in safetensors_interop.json. The Rust test imports the files and
   matches the outputs to 1e-5.
2. nn -> torch: if the files written by the Rust test are present
   (safetensors_rust_sequential.safetensors, safetensors_rust_named.safetensors,
   with the outputs nn computed in safetensors_rust_outputs.json), loads them
   with `load_state_dict(strict=True)` and checks torch's outputs against nn's
   to 1e-5. Exits non-zero on any mismatch.

Run from the workspace root (see tests/reference/README.md):

    /work/venv-torch/bin/python tests/reference/safetensors_interop.py
"""

import json
import os
import sys

import numpy as np
import safetensors
import safetensors.torch
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
TOLERANCE = 1e-5


def sequential():
    return nn.Sequential(
        nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.25), nn.Linear(8, 6), nn.PReLU(),
        nn.ELU(), nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3), nn.Softmax(dim=-1),
    )


class Named(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 8)
        self.hidden.activation = nn.PReLU()  # registered as the child `activation` of `hidden`
        self.drop = nn.Dropout(0.25)
        self.act = nn.LeakyReLU(0.2)
        self.mid = nn.Linear(8, 6)
        self.slope = nn.PReLU()
        self.out = nn.Linear(6, 2)

    def forward(self, x):
        x = self.hidden.activation(self.hidden(x))
        x = self.act(self.drop(x))
        x = self.slope(torch.tanh(self.mid(x)))
        return torch.sigmoid(self.out(x))


def inputs():
    rng = np.random.default_rng(2024)
    xs = rng.normal(0.0, 1.5, size=(7, 4)).astype(np.float32)
    xs[0] = [0.0, 0.0, 0.0, 0.0]
    xs[1] = [-3.0, 2.5, -0.5, 4.0]
    return xs


def outputs64(model, xs):
    """Outputs in float64 from the float32 weights (eval mode: dropout off)."""
    m = type(model)() if isinstance(model, Named) else sequential()
    m.load_state_dict({k: v.clone() for k, v in model.state_dict().items()})
    m = m.double().eval()
    with torch.no_grad():
        return m(torch.from_numpy(xs.astype(np.float64))).numpy()


def export():
    torch.manual_seed(0)
    seq = sequential()
    with torch.no_grad():
        seq[4].weight.fill_(0.1)  # not the default 0.25, so that a wrong key shows
    named = Named()
    with torch.no_grad():
        named.hidden.activation.weight.fill_(-0.3)
        named.slope.weight.fill_(0.6)
    files = {
        "sequential": ("safetensors_torch_sequential.safetensors", seq),
        "named": ("safetensors_torch_named.safetensors", named),
    }
    xs = inputs()
    record = {
        "meta": {
            "python": sys.version.split()[0],
            "torch": torch.__version__,
            "numpy": np.__version__,
            "safetensors": safetensors.__version__,
        },
        "inputs": xs.astype(np.float64).tolist(),
    }
    for key, (file, model) in files.items():
        state = {k: v.contiguous() for k, v in model.state_dict().items()}
        safetensors.torch.save_file(state, os.path.join(HERE, file), metadata={"format": "pt"})
        record[key] = {
            "file": file,
            "keys": {k: list(v.shape) for k, v in state.items()},
            "outputs": outputs64(model, xs).tolist(),
        }
        print(f"torch -> nn: wrote {file} ({', '.join(state)})")
    with open(os.path.join(HERE, "safetensors_interop.json"), "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    return xs


def check_rust_files(xs):
    path = os.path.join(HERE, "safetensors_rust_outputs.json")
    if not os.path.exists(path):
        print("nn -> torch: safetensors_rust_outputs.json not found; run the Rust test with "
              "NN_REGENERATE_REFERENCE=1 first")
        return True
    with open(path) as f:
        rust = json.load(f)
    assert np.array_equal(np.array(rust["inputs"], dtype=np.float32), xs), "inputs differ"
    ok = True
    for key, make in [("sequential", sequential), ("named", Named)]:
        entry = rust[key]
        model = make()
        state = safetensors.torch.load_file(os.path.join(HERE, entry["file"]))
        model.load_state_dict(state, strict=True)  # every key present, no extra, shapes equal
        for name, tensor in state.items():
            assert tensor.dtype == torch.float32, (name, tensor.dtype)
        ours = outputs64(model, xs)
        theirs = np.array(entry["outputs"], dtype=np.float64)
        err = float(np.max(np.abs(ours - theirs)))
        status = "ok" if err <= TOLERANCE else "MISMATCH"
        ok &= err <= TOLERANCE
        print(f"nn -> torch: {entry['file']}: load_state_dict(strict=True) ok, "
              f"{ours.size} outputs, max |torch - nn| = {err:.3g} ({status})")
    return ok


if __name__ == "__main__":
    xs = export()
    sys.exit(0 if check_rust_files(xs) else 1)
