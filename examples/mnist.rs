//! The main job: the MNIST classifier of the card, trained to ≥ 98% test accuracy.
//!
//! `Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax>`, Adam,
//! mini-batches of 64, a held-out validation split, early stopping that
//! restores the best epoch, then a per-class report on the 10,000 test images.
//! Writes the weights, the learning curves (SVG) and a JSON summary to `--out`.
//!
//! Run: `cargo run --release --example mnist` (`-- --help` for the flags).

use std::path::PathBuf;

use clap::Parser;
use common::OptimizerName;

mod common;

nn::network! {
    /// The MNIST classifier: 784 pixels, 128 hidden units, 10 digits.
    pub struct Mnist {
        hidden: Dense<784, 128, ReLU>,
        dropout: Dropout<0.5>,
        output: Dense<128, 10, Softmax>,
    }
}

/// Train the MNIST classifier of the card.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Passes over the training data (early stopping may end sooner).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    epochs: u32,
    /// Samples per update.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    batch_size: u32,
    /// Initial learning rate (default: 2e-3 for adam and nadam, 1e-3 for rmsprop, 1e-2 for adagrad, 0.1 for the sgd family).
    #[arg(long)]
    lr: Option<f32>,
    /// The optimizer.
    #[arg(long, value_enum, default_value_t = OptimizerName::Adam)]
    optimizer: OptimizerName,
    /// Seed of the initialization, shuffling, validation split and dropout.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Directory for the weights, the learning curves and the summary.
    #[arg(long, default_value = "target/mnist")]
    out: PathBuf,
    /// Directory holding the four MNIST .gz files.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist"))]
    data: PathBuf,
    /// Print only the final result.
    #[arg(long)]
    quiet: bool,
}

fn main() {
    let Some(args) = common::parse_args::<Args>() else { return };
    common::exit_on_error(common::train::<Mnist>(&common::Job {
        name: "mnist",
        title: "MNIST 784-128-10, learning curves",
        epochs: args.epochs as usize,
        batch_size: args.batch_size as usize,
        lr: args.lr,
        sgd_lr: 0.1,
        optimizer: args.optimizer,
        seed: args.seed,
        patience: 10,
        out: args.out,
        data: args.data,
        quiet: args.quiet,
    }));
}
