//! sin x learned on the device: a 1-16-16-1 ReLU network (the shape of the
//! TFLM/MicroFlow sine model) trained with Adam on 64 points of [0, 2π] in
//! mini-batches of 16, on fixed buffers (no allocator).

use cortex_m::peripheral::SYST;
use nn::prelude::*;

use crate::{count_instructions, println};

nn::network! {
    /// sin x on [0, 2π].
    pub struct Sine {
        hidden1: Dense<1, 16, ReLU>,
        hidden2: Dense<16, 16, ReLU>,
        output: Dense<16, 1>,
    }
}

/// Training points, evenly spaced over [0, 2π].
pub const POINTS: usize = 64;
/// Mini-batch size.
pub const BATCH: usize = 16;
/// Passes over the points.
pub const EPOCHS: usize = 1500;
/// The mean squared error the network must reach on 200 points of [0, 2π]
/// (not the training points).
pub const MSE_GOAL: f32 = 0.005;

fn x_at(i: usize, n: usize) -> f32 {
    i as f32 * core::f32::consts::TAU / (n - 1) as f32
}

/// MSE against `libm::sinf` on `n` evenly spaced points.
pub fn mse<N: Network<Input = [f32; 1], Output = [f32; 1]>>(net: &N, n: usize) -> f32 {
    let mut sum = 0.0;
    for i in 0..n {
        let x = x_at(i, n) + 0.5 * core::f32::consts::TAU / (n - 1) as f32 * ((i % 2) as f32);
        let x = x.min(core::f32::consts::TAU);
        let e = net.predict(&[x])[0] - libm::sinf(x);
        sum += e * e;
    }
    sum / n as f32
}

/// Trains and checks the MSE.
pub fn check(syst: &mut SYST) -> bool {
    let xs: [[f32; 1]; POINTS] = core::array::from_fn(|i| [x_at(i, POINTS)]);
    let ys: [[f32; 1]; POINTS] = core::array::from_fn(|i| [libm::sinf(xs[i][0])]);
    let mut rng = nn::rng(7);
    let mut net = Sine::new(&mut rng);
    let mut grad = Sine::zeros();
    let mut workspace = [0.0f32; Sine::WORKSPACE_PER_SAMPLE * BATCH];
    let mut opt = Adam::new(1e-2);
    let mut state = [0.0f32; 2 * Sine::PARAMS];
    let mut step_insns = None;
    let start = mse(&net, 200);
    for epoch in 0..EPOCHS {
        // Interleaved batches: batch b holds points b, b + 4, b + 8, ...
        let mut loss = 0.0;
        for b in 0..POINTS / BATCH {
            let bx: [[f32; 1]; BATCH] = core::array::from_fn(|j| xs[b + j * (POINTS / BATCH)]);
            let by: [[f32; 1]; BATCH] = core::array::from_fn(|j| ys[b + j * (POINTS / BATCH)]);
            let (result, n) = count_instructions(syst, || {
                net.train_step_in(&bx, &by, &Mse, &mut opt, &mut state, &mut grad, &mut workspace, &mut rng)
            });
            match result {
                Ok(l) => loss += l / (POINTS / BATCH) as f32,
                Err(e) => {
                    println!("sine: training failed: {}", e);
                    return false;
                }
            }
            if step_insns.is_none() {
                step_insns = n;
            }
        }
        if epoch % 300 == 0 {
            println!("sine epoch {} loss {}", epoch, loss);
        }
    }
    let end = mse(&net, 200);
    println!(
        "sine: MSE {} before, {} after {} epochs (goal < {}); {} parameters, workspace {} f32, Adam state {} f32",
        start,
        end,
        EPOCHS,
        MSE_GOAL,
        Sine::PARAMS,
        Sine::WORKSPACE_PER_SAMPLE * BATCH,
        2 * Sine::PARAMS
    );
    if let Some(n) = step_insns {
        println!("sine insns_per_train_step (batch {}): {}", BATCH, n);
    }
    end < MSE_GOAL
}
