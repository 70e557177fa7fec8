#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use super::Optimizer;

/// RMSprop (Hinton, 2012), as `torch.optim.RMSprop`.
///
/// With `g = ∇θ + λ·θ` (λ = `weight_decay`), smoothing α, momentum μ:
///
/// ```text
/// s ← α·s + (1 − α)·g²
/// a ← √(s − ḡ²) + ε,  ḡ ← α·ḡ + (1 − α)·g   when centered
/// a ← √s + ε                               otherwise
/// b ← μ·b + g / a,  θ ← θ − η·b             when μ > 0
/// θ ← θ − η·g / a                           otherwise
/// ```
///
/// Defaults as torch: `alpha` 0.99, `eps` 1e-8, `weight_decay` 0,
/// `momentum` 0, `centered` false (torch's default `lr` is 1e-2). State:
/// `s`, then `ḡ` when centered, then `b` when μ > 0, one value per parameter each.
///
/// ```
/// use nn_core::{Optimizer, RmsProp};
/// // torch.optim.RMSprop([w], lr=0.01, momentum=0.9, centered=True), w = 1, grads 0.5 then -0.25:
/// // w = 0.899496238676095, then 0.8539877051435346
/// let mut opt = RmsProp::new(0.01).momentum(0.9).centered(true);
/// let (mut w, mut state) = ([1.0f32], [0.0f32; 3]);
/// opt.update(&mut w, &[0.5], &mut state);
/// assert!((w[0] - 0.899_496_24).abs() < 1e-6);
/// opt.update(&mut w, &[-0.25], &mut state);
/// assert!((w[0] - 0.853_987_7).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RmsProp {
    lr: f32,
    alpha: f32,
    eps: f32,
    weight_decay: f32,
    momentum: f32,
    centered: bool,
    #[cfg(feature = "alloc")]
    state: Vec<f32>,
}

impl RmsProp {
    /// RMSprop with learning rate `lr` (torch's default is 1e-2).
    pub fn new(lr: f32) -> Self {
        RmsProp {
            lr,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
            #[cfg(feature = "alloc")]
            state: Vec::new(),
        }
    }
    /// Smoothing constant α of the mean square (torch `alpha`, default 0.99).
    pub fn alpha(mut self, alpha: f32) -> Self {
        self.alpha = alpha;
        self
    }
    /// ε added to the root mean square (torch `eps`, default 1e-8).
    pub fn eps(mut self, eps: f32) -> Self {
        self.eps = eps;
        self
    }
    /// L2 weight decay λ added to the gradient: `g = ∇θ + λθ` (torch `weight_decay`, default 0).
    pub fn weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = weight_decay;
        self
    }
    /// Momentum μ on the normalized step (torch `momentum`, default 0).
    pub fn momentum(mut self, momentum: f32) -> Self {
        self.momentum = momentum;
        self
    }
    /// Normalize by the estimated variance `s − ḡ²` instead of `s` (torch `centered`, default false).
    pub fn centered(mut self, centered: bool) -> Self {
        self.centered = centered;
        self
    }
}

impl Optimizer for RmsProp {
    fn state_len(&self, params: usize) -> usize {
        params * (1 + usize::from(self.centered) + usize::from(self.momentum > 0.0))
    }

    fn update(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32]) {
        let _flush = crate::subnormal::FlushToZero::new(); // see `subnormal`
        let n = params.len();
        let (square_avg, rest) = state.split_at_mut(n);
        let (grad_avg, rest) = rest.split_at_mut(if self.centered { n } else { 0 });
        let buf = &mut rest[..if self.momentum > 0.0 { n } else { 0 }];
        let (lr, alpha, eps, wd, mu) = (self.lr, self.alpha, self.eps, self.weight_decay, self.momentum);
        for i in 0..n {
            let p = &mut params[i];
            let g = grads[i] + wd * *p;
            let s = &mut square_avg[i];
            *s = alpha * *s + (1.0 - alpha) * g * g;
            let avg = if self.centered {
                let m = &mut grad_avg[i];
                *m += (1.0 - alpha) * (g - *m);
                crate::math::sqrtf(*s - *m * *m) + eps
            } else {
                crate::math::sqrtf(*s) + eps
            };
            if mu > 0.0 {
                let b = &mut buf[i];
                *b = mu * *b + g / avg;
                *p -= lr * *b;
            } else {
                *p -= lr * g / avg;
            }
        }
    }

    fn learning_rate(&self) -> f32 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
    }
    super::scalar_fields!(lr: F32, alpha: F32, eps: F32, weight_decay: F32, momentum: F32, centered: Bool);
    #[cfg(feature = "alloc")]
    fn owned_state(&mut self) -> &mut Vec<f32> {
        &mut self.state
    }
}
