//! Callbacks: code that runs around every epoch of `fit`.

use std::boxed::Box;
use std::vec::Vec;

use super::history::{Epoch, History, Monitor};
use crate::{Network, Optimizer, Result};

/// What a callback may touch between epochs.
pub struct Context<'a, N> {
    /// The network being trained.
    pub net: &'a mut N,
    /// Its optimizer (for the learning rate).
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
        if logs.epoch % self.every == 0 {
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
