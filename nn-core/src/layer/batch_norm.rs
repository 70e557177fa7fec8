use core::fmt;

use super::{Layer, LayerInfo};
use crate::arch::{Architecture, Part};
use crate::baked::ConstText;
use crate::math::sqrtf;
use crate::{Mode, Rng};

/// Batch normalization of `N` features (Ioffe & Szegedy 2015), as torch
/// `nn.BatchNorm1d(N)` with its defaults (`momentum = 0.1`, `eps = 1e-5`, affine):
///
/// ```text
/// y = γ · (x − μ) / √(σ² + ε) + β
/// ```
///
/// - While training ([`Mode::Train`]) `μ` and `σ²` are the mean and the
///   biased variance of each feature over the batch, and the step updates the
///   running statistics: `running_mean ← (1 − m)·running_mean + m·μ`,
///   `running_var ← (1 − m)·running_var + m·σ²·B/(B − 1)` (unbiased), `m = 0.1`.
///   A batch needs at least 2 samples (one sample has no variance; torch
///   refuses it too).
/// - In `predict` and [`Mode::Eval`], `μ` and `σ²` are the running statistics.
///
/// Backward, in training (the batch statistics depend on every sample):
/// `∂C/∂x = γ/(B·√(σ²+ε)) · (B·g − Σg − x̂·Σ(g·x̂))` with `g = ∂C/∂y` and
/// `x̂ = (x − μ)/√(σ²+ε)`; `∂C/∂γ = Σ g·x̂`, `∂C/∂β = Σ g`.
///
/// Layout, as torch's `state_dict`: `weight` (γ), `bias` (β), `running_mean`,
/// `running_var` (torch's `num_batches_tracked` is not kept: with a fixed
/// momentum nothing reads it). The running statistics are *state*, not
/// trainable parameters: [`Layer::visit_state`] names them, the optimizers,
/// penalties and gradient clipping leave them alone, and the training step
/// writes their new values (see [`Layer::STATE`]).
///
/// ```
/// use nn_core::{BatchNorm, Network};
/// let mut bn = BatchNorm::<2>::new_identity();
/// bn.running_mean = [1.0, -1.0];
/// bn.running_var = [4.0, 1.0];
/// let y = bn.predict(&[3.0, -1.0]);
/// assert!((y[0] - 2.0 / (4.0f32 + 1e-5).sqrt()).abs() < 1e-6);
/// assert_eq!(y[1], 0.0);
/// ```
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BatchNorm<const N: usize> {
    /// γ, the learned scale of each feature (1 at first).
    pub weight: [f32; N],
    /// β, the learned shift of each feature (0 at first).
    pub bias: [f32; N],
    /// The running mean of each feature (0 at first); state, not trained.
    pub running_mean: [f32; N],
    /// The running (unbiased) variance of each feature (1 at first); state, not trained.
    pub running_var: [f32; N],
}

// SAFETY: repr(C) of f32 arrays: alignment 4, no padding.
unsafe impl<const N: usize> bytemuck::Zeroable for BatchNorm<N> {}
unsafe impl<const N: usize> bytemuck::Pod for BatchNorm<N> {}

impl<const N: usize> BatchNorm<N> {
    /// ε added to the variance, as torch.
    pub const EPS: f32 = 1e-5;
    /// Weight of the new batch in the running statistics, as torch's `momentum = 0.1`.
    pub const MOMENTUM: f32 = 0.1;

    /// The initial layer: γ = 1, β = 0, running mean 0, running variance 1
    /// (the identity up to `1/√(1 + ε)`), as torch.
    pub fn new_identity() -> Self {
        BatchNorm { weight: [1.0; N], bias: [0.0; N], running_mean: [0.0; N], running_var: [1.0; N] }
    }

    /// Writes `BatchNorm<N>`.
    pub fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        write!(f, "BatchNorm<{N}>")
    }

    /// Where the per-feature statistics of the last forward pass live in a
    /// cache of `batch × CACHE` values: after the `batch × N` normalized
    /// values `x̂` come `μ`, `1/√(σ²+ε)` and the unbiased `σ²` (`N` each),
    /// then 1.0 when they came from the batch (training), else 0.0.
    fn stats(batch: usize) -> (usize, usize, usize, usize) {
        let mean = batch * N;
        (mean, mean + N, mean + 2 * N, mean + 3 * N)
    }
}

impl<const N: usize> fmt::Debug for BatchNorm<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Self::describe(f)
    }
}

// SAFETY: see the Pod impl.
unsafe impl<const N: usize> Layer for BatchNorm<N> {
    const IN: usize = N;
    const OUT: usize = N;
    /// `x̂` per sample, and room for the statistics of the batch (`3N + 1`
    /// values, which fit in the `3N + 1` extra per sample of any batch ≥ 1).
    const CACHE: usize = 4 * N + 1;
    const STATE: usize = 2 * N;
    const SPLIT_BY_UNITS: bool = true;
    const ARCHITECTURE: ConstText = ConstText::EMPTY.str("BatchNorm<").usize(N).str(">");
    const STRUCTURE: Architecture = Architecture::Layer(&[Part::Text("BatchNorm<"), Part::Usize(N), Part::Text(">")]);
    type Input = [f32; N];
    type Output = [f32; N];

    fn visit(f: &mut dyn FnMut(LayerInfo)) {
        f(LayerInfo { describe: Self::describe, inputs: N, outputs: N, params: 2 * N, state: 2 * N })
    }

    fn visit_state(offset: usize, f: &mut dyn FnMut(core::ops::Range<usize>)) {
        f(offset + 2 * N..offset + 4 * N)
    }

    fn init(&mut self, _rng: &mut Rng) {
        *self = Self::new_identity();
    }

    fn forward_one(&self, x: &[f32], y: &mut [f32]) {
        for j in 0..N {
            let inv_std = 1.0 / sqrtf(self.running_var[j] + Self::EPS);
            y[j] = self.weight[j] * ((x[j] - self.running_mean[j]) * inv_std) + self.bias[j];
        }
    }

    fn forward(&self, x: &[f32], y: &mut [f32], cache: &mut [f32], batch: usize, mode: &mut Mode<'_>) {
        let (m0, s0, v0, flag) = Self::stats(batch);
        let (xhat, stats) = cache[..batch * Self::CACHE].split_at_mut(m0);
        let (mean, stats) = stats.split_at_mut(N);
        let (inv_std, stats) = stats.split_at_mut(N);
        let (var_unbiased, stats) = stats.split_at_mut(N);
        let training = matches!(mode, Mode::Train(_));
        debug_assert_eq!((s0 - m0, v0 - s0, flag - v0), (N, N, N));
        stats[0] = if training { 1.0 } else { 0.0 };
        if training {
            let b = batch as f32;
            mean.fill(0.0);
            for row in x[..batch * N].chunks_exact(N) {
                for (m, &v) in mean.iter_mut().zip(row) {
                    *m += v;
                }
            }
            for m in mean.iter_mut() {
                *m /= b;
            }
            // Two passes: the variance from the deviations, not E[x²] − μ².
            // The sums of squares go into `inv_std`, then become 1/√(σ² + ε).
            inv_std.fill(0.0);
            for row in x[..batch * N].chunks_exact(N) {
                for ((s, &v), &m) in inv_std.iter_mut().zip(row).zip(mean.iter()) {
                    *s += (v - m) * (v - m);
                }
            }
            for (s, u) in inv_std.iter_mut().zip(var_unbiased.iter_mut()) {
                *u = if batch > 1 { *s / (b - 1.0) } else { 0.0 };
                *s = 1.0 / sqrtf(*s / b + Self::EPS);
            }
        } else {
            mean.copy_from_slice(&self.running_mean);
            for ((s, u), &rv) in inv_std.iter_mut().zip(var_unbiased.iter_mut()).zip(&self.running_var) {
                *s = 1.0 / sqrtf(rv + Self::EPS);
                *u = rv;
            }
        }
        for ((xr, yr), hr) in
            x[..batch * N].chunks_exact(N).zip(y[..batch * N].chunks_exact_mut(N)).zip(xhat.chunks_exact_mut(N))
        {
            for j in 0..N {
                let h = (xr[j] - mean[j]) * inv_std[j];
                hr[j] = h;
                yr[j] = self.weight[j] * h + self.bias[j];
            }
        }
    }

    /// Adds `∂C/∂γ` and `∂C/∂β` to `grad`, and sets `grad`'s running
    /// statistics to their values after this batch (see [`Layer::STATE`]):
    /// updated by the momentum rule after a training pass, unchanged after an
    /// evaluation pass.
    fn backward(
        &self,
        _x: &[f32],
        _y: &[f32],
        cache: &mut [f32],
        dy: &mut [f32],
        dx: Option<&mut [f32]>,
        grad: &mut Self,
        batch: usize,
        _dy_is_logit_grad: bool,
    ) {
        let (m0, s0, v0, flag) = Self::stats(batch);
        let xhat = &cache[..m0];
        let mean = &cache[m0..s0];
        let inv_std = &cache[s0..v0];
        let var_unbiased = &cache[v0..flag];
        let training = cache[flag] == 1.0;
        // Σg and Σg·x̂ per feature: the gradients of β and γ.
        let mut sum_g = [0.0f32; N];
        let mut sum_gx = [0.0f32; N];
        for (g, h) in dy[..batch * N].chunks_exact(N).zip(xhat.chunks_exact(N)) {
            for j in 0..N {
                sum_g[j] += g[j];
                sum_gx[j] += g[j] * h[j];
            }
        }
        for j in 0..N {
            grad.weight[j] += sum_gx[j];
            grad.bias[j] += sum_g[j];
        }
        if let Some(dx) = dx {
            let b = batch as f32;
            for ((d, g), h) in
                dx[..batch * N].chunks_exact_mut(N).zip(dy[..batch * N].chunks_exact(N)).zip(xhat.chunks_exact(N))
            {
                for j in 0..N {
                    let k = self.weight[j] * inv_std[j];
                    d[j] = if training { k / b * (b * g[j] - sum_g[j] - h[j] * sum_gx[j]) } else { k * g[j] };
                }
            }
        }
        let m = Self::MOMENTUM;
        for j in 0..N {
            if training {
                grad.running_mean[j] = (1.0 - m) * self.running_mean[j] + m * mean[j];
                grad.running_var[j] = (1.0 - m) * self.running_var[j] + m * var_unbiased[j];
            } else {
                grad.running_mean[j] = self.running_mean[j];
                grad.running_var[j] = self.running_var[j];
            }
        }
    }
}
