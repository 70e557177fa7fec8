//! Int8 post-training quantization of the firmware's models, and what it
//! costs in accuracy.
//!
//! - MNIST: the 784-128-10 classifier of `embedded/assets/mnist.nnw` (trained
//!   by `--example embedded_assets`) is quantized with `nn::quant::quantize`,
//!   calibrated on the first 1,000 training images; both versions classify the
//!   10,000 test images, and the run fails (exit status 1) if int8 loses more
//!   than 0.5 points of accuracy.
//! - sine: the 1-16-16-1 model of `embedded/assets/sine.nnw` (the footprint
//!   measurement's), calibrated on 256 points of [0, 2π].
//!
//! Writes into `--out` (default `embedded/assets/`) what the firmware bakes
//! into flash: `mnist_int8.nnq`, `sine_int8.nnq`, and the host's int8 outputs
//! for the firmware's inputs, `mnist_int8_expected.txt` and `.f32` (the first
//! 100 test images) and `sine_int8_expected.txt`, which the device must reproduce bit
//! for bit.
//!
//! Run: `cargo run --release --example quantize` (a few seconds);
//! `-- --mnist path/to/mnist.nnw --out dir` for another MNIST model of the
//! same architecture (`--example mnist` writes one).

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Parser;
use nn::data::mnist;
use nn::fit::argmax;
use nn::prelude::*;
use nn::quant::{self, Int8};

use nn_examples::write;

nn::network! {
    /// The MNIST classifier (the same declaration as in the firmware).
    pub struct Mnist {
        hidden: Dense<784, 128, ReLU>,
        dropout: Dropout<0.5>,
        output: Dense<128, 10, Softmax>,
    }
}
nn::quantize_as!(Mnist, nn::network![Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax>]);

nn::network! {
    /// sin x on [0, 2π], the footprint measurement's model.
    pub struct Sine {
        hidden1: Dense<1, 16, ReLU>,
        hidden2: Dense<16, 16, ReLU>,
        output: Dense<16, 1>,
    }
}
nn::quantize_as!(Sine, nn::network![Dense<1, 16, ReLU>, Dense<16, 16, ReLU>, Dense<16, 1>]);

/// Test images whose int8 outputs the firmware checks.
const IMAGES: usize = 100;
/// The footprint measurement's inputs: 10 points evenly spaced over [0, 2π].
const SINE_POINTS: usize = 10;

/// Quantize the firmware's models to int8 and measure the accuracy.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Directory holding mnist.nnw and sine.nnw; the int8 files are written here too unless --out.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/embedded/assets"))]
    assets: PathBuf,
    /// Output directory (default: --assets).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The f32 MNIST model to quantize (default: mnist.nnw in --assets), e.g.
    /// the one `--example mnist` writes.
    #[arg(long)]
    mnist: Option<PathBuf>,
    /// Directory holding the four MNIST .gz files.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist"))]
    data: PathBuf,
    /// Number of training images to calibrate the activation ranges on.
    #[arg(long, default_value_t = 1000)]
    calibration: usize,
    /// Largest accepted accuracy drop, in points.
    #[arg(long, default_value_t = 0.5)]
    max_drop: f64,
}

fn main() {
    // The calibration runs the f32 network: with the portable scalar kernels
    // (the firmware's), the int8 files are the same on every machine.
    std::env::set_var("NN_KERNEL", "scalar");
    let Some(args) = nn_examples::parse_args::<Args>() else { return };
    nn_examples::exit_on_error(run(&args));
}

fn hex(y: &[f32]) -> String {
    y.iter().map(|v| format!("{:08x}", v.to_bits())).collect::<Vec<_>>().join(",")
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let out = args.out.clone().unwrap_or_else(|| args.assets.clone());
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;

    // --- MNIST -------------------------------------------------------------
    let data = mnist::load(&args.data)?;
    let net = Mnist::load(args.mnist.clone().unwrap_or_else(|| args.assets.join("mnist.nnw")))?;
    let n = args.calibration.min(data.train_images.len());
    let q: Box<Int8<Mnist>> = quant::quantize(&*net, &data.train_images[..n])?;
    let test = &data.test_images;
    let (mut right_f32, mut right_int8, mut agree) = (0usize, 0usize, 0usize);
    for (x, &label) in test.iter().zip(&data.test_labels) {
        let (a, b) = (argmax(&net.predict(x)), argmax(&q.predict(x)));
        right_f32 += usize::from(a == label as usize);
        right_int8 += usize::from(b == label as usize);
        agree += usize::from(a == b);
    }
    let total = test.len() as f64;
    let (acc_f32, acc_int8) = (100.0 * right_f32 as f64 / total, 100.0 * right_int8 as f64 / total);
    let drop = acc_f32 - acc_int8;
    println!(
        "MNIST {} ({} test images), calibrated on {n} training images (min/max):",
        nn::io::architecture::<Mnist>(),
        test.len()
    );
    println!("  f32  accuracy {acc_f32:.2}%  ({} bytes of parameters)", Mnist::PARAMS * 4);
    println!("  int8 accuracy {acc_int8:.2}%  ({} bytes)", Int8::<Mnist>::BYTES);
    println!("  drop {drop:.2} points (limit {}); the two agree on {agree} of {} images", args.max_drop, test.len());
    let bytes = q.to_bytes();
    write(&out.join("mnist_int8.nnq"), &bytes)?;
    let labels = &data.test_labels[..IMAGES];
    let mut text = String::from("# index label class outputs (f32 bits, hex): the host's int8 path\n");
    let mut expected = Vec::with_capacity(IMAGES * 40);
    for (i, (x, &label)) in test[..IMAGES].iter().zip(labels).enumerate() {
        let y = q.predict(x);
        expected.extend(y.iter().flat_map(|v| v.to_le_bytes()));
        writeln!(text, "mnist-int8 {i} label={label} class={} out={}", argmax(&y), hex(&y))?;
    }
    write(&out.join("mnist_int8_expected.txt"), text.as_bytes())?;
    write(&out.join("mnist_int8_expected.f32"), &expected)?;

    // --- sine --------------------------------------------------------------
    let sine = Sine::load(args.assets.join("sine.nnw"))?;
    let xs: Vec<[f32; 1]> = (0..256).map(|i| [i as f32 * std::f32::consts::TAU / 255.0]).collect();
    let qs: Box<Int8<Sine>> = quant::quantize(&*sine, &xs)?;
    let mse =
        |f: &dyn Fn(&[f32; 1]) -> f32| xs.iter().map(|x| (f(x) - x[0].sin()).powi(2)).sum::<f32>() / xs.len() as f32;
    println!(
        "sine 1-16-16-1: MSE against sin x on 256 points: f32 {:.2e}, int8 {:.2e} ({} bytes int8, {} bytes f32)",
        mse(&|x| sine.predict(x)[0]),
        mse(&|x| qs.predict(x)[0]),
        Int8::<Sine>::BYTES,
        Sine::PARAMS * 4
    );
    write(&out.join("sine_int8.nnq"), &qs.to_bytes())?;
    let mut text =
        String::from("# x (f32 bits) output (f32 bits), host int8 path; the footprint firmware's inputs, then 0.5\n");
    let points = (0..SINE_POINTS).map(|i| (i as f32) * (2.0 * std::f32::consts::PI) / ((SINE_POINTS - 1) as f32));
    for x in points.chain([0.5]) {
        let y = qs.predict(&[x])[0];
        writeln!(text, "sine x={:08x} y={:08x}  # sin({x:.4}) ~ {y:.5}", x.to_bits(), y.to_bits())?;
    }
    write(&out.join("sine_int8_expected.txt"), text.as_bytes())?;
    println!("wrote {}", out.display());

    if drop > args.max_drop {
        return Err(format!("int8 loses {drop:.2} points of accuracy, more than {}", args.max_drop).into());
    }
    Ok(())
}
