//! `fit`: Keras-style training of a typed network (feature `std`).
//!
//! ```
//! use nn_core::fit::{Metric, Verbosity};
//! use nn_core::{Chain, Dense, Mse, Network, Sgd, Sigmoid, Tanh};
//!
//! // what `nn::network![Dense<2, 8, Tanh>, Dense<8, 1, Sigmoid>]` expands to
//! type Xor = Chain<Dense<2, 8, Tanh>, Dense<8, 1, Sigmoid>>;
//!
//! let xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
//! let ys = [[0.0], [1.0], [1.0], [0.0]];
//! let mut net = Xor::boxed(&mut nn_core::rng(3));
//! let history = net
//!     .fit(&xs, &ys)
//!     .loss(Mse)
//!     .optimizer(Sgd::new(0.5).momentum(0.9))
//!     .epochs(500)
//!     .batch_size(4)
//!     .metrics(&[Metric::Accuracy])
//!     .verbosity(Verbosity::Quiet)
//!     .run()?;
//! assert_eq!(history.last().unwrap().accuracy, Some(1.0));
//! # Ok::<(), nn_core::Error>(())
//! ```

mod callback;
mod driver;
mod history;
mod plot;
mod progress;
pub mod search;

use std::borrow::Cow;
use std::boxed::Box;
use std::vec;
use std::vec::Vec;

pub use callback::{
    Callback, Checkpoint, Context, Control, EarlyStopping, EveryEpochs, LearningRateScheduler, LrOnPlateau, LrSchedule,
    MomentumSchedule, OnEpochEnd,
};
pub use history::{ActivationStats, Epoch, History, Metric, Monitor};
pub use plot::{compare_svg, plot_compare_svg, plot_xy_svg, xy_svg, XySeries};
pub use progress::{epoch_line, Verbosity};

use crate::error::check_len;
use crate::{Error, Loss, Mode, Mse, Network, Optimizer, Penalty, Result, Sgd};

/// Validation data of a [`Fit`].
enum Validation<'a, N: Network> {
    None,
    /// The last fraction of the (seeded-shuffled) training data.
    Split(f32),
    Data(&'a [N::Input], &'a [N::Output]),
}

/// A training run being configured; [`run`](Fit::run) trains. Made by
/// [`Network::fit`].
pub struct Fit<'a, N: Network, L = Mse, O = Sgd> {
    plan: Plan<'a, N>,
    loss: L,
    optimizer: O,
}

/// A [`Fit`]'s settings and data: everything but the loss and the
/// optimizer, so that [`Plan::run`] is not compiled again for each optimizer type.
struct Plan<'a, N: Network> {
    net: &'a mut N,
    xs: &'a [N::Input],
    ys: &'a [N::Output],
    epochs: usize,
    batch_size: usize,
    shuffle: bool,
    seed: u64,
    validation: Validation<'a, N>,
    metrics: Vec<Metric>,
    callbacks: Vec<Box<dyn Callback<N> + 'a>>,
    verbosity: Verbosity,
    grad_norms: bool,
    activations: bool,
    penalty: Option<Penalty>,
    clip: Option<Clip>,
    checkpoint: Option<std::path::PathBuf>,
    resume: Option<std::path::PathBuf>,
    frozen: Vec<Frozen>,
}

/// What [`Fit::freeze`] and [`Fit::freeze_params`] keep fixed.
#[derive(Clone, Debug, PartialEq)]
enum Frozen {
    Layer(std::string::String),
    Params(core::ops::Range<usize>),
}

/// Gradient clipping of a [`Fit`].
#[derive(Clone, Copy, Debug, PartialEq)]
enum Clip {
    Norm(f32),
    Value(f32),
}

impl<'a, N: Network> Fit<'a, N> {
    /// Training of `net` on `xs`, `ys` with the defaults: `Mse`, `Sgd::new(0.01)`,
    /// 1 epoch, batch size 32, shuffled with seed 0, no validation.
    pub fn new(net: &'a mut N, xs: &'a [N::Input], ys: &'a [N::Output]) -> Self {
        Fit {
            plan: Plan {
                net,
                xs,
                ys,
                epochs: 1,
                batch_size: 32,
                shuffle: true,
                seed: 0,
                validation: Validation::None,
                metrics: Vec::new(),
                callbacks: Vec::new(),
                verbosity: Verbosity::Auto,
                grad_norms: false,
                activations: false,
                penalty: None,
                clip: None,
                checkpoint: None,
                resume: None,
                frozen: Vec::new(),
            },
            loss: Mse,
            optimizer: Sgd::new(0.01),
        }
    }
}

impl<'a, N: Network, L: Loss, O: Optimizer> Fit<'a, N, L, O> {
    /// The loss to minimize.
    pub fn loss<L2: Loss>(self, loss: L2) -> Fit<'a, N, L2, O> {
        self.rebuild(|_, optimizer| (loss, optimizer))
    }

    /// The optimizer (it keeps its state across `run`s).
    pub fn optimizer<O2: Optimizer>(self, optimizer: O2) -> Fit<'a, N, L, O2> {
        self.rebuild(|loss, _| (loss, optimizer))
    }

    /// Number of passes over the training data.
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.plan.epochs = epochs;
        self
    }

    /// Samples per update: 1 is stochastic gradient descent, the whole set is
    /// batch gradient descent, anything between is mini-batch.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.plan.batch_size = batch_size;
        self
    }

    /// Whether to shuffle the training data every epoch (default true).
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.plan.shuffle = shuffle;
        self
    }

    /// The seed of shuffling, the validation split and dropout. Same seed,
    /// same data, same initial network: bit-identical weights.
    pub fn seed(mut self, seed: u64) -> Self {
        self.plan.seed = seed;
        self
    }

    /// Holds out this fraction of the training data (after one seeded
    /// shuffle) for validation.
    pub fn validation_split(mut self, fraction: f32) -> Self {
        self.plan.validation = Validation::Split(fraction);
        self
    }

    /// Validates on these samples after every epoch.
    pub fn validation_data(mut self, xs: &'a [N::Input], ys: &'a [N::Output]) -> Self {
        self.plan.validation = Validation::Data(xs, ys);
        self
    }

    /// Metrics to compute besides the loss.
    pub fn metrics(mut self, metrics: &[Metric]) -> Self {
        self.plan.metrics = metrics.to_vec();
        self
    }

    /// Adds a callback ([`EarlyStopping`], [`LearningRateScheduler`], …).
    pub fn callback(mut self, callback: impl Callback<N> + 'a) -> Self {
        self.plan.callbacks.push(Box::new(callback));
        self
    }

    /// How much to print.
    pub fn verbosity(mut self, verbosity: Verbosity) -> Self {
        self.plan.verbosity = verbosity;
        self
    }

    /// Prints nothing.
    pub fn quiet(self) -> Self {
        self.verbosity(Verbosity::Quiet)
    }

    /// Records the per-layer gradient norms of every epoch in the [`History`]
    /// (to see vanishing and exploding gradients): `‖∂C/∂θ_l‖₂` of each
    /// layer's parameters, penalty included, before clipping, averaged over
    /// the epoch's batches.
    pub fn record_gradient_norms(mut self, record: bool) -> Self {
        self.plan.grad_norms = record;
        self
    }

    /// Records per-layer statistics of the layer outputs (mean, standard
    /// deviation, fraction of zeros over the epoch's training batches) in
    /// [`Epoch::activations`], to see saturated sigmoids and dead ReLUs.
    /// Costs one pass over the activations per batch.
    pub fn record_activations(mut self, record: bool) -> Self {
        self.plan.activations = record;
        self
    }

    /// Adds a penalty on the weight matrices (not biases) to the loss:
    /// `C' = C + λ Σ|w|` ([`Penalty::L1`]) or `C' = C + ½ λ Σ w²`
    /// ([`Penalty::L2`]); its gradient `λ sign(w)` or `λ w` is added to every
    /// batch's gradient before clipping and the step (see
    /// [`Penalty::add_grad_on_weights`]). The reported loss is the data loss
    /// `C`, without the penalty term.
    pub fn penalty(mut self, penalty: Penalty) -> Self {
        self.plan.penalty = Some(penalty);
        self
    }

    /// Clips every batch's gradient to a global 2-norm of at most `max_norm`
    /// before the step, as torch's `clip_grad_norm_`: `g ← g · max_norm / (‖g‖₂ + 1e-6)`
    /// when that factor is below 1 (see [`clip_grad_norm`](crate::regularize::clip_grad_norm)).
    pub fn clip_grad_norm(mut self, max_norm: f32) -> Self {
        self.plan.clip = Some(Clip::Norm(max_norm));
        self
    }

    /// Clamps every gradient value into `[−clip, clip]` before the step, as
    /// torch's `clip_grad_value_` (see [`clip_grad_value`](crate::regularize::clip_grad_value)). Replaces
    /// [`clip_grad_norm`](Fit::clip_grad_norm) if both are set (the last wins).
    pub fn clip_grad_value(mut self, clip: f32) -> Self {
        self.plan.clip = Some(Clip::Value(clip));
        self
    }

    /// Saves a [`Checkpoint`](crate::checkpoint::Checkpoint) to `path`
    /// after every epoch, atomically: parameters, optimizer, epoch, generator,
    /// sample order, history and callbacks' state. The optimizer must report
    /// its scalars ([`Optimizer::scalars`]: every optimizer of this crate does).
    pub fn checkpoint_to(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.plan.checkpoint = Some(path.into());
        self
    }

    /// Continues the run saved at `path` by [`checkpoint_to`](Fit::checkpoint_to),
    /// if that file exists (else trains from the start): with the same data,
    /// settings and callbacks, the weights at the end are bit-identical to
    /// those of a run that was never interrupted. [`epochs`](Fit::epochs)
    /// is the total, counting the epochs already done; a run that had
    /// stopped early stays stopped. A checkpoint of another network,
    /// optimizer or data size is an error, and nothing is changed.
    pub fn resume_from(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.plan.resume = Some(path.into());
        self
    }

    /// Freezes the layer named `layer` (a field name of a `network!` struct,
    /// see [`Layer::layer_names`](crate::Layer::layer_names)): its parameters
    /// (and state, such as a `BatchNorm`'s running statistics) keep their
    /// values through the run, as with `requires_grad = False` in torch, for
    /// transfer learning. Its gradient is not computed away (the layers
    /// before it still learn through it) but is zeroed, penalty included,
    /// before gradient norms, clipping and the step, and the values are restored after the
    /// step, so no optimizer (weight decay included) moves them. An unknown
    /// name is an error of [`run`](Fit::run). May be called for several layers.
    pub fn freeze(mut self, layer: &str) -> Self {
        self.plan.frozen.push(Frozen::Layer(layer.into()));
        self
    }

    /// Freezes the parameters in `range` (indices into
    /// [`params`](Network::params)), as [`freeze`](Fit::freeze) does a layer.
    /// A range past the end is an error of [`run`](Fit::run).
    pub fn freeze_params(mut self, range: core::ops::Range<usize>) -> Self {
        self.plan.frozen.push(Frozen::Params(range));
        self
    }

    /// The optimizer, e.g. to read its learning rate after `run`.
    pub fn optimizer_ref(&self) -> &O {
        &self.optimizer
    }

    /// Trains. Returns the [`History`] of every epoch, or an error: bad data
    /// (lengths, an empty set, a bad split), [`Error::Diverged`] when a
    /// batch's loss is not finite, or [`Error::NonFiniteGradient`] when its
    /// gradient is not (in both cases the weights from before that batch are
    /// kept: the check comes before the step).
    ///
    /// Each batch: forward and backward pass (mean gradient `g` of the
    /// loss), `g += ∇penalty` (weights only), per-layer norms recorded,
    /// clipping, then the optimizer's step.
    pub fn run(&mut self) -> Result<History> {
        self.plan.run(&self.loss, &mut self.optimizer)
    }
}

impl<'a, N: Network> Plan<'a, N> {
    /// [`Fit::run`] with `loss` and `optimizer`.
    fn run<L: Loss>(&mut self, loss: &L, optimizer: &mut dyn Optimizer) -> Result<History> {
        check_len("targets (ys)", self.xs.len(), self.ys.len())?;
        if self.batch_size == 0 {
            return Err(Error::data("batch_size", "must be at least 1"));
        }
        let fraction = match self.validation {
            Validation::Split(fraction) => Some(fraction),
            Validation::Data(vx, vy) => {
                check_len("validation targets", vx.len(), vy.len())?;
                None
            }
            Validation::None => None,
        };
        let split = driver::split(self.xs.len(), self.seed, fraction)?;
        let layout = driver::Layout::of::<N>(&self.frozen)?;
        let val = match self.validation {
            Validation::Data(vx, vy) => Some((Cow::Borrowed(vx), Cow::Borrowed(vy))),
            Validation::Split(_) if !split.val.is_empty() => Some((
                Cow::Owned(split.val.iter().map(|&i| self.xs[i]).collect()),
                Cow::Owned(split.val.iter().map(|&i| self.ys[i]).collect()),
            )),
            _ => None,
        };
        let batch_size = self.batch_size.min(split.train.len());
        let settings = driver::Settings {
            epochs: self.epochs,
            batch_size,
            shuffle: self.shuffle,
            metrics: &self.metrics,
            verbosity: self.verbosity,
            grad_norms: self.grad_norms,
            activations: self.activations,
            penalty: self.penalty,
            clip: self.clip,
            checkpoint: self.checkpoint.as_deref(),
            resume: self.resume.as_deref(),
        };
        let mut trainee = NetTrainee {
            net: &mut *self.net,
            xs: self.xs,
            ys: self.ys,
            loss,
            callbacks: &mut self.callbacks,
            val,
            grad: N::zeroed_boxed(),
            workspace: vec![0.0f32; N::WORKSPACE_PER_SAMPLE * batch_size],
            bx: Vec::with_capacity(batch_size),
            by: Vec::with_capacity(batch_size),
        };
        driver::run(&settings, &layout, split, &mut trainee, optimizer)
    }
}

/// Inputs and targets, borrowed (`validation_data`) or gathered (`validation_split`).
type Samples<'a, N> = (Cow<'a, [<N as crate::Layer>::Input]>, Cow<'a, [<N as crate::Layer>::Output]>);

/// The network's side of a run ([`driver::Trainee`]): with [`Plan::run`]
/// and `driver::Layout::of`, the part of `fit` compiled for each network
/// and loss (and for no optimizer).
struct NetTrainee<'f, 'a, N: Network, L> {
    net: &'f mut N,
    xs: &'a [N::Input],
    ys: &'a [N::Output],
    loss: &'f L,
    callbacks: &'f mut [Box<dyn Callback<N> + 'a>],
    val: Option<Samples<'a, N>>,
    grad: Box<N>,
    workspace: Vec<f32>,
    bx: Vec<N::Input>,
    by: Vec<N::Output>,
}

impl<N: Network, L: Loss> driver::Trainee for NetTrainee<'_, '_, N, L> {
    fn batch(
        &mut self,
        chunk: &[usize],
        rng: &mut crate::Rng,
        sums: &mut Sums,
        act_sums: &mut [ActSums],
    ) -> Result<f32> {
        #[cfg(feature = "parallel")]
        {
            crate::parallel::gather(&mut self.bx, self.xs, chunk);
            crate::parallel::gather(&mut self.by, self.ys, chunk);
            crate::parallel::fill_zero(self.grad.params_mut(), chunk.len());
        }
        #[cfg(not(feature = "parallel"))]
        {
            self.bx.clear();
            self.by.clear();
            self.bx.extend(chunk.iter().map(|&i| self.xs[i]));
            self.by.extend(chunk.iter().map(|&i| self.ys[i]));
            self.grad.params_mut().fill(0.0);
        }
        let loss = self.net.loss_and_grad_in(
            &self.bx,
            &self.by,
            self.loss,
            &mut self.grad,
            &mut self.workspace,
            Mode::Train(rng),
        )?;
        let n = chunk.len();
        sums.add(loss, &self.workspace[..n * N::OUT], bytemuck::cast_slice(&self.by), N::OUT);
        if !act_sums.is_empty() {
            let (y, rest) = self.workspace.split_at(n * N::OUT);
            let cache = &rest[n * N::OUT..n * N::OUT + n * N::CACHE];
            let mut layer = act_sums.iter_mut();
            N::visit_outputs(y, cache, n, &mut |a| {
                if let Some(s) = layer.next() {
                    s.add(a);
                }
            });
        }
        Ok(loss)
    }

    fn params_and_grad(&mut self) -> (&mut [f32], &mut [f32]) {
        (self.net.params_mut(), self.grad.params_mut())
    }

    fn validate(&self, metrics: &[Metric]) -> Option<Result<Evaluation>> {
        let (vx, vy) = self.val.as_ref()?;
        Some(evaluate(&*self.net, vx, vy, self.loss, metrics))
    }

    fn epoch_begin(&mut self, epoch: usize, optimizer: &mut dyn Optimizer) -> Result<()> {
        for cb in self.callbacks.iter_mut() {
            cb.on_epoch_begin(epoch, &mut Context { net: self.net, optimizer })?;
        }
        Ok(())
    }

    fn epoch_end(&mut self, logs: &Epoch, optimizer: &mut dyn Optimizer) -> Result<bool> {
        let mut stop = false;
        for cb in self.callbacks.iter_mut() {
            stop |= cb.on_epoch_end(logs, &mut Context { net: self.net, optimizer })? == Control::Stop;
        }
        Ok(stop)
    }

    fn train_end(&mut self, history: &History, optimizer: &mut dyn Optimizer, print: bool) -> Result<()> {
        for cb in self.callbacks.iter_mut() {
            cb.on_train_end(history, &mut Context { net: self.net, optimizer })?;
            if print {
                if let Some(report) = cb.report() {
                    std::println!("{report}");
                }
            }
        }
        Ok(())
    }

    fn save(
        &mut self,
        path: &std::path::Path,
        epoch: usize,
        optimizer: &mut dyn Optimizer,
        rng: &crate::Rng,
        order: &[usize],
        history: &History,
    ) -> Result<()> {
        crate::checkpoint::save_fit(path, epoch, &*self.net, optimizer, rng, order, history, self.callbacks)
    }

    fn resume(
        &mut self,
        path: &std::path::Path,
        optimizer: &mut dyn Optimizer,
        samples: usize,
    ) -> Result<Option<crate::checkpoint::Checkpoint>> {
        crate::checkpoint::resume_fit(path, self.net, optimizer, self.callbacks, samples, self.xs.len())
    }
}

// Builder plumbing: a new loss or optimizer changes the type.
impl<'a, N: Network, L, O> Fit<'a, N, L, O> {
    fn rebuild<L2, O2>(self, f: impl FnOnce(L, O) -> (L2, O2)) -> Fit<'a, N, L2, O2> {
        let (loss, optimizer) = f(self.loss, self.optimizer);
        Fit { plan: self.plan, loss, optimizer }
    }
}

/// Metrics of a data set, from [`evaluate`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// Mean loss.
    pub loss: f32,
    /// Accuracy, if asked for.
    pub accuracy: Option<f32>,
    /// Mean absolute error, if asked for.
    pub mae: Option<f32>,
}

/// Loss and metrics of `net` on a data set, dropout off, in batches of 256.
pub fn evaluate<N: Network, L: Loss>(
    net: &N,
    xs: &[N::Input],
    ys: &[N::Output],
    loss: &L,
    metrics: &[Metric],
) -> Result<Evaluation> {
    check_len("targets (ys)", xs.len(), ys.len())?;
    if xs.is_empty() {
        return Err(Error::EmptyBatch);
    }
    let chunk = 256.min(xs.len());
    let mut workspace = vec![0.0f32; N::WORKSPACE_PER_SAMPLE * chunk];
    let mut sums = Sums::new(metrics);
    for (x, y) in xs.chunks(chunk).zip(ys.chunks(chunk)) {
        let l = net.loss_in(x, y, loss, &mut workspace, Mode::Eval)?;
        sums.add(l, &workspace[..x.len() * N::OUT], bytemuck::cast_slice(y), N::OUT);
    }
    Ok(Evaluation { loss: sums.mean_loss(), accuracy: sums.accuracy(), mae: sums.mae() })
}

/// Index of the largest value (the predicted class).
pub fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

/// Whether a prediction counts as right for [`Metric::Accuracy`].
pub fn is_correct(output: &[f32], target: &[f32]) -> bool {
    if output.len() == 1 {
        (output[0] > 0.5) == (target[0] > 0.5)
    } else {
        argmax(output) == argmax(target)
    }
}

/// Running sums of an epoch's metrics.
struct Sums {
    loss: f64,
    n: usize,
    correct: usize,
    abs_err: f64,
    outputs: usize,
    want_accuracy: bool,
    want_mae: bool,
}

impl Sums {
    fn new(metrics: &[Metric]) -> Sums {
        Sums {
            loss: 0.0,
            n: 0,
            correct: 0,
            abs_err: 0.0,
            outputs: 0,
            want_accuracy: metrics.contains(&Metric::Accuracy),
            want_mae: metrics.contains(&Metric::Mae),
        }
    }
    /// A batch: its mean loss, and its outputs and targets, `width` values per sample.
    fn add(&mut self, mean_loss: f32, outputs: &[f32], targets: &[f32], width: usize) {
        let samples = outputs.len() / width;
        self.loss += mean_loss as f64 * samples as f64;
        self.n += samples;
        for (o, t) in outputs.chunks_exact(width).zip(targets.chunks_exact(width)) {
            if self.want_accuracy && is_correct(o, t) {
                self.correct += 1;
            }
            if self.want_mae {
                self.abs_err += o.iter().zip(t).map(|(a, b)| (a - b).abs() as f64).sum::<f64>();
                self.outputs += o.len();
            }
        }
    }
    fn mean_loss(&self) -> f32 {
        (self.loss / self.n.max(1) as f64) as f32
    }
    fn accuracy(&self) -> Option<f32> {
        self.want_accuracy.then(|| self.correct as f32 / self.n.max(1) as f32)
    }
    fn mae(&self) -> Option<f32> {
        self.want_mae.then(|| (self.abs_err / self.outputs.max(1) as f64) as f32)
    }
}

/// Running sums of one layer's outputs over an epoch.
#[derive(Clone, Default)]
struct ActSums {
    sum: f64,
    squares: f64,
    zeros: usize,
    n: usize,
}

impl ActSums {
    fn add(&mut self, a: &[f32]) {
        let (mut s, mut q) = (0.0f64, 0.0f64);
        for &x in a {
            s += x as f64;
            q += x as f64 * x as f64;
        }
        self.sum += s;
        self.squares += q;
        self.zeros += a.iter().filter(|&&x| x == 0.0).count();
        self.n += a.len();
    }
    fn stats(&self) -> ActivationStats {
        let n = self.n.max(1) as f64;
        let mean = self.sum / n;
        let var = (self.squares / n - mean * mean).max(0.0);
        ActivationStats { mean: mean as f32, std: var.sqrt() as f32, zero_fraction: (self.zeros as f64 / n) as f32 }
    }
}
