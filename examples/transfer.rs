//! Transfer learning as the textbook describes it, on MNIST.
//!
//! 1. Train a LeNet-5 on the digits 0–4 only (labels 0..4).
//! 2. Keep its convolutional layers, frozen (`fit(..).freeze("conv1")`: their
//!    weights receive no update, checked below bit for bit), put a new,
//!    freshly initialized dense head on them, and train only that head on a
//!    *small* labelled sample of the digits 5–9 (labels 5..9 → 0..4), for a
//!    few epochs.
//! 3. Compare with the same head, same data and same epochs on top of
//!    convolutional layers that never saw a digit (random, frozen), and with
//!    the whole network trained from scratch (nothing frozen).
//!
//! The features learnt on 0–4 carry over to 5–9: the transferred head is
//! the most accurate of the three on the 5–9 test images.
//!
//! Run: `cargo run --release --example transfer` (`-- --help` for the flags).

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use nn::data::{mnist, one_hot};
use nn::fit::{evaluate, Metric, Verbosity};
use nn::prelude::*;

nn::network! {
    /// LeNet-5 with five classes: a feature extractor (conv1..pool2) and a dense head (fc1..output).
    pub struct LeNet5 {
        input: Input<1, 28, 28>,
        conv1: Conv2d<1, 6, 5, ReLU, padding = 2>,
        pool1: MaxPool2d<2>,
        conv2: Conv2d<6, 16, 5, ReLU>,
        pool2: MaxPool2d<2>,
        flatten: Flatten,
        fc1: Dense<400, 120, ReLU>,
        fc2: Dense<120, 84, ReLU>,
        output: Dense<84, 5, Softmax>,
    }
}

/// The layers transferred and frozen.
const FEATURES: [&str; 2] = ["conv1", "conv2"];

/// Transfer learning on MNIST: digits 0–4, then a new head on 5–9.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Epochs on the digits 0–4.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    pretrain_epochs: u32,
    /// Labelled images of the digits 5–9 for the new head (the first ones of the training set).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(10..))]
    samples: u32,
    /// Epochs of the new head on them.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    epochs: u32,
    /// Seed of the initializations and the shuffling.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Directory holding the four MNIST .gz files.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist"))]
    data: PathBuf,
}

fn main() {
    let Some(args) = nn_examples::parse_args::<Args>() else { return };
    nn_examples::exit_on_error(run(&args));
}

type Images = Vec<[f32; 784]>;

/// The images whose digit is in `digits`, labelled `digit − digits.start`, one-hot.
fn subset(images: &[[f32; 784]], labels: &[u8], digits: std::ops::Range<u8>) -> nn::Result<(Images, Vec<[f32; 5]>)> {
    let (xs, ys): (Images, Vec<u8>) =
        images.iter().zip(labels).filter(|(_, l)| digits.contains(l)).map(|(x, &l)| (*x, l - digits.start)).unzip();
    Ok((xs, one_hot::<5>(&ys)?))
}

fn accuracy(net: &LeNet5, xs: &[[f32; 784]], ys: &[[f32; 5]]) -> nn::Result<f32> {
    Ok(evaluate(net, xs, ys, &CrossEntropy, &[Metric::Accuracy])?.accuracy.unwrap_or(0.0))
}

/// A new head (fc1, fc2, output) with fresh default initialization.
fn new_head(net: &mut LeNet5, rng: &mut nn::Rng) {
    net.fc1.init(rng);
    net.fc2.init(rng);
    net.output.init(rng);
}

fn feature_bits(net: &LeNet5) -> Vec<u32> {
    net.conv1.params().iter().chain(net.conv2.params()).map(|x| x.to_bits()).collect()
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let data = mnist::load(&args.data)?;
    let (low_x, low_y) = subset(&data.train_images, &data.train_labels, 0..5)?;
    let (low_test_x, low_test_y) = subset(&data.test_images, &data.test_labels, 0..5)?;
    let (high_x, high_y) = subset(&data.train_images, &data.train_labels, 5..10)?;
    let (high_test_x, high_test_y) = subset(&data.test_images, &data.test_labels, 5..10)?;
    let n = (args.samples as usize).min(high_x.len());
    let (few_x, few_y) = (&high_x[..n], &high_y[..n]);
    println!(
        "digits 0–4: {} training, {} test images; digits 5–9: {n} labelled training images (of {}), {} test images",
        low_x.len(),
        low_test_x.len(),
        high_x.len(),
        high_test_x.len()
    );

    // 1. The source task.
    let mut rng = nn::rng(args.seed);
    let mut pretrained = LeNet5::boxed(&mut rng);
    pretrained
        .fit(&low_x, &low_y)
        .loss(CrossEntropy)
        .optimizer(Adam::new(2e-3))
        .epochs(args.pretrain_epochs as usize)
        .batch_size(64)
        .seed(args.seed)
        .metrics(&[Metric::Accuracy])
        .verbosity(Verbosity::Auto)
        .run()?;
    let source_accuracy = accuracy(&pretrained, &low_test_x, &low_test_y)?;
    println!("1. trained on digits 0–4: test accuracy {:.2}% on 0–4\n", 100.0 * source_accuracy);

    // 2. and 3. The target task, three ways, same head, data, epochs and seed.
    let train_head = |net: &mut LeNet5, frozen: &[&str]| -> nn::Result<f64> {
        let t = Instant::now();
        let mut fit = net
            .fit(few_x, few_y)
            .loss(CrossEntropy)
            .optimizer(Adam::new(2e-3))
            .epochs(args.epochs as usize)
            .batch_size(32)
            .seed(args.seed + 1)
            .quiet();
        for layer in frozen {
            fit = fit.freeze(layer);
        }
        fit.run()?;
        Ok(t.elapsed().as_secs_f64())
    };
    let mut head_rng = nn::rng(args.seed + 2);

    let mut transferred = pretrained.clone();
    new_head(&mut transferred, &mut head_rng.clone());
    let before = feature_bits(&transferred);
    let transfer_seconds = train_head(&mut transferred, &FEATURES)?;
    if feature_bits(&transferred) != before {
        return Err("the frozen convolutional layers changed".into());
    }

    let mut random_features = LeNet5::boxed(&mut nn::rng(args.seed + 3));
    new_head(&mut random_features, &mut head_rng.clone());
    let random_seconds = train_head(&mut random_features, &FEATURES)?;

    let mut scratch = LeNet5::boxed(&mut nn::rng(args.seed + 3));
    new_head(&mut scratch, &mut head_rng);
    let scratch_seconds = train_head(&mut scratch, &[])?;

    let rows = [
        ("convolutions from 0–4, frozen; new head", &transferred, transfer_seconds),
        ("random convolutions, frozen; new head", &random_features, random_seconds),
        ("everything trained from scratch", &scratch, scratch_seconds),
    ];
    println!("2. a new dense head on digits 5–9, {n} labelled images, {} epochs (Adam 2e-3, batch 32):\n", args.epochs);
    println!("| features | test accuracy on 5–9 | training |");
    println!("|---|---|---|");
    let mut accuracies = Vec::new();
    for (name, net, seconds) in rows {
        let a = accuracy(net, &high_test_x, &high_test_y)?;
        accuracies.push(a);
        println!("| {name} | {:.2}% | {seconds:.1} s |", 100.0 * a);
    }
    println!(
        "\nthe frozen layers kept every bit ({} parameters); the transferred features gain {:+.2} points over random ones and {:+.2} over training from scratch; {:.0} s in all",
        before.len(),
        100.0 * (accuracies[0] - accuracies[1]),
        100.0 * (accuracies[0] - accuracies[2]),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
