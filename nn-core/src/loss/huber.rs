use super::Loss;

/// The Huber loss (torch `HuberLoss(delta=δ)`, mean reduction): quadratic
/// near the target, linear beyond `δ`, averaged over the `n` outputs (and
/// over the batch). With `e_i = a_i − y_i`:
///
/// `C = (1/n) Σ_i { ½ e_i²  if |e_i| < δ;  δ(|e_i| − ½δ)  otherwise }`,
/// `∂C/∂a_i = clamp(e_i, −δ, δ)/n`.
///
/// [`Huber::default`] is torch's default `δ = 1`. For `δ = 1` it equals
/// torch `SmoothL1Loss()`; in general Huber(δ) = δ·SmoothL1(β = δ).
///
/// ```
/// use nn_core::{Huber, Loss};
/// // torch: F.huber_loss(tensor([1., 2., 3., -1.]), tensor([1.5, 2., 1., 1.]), delta=1.0) = 0.78125
/// let (a, y) = ([1.0, 2.0, 3.0, -1.0], [1.5, 2.0, 1.0, 1.0]);
/// assert_eq!(Huber::new(1.0).loss(&a, &y), 0.78125);
/// // delta=0.5: 0.46875, gradient [-0.125, 0, 0.125, -0.125]
/// assert_eq!(Huber::new(0.5).loss(&a, &y), 0.46875);
/// let mut g = [0.0; 4];
/// Huber::new(0.5).grad(&a, &y, &mut g);
/// assert_eq!(g, [-0.125, 0.0, 0.125, -0.125]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Huber {
    delta: f32,
}

impl Huber {
    /// The Huber loss with threshold `delta` (torch `HuberLoss(delta=delta)`).
    ///
    /// # Panics
    /// If `delta` is not positive and finite (torch rejects it too).
    pub const fn new(delta: f32) -> Self {
        assert!(delta > 0.0 && delta < f32::INFINITY, "Huber::new: delta must be positive and finite");
        Huber { delta }
    }

    /// The threshold δ between the quadratic and the linear part.
    pub const fn delta(&self) -> f32 {
        self.delta
    }
}

impl Default for Huber {
    /// `δ = 1`, torch's default.
    fn default() -> Self {
        Huber::new(1.0)
    }
}

impl Loss for Huber {
    fn loss(&self, pred: &[f32], target: &[f32]) -> f32 {
        let d = self.delta;
        let sum: f32 = pred
            .iter()
            .zip(target)
            .map(|(a, y)| {
                let e = (a - y).abs();
                if e < d {
                    0.5 * e * e
                } else {
                    d * (e - 0.5 * d)
                }
            })
            .sum();
        sum / pred.len() as f32
    }
    fn grad(&self, pred: &[f32], target: &[f32], grad: &mut [f32]) {
        let d = self.delta;
        let k = 1.0 / pred.len() as f32;
        for ((g, a), y) in grad.iter_mut().zip(pred).zip(target) {
            *g = k * (a - y).clamp(-d, d);
        }
    }
}
