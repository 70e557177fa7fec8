//! A convolutional network on MNIST: LeNet-5 (LeCun et al. 1998, with ReLU
//! and max pooling), trained to ≥ 99% test accuracy.
//!
//! The image shape is declared once (`Input<1, 28, 28>`); `network!` follows
//! it through every layer (`[6, 28, 28]`, `[6, 14, 14]`, `[16, 10, 10]`,
//! `[16, 5, 5]`) and checks that the `Dense` after `Flatten` takes
//! 16·5·5 = 400 inputs. Adam, mini-batches of 64, cosine decay of the
//! learning rate, a held-out validation split, early stopping that restores
//! the best epoch, then a per-class report on the 10,000 test images. Writes
//! the weights, the learning curves (SVG) and a JSON summary to `--out`.
//!
//! Run: `cargo run --release --example cnn` (`-- --help` for the flags).

use std::path::PathBuf;

use clap::Parser;
use common::OptimizerName;

mod common;

nn::network! {
    /// LeNet-5: two convolutions with max pooling, three dense layers.
    pub struct LeNet {
        input: Input<1, 28, 28>,
        conv1: Conv2d<1, 6, 5, ReLU, padding = 2>,
        pool1: MaxPool2d<2>,
        conv2: Conv2d<6, 16, 5, ReLU>,
        pool2: MaxPool2d<2>,
        flatten: Flatten,
        fc1: Dense<400, 120, ReLU>,
        fc2: Dense<120, 84, ReLU>,
        output: Dense<84, 10, Softmax>,
    }
}

/// Train LeNet-5 on MNIST.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Passes over the training data (early stopping may end sooner).
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..))]
    epochs: u32,
    /// Samples per update.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    batch_size: u32,
    /// Initial learning rate (default: 2e-3 for adam and nadam, 1e-3 for rmsprop, 1e-2 for adagrad, 0.05 for the sgd family).
    #[arg(long)]
    lr: Option<f32>,
    /// The optimizer.
    #[arg(long, value_enum, default_value_t = OptimizerName::Adam)]
    optimizer: OptimizerName,
    /// Seed of the initialization, shuffling, validation split and dropout.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Directory for the weights, the learning curves and the summary.
    #[arg(long, default_value = "target/cnn")]
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
    common::exit_on_error(common::train::<LeNet>(&common::Job {
        name: "cnn",
        title: "MNIST LeNet-5, learning curves",
        epochs: args.epochs as usize,
        batch_size: args.batch_size as usize,
        lr: args.lr,
        sgd_lr: 0.05,
        optimizer: args.optimizer,
        seed: args.seed,
        patience: 5,
        out: args.out,
        data: args.data,
        quiet: args.quiet,
    }));
}
