#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use super::adam::adam_update;
use super::Optimizer;

/// AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay, as
/// `torch.optim.AdamW`.
///
/// The weights decay directly, before the [`Adam`](crate::Adam) step on the
/// plain gradient `g = ∇θ`, at step `t = 1, 2, …`:
///
/// ```text
/// θ ← θ·(1 − η·λ)
/// m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²,   v̂ ← max(v̂, v) with amsgrad
/// θ ← θ − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
/// ```
///
/// Defaults as torch: `betas` (0.9, 0.999), `eps` 1e-8, `weight_decay` 1e-2,
/// `amsgrad` false (torch's default `lr` is 1e-3). State as `Adam`'s.
///
/// ```
/// use nn_core::{AdamW, Optimizer};
/// // torch.optim.AdamW([w], lr=0.1, weight_decay=0.1), w = 1, grads 0.5 then -0.25:
/// // w = 0.890000002, then 0.8544662986878463
/// let mut opt = AdamW::new(0.1).weight_decay(0.1);
/// let (mut w, mut state) = ([1.0f32], [0.0f32; 2]);
/// opt.update(&mut w, &[0.5], &mut state);
/// assert!((w[0] - 0.89).abs() < 1e-6);
/// opt.update(&mut w, &[-0.25], &mut state);
/// assert!((w[0] - 0.854_466_3).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct AdamW {
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    weight_decay: f32,
    amsgrad: bool,
    steps: u64,
    #[cfg(feature = "alloc")]
    state: Vec<f32>,
}

impl AdamW {
    /// AdamW with learning rate `lr` (torch's default is 1e-3) and weight decay 1e-2.
    pub fn new(lr: f32) -> Self {
        AdamW {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 1e-2,
            amsgrad: false,
            steps: 0,
            #[cfg(feature = "alloc")]
            state: Vec::new(),
        }
    }
    /// Decay rates β₁, β₂ of the moment estimates (torch `betas`, default (0.9, 0.999)).
    pub fn betas(mut self, beta1: f32, beta2: f32) -> Self {
        self.beta1 = beta1;
        self.beta2 = beta2;
        self
    }
    /// ε added to the denominator (torch `eps`, default 1e-8).
    pub fn eps(mut self, eps: f32) -> Self {
        self.eps = eps;
        self
    }
    /// Decoupled weight decay λ: `θ ← θ(1 − ηλ)` each step (torch `weight_decay`, default 1e-2).
    pub fn weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = weight_decay;
        self
    }
    /// The AMSGrad variant: normalize by the running maximum of `v` (torch `amsgrad`, default false).
    pub fn amsgrad(mut self, amsgrad: bool) -> Self {
        self.amsgrad = amsgrad;
        self
    }
}

impl Optimizer for AdamW {
    fn state_len(&self, params: usize) -> usize {
        params * if self.amsgrad { 3 } else { 2 }
    }

    fn update(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32]) {
        self.steps += 1;
        adam_update(
            params,
            grads,
            state,
            self.steps,
            self.lr,
            (self.beta1, self.beta2),
            self.eps,
            self.weight_decay,
            true,
            self.amsgrad,
        );
    }

    fn learning_rate(&self) -> f32 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
    }
    super::scalar_fields!(lr: F32, beta1: F32, beta2: F32, eps: F32, weight_decay: F32, amsgrad: Bool, steps: U64);
    #[cfg(feature = "alloc")]
    fn owned_state(&mut self) -> &mut Vec<f32> {
        &mut self.state
    }
}
