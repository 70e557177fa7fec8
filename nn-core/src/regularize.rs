//! Regularization over flat parameter and gradient slices: L1 and L2
//! penalties, and gradient clipping by global norm and by value.
//!
//! # Penalties
//!
//! A [`Penalty`] is a term added to the loss; [`Penalty::add_grad`] adds its
//! gradient to a gradient (between `loss_and_grad` and the optimizer step),
//! [`Penalty::value`] gives the term itself (for reporting the regularized
//! loss):
//!
//! | penalty | added to the loss | added to the gradient |
//! |---|---|---|
//! | [`Penalty::L1`]`(λ)` | `λ Σ |w|` | `λ sign(w)` (0 at w = 0, as torch's `abs` backward) |
//! | [`Penalty::L2`]`(λ)` | `½ λ Σ w²` | `λ w` |
//!
//! The ½ in L2 is the textbook convention that makes the gradient `λw`: it is
//! then exactly torch's (and every optimizer's here) `weight_decay = λ` for
//! SGD-like and Adam-like (coupled) updates. Papers that write the penalty
//! as `λ‖w‖²` without the ½ mean `2λw`, i.e. `weight_decay = 2λ`. Decoupled
//! decay ([`AdamW`](crate::AdamW)) is not a penalty at all: it shrinks the
//! weights outside the adaptive step.
//!
//! # Weights only
//!
//! torch's `weight_decay` applies to every parameter, biases included (unless
//! one builds parameter groups), and so do the optimizers' `weight_decay`
//! here and `Penalty::value`/`add_grad` on a whole slice. The usual practice
//! of penalizing only the weight matrices is [`Penalty::value_on_weights`]
//! and [`Penalty::add_grad_on_weights`], which restrict the penalty to the
//! ranges [`Layer::visit_weights`] reports (the `W` of every `Dense`; not
//! biases, not PReLU slopes):
//!
//! ```
//! use nn_core::regularize::Penalty;
//! use nn_core::{Chain, Dense, Identity, Layer, Network, Tanh};
//! type Net = Chain<Dense<3, 4, Tanh>, Dense<4, 2, Identity>>;
//! let mut ranges = Vec::new();
//! Net::visit_weights(0, &mut |r| ranges.push(r));
//! assert_eq!(ranges, [0..12, 16..24]); // 0.weight and 2.weight; biases at 12..16 and 24..26
//!
//! let net = Net::new(&mut nn_core::rng(0));
//! let mut grad = vec![0.0; Net::PARAMS];
//! Penalty::L2(1e-4).add_grad_on_weights::<Net>(net.params(), &mut grad);
//! assert!(grad[12..16].iter().all(|&g| g == 0.0));
//! ```
//!
//! # Clipping
//!
//! [`clip_grad_norm`] and [`clip_grad_value`] follow torch's
//! `clip_grad_norm_` (2-norm over all gradients together) and
//! `clip_grad_value_`; both return the total norm before clipping.

use core::ops::Range;

use crate::Layer;

/// A penalty on the size of the parameters, added to the loss; see the
/// [module docs](self) for the formulas and the relation to `weight_decay`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Penalty {
    /// Lasso: `λ Σ |w|`, gradient `λ sign(w)`.
    L1(f32),
    /// Ridge / weight decay: `½ λ Σ w²`, gradient `λ w`.
    L2(f32),
}

impl Penalty {
    /// The penalty term for `params`.
    ///
    /// ```
    /// use nn_core::regularize::Penalty;
    /// assert_eq!(Penalty::L1(0.5).value(&[1.0, -2.0]), 1.5);
    /// assert_eq!(Penalty::L2(0.5).value(&[1.0, -2.0]), 1.25); // ½·0.5·(1 + 4)
    /// ```
    pub fn value(&self, params: &[f32]) -> f32 {
        match *self {
            Penalty::L1(lambda) => lambda * params.iter().map(|w| w.abs()).sum::<f32>(),
            Penalty::L2(lambda) => 0.5 * lambda * params.iter().map(|w| w * w).sum::<f32>(),
        }
    }

    /// Adds the gradient of the penalty at `params` to `grads` (same length).
    ///
    /// ```
    /// use nn_core::regularize::Penalty;
    /// let mut g = [0.0; 3];
    /// Penalty::L1(0.5).add_grad(&[1.0, -2.0, 0.0], &mut g);
    /// assert_eq!(g, [0.5, -0.5, 0.0]);
    /// Penalty::L2(0.5).add_grad(&[1.0, -2.0, 0.0], &mut g);
    /// assert_eq!(g, [1.0, -1.5, 0.0]);
    /// ```
    pub fn add_grad(&self, params: &[f32], grads: &mut [f32]) {
        match *self {
            Penalty::L1(lambda) => {
                for (g, &w) in grads.iter_mut().zip(params) {
                    *g += lambda * sign(w);
                }
            }
            Penalty::L2(lambda) => {
                for (g, &w) in grads.iter_mut().zip(params) {
                    *g += lambda * w;
                }
            }
        }
    }

    /// The penalty term over the weight matrices of network `N` only
    /// (`params` in [`Network::params`](crate::Network::params) order).
    pub fn value_on_weights<N: Layer>(&self, params: &[f32]) -> f32 {
        let mut total = 0.0;
        N::visit_weights(0, &mut |r| total += self.value(&params[r]));
        total
    }

    /// Adds the gradient of the penalty over the weight matrices of network
    /// `N` to `grads`; biases and other parameters are left alone.
    pub fn add_grad_on_weights<N: Layer>(&self, params: &[f32], grads: &mut [f32]) {
        N::visit_weights(0, &mut |r: Range<usize>| self.add_grad(&params[r.clone()], &mut grads[r]));
    }
}

/// `sign(w)` with `sign(0) = 0` (and NaN for NaN), as `torch.sign`.
fn sign(w: f32) -> f32 {
    if w > 0.0 {
        1.0
    } else if w < 0.0 {
        -1.0
    } else {
        w
    }
}

/// The Euclidean norm `‖g‖₂` of a gradient, summed in 16 partial sums
/// (`g[i]²` into sum `i % 16`: independent chains of vector additions, where
/// fewer would wait on the latency of each; `fit` takes the norm of every
/// batch's gradient), then added in order.
#[allow(clippy::needless_range_loop)] // see the loop
pub fn grad_norm(grads: &[f32]) -> f32 {
    let mut acc = [0.0f32; 16];
    let (chunks, rest) = grads.as_chunks::<16>();
    for c in chunks {
        // indices, not an iterator adapter: inlined even without LTO
        for i in 0..16 {
            acc[i] += c[i] * c[i];
        }
    }
    for (a, g) in acc.iter_mut().zip(rest) {
        *a += g * g;
    }
    libm::sqrtf(sum_in_order(&acc))
}

/// `Σ acc[i]` in order, out of line: inlined, the vectorizer mixes this
/// reduction into the loop above, shuffling lanes on every iteration.
#[inline(never)]
fn sum_in_order(acc: &[f32]) -> f32 {
    acc.iter().sum()
}

/// Scales the gradient so that its 2-norm is at most `max_norm`, as
/// `torch.nn.utils.clip_grad_norm_` (all gradients as one vector): with
/// `n = ‖g‖₂`, `g ← g · max_norm / (n + 1e-6)` when that factor is below 1,
/// else unchanged. Returns `n`, the norm before clipping.
///
/// A norm that is not finite is returned as it is, and the gradient is left
/// unchanged (torch would fill it with NaN): check the result before stepping.
///
/// ```
/// use nn_core::regularize::clip_grad_norm;
/// let mut g = [3.0, 4.0];
/// assert_eq!(clip_grad_norm(&mut g, 1.0), 5.0);
/// assert!((g[0] - 0.6).abs() < 1e-6 && (g[1] - 0.8).abs() < 1e-6);
/// ```
pub fn clip_grad_norm(grads: &mut [f32], max_norm: f32) -> f32 {
    let norm = grad_norm(grads);
    let scale = max_norm / (norm + 1e-6);
    if scale < 1.0 {
        for g in grads.iter_mut() {
            *g *= scale;
        }
    }
    norm
}

/// Clamps every gradient value into `[−clip_value, clip_value]`, as
/// `torch.nn.utils.clip_grad_value_`. Returns the 2-norm of the gradient
/// before clipping (torch returns nothing), for logging. NaN stays NaN.
///
/// ```
/// use nn_core::regularize::clip_grad_value;
/// let mut g = [3.0, -4.0, 0.5];
/// assert_eq!(clip_grad_value(&mut g, 1.0), 25.25f32.sqrt());
/// assert_eq!(g, [1.0, -1.0, 0.5]);
/// ```
pub fn clip_grad_value(grads: &mut [f32], clip_value: f32) -> f32 {
    let norm = grad_norm(grads);
    for g in grads.iter_mut() {
        if *g > clip_value {
            *g = clip_value;
        } else if *g < -clip_value {
            *g = -clip_value;
        }
    }
    norm
}
