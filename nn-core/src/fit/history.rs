//! What `fit` records: one [`Epoch`] per epoch.

use std::vec::Vec;

/// The metrics of one epoch. Training metrics are means over the epoch's
/// batches (with dropout active, as Keras reports them); validation metrics
/// are computed after the epoch with dropout off.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Epoch {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss.
    pub loss: f32,
    /// Training accuracy, if asked for ([`Metric::Accuracy`]).
    pub accuracy: Option<f32>,
    /// Training mean absolute error, if asked for ([`Metric::Mae`]).
    pub mae: Option<f32>,
    /// Validation loss, when there is validation data.
    pub val_loss: Option<f32>,
    /// Validation accuracy.
    pub val_accuracy: Option<f32>,
    /// Validation mean absolute error.
    pub val_mae: Option<f32>,
    /// Learning rate used during the epoch.
    pub lr: f32,
    /// Wall-clock seconds of the epoch (training and validation).
    pub seconds: f64,
    /// Training samples per second.
    pub samples_per_second: f64,
    /// Per-layer L2 norm of the gradient, averaged over the epoch's batches
    /// (only with [`Fit::record_gradient_norms`](super::Fit::record_gradient_norms);
    /// empty otherwise). Layers without parameters show 0.
    pub grad_norms: Vec<f32>,
    /// Per-layer statistics of the layer outputs over the epoch's training
    /// batches (only with
    /// [`Fit::record_activations`](super::Fit::record_activations); empty
    /// otherwise), one entry per layer as in `summary()`.
    pub activations: Vec<ActivationStats>,
    /// The momentum coefficient μ used during the epoch, for optimizers that have one.
    pub momentum: Option<f32>,
}

/// Mean and standard deviation of one layer's outputs `a` over every value
/// of every sample of an epoch: `mean = Σa / n`, `std = √(Σa²/n − mean²)`
/// (population, summed in f64), with `n = samples × width`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ActivationStats {
    /// Mean output.
    pub mean: f32,
    /// Standard deviation of the outputs.
    pub std: f32,
    /// Fraction of outputs that are exactly 0 (dead ReLUs, dropped units).
    pub zero_fraction: f32,
}

/// A metric computed during `fit`, besides the loss (always computed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Fraction of samples classified right: the arg-max of the output equals
    /// the arg-max of the target; with one output, both on the same side of 0.5.
    Accuracy,
    /// Mean absolute error over outputs and samples.
    Mae,
}

/// A value to watch (early stopping, reduce-on-plateau, best epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Monitor {
    /// Training loss.
    Loss,
    /// Validation loss (falls back to the training loss without validation data).
    ValLoss,
    /// Training accuracy.
    Accuracy,
    /// Validation accuracy (falls back to the training accuracy).
    ValAccuracy,
}

impl Monitor {
    /// The watched value in `epoch`, if it was computed.
    pub fn value(self, epoch: &Epoch) -> Option<f32> {
        match self {
            Monitor::Loss => Some(epoch.loss),
            Monitor::ValLoss => epoch.val_loss.or(Some(epoch.loss)),
            Monitor::Accuracy => epoch.accuracy,
            Monitor::ValAccuracy => epoch.val_accuracy.or(epoch.accuracy),
        }
    }

    /// Whether larger values are better (accuracies) or smaller (losses).
    pub fn higher_is_better(self) -> bool {
        matches!(self, Monitor::Accuracy | Monitor::ValAccuracy)
    }

    /// Whether `value` improves on `best` by more than `min_delta`.
    pub fn improves(self, value: f32, best: f32, min_delta: f32) -> bool {
        if self.higher_is_better() {
            value > best + min_delta
        } else {
            value < best - min_delta
        }
    }
}

/// Every epoch's metrics, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// One entry per epoch that ran.
    pub epochs: Vec<Epoch>,
    /// Whether a callback stopped training before the last epoch.
    pub stopped_early: bool,
    /// The layers of the network, as `summary()` writes them (`Dense<2, 8, Tanh>`),
    /// naming the entries of [`Epoch::grad_norms`] and [`Epoch::activations`].
    pub layers: Vec<std::string::String>,
}

impl History {
    /// The last epoch, if any ran.
    pub fn last(&self) -> Option<&Epoch> {
        self.epochs.last()
    }

    /// The epoch with the best value of `monitor`.
    pub fn best(&self, monitor: Monitor) -> Option<&Epoch> {
        let key = |e: &&Epoch| monitor.value(e).unwrap_or(f32::NAN);
        let better = |a: f32, b: f32| if monitor.higher_is_better() { a > b } else { a < b };
        self.epochs.iter().fold(None, |best: Option<&Epoch>, e| match best {
            Some(b) if !better(key(&e), key(&b)) => Some(b),
            _ if key(&e).is_nan() => best,
            _ => Some(e),
        })
    }

    /// The values of `monitor` per epoch (NaN where not computed).
    pub fn series(&self, monitor: Monitor) -> Vec<f32> {
        self.epochs.iter().map(|e| monitor.value(e).unwrap_or(f32::NAN)).collect()
    }
}
