use super::Schedule;

/// Step decay, as `torch.optim.lr_scheduler.StepLR`: multiply by γ every
/// `step_size` epochs, `η = η₀ · γ^⌊epoch / step_size⌋`.
///
/// ```
/// use nn_core::{Schedule, StepLr};
/// // StepLR(opt, step_size=2, gamma=0.5) from lr 0.1: 0.1, 0.1, 0.05, 0.05, 0.025
/// let s = StepLr::new(2).gamma(0.5);
/// let lrs: Vec<f32> = (0..5).map(|e| s.lr(e, 0.1)).collect();
/// assert_eq!(lrs, [0.1, 0.1, 0.05, 0.05, 0.025]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepLr {
    step_size: usize,
    gamma: f32,
}

impl StepLr {
    /// Decay every `step_size` epochs (at least 1) by γ = 0.1 (torch's default).
    pub fn new(step_size: usize) -> Self {
        StepLr { step_size: step_size.max(1), gamma: 0.1 }
    }
    /// The factor γ (torch `gamma`, default 0.1).
    pub fn gamma(mut self, gamma: f32) -> Self {
        self.gamma = gamma;
        self
    }
}

impl Schedule for StepLr {
    fn lr(&self, epoch: usize, base_lr: f32) -> f32 {
        let k = (epoch / self.step_size) as f64;
        (f64::from(base_lr) * libm::pow(f64::from(self.gamma), k)) as f32
    }
}
