//! The same task trained with SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam
//! and NAdam: a table of final loss, accuracy and time, and every learning
//! curve in one SVG (`target/examples/optimizers.svg`).
//!
//! The task: three interleaved spirals (900 points, 20% held out for
//! validation), a 2-32-32-3 ReLU network, cross-entropy, 40 epochs of
//! mini-batches of 32 from the same initial weights and the same shuffles.
//!
//! Run: `cargo run --release --example optimizers`

use std::time::Instant;

use nn::fit::{plot_compare_svg, History, Metric};
use nn::prelude::*;

nn::network! {
    /// Spirals: 2 coordinates in, 3 classes out.
    pub struct Spiral { h1: Dense<2, 32, ReLU>, h2: Dense<32, 32, ReLU>, out: Dense<32, 3, Softmax> }
}

/// `per_class` points on each of three spiral arms, with a little noise.
fn spirals(per_class: usize, seed: u64) -> (Vec<[f32; 2]>, Vec<[f32; 3]>) {
    let mut rng = nn::rng(seed);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for class in 0..3 {
        for i in 0..per_class {
            let r = i as f32 / per_class as f32;
            let t = class as f32 * 2.094 + 7.0 * r + 0.25 * rng.normal();
            xs.push([r * t.sin(), r * t.cos()]);
            let mut y = [0.0; 3];
            y[class] = 1.0;
            ys.push(y);
        }
    }
    (xs, ys)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (xs, ys) = spirals(300, 7);
    let start = Spiral::boxed(&mut nn::rng(1));
    let epochs = 40;
    println!(
        "three spirals: {} points, {} parameters, {epochs} epochs, batch 32, 20% validation\n",
        xs.len(),
        Spiral::PARAMS
    );

    let mut runs: Vec<(&str, f32, History, f64)> = Vec::new();
    macro_rules! run {
        ($name:expr, $lr:expr, $opt:expr) => {{
            let mut net = Box::new(*start);
            let t = Instant::now();
            let h = net
                .fit(&xs, &ys)
                .loss(CrossEntropy)
                .optimizer($opt)
                .epochs(epochs)
                .batch_size(32)
                .seed(3)
                .validation_split(0.2)
                .metrics(&[Metric::Accuracy])
                .quiet()
                .run()?;
            runs.push(($name, $lr, h, t.elapsed().as_secs_f64()));
        }};
    }
    run!("SGD", 0.1, Sgd::new(0.1));
    run!("momentum 0.9", 0.02, Sgd::new(0.02).momentum(0.9));
    run!("Nesterov 0.9", 0.02, Sgd::new(0.02).momentum(0.9).nesterov(true));
    run!("AdaGrad", 0.05, Adagrad::new(0.05));
    run!("RMSProp", 2e-3, RmsProp::new(2e-3));
    run!("Adam", 5e-3, Adam::new(5e-3));
    run!("NAdam", 5e-3, NAdam::new(5e-3));

    println!(
        "{:<13} {:>7} {:>11} {:>9} {:>9} {:>10} {:>13} {:>7}",
        "optimizer", "lr", "train loss", "val loss", "val acc", "best acc", "epochs to 90%", "time"
    );
    println!("{:─<86}", "");
    for (name, lr, h, seconds) in &runs {
        let last = h.last().expect("epochs ran");
        let best = h.epochs.iter().filter_map(|e| e.val_accuracy).fold(0.0f32, f32::max);
        let to90 = h
            .epochs
            .iter()
            .find(|e| e.val_accuracy.unwrap_or(0.0) >= 0.9)
            .map_or("never".to_string(), |e| e.epoch.to_string());
        println!(
            "{name:<13} {lr:>7} {:>11.4} {:>9.4} {:>8.2}% {:>9.2}% {to90:>13} {seconds:>6.2}s",
            last.loss,
            last.val_loss.unwrap_or(f32::NAN),
            100.0 * last.val_accuracy.unwrap_or(0.0),
            100.0 * best
        );
    }

    std::fs::create_dir_all("target/examples")?;
    let curves: Vec<(&str, &History)> = runs.iter().map(|(n, _, h, _)| (*n, h)).collect();
    plot_compare_svg("target/examples/optimizers.svg", "Three spirals, 2-32-32-3 ReLU: seven optimizers", &curves)?;
    println!("\nwrote target/examples/optimizers.svg");
    Ok(())
}
