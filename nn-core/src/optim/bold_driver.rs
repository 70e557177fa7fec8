#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use super::Optimizer;
use crate::error::check_len;
use crate::{Error, Result};

/// The bold-driver adaptive learning rate (Vogl et al., 1988; Battiti, 1989)
/// around any optimizer: grow the learning rate while the loss falls, and
/// after an epoch that made the loss worse, undo that epoch and cut it.
///
/// At the end of every epoch, [`end_epoch`](BoldDriver::end_epoch) compares
/// the epoch's loss `L` with the loss `L*` of the last accepted parameters:
///
/// ```text
/// L < L*:  accept: η ← ρ⁺·η (increase, default 1.05), L* ← L, save θ
/// else:    reject: η ← ρ⁻·η (decrease, default 0.5), θ ← the θ saved at the start of this epoch
/// ```
///
/// A loss that is not finite (NaN, ∞) is a rejection, so a diverging epoch
/// is rolled back. The first call has nothing to compare with: it saves θ,
/// records `L*` and leaves η alone ([`Verdict::Baseline`]); call it once
/// before the first epoch, with the loss of the initial parameters, to make
/// the first epoch revocable too.
///
/// `L` should measure the parameters as they are at the end of the epoch
/// (say, the training loss evaluated after the epoch, or the loss of the next
/// full-batch step); the mean of the [`train_step`](crate::Network::train_step)
/// losses during the epoch is a cheaper, noisier stand-in. Only the
/// parameters are restored; the wrapped optimizer's own state (momentum,
/// moment estimates) carries on.
///
/// `BoldDriver` is itself an [`Optimizer`] that forwards every step to the
/// wrapped one, so it is passed to `train_step` in its place. The parameters
/// of the start of an epoch live in a [`SnapshotBuffer`]: with the `alloc`
/// feature, [`BoldDriver::new`] keeps a `Vec`; without an allocator,
/// [`BoldDriver::with_snapshot`] takes a caller-provided `&mut [f32]` (or an
/// array) of [`PARAMS`](crate::Network::PARAMS) values.
///
/// ```
/// use nn_core::{BoldDriver, Optimizer, Sgd, Verdict};
/// // Minimize f(w) = w² with a learning rate that is too large.
/// let f = |w: f32| w * w;
/// let mut w = [1.0f32];
/// let mut snapshot = [0.0f32; 1];
/// let mut opt = BoldDriver::with_snapshot(Sgd::new(1.5), &mut snapshot[..]);
/// assert_eq!(opt.end_epoch(f(w[0]), &mut w)?, Verdict::Baseline);
///
/// let g = [2.0 * w[0]];
/// opt.update(&mut w, &g, &mut []); // w = 1 − 1.5·2 = −2: worse
/// assert_eq!(opt.end_epoch(f(w[0]), &mut w)?, Verdict::Rejected);
/// assert_eq!((w[0], opt.learning_rate()), (1.0, 0.75)); // undone, η halved
///
/// let g = [2.0 * w[0]];
/// opt.update(&mut w, &g, &mut []); // w = 1 − 0.75·2 = −0.5: better
/// assert_eq!(opt.end_epoch(f(w[0]), &mut w)?, Verdict::Accepted);
/// assert_eq!((w[0], opt.learning_rate()), (-0.5, 0.75 * 1.05));
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct BoldDriver<O, S> {
    inner: O,
    snapshot: S,
    increase: f32,
    decrease: f32,
    best: Option<f32>,
}

/// What [`BoldDriver::end_epoch`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// First call: the parameters and the loss were recorded, η unchanged.
    Baseline,
    /// The loss improved: the parameters were kept and η increased.
    Accepted,
    /// The loss did not improve (or is not finite): the parameters went back
    /// to those of the start of the epoch and η decreased.
    Rejected,
}

/// Where [`BoldDriver`] keeps the parameters of the start of an epoch.
pub trait SnapshotBuffer {
    /// The buffer, made to hold `len` values if it can grow (a `Vec` is sized
    /// on first use); a fixed buffer is returned as it is.
    fn prepare(&mut self, len: usize) -> &mut [f32];
}

impl SnapshotBuffer for &mut [f32] {
    fn prepare(&mut self, _len: usize) -> &mut [f32] {
        self
    }
}

impl<const N: usize> SnapshotBuffer for [f32; N] {
    fn prepare(&mut self, _len: usize) -> &mut [f32] {
        self
    }
}

#[cfg(feature = "alloc")]
impl SnapshotBuffer for Vec<f32> {
    fn prepare(&mut self, len: usize) -> &mut [f32] {
        if self.is_empty() {
            self.resize(len, 0.0);
        }
        self
    }
}

#[cfg(feature = "alloc")]
impl<O: Optimizer> BoldDriver<O, Vec<f32>> {
    /// Bold driver around `inner`, keeping its snapshot in a `Vec`.
    pub fn new(inner: O) -> Self {
        BoldDriver::with_snapshot(inner, Vec::new())
    }
}

impl<O: Optimizer, S: SnapshotBuffer> BoldDriver<O, S> {
    /// Bold driver around `inner`, keeping its snapshot in `snapshot`, which
    /// must hold exactly as many values as the parameters (for no_std).
    pub fn with_snapshot(inner: O, snapshot: S) -> Self {
        BoldDriver { inner, snapshot, increase: 1.05, decrease: 0.5, best: None }
    }

    /// Factor ρ⁺ applied to η after an improvement (default 1.05).
    pub fn increase(mut self, factor: f32) -> Self {
        self.increase = factor;
        self
    }

    /// Factor ρ⁻ applied to η after a rejected epoch (default 0.5).
    pub fn decrease(mut self, factor: f32) -> Self {
        self.decrease = factor;
        self
    }

    /// Judges the epoch that just ended by its `loss` (see the [type docs](BoldDriver)):
    /// keeps `params` and grows η, or restores `params` to the start of the
    /// epoch and cuts η. Fails, changing nothing, if the snapshot buffer does
    /// not hold `params.len()` values, or if the first loss is not finite.
    pub fn end_epoch(&mut self, loss: f32, params: &mut [f32]) -> Result<Verdict> {
        let saved = self.snapshot.prepare(params.len());
        check_len("bold driver snapshot", params.len(), saved.len())?;
        match self.best {
            None if !loss.is_finite() => Err(Error::NonFiniteLoss { loss }),
            None => {
                saved.copy_from_slice(params);
                self.best = Some(loss);
                Ok(Verdict::Baseline)
            }
            Some(best) if loss < best => {
                saved.copy_from_slice(params);
                self.best = Some(loss);
                let lr = self.inner.learning_rate() * self.increase;
                self.inner.set_learning_rate(lr);
                Ok(Verdict::Accepted)
            }
            Some(_) => {
                params.copy_from_slice(saved);
                let lr = self.inner.learning_rate() * self.decrease;
                self.inner.set_learning_rate(lr);
                Ok(Verdict::Rejected)
            }
        }
    }

    /// The loss of the parameters last accepted (`None` before the first [`end_epoch`](BoldDriver::end_epoch)).
    pub fn best_loss(&self) -> Option<f32> {
        self.best
    }

    /// The wrapped optimizer.
    pub fn inner(&self) -> &O {
        &self.inner
    }

    /// The wrapped optimizer, mutable.
    pub fn inner_mut(&mut self) -> &mut O {
        &mut self.inner
    }

    /// The wrapped optimizer and the snapshot buffer.
    pub fn into_parts(self) -> (O, S) {
        (self.inner, self.snapshot)
    }
}

impl<O: Optimizer, S> Optimizer for BoldDriver<O, S> {
    fn state_len(&self, params: usize) -> usize {
        self.inner.state_len(params)
    }
    fn update(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32]) {
        self.inner.update(params, grads, state)
    }
    fn momentum_coefficient(&self) -> Option<f32> {
        self.inner.momentum_coefficient()
    }
    fn set_momentum(&mut self, momentum: f32) -> bool {
        self.inner.set_momentum(momentum)
    }
    fn learning_rate(&self) -> f32 {
        self.inner.learning_rate()
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.inner.set_learning_rate(lr)
    }
    /// The wrapped optimizer's scalars, then `bold_driver.increase`,
    /// `bold_driver.decrease`, `bold_driver.has_best` and `bold_driver.best`.
    /// The snapshot of the parameters is not a scalar: a checkpoint taken
    /// between epochs restores the parameters themselves, which
    /// [`end_epoch`](BoldDriver::end_epoch) snapshots again.
    fn scalars(&self, f: &mut dyn FnMut(&'static str, super::Scalar)) -> bool {
        use super::Scalar;
        if !self.inner.scalars(f) {
            return false;
        }
        f("bold_driver.increase", Scalar::F32(self.increase));
        f("bold_driver.decrease", Scalar::F32(self.decrease));
        f("bold_driver.has_best", Scalar::Bool(self.best.is_some()));
        f("bold_driver.best", Scalar::F32(self.best.unwrap_or(0.0)));
        true
    }
    fn set_scalar(&mut self, name: &str, value: super::Scalar) -> bool {
        use super::Scalar;
        match (name, value) {
            ("bold_driver.increase", Scalar::F32(v)) => self.increase = v,
            ("bold_driver.decrease", Scalar::F32(v)) => self.decrease = v,
            ("bold_driver.has_best", Scalar::Bool(has)) => self.best = has.then(|| self.best.unwrap_or(0.0)),
            ("bold_driver.best", Scalar::F32(v)) => self.best = self.best.map(|_| v),
            _ => return self.inner.set_scalar(name, value),
        }
        true
    }
    #[cfg(feature = "alloc")]
    fn owned_state(&mut self) -> &mut Vec<f32> {
        self.inner.owned_state()
    }
}
