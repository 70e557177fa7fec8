use super::Loss;

/// Binary cross-entropy of probabilities `a ∈ [0, 1]` against targets
/// `y ∈ [0, 1]`, averaged over the `n` outputs (and over the batch), exactly
/// as torch `BCELoss()` (mean reduction) computes it:
///
/// `C = −(1/n) Σ_i [y_i · max(ln a_i, −100) + (1 − y_i) · max(ln(1 − a_i), −100)]`,
/// `∂C/∂a_i = (a_i − y_i) / max(a_i (1 − a_i), 10⁻¹²) / n`.
///
/// Both clamps are torch's: a probability of exactly 0 or 1 (a saturated
/// [`Sigmoid`](crate::Sigmoid)) gives a finite loss (at most 100 per output)
/// and a finite gradient (at most 10¹²/n per output; the sigmoid's own
/// derivative, 0 there, then stops it).
///
/// After a [`Sigmoid`](crate::Sigmoid) output layer the loss is computed from
/// the probabilities, not fused with the logits (torch `BCEWithLogitsLoss`):
/// in `f32` the sigmoid rounds to exactly 1 from logits of about 17 on, where
/// the clamp above (not the logit) decides the loss. Use
/// [`CrossEntropy`](crate::CrossEntropy) on a two-way [`Softmax`](crate::Softmax)
/// when the exact loss of confidently wrong predictions matters.
///
/// A prediction outside `[0, 1]` gives NaN (torch raises an error), which
/// [`Network::loss_and_grad`](crate::Network::loss_and_grad) reports as
/// [`Error::NonFiniteLoss`](crate::Error::NonFiniteLoss).
///
/// ```
/// use nn_core::{BinaryCrossEntropy, Loss};
/// // torch: F.binary_cross_entropy(tensor([0.9, 0.2, 0.5]), tensor([1., 0., 1.])) = 0.340550
/// let (a, y) = ([0.9, 0.2, 0.5], [1.0, 0.0, 1.0]);
/// assert!((BinaryCrossEntropy.loss(&a, &y) - 0.340550).abs() < 1e-6);
/// let mut g = [0.0; 3];
/// BinaryCrossEntropy.grad(&a, &y, &mut g); // torch: [-0.370370, 0.416667, -0.666667]
/// assert!((g[0] + 0.370370).abs() < 1e-6 && (g[1] - 0.416667).abs() < 1e-6);
/// // saturated predictions: torch gives 100 and 1e12 / n
/// assert_eq!(BinaryCrossEntropy.loss(&[0.0], &[1.0]), 100.0);
/// BinaryCrossEntropy.grad(&[0.0], &[1.0], &mut g[..1]);
/// assert!((g[0] + 1e12).abs() < 1e6);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BinaryCrossEntropy;

/// torch's lower bound for the logarithms of `BCELoss`.
const LOG_MIN: f32 = -100.0;
/// torch's lower bound for `a (1 − a)` in the gradient of `BCELoss`.
const EPSILON: f32 = 1e-12;

/// `max(x, LOG_MIN)`, keeping NaN (so that bad input is noticed).
#[inline]
fn clamp_log(x: f32) -> f32 {
    if x < LOG_MIN {
        LOG_MIN
    } else {
        x
    }
}

impl Loss for BinaryCrossEntropy {
    fn loss(&self, pred: &[f32], target: &[f32]) -> f32 {
        let sum: f32 = pred
            .iter()
            .zip(target)
            .map(|(&a, &y)| (y - 1.0) * clamp_log(libm::log1pf(-a)) - y * clamp_log(libm::logf(a)))
            .sum();
        sum / pred.len() as f32
    }
    fn grad(&self, pred: &[f32], target: &[f32], grad: &mut [f32]) {
        let k = 1.0 / pred.len() as f32;
        for ((g, &a), &y) in grad.iter_mut().zip(pred).zip(target) {
            let d = (1.0 - a) * a;
            *g = k * (a - y) / if d < EPSILON { EPSILON } else { d };
        }
    }
}
