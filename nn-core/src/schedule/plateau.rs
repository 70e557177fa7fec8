use crate::Optimizer;

/// Whether a smaller or a larger metric is better (torch `mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PlateauMode {
    /// Lower is better (a loss); torch `"min"`, the default.
    #[default]
    Min,
    /// Higher is better (an accuracy); torch `"max"`.
    Max,
}

/// How [`threshold`](ReduceLrOnPlateau::threshold) measures an improvement (torch `threshold_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ThresholdMode {
    /// Relative: better than `best·(1 − threshold)` (min) or `best·(1 + threshold)` (max); the default.
    #[default]
    Rel,
    /// Absolute: better than `best − threshold` (min) or `best + threshold` (max).
    Abs,
}

/// Cut the learning rate when a metric stops improving, as
/// `torch.optim.lr_scheduler.ReduceLROnPlateau`.
///
/// Call [`step`](ReduceLrOnPlateau::step) once per epoch with the monitored
/// metric (say, the validation loss). Each call:
///
/// ```text
/// if metric is better than best (by threshold): best ← metric, bad ← 0   else bad ← bad + 1
/// if cooling down:                              cooldown ← cooldown − 1, bad ← 0
/// if bad > patience:  η ← max(η·factor, min_lr) (unless that changes η by ≤ eps),
///                     cooldown ← cooldown epochs, bad ← 0
/// ```
///
/// Defaults as torch: mode min, `factor` 0.1, `patience` 10, `threshold` 1e-4
/// relative, `cooldown` 0, `min_lr` 0, `eps` 1e-8. A NaN metric is never
/// better. Comparisons are done in `f64`.
///
/// ```
/// use nn_core::{Optimizer, ReduceLrOnPlateau, Sgd};
/// let mut opt = Sgd::new(0.1);
/// let mut plateau = ReduceLrOnPlateau::new().factor(0.5).patience(1);
/// for val_loss in [1.0, 0.8, 0.8, 0.8] {
///     plateau.step_optimizer(val_loss, &mut opt);
/// }
/// assert_eq!(opt.learning_rate(), 0.05); // two epochs without improvement > patience 1
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ReduceLrOnPlateau {
    mode: PlateauMode,
    factor: f32,
    patience: usize,
    threshold: f32,
    threshold_mode: ThresholdMode,
    cooldown: usize,
    min_lr: f32,
    eps: f32,
    best: Option<f64>,
    num_bad_epochs: usize,
    cooldown_counter: usize,
}

impl Default for ReduceLrOnPlateau {
    fn default() -> Self {
        Self::new()
    }
}

impl ReduceLrOnPlateau {
    /// The progress a run has made: the best value so far, the number of bad
    /// epochs, and the cooldown counter (for checkpoints).
    pub fn progress(&self) -> (Option<f64>, usize, usize) {
        (self.best, self.num_bad_epochs, self.cooldown_counter)
    }

    /// Restores what [`progress`](ReduceLrOnPlateau::progress) returned.
    pub fn set_progress(&mut self, best: Option<f64>, num_bad_epochs: usize, cooldown_counter: usize) {
        self.best = best;
        self.num_bad_epochs = num_bad_epochs;
        self.cooldown_counter = cooldown_counter;
    }
}

impl ReduceLrOnPlateau {
    /// torch's defaults: minimize, factor 0.1, patience 10, threshold 1e-4 (relative), no cooldown, no minimum.
    pub fn new() -> Self {
        ReduceLrOnPlateau {
            mode: PlateauMode::Min,
            factor: 0.1,
            patience: 10,
            threshold: 1e-4,
            threshold_mode: ThresholdMode::Rel,
            cooldown: 0,
            min_lr: 0.0,
            eps: 1e-8,
            best: None,
            num_bad_epochs: 0,
            cooldown_counter: 0,
        }
    }
    /// Whether lower or higher is better (torch `mode`, default min).
    pub fn mode(mut self, mode: PlateauMode) -> Self {
        self.mode = mode;
        self
    }
    /// The factor applied to η on a plateau (torch `factor`, default 0.1).
    pub fn factor(mut self, factor: f32) -> Self {
        self.factor = factor;
        self
    }
    /// Epochs without improvement tolerated; the next one cuts η (torch `patience`, default 10).
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }
    /// The margin an improvement needs (torch `threshold`, default 1e-4).
    pub fn threshold(mut self, threshold: f32) -> Self {
        self.threshold = threshold;
        self
    }
    /// Whether the threshold is relative or absolute (torch `threshold_mode`, default relative).
    pub fn threshold_mode(mut self, threshold_mode: ThresholdMode) -> Self {
        self.threshold_mode = threshold_mode;
        self
    }
    /// Epochs after a cut during which bad epochs are not counted (torch `cooldown`, default 0).
    pub fn cooldown(mut self, cooldown: usize) -> Self {
        self.cooldown = cooldown;
        self
    }
    /// The lowest η (torch `min_lr`, default 0).
    pub fn min_lr(mut self, min_lr: f32) -> Self {
        self.min_lr = min_lr;
        self
    }
    /// Cuts smaller than this are skipped (torch `eps`, default 1e-8).
    pub fn eps(mut self, eps: f32) -> Self {
        self.eps = eps;
        self
    }

    /// The best metric so far (`None` before the first finite one).
    pub fn best(&self) -> Option<f32> {
        self.best.map(|b| b as f32)
    }

    /// Epochs since the last improvement, as counted for `patience`.
    pub fn num_bad_epochs(&self) -> usize {
        self.num_bad_epochs
    }

    fn is_better(&self, a: f64) -> bool {
        // torch starts `best` at the worst value, ±∞.
        let worst = if self.mode == PlateauMode::Min { f64::INFINITY } else { f64::NEG_INFINITY };
        let best = self.best.unwrap_or(worst);
        let t = f64::from(self.threshold);
        match (self.mode, self.threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => a < best * (1.0 - t),
            (PlateauMode::Min, ThresholdMode::Abs) => a < best - t,
            (PlateauMode::Max, ThresholdMode::Rel) => a > best * (1.0 + t),
            (PlateauMode::Max, ThresholdMode::Abs) => a > best + t,
        }
    }

    /// Records the metric of an epoch and returns the learning rate to use
    /// from now on, given the current one.
    pub fn step(&mut self, metric: f32, lr: f32) -> f32 {
        let current = f64::from(metric);
        if self.is_better(current) {
            self.best = Some(current);
            self.num_bad_epochs = 0;
        } else {
            self.num_bad_epochs += 1;
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.num_bad_epochs = 0;
        }
        if self.num_bad_epochs > self.patience {
            self.cooldown_counter = self.cooldown;
            self.num_bad_epochs = 0;
            let old = f64::from(lr);
            let new = (old * f64::from(self.factor)).max(f64::from(self.min_lr));
            if old - new > f64::from(self.eps) {
                return new as f32;
            }
        }
        lr
    }

    /// [`step`](ReduceLrOnPlateau::step) on an optimizer's learning rate;
    /// returns whether it was cut.
    pub fn step_optimizer<O: Optimizer + ?Sized>(&mut self, metric: f32, opt: &mut O) -> bool {
        let lr = opt.learning_rate();
        let new = self.step(metric, lr);
        opt.set_learning_rate(new);
        new != lr
    }
}
