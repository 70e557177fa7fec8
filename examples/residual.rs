//! Residual blocks: a deep plain sigmoid network and the same layers wrapped
//! in `Residual` blocks (`y = x + F(x)`), trained side by side on the rings
//! of the `vanishing` example, plus the residual network with stochastic
//! depth and a small Maxout network.
//!
//! In the plain network the error reaching the first layers is multiplied by
//! `σ' ≤ ¼` at every one of its 16 sigmoid layers and vanishes; in a residual
//! block `∂y/∂x = I + ∂F/∂x`, so the identity path carries it to the bottom
//! undiminished.
//!
//! Run: `cargo run --release --example residual [LEARNING_RATE] [EPOCHS]` (Adam 3e-3, 100 epochs)

use nn::fit::{History, Metric};
use nn::prelude::*;

nn::network! {
    /// 16 sigmoid hidden layers of 32.
    pub struct Plain {
        Dense<2, 32, Sigmoid>,
        Dense<32, 32, Sigmoid>, Dense<32, 32>, Dense<32, 32, Sigmoid>, Dense<32, 32>,
        Dense<32, 32, Sigmoid>, Dense<32, 32>, Dense<32, 32, Sigmoid>, Dense<32, 32>,
        Dense<32, 32, Sigmoid>, Dense<32, 32>, Dense<32, 32, Sigmoid>, Dense<32, 32>,
        Dense<32, 32, Sigmoid>, Dense<32, 32>, Dense<32, 32, Sigmoid>, Dense<32, 32>,
        Dense<32, 2, Softmax>,
    }
}

nn::network! {
    /// The same 18 `Dense` layers, the middle 16 as 8 residual blocks.
    pub struct Res {
        Dense<2, 32, Sigmoid>,
        Residual<Dense<32, 32, Sigmoid>, Dense<32, 32>>, Residual<Dense<32, 32, Sigmoid>, Dense<32, 32>>,
        Residual<Dense<32, 32, Sigmoid>, Dense<32, 32>>, Residual<Dense<32, 32, Sigmoid>, Dense<32, 32>>,
        Residual<Dense<32, 32, Sigmoid>, Dense<32, 32>>, Residual<Dense<32, 32, Sigmoid>, Dense<32, 32>>,
        Residual<Dense<32, 32, Sigmoid>, Dense<32, 32>>, Residual<Dense<32, 32, Sigmoid>, Dense<32, 32>>,
        Dense<32, 2, Softmax>,
    }
}

nn::network! {
    /// As `Res`, each block's branch dropped for 10% of the samples while training.
    pub struct ResDrop {
        Dense<2, 32, Sigmoid>,
        Residual<StochasticDepth<0.1>, Dense<32, 32, Sigmoid>, Dense<32, 32>>,
        Residual<StochasticDepth<0.1>, Dense<32, 32, Sigmoid>, Dense<32, 32>>,
        Residual<StochasticDepth<0.1>, Dense<32, 32, Sigmoid>, Dense<32, 32>>,
        Residual<StochasticDepth<0.1>, Dense<32, 32, Sigmoid>, Dense<32, 32>>,
        Residual<StochasticDepth<0.1>, Dense<32, 32, Sigmoid>, Dense<32, 32>>,
        Residual<StochasticDepth<0.1>, Dense<32, 32, Sigmoid>, Dense<32, 32>>,
        Residual<StochasticDepth<0.1>, Dense<32, 32, Sigmoid>, Dense<32, 32>>,
        Residual<StochasticDepth<0.1>, Dense<32, 32, Sigmoid>, Dense<32, 32>>,
        Dense<32, 2, Softmax>,
    }
}

nn::network! {
    /// Two maxout layers (4 pieces each, per-unit PReLU between), DropConnect on the output layer.
    pub struct MaxoutNet {
        Maxout<2, 32, 4>,
        PReLU<32>,
        Maxout<32, 32, 4>,
        DropConnect<Dense<32, 2, Softmax>, 0.2>,
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

/// Adam with learning rate `lr` for `epochs` epochs of batches of 32, 20% validation.
fn train<N: Network>(xs: &[N::Input], ys: &[N::Output], lr: f32, epochs: usize) -> nn::Result<(History, f64)> {
    let mut net = N::boxed(&mut nn::rng(1));
    let start = std::time::Instant::now();
    let history = net
        .fit(xs, ys)
        .loss(CrossEntropy)
        .optimizer(Adam::new(lr))
        .epochs(epochs)
        .batch_size(32)
        .seed(2)
        .validation_split(0.2)
        .metrics(&[Metric::Accuracy])
        .record_gradient_norms(true)
        .quiet()
        .run()?;
    Ok((history, start.elapsed().as_secs_f64()))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = |i: usize| std::env::args().nth(i).and_then(|a| a.parse::<f32>().ok());
    let (lr, epochs) = (arg(1).unwrap_or(3e-3), arg(2).unwrap_or(100.0) as usize);
    let (xs, ys) = rings(1000, 3);
    println!("two rings, 1000 points (20% validation); Adam {lr}, {epochs} epochs, batch 32\n");
    println!(
        "{:<48} {:>7} {:>14} {:>12} {:>10} {:>7}",
        "network", "params", "first/last ‖g‖", "val. loss", "val. acc.", "time"
    );
    println!("{:─<103}", "");
    let mut results = Vec::new();
    for (name, params, run) in [
        ("plain: 18 Dense (16 hidden sigmoid/linear)", Plain::PARAMS, train::<Plain> as fn(&_, &_, _, _) -> _),
        ("residual: 8 Residual<Dense<Sigmoid>, Dense>", Res::PARAMS, train::<Res>),
        ("residual + StochasticDepth<0.1>", ResDrop::PARAMS, train::<ResDrop>),
        ("Maxout<2,32,4>, PReLU<32>, Maxout, DropConnect", MaxoutNet::PARAMS, train::<MaxoutNet>),
    ] {
        let (h, secs) = run(&xs, &ys, lr, epochs)?;
        let first = &h.epochs[0];
        let ratio = first.grad_norms[0] / first.grad_norms[first.grad_norms.len() - 1];
        let last = h.last().expect("ran");
        let acc = 100.0 * last.val_accuracy.unwrap_or(0.0);
        println!(
            "{name:<48} {params:>7} {ratio:>14.1e} {:>12.4} {acc:>9.1}% {secs:>6.2}s",
            last.val_loss.unwrap_or(f32::NAN)
        );
        results.push(acc);
    }
    println!("\n(first/last ‖g‖: gradient norm of the first layer over that of the last, epoch 1)");
    if results[1] <= results[0] + 20.0 {
        eprintln!("the residual networks did not beat the plain one: check the setup");
        std::process::exit(1);
    }
    Ok(())
}
