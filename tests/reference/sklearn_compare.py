"""The acceptance comparison with scikit-learn's MLPClassifier.

For iris, wine, breast_cancer and digits (the tables scikit-learn ships),
makes five stratified 75/25 train/test splits (random_state 0..4: test sets
of 38 to 450 samples are small, so one split says little), writes each as
CSV (raw features f0..f{n-1}, integer column `target`) for the Rust side, and
trains `MLPClassifier(hidden_layer_sizes=(64,))` with scikit-learn's defaults
otherwise (ReLU, Adam 1e-3, batch min(200, n), up to 200 epochs, L2 alpha
1e-4) on z-scored features (StandardScaler fitted on the training part), with
ten seeds per split. Writes the test accuracies to sklearn_results.json.

Then `cargo run --release --example sklearn_compare -- DIR` trains our
one-hidden-layer network on the same CSVs and prints both side by side.

Run (from the repository root):
    python tests/reference/sklearn_compare.py target/sklearn_compare
    cargo run --release --example sklearn_compare -- target/sklearn_compare
Needs numpy and scikit-learn; `cargo test` does not.
"""

import csv
import json
import os
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

HIDDEN = 64
SEEDS = range(10)
SPLITS = range(5)
DATASETS = {
    "iris": load_iris,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
    "digits": load_digits,
}


def write_csv(path, x, y):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([f"f{i}" for i in range(x.shape[1])] + ["target"])
        for row, label in zip(x, y):
            w.writerow([repr(float(v)) for v in row] + [int(label)])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join("target", "sklearn_compare")
    os.makedirs(out, exist_ok=True)
    results = {"sklearn_version": sklearn.__version__, "hidden": HIDDEN, "datasets": {}}
    for name, load in DATASETS.items():
        x, y = load(return_X_y=True)
        accs, secs, iters = [], [], []
        for split in SPLITS:
            x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, stratify=y, random_state=split)
            write_csv(os.path.join(out, f"{name}_split{split}_train.csv"), x_train, y_train)
            write_csv(os.path.join(out, f"{name}_split{split}_test.csv"), x_test, y_test)
            scaler = StandardScaler().fit(x_train)
            xs_train, xs_test = scaler.transform(x_train), scaler.transform(x_test)
            for seed in SEEDS:
                clf = MLPClassifier(hidden_layer_sizes=(HIDDEN,), random_state=seed)
                t = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    clf.fit(xs_train, y_train)
                secs.append(time.perf_counter() - t)
                accs.append(float(clf.score(xs_test, y_test)))
                iters.append(int(clf.n_iter_))
        results["datasets"][name] = {
            "features": int(x.shape[1]),
            "classes": int(len(np.unique(y))),
            "train": int(len(y_train)),
            "test": int(len(y_test)),
            "splits": len(SPLITS),
            "seeds": len(SEEDS),
            "accuracies": accs,
            "mean": float(np.mean(accs)),
            "std": float(np.std(accs)),
            "epochs": iters,
            "seconds": float(np.mean(secs)),
        }
        print(f"{name:<14} sklearn MLPClassifier({HIDDEN},): test accuracy {100 * np.mean(accs):.2f}% "
              f"± {100 * np.std(accs):.2f} over {len(SPLITS)} splits x {len(SEEDS)} seeds, {np.mean(iters):.0f} epochs, {np.mean(secs):.2f}s")
    with open(os.path.join(out, "sklearn_results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(f"wrote the splits and sklearn_results.json to {out}")


if __name__ == "__main__":
    main()
