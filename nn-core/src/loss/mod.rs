//! Loss functions `C(a, y)` of a prediction `a` and a target `y`.
//!
//! Reduction, as PyTorch's defaults: the network averages a loss over the
//! batch; over the outputs of one sample each loss says whether it sums or
//! averages. Targets are rows of the output width.

mod cross_entropy;
mod mse;
mod sum_squared;

pub use cross_entropy::CrossEntropy;
pub use mse::Mse;
pub use sum_squared::SumSquaredError;

use crate::activation::softmax::softmax_backward_row;

/// A loss of one sample; the network takes the mean over the batch.
pub trait Loss {
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
}
