"""The figures of benches/compare/run.sh for PyTorch (CPU, 1 thread): MNIST
784-128-10 (Linear, ReLU, Dropout(0.5), Linear; CrossEntropyLoss; Adam),
one JSON object per line, as benches/compare/figures.rs prints them for nn.

Each figure is the median of --repeats runs, timed by the CPU time of the
thread (time.thread_time), like figures.rs, so that other processes on a
shared machine do not count.
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


def emit(name, value, unit, threads=1):
    print(json.dumps({"impl": "torch", "figure": name, "value": value, "unit": unit,
                      "threads": threads, "clock": "cpu", "version": torch.__version__}), flush=True)


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
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)

    x = torch.from_numpy(idx(os.path.join(args.data, "train-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255.0)
    y = torch.from_numpy(idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    test = torch.from_numpy(idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255.0)
    n_train = 12_800 if args.quick else len(x)
    x, y = x[:n_train], y[:n_train]

    model = torch.nn.Sequential(
        torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Dropout(0.5), torch.nn.Linear(128, 10))
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

    emit("train_samples_per_s_b64", n_train / timed(min(args.repeats, 5), epoch), "samples/s")

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


if __name__ == "__main__":
    main()
