use super::Loss;

/// The hinge loss of a (linear) support-vector machine, for targets
/// `t_i = ±1` and scores `s_i`, averaged over the `n` outputs (and over the
/// batch):
///
/// `C = (1/n) Σ_i max(0, 1 − t_i s_i)`,
/// `∂C/∂s_i = −t_i/n` where `t_i s_i < 1`, else 0 (also at the kink
/// `t_i s_i = 1`, as torch's `relu`).
///
/// This is not torch's `HingeEmbeddingLoss` (a loss of distances); the
/// reference is `torch.relu(1 - t * s).mean()`. Use it on an
/// [`Identity`](crate::Identity) output.
///
/// ```
/// use nn_core::{Hinge, Loss};
/// // torch: torch.relu(1 - t * s).mean() with s = [0.5, -2, 3], t = [1, 1, -1]: 2.5
/// let (s, t) = ([0.5, -2.0, 3.0], [1.0, 1.0, -1.0]);
/// assert_eq!(Hinge.loss(&s, &t), 2.5);
/// let mut g = [0.0; 3];
/// Hinge.grad(&s, &t, &mut g);
/// assert_eq!(g, [-1.0 / 3.0, -1.0 / 3.0, 1.0 / 3.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Hinge;

impl Loss for Hinge {
    fn loss(&self, pred: &[f32], target: &[f32]) -> f32 {
        let sum: f32 = pred.iter().zip(target).map(|(s, t)| (1.0 - t * s).max(0.0)).sum();
        sum / pred.len() as f32
    }
    fn grad(&self, pred: &[f32], target: &[f32], grad: &mut [f32]) {
        let k = 1.0 / pred.len() as f32;
        for ((g, s), t) in grad.iter_mut().zip(pred).zip(target) {
            *g = if 1.0 - t * s > 0.0 { -k * t } else { 0.0 };
        }
    }
}

/// The multi-class hinge loss of Weston–Watkins multi-class SVMs, as torch `MultiMarginLoss()` (`p = 1`, `margin = 1`, mean over the
/// batch), with the class `y` given as a one-hot target row over `n` classes:
///
/// `C = (1/n) Σ_{i ≠ y} max(0, 1 − s_y + s_i)`,
/// `∂C/∂s_i = 1/n` for each `i ≠ y` whose margin is violated (`1 − s_y + s_i > 0`),
/// `∂C/∂s_y = −(number of violations)/n`, and 0 at the kink (as torch).
///
/// A target row that is not one-hot (label smoothing, probability rows)
/// weighs the loss of each class by its target: `C = (1/n) Σ_k t_k Σ_{i ≠ k}
/// max(0, 1 − s_k + s_i)`, which is the formula above for one-hot rows.
///
/// ```
/// use nn_core::{Loss, MultiClassHinge};
/// // torch: F.multi_margin_loss(tensor([[0.1, 0.2, 0.4, 0.8]]), tensor([3])) = 0.325
/// let (s, t) = ([0.1, 0.2, 0.4, 0.8], [0.0, 0.0, 0.0, 1.0]);
/// assert!((MultiClassHinge.loss(&s, &t) - 0.325).abs() < 1e-6);
/// let mut g = [0.0; 4];
/// MultiClassHinge.grad(&s, &t, &mut g);
/// assert_eq!(g, [0.25, 0.25, 0.25, -0.75]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MultiClassHinge;

/// The margin of [`MultiClassHinge`] (torch's default).
const MARGIN: f32 = 1.0;

impl Loss for MultiClassHinge {
    fn loss(&self, pred: &[f32], target: &[f32]) -> f32 {
        let mut sum = 0.0;
        for (k, (&s_k, &t_k)) in pred.iter().zip(target).enumerate() {
            if t_k == 0.0 {
                continue;
            }
            let mut class = 0.0;
            for (i, &s_i) in pred.iter().enumerate() {
                if i != k {
                    class += (MARGIN - s_k + s_i).max(0.0);
                }
            }
            sum += t_k * class;
        }
        sum / pred.len() as f32
    }
    fn grad(&self, pred: &[f32], target: &[f32], grad: &mut [f32]) {
        let inv_n = 1.0 / pred.len() as f32;
        grad.fill(0.0);
        for (k, (&s_k, &t_k)) in pred.iter().zip(target).enumerate() {
            if t_k == 0.0 {
                continue;
            }
            let w = t_k * inv_n;
            for (i, &s_i) in pred.iter().enumerate() {
                if i != k && MARGIN - s_k + s_i > 0.0 {
                    grad[i] += w;
                    grad[k] -= w;
                }
            }
        }
    }
}
