#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use super::Optimizer;

/// Adagrad (Duchi et al., 2011), as `torch.optim.Adagrad`.
///
/// With `g = ∇θ + λ·θ` (λ = `weight_decay`) at step `t = 1, 2, …`:
///
/// ```text
/// η_t = η / (1 + (t − 1)·lr_decay)
/// s   ← s + g²                      (s starts at initial_accumulator_value)
/// θ   ← θ − η_t · g / (√s + ε)
/// ```
///
/// Defaults as torch: `lr_decay` 0, `weight_decay` 0,
/// `initial_accumulator_value` 0, `eps` 1e-10. State: one value per
/// parameter, `Σ g²` (the initial accumulator value is added when it is
/// read, so the state starts at zero like every optimizer's).
///
/// ```
/// use nn_core::{Adagrad, Optimizer};
/// // torch.optim.Adagrad([w], lr=0.1, lr_decay=0.5), w = 1, grads 0.5 then -0.25:
/// // w = 0.90000000002, then 0.9298142397146639
/// let mut opt = Adagrad::new(0.1).lr_decay(0.5);
/// let (mut w, mut state) = ([1.0f32], [0.0f32]);
/// opt.update(&mut w, &[0.5], &mut state);
/// assert!((w[0] - 0.9).abs() < 1e-6);
/// opt.update(&mut w, &[-0.25], &mut state);
/// assert!((w[0] - 0.929_814_24).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Adagrad {
    lr: f32,
    lr_decay: f32,
    weight_decay: f32,
    initial_accumulator_value: f32,
    eps: f32,
    steps: u64,
    #[cfg(feature = "alloc")]
    state: Vec<f32>,
}

impl Adagrad {
    /// Adagrad with learning rate `lr` (torch's default is 1e-2).
    pub fn new(lr: f32) -> Self {
        Adagrad {
            lr,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            steps: 0,
            #[cfg(feature = "alloc")]
            state: Vec::new(),
        }
    }
    /// Learning-rate decay: step `t` uses `η / (1 + (t − 1)·lr_decay)` (torch `lr_decay`, default 0).
    pub fn lr_decay(mut self, lr_decay: f32) -> Self {
        self.lr_decay = lr_decay;
        self
    }
    /// L2 weight decay λ added to the gradient: `g = ∇θ + λθ` (torch `weight_decay`, default 0).
    pub fn weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = weight_decay;
        self
    }
    /// Starting value of the sum of squared gradients (torch `initial_accumulator_value`, default 0).
    pub fn initial_accumulator_value(mut self, value: f32) -> Self {
        self.initial_accumulator_value = value;
        self
    }
    /// ε added to `√s` (torch `eps`, default 1e-10).
    pub fn eps(mut self, eps: f32) -> Self {
        self.eps = eps;
        self
    }
}

impl Optimizer for Adagrad {
    fn state_len(&self, params: usize) -> usize {
        params
    }

    fn update(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32]) {
        let _flush = crate::subnormal::FlushToZero::new(); // see `subnormal`
        self.steps += 1;
        let clr = self.lr / (1.0 + (self.steps - 1) as f32 * self.lr_decay);
        let (wd, init, eps) = (self.weight_decay, self.initial_accumulator_value, self.eps);
        for ((p, &g), s) in params.iter_mut().zip(grads).zip(state.iter_mut()) {
            let g = g + wd * *p;
            *s += g * g;
            *p -= clr * g / (crate::math::sqrtf(init + *s) + eps);
        }
    }

    fn learning_rate(&self) -> f32 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
    }
    super::scalar_fields!(lr: F32, lr_decay: F32, weight_decay: F32, initial_accumulator_value: F32, eps: F32, steps: U64);
    #[cfg(feature = "alloc")]
    fn owned_state(&mut self) -> &mut Vec<f32> {
        &mut self.state
    }
}
