//! Callbacks: code that runs around every epoch of `fit`.

use std::boxed::Box;
use std::path::PathBuf;
use std::vec::Vec;

use super::history::{Epoch, History, Monitor};
use crate::{Network, Optimizer, PlateauMode, ReduceLrOnPlateau, Result, Schedule};

/// What a callback may touch between epochs.
pub struct Context<'a, N> {
    /// The network being trained.
    pub net: &'a mut N,
    /// Its optimizer (for the learning rate and, where there is one, the momentum).
    pub optimizer: &'a mut dyn Optimizer,
}

/// Whether training goes on after an epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Train the next epoch.
    Continue,
    /// Stop now.
    Stop,
}

/// Code that runs around every epoch of [`Fit::run`](super::Fit::run).
pub trait Callback<N> {
    /// Before epoch `epoch` (1-based).
    fn on_epoch_begin(&mut self, epoch: usize, ctx: &mut Context<'_, N>) -> Result<()> {
        let _ = (epoch, ctx);
        Ok(())
    }
    /// After an epoch, with its metrics; return [`Control::Stop`] to end training.
    fn on_epoch_end(&mut self, logs: &Epoch, ctx: &mut Context<'_, N>) -> Result<Control> {
        let _ = (logs, ctx);
        Ok(Control::Continue)
    }
    /// After the last epoch (also after an early stop).
    fn on_train_end(&mut self, history: &History, ctx: &mut Context<'_, N>) -> Result<()> {
        let _ = (history, ctx);
        Ok(())
    }
    /// A one-line report printed after training, if the callback has one.
    fn report(&self) -> Option<std::string::String> {
        None
    }
    /// Appends the callback's state to `out`, for a checkpoint of the run
    /// ([`Fit::checkpoint_to`](super::Fit::checkpoint_to)). The default
    /// writes nothing: right for callbacks without state.
    fn save_state(&self, out: &mut Vec<u8>) {
        let _ = out;
    }
    /// Restores the state [`save_state`](Callback::save_state) wrote, when
    /// a run resumes from a checkpoint.
    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let _ = bytes;
        Ok(())
    }
}

/// A borrowed callback is a callback, so that its state can be read after
/// `run` (`.callback(&mut checkpoint)`, then `checkpoint.saved()`).
impl<N, C: Callback<N> + ?Sized> Callback<N> for &mut C {
    fn on_epoch_begin(&mut self, epoch: usize, ctx: &mut Context<'_, N>) -> Result<()> {
        (**self).on_epoch_begin(epoch, ctx)
    }
    fn on_epoch_end(&mut self, logs: &Epoch, ctx: &mut Context<'_, N>) -> Result<Control> {
        (**self).on_epoch_end(logs, ctx)
    }
    fn on_train_end(&mut self, history: &History, ctx: &mut Context<'_, N>) -> Result<()> {
        (**self).on_train_end(history, ctx)
    }
    fn report(&self) -> Option<std::string::String> {
        (**self).report()
    }
}

/// Stops training when a monitored value has not improved by more than
/// `min_delta` for `patience` epochs, and (with `restore_best`) puts back the
/// parameters of the best epoch, as Keras' `EarlyStopping`.
#[derive(Clone, Debug)]
pub struct EarlyStopping {
    monitor: Monitor,
    patience: usize,
    min_delta: f32,
    restore_best: bool,
    best: Option<(usize, f32)>,
    best_params: Vec<f32>,
    waited: usize,
    stopped_at: Option<usize>,
}

impl EarlyStopping {
    /// Watches the validation loss with patience 5, min-delta 0, restore-best on.
    pub fn new() -> Self {
        EarlyStopping {
            monitor: Monitor::ValLoss,
            patience: 5,
            min_delta: 0.0,
            restore_best: true,
            best: None,
            best_params: Vec::new(),
            waited: 0,
            stopped_at: None,
        }
    }
    /// The value to watch.
    pub fn monitor(mut self, monitor: Monitor) -> Self {
        self.monitor = monitor;
        self
    }
    /// Epochs without improvement before stopping.
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }
    /// The smallest change that counts as an improvement.
    pub fn min_delta(mut self, min_delta: f32) -> Self {
        self.min_delta = min_delta;
        self
    }
    /// Whether to restore the parameters of the best epoch at the end.
    pub fn restore_best(mut self, restore: bool) -> Self {
        self.restore_best = restore;
        self
    }
    /// The best epoch and its value, once an epoch has run.
    pub fn best(&self) -> Option<(usize, f32)> {
        self.best
    }
    /// The epoch after which training was stopped, if it was.
    pub fn stopped_at(&self) -> Option<usize> {
        self.stopped_at
    }
}

impl Default for EarlyStopping {
    fn default() -> Self {
        Self::new()
    }
}

impl<N: Network> Callback<N> for EarlyStopping {
    fn on_epoch_end(&mut self, logs: &Epoch, ctx: &mut Context<'_, N>) -> Result<Control> {
        let Some(value) = self.monitor.value(logs) else { return Ok(Control::Continue) };
        let improved = match self.best {
            None => value.is_finite(),
            Some((_, best)) => self.monitor.improves(value, best, self.min_delta),
        };
        if improved {
            self.best = Some((logs.epoch, value));
            self.waited = 0;
            if self.restore_best {
                self.best_params.clear();
                self.best_params.extend_from_slice(ctx.net.params());
            }
            return Ok(Control::Continue);
        }
        self.waited += 1;
        if self.waited >= self.patience {
            self.stopped_at = Some(logs.epoch);
            return Ok(Control::Stop);
        }
        Ok(Control::Continue)
    }

    fn on_train_end(&mut self, _history: &History, ctx: &mut Context<'_, N>) -> Result<()> {
        if self.restore_best && self.best_params.len() == N::PARAMS {
            ctx.net.set_params(&self.best_params)?;
        }
        Ok(())
    }

    fn save_state(&self, out: &mut Vec<u8>) {
        use crate::checkpoint::Writer;
        let mut w = Writer(out);
        w.u8(u8::from(self.best.is_some()));
        let (epoch, value) = self.best.unwrap_or((0, 0.0));
        w.u64(epoch as u64);
        w.f32(value);
        w.u64(self.waited as u64);
        w.u8(u8::from(self.stopped_at.is_some()));
        w.u64(self.stopped_at.unwrap_or(0) as u64);
        w.f32s(&self.best_params);
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let mut r = crate::checkpoint::Reader::new(bytes, "EarlyStopping state");
        let has_best = r.u8()? != 0;
        let (epoch, value) = (r.usize()?, r.f32()?);
        let waited = r.usize()?;
        let stopped = r.u8()? != 0;
        let stopped_at = r.usize()?;
        let best_params = r.f32s()?;
        r.finish()?;
        self.best = has_best.then_some((epoch, value));
        self.waited = waited;
        self.stopped_at = stopped.then_some(stopped_at);
        self.best_params = best_params;
        Ok(())
    }

    fn report(&self) -> Option<std::string::String> {
        let (epoch, value) = self.best?;
        let restored = if self.restore_best { ", its weights restored" } else { "" };
        Some(match self.stopped_at {
            Some(at) => std::format!(
                "early stopping after epoch {at}: best {:?} {value:.4} at epoch {epoch}{restored}",
                self.monitor
            ),
            None => std::format!("best {:?} {value:.4} at epoch {epoch}{restored}", self.monitor),
        })
    }
}

/// Sets the learning rate before every epoch from a function of the epoch
/// (1-based) and the initial learning rate, as Keras' `LearningRateScheduler`.
pub struct LearningRateScheduler {
    schedule: Box<dyn FnMut(usize, f32) -> f32>,
    initial: Option<f32>,
}

impl LearningRateScheduler {
    /// `schedule(epoch, initial_lr)` gives the learning rate of `epoch`.
    pub fn new(schedule: impl FnMut(usize, f32) -> f32 + 'static) -> Self {
        LearningRateScheduler { schedule: Box::new(schedule), initial: None }
    }
}

impl<N> Callback<N> for LearningRateScheduler {
    fn on_epoch_begin(&mut self, epoch: usize, ctx: &mut Context<'_, N>) -> Result<()> {
        let initial = *self.initial.get_or_insert(ctx.optimizer.learning_rate());
        ctx.optimizer.set_learning_rate((self.schedule)(epoch, initial));
        Ok(())
    }
    fn save_state(&self, out: &mut Vec<u8>) {
        let mut w = crate::checkpoint::Writer(out);
        w.u8(u8::from(self.initial.is_some()));
        w.f32(self.initial.unwrap_or(0.0));
    }
    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let mut r = crate::checkpoint::Reader::new(bytes, "LearningRateScheduler state");
        let has = r.u8()? != 0;
        let initial = r.f32()?;
        r.finish()?;
        self.initial = has.then_some(initial);
        Ok(())
    }
}

/// Runs a closure after every `every`-th epoch, e.g. to save a checkpoint.
pub struct EveryEpochs<F> {
    every: usize,
    action: F,
}

impl<F> EveryEpochs<F> {
    /// Calls `action(&epoch_metrics, &network)` after epochs `every`, `2·every`, …
    pub fn new(every: usize, action: F) -> Self {
        EveryEpochs { every: every.max(1), action }
    }
}

impl<N, F: FnMut(&Epoch, &N) -> Result<()>> Callback<N> for EveryEpochs<F> {
    fn on_epoch_end(&mut self, logs: &Epoch, ctx: &mut Context<'_, N>) -> Result<Control> {
        if logs.epoch.is_multiple_of(self.every) {
            (self.action)(logs, ctx.net)?;
        }
        Ok(Control::Continue)
    }
}

/// A callback made of a closure run after every epoch; return
/// [`Control::Stop`] from it to end training.
pub struct OnEpochEnd<F>(pub F);

impl<N, F: FnMut(&Epoch, &mut Context<'_, N>) -> Control> Callback<N> for OnEpochEnd<F> {
    fn on_epoch_end(&mut self, logs: &Epoch, ctx: &mut Context<'_, N>) -> Result<Control> {
        Ok((self.0)(logs, ctx))
    }
}

/// Drives the learning rate with any [`Schedule`] (the schedules of
/// [`schedule`](crate::schedule), or a closure `Fn(usize, f32) -> f32`):
/// before epoch `e` (1-based in `fit`) the rate is `schedule.lr(e − 1, η₀)`,
/// the schedule's 0-based epoch, with η₀ the optimizer's rate when training
/// starts. So `CosineAnnealingLr::new(T)` gives
/// `η = η_min + (η₀ − η_min)(1 + cos(π(e − 1)/T))/2`, exactly torch's
/// sequence when `scheduler.step()` is called after every epoch.
///
/// ```
/// use nn_core::fit::{Callback, Context, LrSchedule};
/// use nn_core::{Chain, CosineAnnealingLr, Dense, Network, Optimizer, Sgd};
/// type Net = Chain<Dense<1, 1>, Dense<1, 1>>;
/// let mut net = Net::new(&mut nn_core::rng(0));
/// let mut opt = Sgd::new(0.1);
/// let mut cb = LrSchedule::new(CosineAnnealingLr::new(4));
/// for epoch in 1..=5 {
///     Callback::<Net>::on_epoch_begin(&mut cb, epoch, &mut Context { net: &mut net, optimizer: &mut opt }).unwrap();
/// }
/// assert!(opt.learning_rate().abs() < 1e-9); // epoch 5 is schedule epoch 4 = T_max
/// ```
pub struct LrSchedule<S> {
    schedule: S,
    initial: Option<f32>,
}

impl<S: Schedule> LrSchedule<S> {
    /// Sets the rate from `schedule` before every epoch.
    pub fn new(schedule: S) -> Self {
        LrSchedule { schedule, initial: None }
    }
}

impl<N, S: Schedule> Callback<N> for LrSchedule<S> {
    fn on_epoch_begin(&mut self, epoch: usize, ctx: &mut Context<'_, N>) -> Result<()> {
        let base = *self.initial.get_or_insert(ctx.optimizer.learning_rate());
        ctx.optimizer.set_learning_rate(self.schedule.lr(epoch.saturating_sub(1), base));
        Ok(())
    }
    fn save_state(&self, out: &mut Vec<u8>) {
        save_base(self.initial, out);
    }
    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        self.initial = load_base(bytes, "LrSchedule state")?;
        Ok(())
    }
}

/// Writes an `Option<f32>` (the base value a schedule callback remembers).
fn save_base(base: Option<f32>, out: &mut Vec<u8>) {
    let mut w = crate::checkpoint::Writer(out);
    w.u8(u8::from(base.is_some()));
    w.f32(base.unwrap_or(0.0));
}

/// Reads what [`save_base`] wrote.
fn load_base(bytes: &[u8], what: &str) -> Result<Option<f32>> {
    let mut r = crate::checkpoint::Reader::new(bytes, what);
    let has = r.u8()? != 0;
    let base = r.f32()?;
    r.finish()?;
    Ok(has.then_some(base))
}

/// Drives the momentum coefficient μ with a [`Schedule`], as [`LrSchedule`]
/// does the rate: before epoch `e`, `μ = schedule.lr(e − 1, μ₀)` with μ₀ the
/// optimizer's μ when training starts (e.g. a warm-up of momentum
/// `|e, m| m.min(0.5 + 0.1·e)`, or the one-cycle practice of lowering μ
/// while the rate is high). Needs an optimizer with momentum ([`Sgd`](crate::Sgd),
/// also inside a [`BoldDriver`](crate::BoldDriver)): with another one,
/// training fails at the first epoch with an error that says so.
pub struct MomentumSchedule<S> {
    schedule: S,
    initial: Option<f32>,
}

impl<S: Schedule> MomentumSchedule<S> {
    /// Sets μ from `schedule` before every epoch.
    pub fn new(schedule: S) -> Self {
        MomentumSchedule { schedule, initial: None }
    }
}

impl<N, S: Schedule> Callback<N> for MomentumSchedule<S> {
    fn on_epoch_begin(&mut self, epoch: usize, ctx: &mut Context<'_, N>) -> Result<()> {
        let no_momentum =
            || crate::Error::data("MomentumSchedule", "the optimizer has no momentum to schedule (use Sgd)");
        let base = match self.initial {
            Some(m) => m,
            None => *self.initial.insert(ctx.optimizer.momentum_coefficient().ok_or_else(no_momentum)?),
        };
        if !ctx.optimizer.set_momentum(self.schedule.lr(epoch.saturating_sub(1), base)) {
            return Err(no_momentum());
        }
        Ok(())
    }
    fn save_state(&self, out: &mut Vec<u8>) {
        save_base(self.initial, out);
    }
    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        self.initial = load_base(bytes, "MomentumSchedule state")?;
        Ok(())
    }
}

/// [`ReduceLrOnPlateau`] driven by a [`Monitor`] after every epoch: cuts the
/// rate `η ← max(η·factor, min_lr)` when the monitored value has not improved
/// for more than `patience` epochs (torch semantics, see
/// [`ReduceLrOnPlateau`]). The mode follows the monitor: `max` for
/// accuracies, `min` for losses.
///
/// ```
/// use nn_core::fit::{LrOnPlateau, Monitor};
/// use nn_core::ReduceLrOnPlateau;
/// let cb = LrOnPlateau::new(Monitor::ValLoss, ReduceLrOnPlateau::new().factor(0.5).patience(2));
/// ```
#[derive(Clone, Debug)]
pub struct LrOnPlateau {
    monitor: Monitor,
    plateau: ReduceLrOnPlateau,
    cuts: Vec<(usize, f32)>,
}

impl LrOnPlateau {
    /// Watches `monitor` with the settings of `plateau` (its mode is set from the monitor).
    pub fn new(monitor: Monitor, plateau: ReduceLrOnPlateau) -> Self {
        let mode = if monitor.higher_is_better() { PlateauMode::Max } else { PlateauMode::Min };
        LrOnPlateau { monitor, plateau: plateau.mode(mode), cuts: Vec::new() }
    }
    /// The epochs after which the rate was cut, with the new rate.
    pub fn cuts(&self) -> &[(usize, f32)] {
        &self.cuts
    }
}

impl<N> Callback<N> for LrOnPlateau {
    fn on_epoch_end(&mut self, logs: &Epoch, ctx: &mut Context<'_, N>) -> Result<Control> {
        if let Some(value) = self.monitor.value(logs) {
            if self.plateau.step_optimizer(value, ctx.optimizer) {
                self.cuts.push((logs.epoch, ctx.optimizer.learning_rate()));
            }
        }
        Ok(Control::Continue)
    }
    fn save_state(&self, out: &mut Vec<u8>) {
        let (best, bad, cooldown) = self.plateau.progress();
        let mut w = crate::checkpoint::Writer(out);
        w.u8(u8::from(best.is_some()));
        w.u64(best.unwrap_or(0.0).to_bits());
        w.u64(bad as u64);
        w.u64(cooldown as u64);
        w.u64(self.cuts.len() as u64);
        for &(epoch, lr) in &self.cuts {
            w.u64(epoch as u64);
            w.f32(lr);
        }
    }
    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let mut r = crate::checkpoint::Reader::new(bytes, "LrOnPlateau state");
        let has_best = r.u8()? != 0;
        let best = f64::from_bits(r.u64()?);
        let (bad, cooldown) = (r.usize()?, r.usize()?);
        let n = r.len(12)?;
        let mut cuts = Vec::with_capacity(n);
        for _ in 0..n {
            cuts.push((r.usize()?, r.f32()?));
        }
        r.finish()?;
        self.plateau.set_progress(has_best.then_some(best), bad, cooldown);
        self.cuts = cuts;
        Ok(())
    }
    fn report(&self) -> Option<std::string::String> {
        let (epoch, lr) = self.cuts.last()?;
        Some(std::format!(
            "learning rate cut {} times on a plateau, last to {lr:.3e} after epoch {epoch}",
            self.cuts.len()
        ))
    }
}

/// Saves the weights with [`Network::save`] (atomically: a temporary file,
/// fsync, rename) after every `every`-th epoch, to a path made from a
/// pattern: `{epoch}` in it is replaced by the epoch number (so
/// `"target/ckpt/epoch-{epoch}.nnw"` keeps one file per checkpoint; a pattern
/// without it overwrites one file). Missing directories are created. Only
/// those epochs are saved: an early stop between two checkpoints saves
/// nothing more (save the final network yourself after `run`).
#[derive(Clone, Debug)]
pub struct Checkpoint {
    every: usize,
    pattern: std::string::String,
    saved: Vec<PathBuf>,
}

impl Checkpoint {
    /// Saves after epochs `every`, `2·every`, … to `pattern`.
    pub fn new(every: usize, pattern: impl Into<std::string::String>) -> Self {
        Checkpoint { every: every.max(1), pattern: pattern.into(), saved: Vec::new() }
    }
    /// The path of the checkpoint of `epoch`.
    pub fn path(&self, epoch: usize) -> PathBuf {
        PathBuf::from(self.pattern.replace("{epoch}", &std::format!("{epoch}")))
    }
    /// The files written so far, in order.
    pub fn saved(&self) -> &[PathBuf] {
        &self.saved
    }
    fn save<N: Network>(&mut self, epoch: usize, net: &N) -> Result<()> {
        let path = self.path(epoch);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| crate::Error::io(dir, e))?;
        }
        net.save(&path)?;
        self.saved.push(path);
        Ok(())
    }
}

impl<N: Network> Callback<N> for Checkpoint {
    fn on_epoch_end(&mut self, logs: &Epoch, ctx: &mut Context<'_, N>) -> Result<Control> {
        if logs.epoch.is_multiple_of(self.every) {
            self.save(logs.epoch, ctx.net)?;
        }
        Ok(Control::Continue)
    }
}
