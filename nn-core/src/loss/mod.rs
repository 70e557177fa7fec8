//! Loss functions `C(a, y)` of a prediction `a` and a target `y`.
//!
//! Reduction, as PyTorch's defaults: the network averages a loss over the
//! batch; over the outputs of one sample each loss says whether it sums or
//! averages. Targets are rows of the output width.
//!
//! | loss | per sample | torch |
//! |---|---|---|
//! | [`Mse`] | mean of `(a − y)²` | `MSELoss()` |
//! | [`SumSquaredError`] | `½ Σ (a − y)²` | `0.5 * MSELoss(reduction='sum')` per sample |
//! | [`Mae`] | mean of `\|a − y\|` | `L1Loss()` |
//! | [`Huber::new(δ)`](Huber) | mean of Huber(δ) | `HuberLoss(delta=δ)` |
//! | [`LogCosh`] | mean of `ln cosh(a − y)` | — |
//! | [`Quantile::new(q)`](Quantile) | mean of `max(q e, (q − 1) e)`, `e = y − a` | — |
//! | [`EpsilonInsensitive::new(ε)`](EpsilonInsensitive) | mean of `max(0, \|a − y\| − ε)` | — |
//! | [`BinaryCrossEntropy`] | mean of `−[y ln a + (1 − y) ln(1 − a)]` | `BCELoss()` |
//! | [`CrossEntropy`] | `−Σ y ln a` (from the logits after a [`Softmax`](crate::Softmax)) | `CrossEntropyLoss()` on the logits |
//! | [`Hinge`] | mean of `max(0, 1 − t s)`, `t = ±1` | — |
//! | [`MultiClassHinge`] | `Σ_{i≠y} max(0, 1 − s_y + s_i) / n` | `MultiMarginLoss()` |
//!
//! Each matches torch in `float64` to ~1e-5 relative in `f32`, value and
//! gradient, on the reference numbers of `tests/reference/` (made by
//! `tests/reference/losses.py`), including probabilities of exactly 0 and 1
//! and predictions or logits of ±1000.

mod binary_cross_entropy;
mod cross_entropy;
mod epsilon_insensitive;
mod hinge;
mod huber;
mod log_cosh;
mod mae;
mod mse;
mod quantile;
mod sum_squared;

pub use binary_cross_entropy::BinaryCrossEntropy;
pub use cross_entropy::CrossEntropy;
pub use epsilon_insensitive::EpsilonInsensitive;
pub use hinge::{Hinge, MultiClassHinge};
pub use huber::Huber;
pub use log_cosh::LogCosh;
pub use mae::Mae;
pub use mse::Mse;
pub use quantile::Quantile;
pub use sum_squared::SumSquaredError;

use crate::activation::softmax::softmax_backward_row;

/// A loss of one sample; the network takes the mean over the batch.
///
/// A loss is `Sync` (a function of its settings, shared by reference): with
/// the `parallel` feature a batch's rows may be computed on several threads.
pub trait Loss: Sync {
    /// The loss of one prediction `pred` against `target` (same length).
    fn loss(&self, pred: &[f32], target: &[f32]) -> f32;

    /// Writes `∂loss/∂pred` into `grad`.
    fn grad(&self, pred: &[f32], target: &[f32], grad: &mut [f32]);

    /// When the output layer is a softmax `p = softmax(z)`: the loss and
    /// `∂loss/∂z`, given the logits `z` and probabilities `p`.
    ///
    /// The default goes through the softmax Jacobian,
    /// `∂/∂z_i = p_i (g_i − Σ_j p_j g_j)` with `g = ∂loss/∂p`.
    /// [`CrossEntropy`] overrides it with the fused, exact `p − y` and a loss
    /// computed from the logits, which stays finite for logits of ±1000.
    fn softmax_loss_and_grad(&self, logits: &[f32], probs: &[f32], target: &[f32], grad: &mut [f32]) -> f32 {
        let _ = logits;
        self.grad(probs, target, grad);
        softmax_backward_row(probs, grad);
        self.loss(probs, target)
    }

    /// [`softmax_loss_and_grad`](Loss::softmax_loss_and_grad) on each row
    /// (`width` values) of the batch `logits`, `probs`, `target`, `grad`,
    /// adding each row's loss to `total` in row order. The default calls it
    /// row by row; [`CrossEntropy`] computes the exponentials of many rows
    /// in one pass (the same bits).
    fn softmax_loss_and_grad_rows(
        &self,
        logits: &[f32],
        probs: &[f32],
        target: &[f32],
        grad: &mut [f32],
        width: usize,
        total: &mut f32,
    ) {
        one_by_one(self, logits, probs, target, grad, width, |_, l| *total += l)
    }

    /// [`softmax_loss_and_grad_rows`](Loss::softmax_loss_and_grad_rows),
    /// but row `k`'s loss is written to `losses[k]` instead of added to a
    /// total (so that rows computed on several threads, then added in row
    /// order, give the bits of one thread). `losses` has one value per row.
    fn softmax_loss_and_grad_each(
        &self,
        logits: &[f32],
        probs: &[f32],
        target: &[f32],
        grad: &mut [f32],
        width: usize,
        losses: &mut [f32],
    ) {
        one_by_one(self, logits, probs, target, grad, width, |k, l| losses[k] = l)
    }
}

/// The defaults of [`Loss::softmax_loss_and_grad_rows`] and
/// [`Loss::softmax_loss_and_grad_each`]: row by row, row `k`'s loss to
/// `row_loss(k, loss)`.
fn one_by_one<L: Loss + ?Sized>(
    loss: &L,
    logits: &[f32],
    probs: &[f32],
    target: &[f32],
    grad: &mut [f32],
    width: usize,
    mut row_loss: impl FnMut(usize, f32),
) {
    if width == 0 {
        return;
    }
    let rows = logits.chunks_exact(width).zip(probs.chunks_exact(width));
    let rows = rows.zip(target.chunks_exact(width).zip(grad.chunks_exact_mut(width)));
    for (k, ((z, p), (t, g))) in rows.enumerate() {
        row_loss(k, loss.softmax_loss_and_grad(z, p, t, g));
    }
}

impl<L: Loss + ?Sized> Loss for &L {
    fn loss(&self, pred: &[f32], target: &[f32]) -> f32 {
        (**self).loss(pred, target)
    }
    fn grad(&self, pred: &[f32], target: &[f32], grad: &mut [f32]) {
        (**self).grad(pred, target, grad)
    }
    fn softmax_loss_and_grad(&self, logits: &[f32], probs: &[f32], target: &[f32], grad: &mut [f32]) -> f32 {
        (**self).softmax_loss_and_grad(logits, probs, target, grad)
    }
    fn softmax_loss_and_grad_rows(
        &self,
        z: &[f32],
        p: &[f32],
        t: &[f32],
        g: &mut [f32],
        width: usize,
        total: &mut f32,
    ) {
        (**self).softmax_loss_and_grad_rows(z, p, t, g, width, total)
    }
    fn softmax_loss_and_grad_each(
        &self,
        z: &[f32],
        p: &[f32],
        t: &[f32],
        g: &mut [f32],
        width: usize,
        losses: &mut [f32],
    ) {
        (**self).softmax_loss_and_grad_each(z, p, t, g, width, losses)
    }
}
