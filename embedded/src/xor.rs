//! XOR learned on the device: a 2-4-1 network from a seeded initialization,
//! full-batch SGD with momentum on fixed buffers (no allocator).

use cortex_m::peripheral::SYST;
use nn::prelude::*;

use crate::{count_instructions, println};

nn::network! {
    /// XOR: two inputs, four tanh hidden units, one sigmoid output.
    pub struct Xor { hidden: Dense<2, 4, Tanh>, out: Dense<4, 1, Sigmoid> }
}

/// Full-batch steps.
pub const EPOCHS: usize = 1000;
/// The loss the network must reach.
pub const LOSS_GOAL: f32 = 0.01;

/// Trains, prints the loss curve and the truth table; `true` if the table is
/// right and the final loss is below [`LOSS_GOAL`].
pub fn check(syst: &mut SYST) -> bool {
    let xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let ys = [[0.0], [1.0], [1.0], [0.0]];
    let mut rng = nn::rng(42);
    let mut net = Xor::new(&mut rng);
    let mut grad = Xor::zeros();
    let mut workspace = [0.0f32; Xor::WORKSPACE_PER_SAMPLE * 4];
    let mut opt = Sgd::new(0.5).momentum(0.9);
    let mut state = [0.0f32; Xor::PARAMS];
    let mut loss;
    let mut step_insns = None;
    for epoch in 0..EPOCHS {
        let (result, n) = count_instructions(syst, || {
            net.train_step_in(&xs, &ys, &Mse, &mut opt, &mut state, &mut grad, &mut workspace, &mut rng)
        });
        match result {
            Ok(l) => loss = l,
            Err(e) => {
                println!("xor: training failed: {}", e);
                return false;
            }
        }
        if epoch == 0 {
            step_insns = n;
        }
        if epoch % 200 == 0 {
            println!("xor epoch {} loss {}", epoch, loss);
        }
    }
    let final_loss = net.loss_in(&xs, &ys, &Mse, &mut workspace, Mode::Eval).unwrap_or(f32::NAN);
    let mut right = 0;
    for (x, y) in xs.iter().zip(&ys) {
        let out = net.predict(x)[0];
        right += usize::from((out > 0.5) == (y[0] > 0.5));
        println!("xor {} {} -> {} (target {})", x[0], x[1], out, y[0]);
    }
    println!(
        "xor: {} epochs, loss {} (goal < {}), {} of 4 right; {} parameters, workspace {} f32",
        EPOCHS,
        final_loss,
        LOSS_GOAL,
        right,
        Xor::PARAMS,
        workspace.len()
    );
    if let Some(n) = step_insns {
        println!("xor insns_per_train_step (batch 4): {}", n);
    }
    right == 4 && final_loss < LOSS_GOAL
}
