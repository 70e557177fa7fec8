//! Built by CI for `thumbv6m-none-eabi` and `thumbv7em-none-eabihf`: a
//! network declared with `network!`, run and trained on fixed buffers, with
//! neither `std` nor an allocator.
#![no_std]

use nn::prelude::*;

nn::network! {
    /// XOR, as on a microcontroller.
    pub struct Xor { hidden: Dense<2, 4, Tanh>, out: Dense<4, 1, Sigmoid> }
}

nn::network! {
    /// Every layer kind, to make sure each one builds for bare metal.
    pub struct Everything {
        Dense<3, 8, ReLU>, Dropout<0.25>, LeakyReLU<0.1>, Dense<8, 8, PReLU>, ELU, Softplus,
        Dense<8, 4, Step>, Identity, Dense<4, 3, Softmax>
    }
}

const BATCH: usize = 4;

/// Trains XOR for `epochs` full-batch steps on stack buffers; returns the final loss.
pub fn train_xor(seed: u64, epochs: usize) -> nn::Result<f32> {
    let xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let ys = [[0.0], [1.0], [1.0], [0.0]];
    let mut rng = nn::rng(seed);
    let mut net = Xor::new(&mut rng);
    let mut grad = Xor::zeros();
    let mut workspace = [0.0f32; Xor::WORKSPACE_PER_SAMPLE * BATCH];
    let mut opt = Sgd::new(0.5).momentum(0.9);
    let mut state = [0.0f32; Xor::PARAMS];
    let mut loss = f32::NAN;
    for _ in 0..epochs {
        loss = net.train_step_in(&xs, &ys, &Mse, &mut opt, &mut state, &mut grad, &mut workspace, &mut rng)?;
    }
    Ok(loss)
}

/// Inference and one training step through every layer kind.
pub fn everything(seed: u64, x: &[f32; 3]) -> nn::Result<[f32; 3]> {
    let mut rng = nn::rng(seed);
    let mut net = Everything::new(&mut rng);
    let mut grad = Everything::zeros();
    let mut workspace = [0.0f32; Everything::WORKSPACE_PER_SAMPLE];
    let mut opt = Sgd::new(0.1);
    net.train_step_in(
        &[*x],
        &[[1.0, 0.0, 0.0]],
        &CrossEntropy,
        &mut opt,
        &mut [],
        &mut grad,
        &mut workspace,
        &mut rng,
    )?;
    Ok(net.predict(x))
}

nn::network! {
    /// Maxout, DropConnect, Residual with stochastic depth and per-unit PReLU on bare metal.
    pub struct Blocks {
        Maxout<3, 8, 2>,
        PReLU<8>,
        Residual<StochasticDepth<0.2>, Dense<8, 8, ReLU>, Dropout<0.1>, Dense<8, 8>>,
        DropConnect<Dense<8, 3, Softmax>, 0.5>,
    }
}

/// Inference and one training step (masks active) through `Blocks`, on stack buffers.
pub fn blocks(seed: u64, x: &[f32; 3]) -> nn::Result<[f32; 3]> {
    let mut rng = nn::rng(seed);
    let mut net = Blocks::new(&mut rng);
    let mut grad = Blocks::zeros();
    let mut workspace = [0.0f32; Blocks::WORKSPACE_PER_SAMPLE * BATCH];
    let mut opt = Sgd::new(0.1);
    let xs = [*x; BATCH];
    let ys = [[1.0, 0.0, 0.0]; BATCH];
    net.train_step_in(&xs, &ys, &CrossEntropy, &mut opt, &mut [], &mut grad, &mut workspace, &mut rng)?;
    Ok(net.predict(x))
}

/// Adam under a bold driver (snapshot on the stack), a step schedule, L2 on
/// the weights and gradient clipping, all on fixed buffers: the training
/// additions build without an allocator. Returns the final loss.
pub fn train_xor_adaptive(seed: u64, epochs: usize) -> nn::Result<f32> {
    let xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let ys = [[0.0], [1.0], [1.0], [0.0]];
    let mut rng = nn::rng(seed);
    let mut net = Xor::zeros();
    net.init_with(Init::HeUniform, &mut rng);
    let mut grad = Xor::zeros();
    let mut workspace = [0.0f32; Xor::WORKSPACE_PER_SAMPLE * BATCH];
    let mut snapshot = [0.0f32; Xor::PARAMS];
    let mut opt = BoldDriver::with_snapshot(Adam::new(0.05).amsgrad(true), &mut snapshot[..]);
    let mut state = [0.0f32; 3 * Xor::PARAMS];
    let schedule = StepLr::new(50).gamma(0.5);
    let penalty = Penalty::L2(1e-4);
    let mut loss = f32::NAN;
    for epoch in 0..epochs {
        opt.set_learning_rate(schedule.lr(epoch, 0.05));
        // Full batch: the loss of the current parameters judges the last step.
        grad.params_mut().fill(0.0);
        loss = net.loss_and_grad_in(&xs, &ys, &Mse, &mut grad, &mut workspace, Mode::Eval)?;
        if opt.end_epoch(loss, net.params_mut())? == Verdict::Rejected {
            // Back at the previous parameters: their gradient.
            grad.params_mut().fill(0.0);
            loss = net.loss_and_grad_in(&xs, &ys, &Mse, &mut grad, &mut workspace, Mode::Eval)?;
        }
        penalty.add_grad_on_weights::<Xor>(net.params(), grad.params_mut());
        nn::clip_grad_norm(grad.params_mut(), 1.0);
        opt.update(net.params_mut(), grad.params(), &mut state);
    }
    Ok(loss)
}

#[cfg(test)]
mod tests {
    #[test]
    fn blocks_run_and_train() {
        let y = super::blocks(3, &[0.5, -0.5, 1.0]).unwrap();
        assert!((y.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{y:?}");
    }

    #[test]
    fn adaptive_training_learns_xor() {
        let loss = super::train_xor_adaptive(1, 400).unwrap();
        assert!(loss < 0.02, "{loss}");
    }
}
