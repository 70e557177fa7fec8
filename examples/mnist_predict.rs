//! Loads the weights written by `--example mnist` and classifies test images,
//! drawing each digit in ASCII next to the predicted class and probabilities.
//!
//! Run: `cargo run --release --example mnist_predict -- 0 1 2 42`
//! (after `cargo run --release --example mnist`).

use std::path::PathBuf;

use clap::Parser;
use nn::data::mnist;
use nn::fit::argmax;
use nn::prelude::*;

nn::network! {
    /// The same network as in `--example mnist`: weights load only into the same architecture.
    pub struct Mnist {
        hidden: Dense<784, 128, ReLU>,
        dropout: Dropout<0.5>,
        output: Dense<128, 10, Softmax>,
    }
}

/// Classify MNIST test images with saved weights.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Indices of test images (0..10000).
    #[arg(default_values_t = [0usize, 1, 2])]
    indices: Vec<usize>,
    /// The weight file written by `--example mnist`.
    #[arg(long, default_value = "target/mnist/mnist.nnw")]
    weights: PathBuf,
    /// Directory holding the four MNIST .gz files.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist"))]
    data: PathBuf,
}

fn main() {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) if !e.use_stderr() => {
            print!("{e}");
            return;
        }
        Err(e) => {
            let text = e.to_string();
            eprintln!("error: {} (see --help)", text.lines().next().unwrap_or("").trim_start_matches("error: "));
            std::process::exit(1);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let net =
        Mnist::load(&args.weights).map_err(|e| format!("{e}\n(train first: cargo run --release --example mnist)"))?;
    let data = mnist::load(&args.data)?;
    for &i in &args.indices {
        let (Some(image), Some(label)) = (data.test_images.get(i), data.test_labels.get(i)) else {
            return Err(format!("test image {i} does not exist: there are {}", data.test_images.len()).into());
        };
        let p = net.predict(image);
        let predicted = argmax(&p);
        let verdict = if predicted == *label as usize { "right" } else { "WRONG" };
        println!("test image {i}: label {label}, predicted {predicted} ({:.1}%), {verdict}", 100.0 * p[predicted]);
        let shades = [' ', '.', ':', '+', '#'];
        for (row, pixels) in image.chunks(28).enumerate() {
            let art: String =
                pixels.iter().map(|&v| shades[((v * 4.999) as usize).min(4)]).flat_map(|c| [c, c]).collect();
            let side = p.get(row / 2).filter(|_| row % 2 == 0 && row < 20).map(|&q| {
                let digit = row / 2;
                format!("  {digit}: {:>5.1}% {}", 100.0 * q, "█".repeat((q * 30.0).round() as usize))
            });
            println!("{art}{}", side.unwrap_or_default());
        }
        println!();
    }
    Ok(())
}
