//! Our side of the acceptance comparison with scikit-learn's MLPClassifier
//! (see `tests/reference/sklearn_compare.py`, which writes the splits and
//! sklearn's results first):
//!
//! ```sh
//! python tests/reference/sklearn_compare.py target/sklearn_compare
//! cargo run --release --example sklearn_compare -- target/sklearn_compare
//! ```
//!
//! On each of the five splits of each data set (the script's), on the
//! training CSV: z-score (training statistics), then the
//! one-hidden-layer network `Dense<F, 64, ReLU>, Dense<64, K, Softmax>` of
//! the same hidden width as sklearn's, trained with the library's defaults
//! for a classifier: default initialization (He for ReLU), `CrossEntropy`,
//! `Adam::new(1e-3)`, batch size 32, 200 epochs (sklearn: up to 200), no penalty, no early
//! stopping; ten seeds per split. Prints the mean test accuracy next to
//! sklearn's, and the difference with its standard error (over the 5 × 10
//! paired runs: split `s`, seed `k` on both sides).

use std::path::{Path, PathBuf};
use std::time::Instant;

use nn::data::{csv, ZScore};
use nn::fit::{evaluate, Metric};
use nn::prelude::*;

const HIDDEN: usize = 64;
const SEEDS: u64 = 10;
const SPLITS: usize = 5;

type OneHidden<const F: usize, const K: usize> = Chain<Dense<F, HIDDEN, ReLU>, Dense<HIDDEN, K, Softmax>>;

struct Row {
    name: &'static str,
    accuracies: Vec<f32>,
    seconds: f64,
}

fn run<const F: usize, const K: usize>(
    dir: &Path,
    name: &'static str,
    epochs: usize,
) -> Result<Row, Box<dyn std::error::Error>> {
    let mut accuracies = Vec::new();
    let started = Instant::now();
    for split in 0..SPLITS {
        accuracies.extend(run_split::<F, K>(dir, &format!("{name}_split{split}"), epochs)?);
    }
    let runs = (SPLITS as u64 * SEEDS) as f64;
    Ok(Row { name, accuracies, seconds: started.elapsed().as_secs_f64() / runs })
}

fn run_split<const F: usize, const K: usize>(
    dir: &Path,
    name: &str,
    epochs: usize,
) -> Result<Vec<f32>, Box<dyn std::error::Error>> {
    let train = csv::read_classes::<F>(dir.join(format!("{name}_train.csv")), "target")?;
    let test = csv::read_classes::<F>(dir.join(format!("{name}_test.csv")), "target")?;
    if train.classes != test.classes {
        return Err(
            format!("{name}: train classes {:?} differ from test classes {:?}", train.classes, test.classes).into()
        );
    }
    let (mut train_x, train_y) = (train.features.clone(), train.one_hot::<K>()?);
    let (mut test_x, test_y) = (test.features.clone(), test.one_hot::<K>()?);
    let z = ZScore::fit(&train_x);
    z.apply(&mut train_x);
    z.apply(&mut test_x);
    let mut accuracies = Vec::new();
    for seed in 0..SEEDS {
        let mut net = OneHidden::<F, K>::boxed(&mut nn::rng(seed));
        net.fit(&train_x, &train_y)
            .loss(CrossEntropy)
            .optimizer(Adam::new(1e-3))
            .epochs(epochs)
            .batch_size(32)
            .seed(seed)
            .quiet()
            .run()?;
        let e = evaluate(&*net, &test_x, &test_y, &CrossEntropy, &[Metric::Accuracy])?;
        accuracies.push(e.accuracy.unwrap_or(0.0));
    }
    Ok(accuracies)
}

fn mean_std(v: &[f32]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let m = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    (m, (v.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / n).sqrt())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "target/sklearn_compare".into()));
    let epochs: usize = match std::env::args().nth(2) {
        Some(e) => e.parse().map_err(|_| format!("epochs: {e:?} is not a number"))?,
        None => 200,
    };
    if !dir.join("iris_split0_train.csv").exists() {
        return Err(format!(
            "{}: no splits; run `python tests/reference/sklearn_compare.py {}` first",
            dir.display(),
            dir.display()
        )
        .into());
    }
    let sklearn: Option<serde_json::Value> =
        std::fs::read_to_string(dir.join("sklearn_results.json")).ok().and_then(|t| serde_json::from_str(&t).ok());
    let rows = [
        run::<4, 3>(&dir, "iris", epochs)?,
        run::<13, 3>(&dir, "wine", epochs)?,
        run::<30, 2>(&dir, "breast_cancer", epochs)?,
        run::<64, 10>(&dir, "digits", epochs)?,
    ];
    println!(
        "test accuracy, mean ± std over {SPLITS} splits × {SEEDS} seeds, one hidden layer of {HIDDEN}; ours: {epochs} epochs:\n"
    );
    println!("| data set | train / test | nn (ours) | sklearn MLPClassifier | nn − sklearn (± s.e.) | nn s/run |");
    println!("|---|---|---|---|---|---|");
    for row in &rows {
        let (m, s) = mean_std(&row.accuracies);
        let theirs = sklearn.as_ref().and_then(|j| j["datasets"].get(row.name));
        let sizes = theirs.map_or("?".to_string(), |t| format!("{} / {}", t["train"], t["test"]));
        let sk = theirs.map_or("(not run)".to_string(), |t| {
            format!(
                "{:.2}% ± {:.2}",
                100.0 * t["mean"].as_f64().unwrap_or(0.0),
                100.0 * t["std"].as_f64().unwrap_or(0.0)
            )
        });
        // Paired differences: the same split and seed index on both sides.
        let diff = theirs
            .and_then(|t| t["accuracies"].as_array())
            .filter(|a| a.len() == row.accuracies.len())
            .map(|a| {
                let d: Vec<f32> =
                    row.accuracies.iter().zip(a).map(|(&o, t)| o - t.as_f64().unwrap_or(0.0) as f32).collect();
                let (dm, ds) = mean_std(&d);
                format!("{:+.2} ± {:.2}", 100.0 * dm, 100.0 * ds / (d.len() as f64 - 1.0).max(1.0).sqrt())
            })
            .unwrap_or_else(|| "?".into());
        println!(
            "| {} | {sizes} | {:.2}% ± {:.2} | {sk} | {diff} | {:.2} |",
            row.name,
            100.0 * m,
            100.0 * s,
            row.seconds
        );
    }
    Ok(())
}
