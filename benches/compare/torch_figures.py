"""The figures of benches/compare/run.sh for PyTorch (CPU, 1 thread): MNIST
784-128-10 (Linear, ReLU, Dropout(0.5), Linear; CrossEntropyLoss; Adam),
and LeNet-5 (the cnn_* figures: Conv2d(1, 6, 5, padding=2), ReLU, MaxPool2d(2),
Conv2d(6, 16, 5), ReLU, MaxPool2d(2), Flatten, Linear(400, 120), ReLU,
Linear(120, 84), ReLU, Linear(84, 10)), one JSON object per line, as
benches/compare/figures.rs prints them for nn.

Each figure is the median of --repeats runs, timed by the CPU time of the
thread (time.thread_time), like figures.rs, so that other processes on a
shared machine do not count. Subnormals are flushed to zero
(torch.set_flush_denormal(True)), as nn's optimizers do on x86-64; the
training figure is measured a second time without
(train_samples_per_s_b64_subnormals, PyTorch's default).
"""

import argparse
import gzip
import json
import os
import statistics
import time

import numpy as np
import torch


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


FLUSH = {"on": False}  # what torch.set_flush_denormal reported, for emit


def emit(name, value, unit, threads=1, flush=None):
    flush = FLUSH["on"] if flush is None else flush
    print(json.dumps({"impl": "torch", "figure": name, "value": value, "unit": unit, "threads": threads,
                      "clock": "cpu", "version": torch.__version__, "flush_denormal": flush}), flush=True)


def timed(repeats, f):
    f()  # warm-up
    runs = []
    for _ in range(repeats):
        t = time.thread_time()
        f()
        runs.append(time.thread_time() - t)
    return statistics.median(runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "data", "mnist"))
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=["train", "predict", "cnn", "parallel"])
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)

    x = torch.from_numpy(idx(os.path.join(args.data, "train-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255.0)
    y = torch.from_numpy(idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    test = torch.from_numpy(idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255.0)
    n_train = 12_800 if args.quick else len(x)
    x, y = x[:n_train], y[:n_train]

    def mlp():
        return torch.nn.Sequential(
            torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Dropout(0.5), torch.nn.Linear(128, 10))

    def train_rate(model):
        loss_fn = torch.nn.CrossEntropyLoss()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)

        def epoch():
            model.train()
            order = torch.randperm(n_train)
            for start in range(0, n_train, 64):
                i = order[start:start + 64]
                opt.zero_grad()
                loss = loss_fn(model(x[i]), y[i])
                loss.backward()
                opt.step()
                loss.item()

        return n_train / timed(min(args.repeats, 5), epoch)

    # nn's optimizers flush subnormals to zero on x86-64 (nn_core's
    # `subnormal` module); the figures here do the same, and the training
    # figure is also measured with PyTorch's default, which keeps them (an
    # x86 core's microcode assists for them slow Adam down as its moments
    # decay through the subnormal range).
    FLUSH["on"] = torch.set_flush_denormal(True)
    if args.only == "cnn":
        return cnn(x, y, test, args.repeats)
    torch.manual_seed(0)
    model = mlp()
    emit("train_samples_per_s_b64", train_rate(model), "samples/s")
    if args.only in (None, "train"):
        torch.set_flush_denormal(False)
        torch.manual_seed(0)
        emit("train_samples_per_s_b64_subnormals", train_rate(mlp()), "samples/s", flush=False)
        torch.set_flush_denormal(True)

    model.eval()
    n1 = 1_000 if args.quick else 10_000
    with torch.inference_mode():
        def one():
            for i in range(n1):
                model(test[i:i + 1])

        emit("predict_b1_us", timed(args.repeats, one) / n1 * 1e6, "µs")

        def b64():
            for i in range(0, len(test), 64):
                model(test[i:i + 64])

        emit("predict_b64_samples_per_s", len(test) / timed(args.repeats, b64), "samples/s")
        emit("predict_b10000_samples_per_s", len(test) / timed(args.repeats, lambda: model(test)), "samples/s")

    cnn(x, y, test, args.repeats)


def cnn(x, y, test, repeats):
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = x[:6_400].reshape(-1, 1, 28, 28), y[:6_400]
    test = test.reshape(-1, 1, 28, 28)

    def epoch():
        model.train()
        for start in range(0, len(x), 64):
            opt.zero_grad()
            loss = loss_fn(model(x[start:start + 64]), y[start:start + 64])
            loss.backward()
            opt.step()
            loss.item()

    emit("cnn_train_samples_per_s_b64", len(x) / timed(min(repeats, 3), epoch), "samples/s")
    model.eval()
    with torch.inference_mode():
        def one():
            for i in range(1_000):
                model(test[i:i + 1])

        emit("cnn_predict_b1_us", timed(repeats, one) / 1_000 * 1e6, "µs")
        emit("cnn_predict_b10000_samples_per_s", len(test) / timed(min(repeats, 3), lambda: model(test)), "samples/s")


if __name__ == "__main__":
    main()
