//! Writes what the Cortex-M firmware in `embedded/` bakes into flash, from
//! data in this repository (no download):
//!
//! - `mnist.nnw`: the MNIST classifier `Dense<784, 128, ReLU>, Dropout<0.5>,
//!   Dense<128, 10, Softmax>` trained here (Adam, as `--example mnist`);
//! - `mnist_test_images.u8`, `mnist_test_labels.u8`: the first 100 test images
//!   (784 bytes each, the pixels of the IDX file) and their digits;
//! - `mnist_expected.f32` (100 × 10 `f32`, little-endian) and
//!   `mnist_expected.txt`: this host's outputs for those images, computed with
//!   the portable scalar kernels (`predict` on one sample, checked here against
//!   explicit calls of `nn::kernel::scalar`), which the firmware must
//!   reproduce bit for bit;
//! - `sine.nnw`, `sine_expected.txt`: a 1-16-16-1 ReLU network fitted to
//!   sin x on [0, 2π] (the shape of MicroFlow's sine model), used by the
//!   footprint measurement, and its outputs on the measurement's inputs.
//!
//! Run: `cargo run --release --example embedded_assets` (writes into
//! `embedded/assets/`; `-- --help` for the flags). Training is seeded: the
//! same machine kind gives the same files.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Parser;
use nn::data::{mnist, one_hot};
use nn::fit::{argmax, EarlyStopping, LearningRateScheduler, Metric, Monitor, Verbosity};
use nn::kernel::scalar;
use nn::prelude::*;
use nn::Activation;

use nn_examples::write;

nn::network! {
    /// The MNIST classifier (the same declaration as in the firmware).
    pub struct Mnist {
        hidden: Dense<784, 128, ReLU>,
        dropout: Dropout<0.5>,
        output: Dense<128, 10, Softmax>,
    }
}

nn::network! {
    /// sin x on [0, 2π]: MicroFlow's sine model's shape, in f32.
    pub struct Sine {
        hidden1: Dense<1, 16, ReLU>,
        hidden2: Dense<16, 16, ReLU>,
        output: Dense<16, 1>,
    }
}

/// Test images baked into the firmware.
const IMAGES: usize = 100;
/// Inputs of the footprint measurement (as in the MicroFlow anchor): 10 points evenly spaced over [0, 2π].
const SINE_POINTS: usize = 10;

/// Write the files the embedded firmware bakes into flash.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Output directory.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/embedded/assets"))]
    out: PathBuf,
    /// Directory holding the four MNIST .gz files.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist"))]
    data: PathBuf,
    /// Most MNIST epochs (early stopping on validation accuracy may end sooner).
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    /// Seed of the initializations, shuffling and dropout.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

fn main() {
    // Everything here (training too) runs on the portable scalar kernels, the
    // firmware's: the host's default AVX+FMA kernels fuse multiply and add, so
    // their last bit can differ from what the device computes.
    std::env::set_var("NN_KERNEL", "scalar");
    let Some(args) = nn_examples::parse_args::<Args>() else { return };
    nn_examples::exit_on_error(run(&args));
}

/// The output of the MNIST network for one image, with the scalar kernels called one by one.
fn mnist_scalar(net: &Mnist, x: &[f32; 784]) -> [f32; 10] {
    let (mut z1, mut a1) = ([0.0f32; 128], [0.0f32; 128]);
    scalar::dense_forward(x, net.hidden.weights.as_flattened(), &net.hidden.bias, &mut z1, 784, 128);
    ReLU.forward(&z1, &mut a1, 128);
    // Dropout is the identity in inference.
    let (mut z2, mut y) = ([0.0f32; 10], [0.0f32; 10]);
    scalar::dense_forward(&a1, net.output.weights.as_flattened(), &net.output.bias, &mut z2, 128, 10);
    Softmax.forward(&z2, &mut y, 10);
    y
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;

    // --- MNIST -------------------------------------------------------------
    let data = mnist::load(&args.data)?;
    let train_y = one_hot::<10>(&data.train_labels)?;
    let mut net = Mnist::boxed(&mut nn::rng(args.seed));
    let epochs = args.epochs;
    let schedule = LearningRateScheduler::new(move |epoch, lr0| {
        let t = (epoch - 1) as f32 / epochs.max(2) as f32;
        let floor = lr0 / 100.0;
        floor + 0.5 * (lr0 - floor) * (1.0 + (std::f32::consts::PI * t).cos())
    });
    let early = EarlyStopping::new().monitor(Monitor::ValAccuracy).patience(10).restore_best(true);
    println!("training MNIST {} ({} parameters)", nn::io::architecture::<Mnist>(), Mnist::PARAMS);
    net.fit(&data.train_images, &train_y)
        .loss(CrossEntropy)
        .optimizer(Adam::new(2e-3))
        .epochs(epochs)
        .batch_size(64)
        .seed(args.seed)
        .validation_split(0.05)
        .metrics(&[Metric::Accuracy])
        .callback(schedule)
        .callback(early)
        .verbosity(Verbosity::Auto)
        .run()?;
    let right = data.test_images.iter().zip(&data.test_labels).filter(|(x, &l)| argmax(&net.predict(x)) == l as usize);
    let accuracy = right.count() as f64 / data.test_images.len() as f64;
    println!("test accuracy {:.2}%", 100.0 * accuracy);
    net.save(args.out.join("mnist.nnw"))?;

    let images = &data.test_images[..IMAGES];
    let labels = &data.test_labels[..IMAGES];
    let pixels: Vec<u8> = images.iter().flatten().map(|&v| (v * 255.0).round() as u8).collect();
    // The firmware turns a byte back into the same f32 as the host's loader.
    assert!(images.iter().flatten().zip(&pixels).all(|(&v, &p)| p as f32 / 255.0 == v));
    write(&args.out.join("mnist_test_images.u8"), &pixels)?;
    write(&args.out.join("mnist_test_labels.u8"), labels)?;
    let mut expected = Vec::with_capacity(IMAGES * 40);
    let mut text = String::from("# index label class outputs (f32 bits, hex): host, scalar kernels\n");
    let mut right = 0;
    for (i, (x, &label)) in images.iter().zip(labels).enumerate() {
        let y = net.predict(x);
        let explicit = mnist_scalar(&net, x);
        assert_eq!(y.map(f32::to_bits), explicit.map(f32::to_bits), "predict left the scalar path on image {i}");
        let class = argmax(&y);
        right += usize::from(class == label as usize);
        expected.extend(y.iter().flat_map(|v| v.to_le_bytes()));
        write!(text, "mnist {i} label={label} class={class} out=")?;
        for (j, v) in y.iter().enumerate() {
            write!(text, "{}{:08x}", if j == 0 { "" } else { "," }, v.to_bits())?;
        }
        text.push('\n');
    }
    write(&args.out.join("mnist_expected.f32"), &expected)?;
    write(&args.out.join("mnist_expected.txt"), text.as_bytes())?;
    println!("the first {IMAGES} test images: {right} right");

    // --- sine --------------------------------------------------------------
    let n = 256;
    let xs: Vec<[f32; 1]> = (0..n).map(|i| [i as f32 * std::f32::consts::TAU / (n - 1) as f32]).collect();
    let ys: Vec<[f32; 1]> = xs.iter().map(|x| [x[0].sin()]).collect();
    let mut sine = Sine::boxed(&mut nn::rng(args.seed));
    let sine_epochs = 3000;
    let history = sine
        .fit(&xs, &ys)
        .loss(Mse)
        .optimizer(Adam::new(1e-2))
        .epochs(sine_epochs)
        .batch_size(32)
        .seed(args.seed)
        .callback(LearningRateScheduler::new(move |epoch, lr0| {
            lr0 * 0.5 * (1.0 + (std::f32::consts::PI * (epoch - 1) as f32 / sine_epochs as f32).cos()) + 1e-5
        }))
        .verbosity(Verbosity::Quiet)
        .run()?;
    let mut outputs = vec![[0.0f32]; n];
    sine.predict_batch(&xs, &mut outputs)?;
    let mse = outputs.iter().zip(&ys).map(|(p, y)| (p[0] - y[0]).powi(2)).sum::<f32>() / n as f32;
    println!(
        "sine 1-16-16-1: MSE {mse:.2e} on {n} points of [0, 2π] (last epoch loss {:.2e})",
        history.last().map_or(f32::NAN, |e| e.loss)
    );
    sine.save(args.out.join("sine.nnw"))?;
    let mut text =
        String::from("# x (f32 bits) output (f32 bits), host scalar path; the footprint firmware's inputs, then 0.5\n");
    let points = (0..SINE_POINTS).map(|i| (i as f32) * (2.0 * std::f32::consts::PI) / ((SINE_POINTS - 1) as f32));
    for x in points.chain([0.5]) {
        let y = sine.predict(&[x])[0];
        writeln!(text, "sine x={:08x} y={:08x}  # sin({x:.4}) ~ {y:.5}", x.to_bits(), y.to_bits())?;
    }
    write(&args.out.join("sine_expected.txt"), text.as_bytes())?;
    println!("wrote {}", args.out.display());
    Ok(())
}
