//! Vanishing gradients: a deep sigmoid network and a deep ReLU network of the
//! same shape, trained side by side on the same task with the same optimizer.
//!
//! Backpropagation multiplies the error by `σ'(z) ≤ ¼` at every sigmoid
//! layer (`δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ'(zˡ)`), so the gradient reaching the first
//! layers of a deep sigmoid net is orders of magnitude smaller than at the
//! top, and those layers barely learn; ReLU's derivative is 1 where it is
//! active, and He initialization keeps the signal's scale. The per-layer
//! gradient norms and activation statistics come from
//! `record_gradient_norms` and `record_activations`.
//!
//! Writes `target/examples/vanishing_norms.svg` (gradient norm per layer),
//! `vanishing_loss.svg` (both learning curves) and the per-epoch diagnostics
//! `vanishing_sigmoid.svg` and `vanishing_relu.svg`.
//!
//! Run: `cargo run --release --example vanishing`

use nn::fit::{plot_compare_svg, plot_xy_svg, History, Metric, XySeries};
use nn::prelude::*;

nn::network! {
    /// Eight sigmoid hidden layers of 32.
    pub struct DeepSigmoid {
        l1: Dense<2, 32, Sigmoid>, l2: Dense<32, 32, Sigmoid>, l3: Dense<32, 32, Sigmoid>,
        l4: Dense<32, 32, Sigmoid>, l5: Dense<32, 32, Sigmoid>, l6: Dense<32, 32, Sigmoid>,
        l7: Dense<32, 32, Sigmoid>, l8: Dense<32, 32, Sigmoid>, out: Dense<32, 2, Softmax>,
    }
}

nn::network! {
    /// The same shape with ReLU.
    pub struct DeepRelu {
        l1: Dense<2, 32, ReLU>, l2: Dense<32, 32, ReLU>, l3: Dense<32, 32, ReLU>,
        l4: Dense<32, 32, ReLU>, l5: Dense<32, 32, ReLU>, l6: Dense<32, 32, ReLU>,
        l7: Dense<32, 32, ReLU>, l8: Dense<32, 32, ReLU>, out: Dense<32, 2, Softmax>,
    }
}

/// Two concentric rings (inner: class 0, outer: class 1).
fn rings(n: usize, seed: u64) -> (Vec<[f32; 2]>, Vec<[f32; 2]>) {
    let mut rng = nn::rng(seed);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for i in 0..n {
        let class = i % 2;
        let r = if class == 0 { 0.5 } else { 1.0 } + 0.1 * rng.normal();
        let t = std::f32::consts::TAU * rng.uniform();
        xs.push([r * t.cos(), r * t.sin()]);
        ys.push(if class == 0 { [1.0, 0.0] } else { [0.0, 1.0] });
    }
    (xs, ys)
}

fn train<N: Network>(xs: &[N::Input], ys: &[N::Output]) -> nn::Result<History> {
    let mut net = N::boxed(&mut nn::rng(1));
    let history = net
        .fit(xs, ys)
        .loss(CrossEntropy)
        .optimizer(Sgd::new(0.1).momentum(0.9))
        .epochs(40)
        .batch_size(32)
        .seed(2)
        .validation_split(0.2)
        .metrics(&[Metric::Accuracy])
        .record_gradient_norms(true)
        .record_activations(true)
        .quiet()
        .run()?;
    Ok(history)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (xs, ys) = rings(1000, 3);
    let sigmoid = train::<DeepSigmoid>(&xs, &ys)?;
    let relu = train::<DeepRelu>(&xs, &ys)?;

    println!("two rings, 1000 points; 8 hidden layers of 32; SGD 0.1 with momentum 0.9, 40 epochs, batch 32\n");
    println!("gradient norm ‖∂C/∂θ‖ of each layer (weights and bias), mean over the batches of the epoch,");
    println!("and the standard deviation of the layer's outputs:\n");
    let (s1, r1) = (&sigmoid.epochs[0], &relu.epochs[0]);
    let (sl, rl) = (sigmoid.last().expect("ran"), relu.last().expect("ran"));
    println!(
        "{:<6} {:>14} {:>14} {:>12}   {:>14} {:>14} {:>12}",
        "layer", "sigmoid ep. 1", "sigmoid last", "sigmoid std", "ReLU ep. 1", "ReLU last", "ReLU std"
    );
    println!("{:─<96}", "");
    for l in 0..sigmoid.layers.len() {
        println!(
            "{:<6} {:>14.3e} {:>14.3e} {:>12.4}   {:>14.3e} {:>14.3e} {:>12.4}",
            l + 1,
            s1.grad_norms[l],
            sl.grad_norms[l],
            s1.activations[l].std,
            r1.grad_norms[l],
            rl.grad_norms[l],
            r1.activations[l].std
        );
    }
    let ratio = |e: &nn::fit::Epoch| e.grad_norms[0] / e.grad_norms[e.grad_norms.len() - 1];
    println!("\nfirst / last layer gradient norm, epoch 1: sigmoid {:.1e}, ReLU {:.1e}", ratio(s1), ratio(r1));
    let acc = |h: &History| 100.0 * h.last().and_then(|e| e.val_accuracy).unwrap_or(0.0);
    println!(
        "validation accuracy after {} epochs: sigmoid {:.1}% (loss {:.4}), ReLU {:.1}% (loss {:.4})",
        sl.epoch,
        acc(&sigmoid),
        sl.val_loss.unwrap_or(f32::NAN),
        acc(&relu),
        rl.val_loss.unwrap_or(f32::NAN)
    );

    std::fs::create_dir_all("target/examples")?;
    let per_layer = |e: &nn::fit::Epoch| -> Vec<(f32, f32)> {
        e.grad_norms.iter().enumerate().map(|(l, &g)| ((l + 1) as f32, g)).collect()
    };
    let (a, b, c, d) = (per_layer(s1), per_layer(sl), per_layer(r1), per_layer(rl));
    plot_xy_svg(
        "target/examples/vanishing_norms.svg",
        "Gradient norm per layer: deep sigmoid vs deep ReLU",
        "layer",
        "gradient norm",
        &[
            XySeries { label: "sigmoid, epoch 1", points: &a, dots: false },
            XySeries { label: "sigmoid, last epoch", points: &b, dots: false },
            XySeries { label: "ReLU, epoch 1", points: &c, dots: false },
            XySeries { label: "ReLU, last epoch", points: &d, dots: false },
        ],
        true,
    )?;
    plot_compare_svg(
        "target/examples/vanishing_loss.svg",
        "Deep sigmoid vs deep ReLU",
        &[("sigmoid", &sigmoid), ("ReLU", &relu)],
    )?;
    sigmoid.plot_diagnostics_svg("target/examples/vanishing_sigmoid.svg", "Deep sigmoid: per-layer diagnostics")?;
    relu.plot_diagnostics_svg("target/examples/vanishing_relu.svg", "Deep ReLU: per-layer diagnostics")?;
    println!(
        "\nwrote target/examples/vanishing_norms.svg, vanishing_loss.svg, vanishing_sigmoid.svg, vanishing_relu.svg"
    );
    if !(ratio(s1) < 1e-3 && ratio(r1) > 1e-2 && acc(&relu) > acc(&sigmoid)) {
        eprintln!("the difference did not show: check the setup");
        std::process::exit(1);
    }
    Ok(())
}
