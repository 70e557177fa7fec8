//! Learning-rate schedules, with torch.optim.lr_scheduler semantics.
//!
//! A [`Schedule`] is a function of the epoch: `lr(epoch, base_lr)`, epoch 0
//! being the first (every schedule here gives `base_lr` there, as a fresh
//! torch scheduler does; torch's `scheduler.step()` after epoch `e` sets the
//! rate of epoch `e + 1`). Use it before each epoch:
//!
//! ```
//! use nn_core::{Optimizer, Schedule, Sgd, StepLr};
//! let mut opt = Sgd::new(0.1);
//! let schedule = StepLr::new(3).gamma(0.5);
//! let base = opt.learning_rate();
//! for epoch in 0..10 {
//!     opt.set_learning_rate(schedule.lr(epoch, base));
//!     // ... train one epoch ...
//! }
//! assert_eq!(opt.learning_rate(), 0.1 * 0.125); // epoch 9: three halvings
//! ```
//!
//! | schedule | torch | `lr(epoch)` |
//! |---|---|---|
//! | [`InverseTimeLr`] | `LambdaLR(lambda e: 1 / (1 + k·e))` | `η₀ / (1 + k·epoch)` |
//! | [`StepLr`] | `StepLR` | `η₀ · γ^⌊epoch / step_size⌋` |
//! | [`ExponentialLr`] | `ExponentialLR` | `η₀ · γ^epoch` |
//! | [`CosineAnnealingLr`] | `CosineAnnealingLR` | `η_min + (η₀ − η_min)(1 + cos(π·epoch/T_max))/2` |
//!
//! [`ReduceLrOnPlateau`] depends on the monitored metric, not on the epoch
//! number: it is stateful and has its own [`step`](ReduceLrOnPlateau::step).
//!
//! Closures `Fn(usize, f32) -> f32` are schedules too. The rates are computed
//! in `f64` and rounded once; the parameters are `f32`, so a γ of `0.9` is
//! 0.89999998 and `γ^epoch` drifts from torch's float64 by ~3e-8 per epoch,
//! relatively (7e-7 after 29 epochs of `ExponentialLr::new(0.9)`).

mod cosine;
mod exponential;
mod inverse_time;
mod plateau;
mod step;

pub use cosine::CosineAnnealingLr;
pub use exponential::ExponentialLr;
pub use inverse_time::InverseTimeLr;
pub use plateau::{PlateauMode, ReduceLrOnPlateau, ThresholdMode};
pub use step::StepLr;

/// A learning rate as a function of the epoch.
pub trait Schedule {
    /// The learning rate of epoch `epoch` (0-based) for a run that starts at `base_lr`.
    fn lr(&self, epoch: usize, base_lr: f32) -> f32;
}

impl<F: Fn(usize, f32) -> f32> Schedule for F {
    fn lr(&self, epoch: usize, base_lr: f32) -> f32 {
        self(epoch, base_lr)
    }
}
