#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use super::Optimizer;

/// NAdam: Adam with Nesterov momentum (Dozat, 2016), as `torch.optim.NAdam`.
///
/// With `g = ∇θ + λ·θ` (λ = `weight_decay`; or, with
/// `decoupled_weight_decay`, `θ ← θ(1 − ηλ)` first and `g = ∇θ`), at step
/// `t = 1, 2, …`, with ψ = `momentum_decay`:
///
/// ```text
/// μ_t = β₁·(1 − ½·0.96^(t·ψ)),   μ_{t+1} = β₁·(1 − ½·0.96^((t+1)·ψ)),   Π_t = μ₁·…·μ_t
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// d = √(v / (1 − β₂ᵗ)) + ε
/// θ ← θ − η·(1 − μ_t)/(1 − Π_t) · g/d − η·μ_{t+1}/(1 − Π_t·μ_{t+1}) · m/d
/// ```
///
/// The scalar factors (μ, Π, the bias correction) are computed in `f64`.
/// Defaults as torch: `betas` (0.9, 0.999), `eps` 1e-8, `weight_decay` 0,
/// `momentum_decay` 4e-3, `decoupled_weight_decay` false; torch's default
/// learning rate is 2e-3 ([`NAdam::default`]). State: `m` and `v`, one value
/// per parameter each.
///
/// ```
/// use nn_core::{NAdam, Optimizer};
/// // torch.optim.NAdam([w], lr=0.1), w = 1, grads 0.5 then -0.25:
/// // w = 0.8943548242773647, then 0.9354657961611363
/// let mut opt = NAdam::new(0.1);
/// let (mut w, mut state) = ([1.0f32], [0.0f32; 2]);
/// opt.update(&mut w, &[0.5], &mut state);
/// assert!((w[0] - 0.894_354_8).abs() < 1e-6);
/// opt.update(&mut w, &[-0.25], &mut state);
/// assert!((w[0] - 0.935_465_8).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct NAdam {
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    weight_decay: f32,
    momentum_decay: f32,
    decoupled: bool,
    steps: u64,
    mu_product: f64,
    #[cfg(feature = "alloc")]
    state: Vec<f32>,
}

impl Default for NAdam {
    /// torch's defaults, learning rate 2e-3.
    fn default() -> Self {
        NAdam::new(2e-3)
    }
}

impl NAdam {
    /// NAdam with learning rate `lr` (torch's default is 2e-3).
    pub fn new(lr: f32) -> Self {
        NAdam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum_decay: 4e-3,
            decoupled: false,
            steps: 0,
            mu_product: 1.0,
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
    /// Weight decay λ (torch `weight_decay`, default 0): L2, added to the
    /// gradient, unless [`decoupled_weight_decay`](NAdam::decoupled_weight_decay).
    pub fn weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = weight_decay;
        self
    }
    /// ψ of the momentum schedule `μ_t = β₁(1 − ½·0.96^(tψ))` (torch `momentum_decay`, default 4e-3).
    pub fn momentum_decay(mut self, momentum_decay: f32) -> Self {
        self.momentum_decay = momentum_decay;
        self
    }
    /// Decay the weights directly, `θ ← θ(1 − ηλ)`, as AdamW does (torch
    /// `decoupled_weight_decay`, default false).
    pub fn decoupled_weight_decay(mut self, decoupled: bool) -> Self {
        self.decoupled = decoupled;
        self
    }
}

impl Optimizer for NAdam {
    fn state_len(&self, params: usize) -> usize {
        2 * params
    }

    fn update(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32]) {
        self.steps += 1;
        let t = self.steps as f64;
        let (beta1, beta2) = (f64::from(self.beta1), f64::from(self.beta2));
        let psi = f64::from(self.momentum_decay);
        let lr = f64::from(self.lr);
        let mu = beta1 * (1.0 - 0.5 * libm::pow(0.96, t * psi));
        let mu_next = beta1 * (1.0 - 0.5 * libm::pow(0.96, (t + 1.0) * psi));
        self.mu_product *= mu;
        let grad_coef = (-lr * (1.0 - mu) / (1.0 - self.mu_product)) as f32;
        let avg_coef = (-lr * mu_next / (1.0 - self.mu_product * mu_next)) as f32;
        let bias_correction2 = (1.0 - libm::pow(beta2, t)) as f32;

        let _flush = crate::subnormal::FlushToZero::new(); // see `subnormal`
        let n = params.len();
        let (m, v) = state.split_at_mut(n);
        let (b1, b2, eps, wd) = (self.beta1, self.beta2, self.eps, self.weight_decay);
        let (l2, decay) = if self.decoupled { (0.0, 1.0 - self.lr * wd) } else { (wd, 1.0) };
        for i in 0..n {
            let p = &mut params[i];
            if self.decoupled {
                *p *= decay;
            }
            let g = grads[i] + l2 * *p;
            m[i] += (1.0 - b1) * (g - m[i]);
            v[i] = b2 * v[i] + (1.0 - b2) * g * g;
            let denom = crate::math::sqrtf(v[i] / bias_correction2) + eps;
            *p += grad_coef * g / denom;
            *p += avg_coef * m[i] / denom;
        }
    }

    fn learning_rate(&self) -> f32 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
    }
    super::scalar_fields!(lr: F32, beta1: F32, beta2: F32, eps: F32, weight_decay: F32, momentum_decay: F32, decoupled: Bool, steps: U64, mu_product: F64);
    #[cfg(feature = "alloc")]
    fn owned_state(&mut self) -> &mut Vec<f32> {
        &mut self.state
    }
}
