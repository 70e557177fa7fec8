use super::Schedule;

/// Exponential decay, as `torch.optim.lr_scheduler.ExponentialLR`:
/// `η = η₀ · γ^epoch`.
///
/// ```
/// use nn_core::{ExponentialLr, Schedule};
/// let s = ExponentialLr::new(0.5);
/// assert_eq!([s.lr(0, 0.1), s.lr(1, 0.1), s.lr(3, 0.1)], [0.1, 0.05, 0.0125]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExponentialLr {
    gamma: f32,
}

impl ExponentialLr {
    /// Decay by the factor γ every epoch (torch `gamma`).
    pub fn new(gamma: f32) -> Self {
        ExponentialLr { gamma }
    }
}

impl Schedule for ExponentialLr {
    fn lr(&self, epoch: usize, base_lr: f32) -> f32 {
        (f64::from(base_lr) * libm::pow(f64::from(self.gamma), epoch as f64)) as f32
    }
}
