use super::Schedule;

/// Inverse-time decay `η = η₀ / (1 + k·epoch)`, the classic
/// `α₀/(1 + k·t)` of stochastic approximation (torch:
/// `LambdaLR(opt, lambda e: 1 / (1 + k * e))`).
///
/// ```
/// use nn_core::{InverseTimeLr, Schedule};
/// let s = InverseTimeLr::new(0.5);
/// assert_eq!([s.lr(0, 0.1), s.lr(2, 0.1), s.lr(8, 0.1)], [0.1, 0.05, 0.02]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InverseTimeLr {
    k: f32,
}

impl InverseTimeLr {
    /// Decay rate `k`.
    pub fn new(k: f32) -> Self {
        InverseTimeLr { k }
    }
}

impl Schedule for InverseTimeLr {
    fn lr(&self, epoch: usize, base_lr: f32) -> f32 {
        (f64::from(base_lr) / (1.0 + f64::from(self.k) * epoch as f64)) as f32
    }
}
