use super::Schedule;

/// Cosine annealing, as `torch.optim.lr_scheduler.CosineAnnealingLR` (without
/// restarts): from η₀ down to `eta_min` over `T_max` epochs,
///
/// ```text
/// η = η_min + (η₀ − η_min) · (1 + cos(π · epoch / T_max)) / 2
/// ```
///
/// Past `T_max` the rate follows the same cosine back up (period `2·T_max`),
/// as torch's does.
///
/// ```
/// use nn_core::{CosineAnnealingLr, Schedule};
/// let s = CosineAnnealingLr::new(10).eta_min(0.001);
/// assert_eq!(s.lr(0, 0.1), 0.1);
/// assert!((s.lr(5, 0.1) - 0.0505).abs() < 1e-7); // halfway: the mean of η₀ and η_min
/// assert_eq!(s.lr(10, 0.1), 0.001);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CosineAnnealingLr {
    t_max: usize,
    eta_min: f32,
}

impl CosineAnnealingLr {
    /// Anneal over `t_max` epochs (at least 1; torch `T_max`) down to 0.
    pub fn new(t_max: usize) -> Self {
        CosineAnnealingLr { t_max: t_max.max(1), eta_min: 0.0 }
    }
    /// The lowest rate (torch `eta_min`, default 0).
    pub fn eta_min(mut self, eta_min: f32) -> Self {
        self.eta_min = eta_min;
        self
    }
}

impl Schedule for CosineAnnealingLr {
    fn lr(&self, epoch: usize, base_lr: f32) -> f32 {
        let (base, min) = (f64::from(base_lr), f64::from(self.eta_min));
        let phase = core::f64::consts::PI * epoch as f64 / self.t_max as f64;
        (min + (base - min) * (1.0 + libm::cos(phase)) / 2.0) as f32
    }
}
