#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use super::Optimizer;

/// Stochastic gradient descent with optional momentum, as `torch.optim.SGD`.
///
/// With `g = ∇θ + λ·θ` (λ = `weight_decay`), momentum μ and dampening τ:
///
/// ```text
/// v ← g                      on the first step (torch), else
/// v ← μ·v + (1 − τ)·g
/// θ ← θ − η·(g + μ·v)        with nesterov
/// θ ← θ − η·v                otherwise (θ ← θ − η·g when μ = 0)
/// ```
///
/// `dampening(μ)` gives the textbook exponential moving average
/// `v ← μ·v + (1 − μ)·g`; torch starts it at `v = g`, and so does `Sgd` unless
/// [`zero_init_buffer`](Sgd::zero_init_buffer) asks for the zero start.
///
/// ```
/// use nn_core::{Optimizer, Sgd};
/// let mut opt = Sgd::new(0.1);
/// let mut w = [1.0f32];
/// opt.update(&mut w, &[0.5], &mut []);
/// assert_eq!(w, [0.95]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Sgd {
    lr: f32,
    momentum: f32,
    dampening: f32,
    nesterov: bool,
    weight_decay: f32,
    zero_init: bool,
    steps: u64,
    #[cfg(feature = "alloc")]
    state: Vec<f32>,
}

impl Sgd {
    /// Plain gradient descent with learning rate `lr`: `θ ← θ − η∇θ`.
    pub fn new(lr: f32) -> Self {
        Sgd {
            lr,
            momentum: 0.0,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
            zero_init: false,
            steps: 0,
            #[cfg(feature = "alloc")]
            state: Vec::new(),
        }
    }
    /// Momentum μ (torch `momentum`, default 0).
    pub fn momentum(mut self, momentum: f32) -> Self {
        self.momentum = momentum;
        self
    }
    /// Dampening τ (torch `dampening`, default 0).
    pub fn dampening(mut self, dampening: f32) -> Self {
        self.dampening = dampening;
        self
    }
    /// Nesterov momentum (torch `nesterov`, default false).
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.nesterov = nesterov;
        self
    }
    /// L2 weight decay λ added to the gradient: `g = ∇θ + λθ` (torch `weight_decay`).
    pub fn weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = weight_decay;
        self
    }
    /// Start the momentum buffer at zero (`v₁ = (1 − τ)g₁`) instead of torch's `v₁ = g₁`.
    pub fn zero_init_buffer(mut self, zero: bool) -> Self {
        self.zero_init = zero;
        self
    }
}

impl Optimizer for Sgd {
    fn state_len(&self, params: usize) -> usize {
        if self.momentum != 0.0 {
            params
        } else {
            0
        }
    }

    fn update(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32]) {
        let _flush = crate::subnormal::FlushToZero::new(); // see `subnormal`
        let (lr, mu, damp, wd) = (self.lr, self.momentum, self.dampening, self.weight_decay);
        let first = self.steps == 0 && !self.zero_init;
        if mu == 0.0 {
            for (p, &g) in params.iter_mut().zip(grads) {
                *p -= lr * (g + wd * *p);
            }
        } else {
            for ((p, &g), v) in params.iter_mut().zip(grads).zip(state.iter_mut()) {
                let g = g + wd * *p;
                *v = if first { g } else { mu * *v + (1.0 - damp) * g };
                let d = if self.nesterov { g + mu * *v } else { *v };
                *p -= lr * d;
            }
        }
        self.steps += 1;
    }

    /// μ (0 without momentum).
    fn momentum_coefficient(&self) -> Option<f32> {
        Some(self.momentum)
    }
    /// Sets μ between steps. The velocity `v` carries over while μ stays
    /// nonzero; going from μ = 0 to μ > 0 starts `v` at zero (there was no
    /// buffer), and μ = 0 drops the buffer.
    fn set_momentum(&mut self, momentum: f32) -> bool {
        self.momentum = momentum;
        true
    }
    fn learning_rate(&self) -> f32 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
    }
    super::scalar_fields!(lr: F32, momentum: F32, dampening: F32, nesterov: Bool, weight_decay: F32, zero_init: Bool, steps: U64);
    #[cfg(feature = "alloc")]
    fn owned_state(&mut self) -> &mut Vec<f32> {
        &mut self.state
    }
}
