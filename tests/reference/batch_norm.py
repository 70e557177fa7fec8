"""Reference numbers for nn's BatchNorm, from PyTorch in float64.

Writes batch_norm.json, read by nn-core/tests/reference_batch_norm.rs:

- `train`: nn.Sequential(Linear(4, 6), BatchNorm1d(6), ReLU(), Linear(6, 3)) in
  training mode on a batch of 5: the outputs, the MSE loss, the gradient of
  every parameter (state_dict order, trainable ones only), and the running
  statistics after that forward pass (momentum 0.1, unbiased variance).
- `eval`: the same network in eval mode, with running statistics set to
  given values: outputs, loss and gradients (the statistics are constants).
- `sgd`: three training steps with SGD(lr=0.1, momentum=0.9, weight_decay=0.01)
  on three batches: every state_dict value after each step (the running
  statistics follow the forward passes; weight decay does not touch them).
- `safetensors`: the float32 state_dict of such a network after two training
  steps, saved by `safetensors.torch.save_file` (with torch's int64
  `num_batches_tracked`) to safetensors_torch_batchnorm.safetensors, and its
  eval-mode outputs on 4 inputs, computed in float64 from those weights.

Run: python tests/reference/batch_norm.py (needs torch).
"""
import json
import os

import torch

torch.set_default_dtype(torch.float64)


def net_with(seed):
    g = torch.Generator().manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(), torch.nn.Linear(6, 3)
    )
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.7)
    return net, g


def state(net):
    """Every value of the state_dict in order, without num_batches_tracked."""
    return [v.reshape(-1).tolist() for k, v in net.state_dict().items() if "num_batches_tracked" not in k]


def flat(lists):
    return [x for l in lists for x in l]


def grad_and_state(net):
    """The gradient in the layout of params: running statistics hold their new values."""
    return flat(
        [
            net[0].weight.grad.reshape(-1).tolist(),
            net[0].bias.grad.tolist(),
            net[1].weight.grad.tolist(),
            net[1].bias.grad.tolist(),
            net[1].running_mean.tolist(),
            net[1].running_var.tolist(),
            net[3].weight.grad.reshape(-1).tolist(),
            net[3].bias.grad.tolist(),
        ]
    )


def torch_file():
    """A float32 network trained two steps, saved as torch saves it."""
    import safetensors.torch

    torch.set_default_dtype(torch.float32)
    g = torch.Generator().manual_seed(10)
    net = torch.nn.Sequential(
        torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(), torch.nn.Linear(6, 3)
    )
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(2):
        x = torch.randn(8, 4, generator=g) * 3.0 + 1.0
        opt.zero_grad()
        net(x).square().mean().backward()
        opt.step()
    here = os.path.dirname(os.path.abspath(__file__))
    safetensors.torch.save_file(
        net.state_dict(), os.path.join(here, "safetensors_torch_batchnorm.safetensors"), metadata={"format": "pt"}
    )
    x = torch.randn(4, 4, generator=g)
    net64 = net.double().eval()
    with torch.no_grad():
        y = net64(x.double())
    torch.set_default_dtype(torch.float64)
    return {"x": x.double().reshape(-1).tolist(), "y": y.reshape(-1).tolist()}


def main():
    net, g = net_with(7)
    x = torch.randn(5, 4, generator=g) * 2.0 + 0.5
    t = torch.randn(5, 3, generator=g)
    out = {}

    initial = flat(state(net))
    net.train()
    y = net(x)
    loss = torch.nn.functional.mse_loss(y, t)
    loss.backward()
    out["train"] = {
        "params": initial,
        "x": x.reshape(-1).tolist(),
        "t": t.reshape(-1).tolist(),
        "y": y.detach().reshape(-1).tolist(),
        "loss": loss.item(),
        "grad": grad_and_state(net),
    }

    net, g = net_with(8)
    with torch.no_grad():
        net[1].running_mean.copy_(torch.randn(6, generator=g))
        net[1].running_var.copy_(torch.rand(6, generator=g) + 0.5)
    x = torch.randn(5, 4, generator=g)
    t = torch.randn(5, 3, generator=g)
    initial = flat(state(net))
    net.eval()
    y = net(x)
    loss = torch.nn.functional.mse_loss(y, t)
    loss.backward()
    out["eval"] = {
        "params": initial,
        "x": x.reshape(-1).tolist(),
        "t": t.reshape(-1).tolist(),
        "y": y.detach().reshape(-1).tolist(),
        "loss": loss.item(),
        "grad": grad_and_state(net),
    }

    net, g = net_with(9)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
    steps = []
    sgd = {"params": flat(state(net)), "steps": steps}
    net.train()
    for _ in range(3):
        x = torch.randn(4, 4, generator=g)
        t = torch.randn(4, 3, generator=g)
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(x), t)
        loss.backward()
        opt.step()
        steps.append(
            {"x": x.reshape(-1).tolist(), "t": t.reshape(-1).tolist(), "loss": loss.item(), "after": flat(state(net))}
        )
    out["sgd"] = sgd

    out["safetensors"] = torch_file()

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "batch_norm.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", path)


if __name__ == "__main__":
    main()
