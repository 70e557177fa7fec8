//! Batch normalization, the textbook claim: a deep sigmoid network that
//! plain SGD barely moves trains quickly once every hidden layer's
//! pre-activations are normalized (Ioffe & Szegedy 2015).
//!
//! Two networks of six sigmoid hidden layers of 64 units on MNIST (10,000
//! training images, 3 epochs, SGD 0.5 with momentum 0.9, batch 64, the same
//! seed), one plain, one with `BatchNorm` before every sigmoid. Prints the
//! loss and accuracy per epoch and the test accuracy of both, and plots
//! their validation curves into `target/examples/batch_norm.svg`.
//!
//! Run: `cargo run --release --example batch_norm`

use nn::data::{mnist, one_hot};
use nn::fit::{evaluate, plot_compare_svg, Metric};
use nn::prelude::*;

nn::network! {
    /// Six sigmoid hidden layers, nothing else.
    pub struct Plain {
        Dense<784, 64, Sigmoid>, Dense<64, 64, Sigmoid>, Dense<64, 64, Sigmoid>,
        Dense<64, 64, Sigmoid>, Dense<64, 64, Sigmoid>, Dense<64, 64, Sigmoid>,
        Dense<64, 10, Softmax>,
    }
}

nn::network! {
    /// The same layers, each pre-activation batch-normalized.
    pub struct Normalized {
        Dense<784, 64>, BatchNorm, Sigmoid, Dense<64, 64>, BatchNorm, Sigmoid,
        Dense<64, 64>, BatchNorm, Sigmoid, Dense<64, 64>, BatchNorm, Sigmoid,
        Dense<64, 64>, BatchNorm, Sigmoid, Dense<64, 64>, BatchNorm, Sigmoid,
        Dense<64, 10, Softmax>,
    }
}

const TRAIN: usize = 10_000;
const EPOCHS: usize = 3;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = mnist::load(concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist"))?;
    let xs = &data.train_images[..TRAIN];
    let ys = one_hot::<10>(&data.train_labels[..TRAIN])?;
    let test_y = one_hot::<10>(&data.test_labels)?;
    let (val_x, val_y) = (&data.test_images[..2000], &test_y[..2000]);

    let mut plain = Plain::boxed(&mut nn::rng(1));
    let plain_history = plain
        .fit(xs, &ys)
        .loss(CrossEntropy)
        .optimizer(Sgd::new(0.5).momentum(0.9))
        .epochs(EPOCHS)
        .batch_size(64)
        .seed(1)
        .validation_data(val_x, val_y)
        .metrics(&[Metric::Accuracy])
        .quiet()
        .run()?;
    let mut normalized = Normalized::boxed(&mut nn::rng(1));
    let normalized_history = normalized
        .fit(xs, &ys)
        .loss(CrossEntropy)
        .optimizer(Sgd::new(0.5).momentum(0.9))
        .epochs(EPOCHS)
        .batch_size(64)
        .seed(1)
        .validation_data(val_x, val_y)
        .metrics(&[Metric::Accuracy])
        .quiet()
        .run()?;

    println!("six sigmoid hidden layers of 64, MNIST ({TRAIN} training images), SGD 0.5 + momentum 0.9, batch 64\n");
    println!("| epoch | plain: loss | plain: val. accuracy | BatchNorm: loss | BatchNorm: val. accuracy |");
    println!("|---|---|---|---|---|");
    for (p, n) in plain_history.epochs.iter().zip(&normalized_history.epochs) {
        println!(
            "| {} | {:.4} | {:.2}% | {:.4} | {:.2}% |",
            p.epoch,
            p.loss,
            100.0 * p.val_accuracy.unwrap_or(0.0),
            n.loss,
            100.0 * n.val_accuracy.unwrap_or(0.0)
        );
    }
    let test = |a: nn::fit::Evaluation| 100.0 * a.accuracy.unwrap_or(0.0);
    let plain_test = test(evaluate(&*plain, &data.test_images, &test_y, &CrossEntropy, &[Metric::Accuracy])?);
    let normalized_test = test(evaluate(&*normalized, &data.test_images, &test_y, &CrossEntropy, &[Metric::Accuracy])?);
    println!("\ntest accuracy (10,000 images): plain {plain_test:.2}%, with BatchNorm {normalized_test:.2}%");
    std::fs::create_dir_all("target/examples")?;
    plot_compare_svg(
        "target/examples/batch_norm.svg",
        "deep sigmoid network on MNIST: with and without BatchNorm",
        &[("plain", &plain_history), ("BatchNorm", &normalized_history)],
    )?;
    println!("wrote target/examples/batch_norm.svg");
    Ok(())
}
