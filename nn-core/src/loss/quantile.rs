use super::Loss;

/// The quantile (pinball) loss for the quantile `q`, averaged over the `n`
/// outputs (and over the batch). With `e_i = y_i − a_i` (target minus prediction):
///
/// `C = (1/n) Σ_i max(q·e_i, (q − 1)·e_i)`,
/// `∂C/∂a_i = −q/n` where the prediction is too low (`e_i > 0`), `(1 − q)/n`
/// where it is too high, and the midpoint `(½ − q)/n` where `e_i = 0`.
///
/// Minimizing it makes `a` the `q`-quantile of the target; `q = 0.5` is half
/// the [`Mae`](crate::Mae). torch has no module for it; the reference is
/// `torch.maximum(q*e, (q-1)*e).mean()`, whose autograd splits the gradient
/// evenly at the tie `e = 0` (the midpoint above).
///
/// ```
/// use nn_core::{Loss, Quantile};
/// // torch: e = y - a; torch.maximum(0.9*e, -0.1*e).mean() = 0.6125, and the
/// // gradient w.r.t. a is [-0.225, -0.1, 0.025, -0.225] (-0.1 = (1/2 - q)/n at e = 0)
/// let (a, y) = ([1.0, 2.0, 3.0, -1.0], [1.5, 2.0, 1.0, 1.0]);
/// assert!((Quantile::new(0.9).loss(&a, &y) - 0.6125).abs() < 1e-6);
/// let mut g = [0.0; 4];
/// Quantile::new(0.9).grad(&a, &y, &mut g);
/// for (g, torch) in g.iter().zip([-0.225, -0.1, 0.025, -0.225]) {
///     assert!((g - torch).abs() < 1e-6);
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantile {
    q: f32,
}

impl Quantile {
    /// The pinball loss of the quantile `q` (`0.5`: the median).
    ///
    /// # Panics
    /// If `q` is not in `[0, 1]`.
    pub const fn new(q: f32) -> Self {
        assert!(q >= 0.0 && q <= 1.0, "Quantile::new: q must be in [0, 1]");
        Quantile { q }
    }

    /// The quantile `q`.
    pub const fn q(&self) -> f32 {
        self.q
    }
}

impl Loss for Quantile {
    fn loss(&self, pred: &[f32], target: &[f32]) -> f32 {
        let q = self.q;
        let sum: f32 = pred
            .iter()
            .zip(target)
            .map(|(a, y)| {
                let e = y - a;
                (q * e).max((q - 1.0) * e)
            })
            .sum();
        sum / pred.len() as f32
    }
    fn grad(&self, pred: &[f32], target: &[f32], grad: &mut [f32]) {
        let q = self.q;
        let k = 1.0 / pred.len() as f32;
        for ((g, a), y) in grad.iter_mut().zip(pred).zip(target) {
            let e = y - a;
            *g = k * if e > 0.0 {
                -q
            } else if e < 0.0 {
                1.0 - q
            } else {
                0.5 - q
            };
        }
    }
}
