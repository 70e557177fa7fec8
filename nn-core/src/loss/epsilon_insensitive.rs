use super::mae::sign;
use super::Loss;

/// The ε-insensitive loss of support-vector regression: errors within `ε`
/// cost nothing, beyond it they cost linearly, averaged over the `n` outputs
/// (and over the batch):
///
/// `C = (1/n) Σ_i max(0, |a_i − y_i| − ε)`,
/// `∂C/∂a_i = sign(a_i − y_i)/n` where `|a_i − y_i| > ε`, else 0 (also at
/// the kink `|a_i − y_i| = ε`, as torch's `relu`).
///
/// torch has no module for it; the reference is
/// `torch.relu((a - y).abs() - eps).mean()`. `ε = 0` is the [`Mae`](crate::Mae).
///
/// ```
/// use nn_core::{EpsilonInsensitive, Loss};
/// // torch: torch.relu((a - y).abs() - 0.5).mean() = 0.75 for
/// let (a, y) = ([1.0, 2.0, 3.0, -1.0], [1.5, 2.0, 1.0, 1.0]);
/// assert_eq!(EpsilonInsensitive::new(0.5).loss(&a, &y), 0.75);
/// let mut g = [0.0; 4];
/// EpsilonInsensitive::new(0.5).grad(&a, &y, &mut g); // |e| = 0.5 is the kink: 0
/// assert_eq!(g, [0.0, 0.0, 0.25, -0.25]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpsilonInsensitive {
    epsilon: f32,
}

impl EpsilonInsensitive {
    /// The ε-insensitive loss with the tube half-width `epsilon`.
    ///
    /// # Panics
    /// If `epsilon` is negative or not finite.
    pub const fn new(epsilon: f32) -> Self {
        assert!(
            epsilon >= 0.0 && epsilon < f32::INFINITY,
            "EpsilonInsensitive::new: epsilon must be non-negative and finite"
        );
        EpsilonInsensitive { epsilon }
    }

    /// The half-width ε of the tube in which errors cost nothing.
    pub const fn epsilon(&self) -> f32 {
        self.epsilon
    }
}

impl Loss for EpsilonInsensitive {
    fn loss(&self, pred: &[f32], target: &[f32]) -> f32 {
        let eps = self.epsilon;
        let sum: f32 = pred.iter().zip(target).map(|(a, y)| ((a - y).abs() - eps).max(0.0)).sum();
        sum / pred.len() as f32
    }
    fn grad(&self, pred: &[f32], target: &[f32], grad: &mut [f32]) {
        let eps = self.epsilon;
        let k = 1.0 / pred.len() as f32;
        for ((g, a), y) in grad.iter_mut().zip(pred).zip(target) {
            let e = a - y;
            *g = if e.abs() - eps > 0.0 { k * sign(e) } else { 0.0 };
        }
    }
}
