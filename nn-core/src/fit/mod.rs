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
mod history;
mod plot;
mod progress;
pub mod search;

use std::boxed::Box;
use std::time::Instant;
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
use crate::layer::LayerInfo;
use crate::regularize::{clip_grad_norm, clip_grad_value, grad_norm};
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
    net: &'a mut N,
    xs: &'a [N::Input],
    ys: &'a [N::Output],
    loss: L,
    optimizer: O,
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
            net,
            xs,
            ys,
            loss: Mse,
            optimizer: Sgd::new(0.01),
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
        self.epochs = epochs;
        self
    }

    /// Samples per update: 1 is stochastic gradient descent, the whole set is
    /// batch gradient descent, anything between is mini-batch.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Whether to shuffle the training data every epoch (default true).
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// The seed of shuffling, the validation split and dropout. Same seed,
    /// same data, same initial network: bit-identical weights.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Holds out this fraction of the training data (after one seeded
    /// shuffle) for validation.
    pub fn validation_split(mut self, fraction: f32) -> Self {
        self.validation = Validation::Split(fraction);
        self
    }

    /// Validates on these samples after every epoch.
    pub fn validation_data(mut self, xs: &'a [N::Input], ys: &'a [N::Output]) -> Self {
        self.validation = Validation::Data(xs, ys);
        self
    }

    /// Metrics to compute besides the loss.
    pub fn metrics(mut self, metrics: &[Metric]) -> Self {
        self.metrics = metrics.to_vec();
        self
    }

    /// Adds a callback ([`EarlyStopping`], [`LearningRateScheduler`], …).
    pub fn callback(mut self, callback: impl Callback<N> + 'a) -> Self {
        self.callbacks.push(Box::new(callback));
        self
    }

    /// How much to print.
    pub fn verbosity(mut self, verbosity: Verbosity) -> Self {
        self.verbosity = verbosity;
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
        self.grad_norms = record;
        self
    }

    /// Records per-layer statistics of the layer outputs (mean, standard
    /// deviation, fraction of zeros over the epoch's training batches) in
    /// [`Epoch::activations`], to see saturated sigmoids and dead ReLUs.
    /// Costs one pass over the activations per batch.
    pub fn record_activations(mut self, record: bool) -> Self {
        self.activations = record;
        self
    }

    /// Adds a penalty on the weight matrices (not biases) to the loss:
    /// `C' = C + λ Σ|w|` ([`Penalty::L1`]) or `C' = C + ½ λ Σ w²`
    /// ([`Penalty::L2`]); its gradient `λ sign(w)` or `λ w` is added to every
    /// batch's gradient before clipping and the step (see
    /// [`Penalty::add_grad_on_weights`]). The reported loss is the data loss
    /// `C`, without the penalty term.
    pub fn penalty(mut self, penalty: Penalty) -> Self {
        self.penalty = Some(penalty);
        self
    }

    /// Clips every batch's gradient to a global 2-norm of at most `max_norm`
    /// before the step, as torch's `clip_grad_norm_`: `g ← g · max_norm / (‖g‖₂ + 1e-6)`
    /// when that factor is below 1 (see [`clip_grad_norm`]).
    pub fn clip_grad_norm(mut self, max_norm: f32) -> Self {
        self.clip = Some(Clip::Norm(max_norm));
        self
    }

    /// Clamps every gradient value into `[−clip, clip]` before the step, as
    /// torch's `clip_grad_value_` (see [`clip_grad_value`]). Replaces
    /// [`clip_grad_norm`](Fit::clip_grad_norm) if both are set (the last wins).
    pub fn clip_grad_value(mut self, clip: f32) -> Self {
        self.clip = Some(Clip::Value(clip));
        self
    }

    /// Saves a [`Checkpoint`](crate::checkpoint::Checkpoint) to `path`
    /// after every epoch, atomically: parameters, optimizer, epoch, generator,
    /// sample order, history and callbacks' state. The optimizer must report
    /// its scalars ([`Optimizer::scalars`]: every optimizer of this crate does).
    pub fn checkpoint_to(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.checkpoint = Some(path.into());
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
        self.resume = Some(path.into());
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
        self.frozen.push(Frozen::Layer(layer.into()));
        self
    }

    /// Freezes the parameters in `range` (indices into
    /// [`params`](Network::params)), as [`freeze`](Fit::freeze) does a layer.
    /// A range past the end is an error of [`run`](Fit::run).
    pub fn freeze_params(mut self, range: core::ops::Range<usize>) -> Self {
        self.frozen.push(Frozen::Params(range));
        self
    }

    /// The parameter ranges of the frozen layers, checked.
    fn frozen_ranges(&self) -> Result<Vec<core::ops::Range<usize>>> {
        let names = N::layer_names();
        let mut spans = Vec::new();
        let mut offset = 0;
        N::visit(&mut |info: LayerInfo| {
            let n = info.params + info.state;
            spans.push(offset..offset + n);
            offset += n;
        });
        self.frozen
            .iter()
            .map(|f| match f {
                Frozen::Params(r) if r.start <= r.end && r.end <= N::PARAMS => Ok(r.clone()),
                Frozen::Params(r) => Err(Error::data(
                    "freeze_params",
                    std::format!("the range {r:?} is not within the {} parameters", N::PARAMS),
                )),
                Frozen::Layer(name) => match names.iter().position(|n| n == name) {
                    Some(i) if i < spans.len() => Ok(spans[i].clone()),
                    _ if names.is_empty() => Err(Error::data(
                        "freeze",
                        std::format!("no layer is named `{name}`: this network's layers have no names (name them in `network!`, `conv1: Conv2d<..>`, or use freeze_params)"),
                    )),
                    _ => Err(Error::data(
                        "freeze",
                        std::format!("no layer is named `{name}`; the layers are {}", names.join(", ")),
                    )),
                },
            })
            .collect()
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
        check_len("targets (ys)", self.xs.len(), self.ys.len())?;
        if self.batch_size == 0 {
            return Err(Error::data("batch_size", "must be at least 1"));
        }
        let mut rng = crate::rng(self.seed);
        let mut order: Vec<usize> = (0..self.xs.len()).collect();
        type Data<N> = (Vec<<N as crate::Layer>::Input>, Vec<<N as crate::Layer>::Output>);
        let (train, val): (Vec<usize>, Option<Data<N>>) = match self.validation {
            Validation::None => (order, None),
            Validation::Data(vx, vy) => {
                check_len("validation targets", vx.len(), vy.len())?;
                (order, Some((vx.to_vec(), vy.to_vec())))
            }
            Validation::Split(fraction) => {
                if !(0.0..1.0).contains(&fraction) {
                    return Err(Error::data("validation_split", std::format!("must be in [0, 1), found {fraction}")));
                }
                rng.shuffle(&mut order);
                let n_val = (self.xs.len() as f64 * fraction as f64).round() as usize;
                let split = self.xs.len() - n_val;
                let val_idx = order.split_off(split);
                let vx = val_idx.iter().map(|&i| self.xs[i]).collect();
                let vy = val_idx.iter().map(|&i| self.ys[i]).collect();
                (order, if n_val > 0 { Some((vx, vy)) } else { None })
            }
        };
        if train.is_empty() {
            return Err(Error::EmptyBatch);
        }
        let mut train = train;
        let frozen = self.frozen_ranges()?;
        let mut frozen_values: Vec<f32> = Vec::new();
        let mut next_state = vec![0.0f32; N::STATE];
        let batch_size = self.batch_size.min(train.len());
        let mut workspace = vec![0.0f32; N::WORKSPACE_PER_SAMPLE * batch_size];
        let mut grad = N::zeroed_boxed();
        let mut bx: Vec<N::Input> = Vec::with_capacity(batch_size);
        let mut by: Vec<N::Output> = Vec::with_capacity(batch_size);
        let layers = layer_param_counts::<N>();
        let mut history = History::default();
        N::visit(&mut |info| history.layers.push(std::format!("{info}")));
        let n_layers = history.layers.len();
        let mut progress = progress::Progress::new(self.verbosity, self.epochs);
        let want_acc = self.metrics.contains(&Metric::Accuracy);
        let want_mae = self.metrics.contains(&Metric::Mae);
        let mut first_epoch = 1;
        if let Some(path) = &self.resume {
            let resumed = crate::checkpoint::resume_fit(
                path,
                self.net,
                &mut self.optimizer,
                &mut self.callbacks,
                train.len(),
                self.xs.len(),
            )?;
            if let Some(c) = resumed {
                (rng, train, history, first_epoch) = (crate::Rng::from_state(c.rng), c.order, c.history, c.epoch + 1);
                if history.stopped_early {
                    return Ok(history);
                }
            }
        }

        // Split batches: the calling thread and a helper share the joins (see
        // `parallel::team`) for the whole run.
        #[cfg(feature = "parallel")]
        let _team = crate::parallel::Region::open_for(batch_size);
        for epoch in first_epoch..=self.epochs {
            let started = Instant::now();
            for cb in &mut self.callbacks {
                cb.on_epoch_begin(epoch, &mut Context { net: self.net, optimizer: &mut self.optimizer })?;
            }
            if self.shuffle {
                rng.shuffle(&mut train);
            }
            let batches = train.len().div_ceil(batch_size);
            progress.start_epoch(epoch, batches);
            let mut sums = Sums::default();
            let mut norm_sums = vec![0.0f64; if self.grad_norms { layers.len() } else { 0 }];
            let mut act_sums = vec![ActSums::default(); if self.activations { n_layers } else { 0 }];
            for (b, chunk) in train.chunks(batch_size).enumerate() {
                if N::STATE > 0 && chunk.len() == 1 && b > 0 {
                    // Batch statistics need 2 samples: a last batch of one
                    // sample is left out of this epoch (torch `drop_last` for it).
                    continue;
                }
                #[cfg(feature = "parallel")]
                {
                    crate::parallel::gather(&mut bx, self.xs, chunk);
                    crate::parallel::gather(&mut by, self.ys, chunk);
                    crate::parallel::fill_zero(grad.params_mut());
                }
                #[cfg(not(feature = "parallel"))]
                {
                    bx.clear();
                    by.clear();
                    bx.extend(chunk.iter().map(|&i| self.xs[i]));
                    by.extend(chunk.iter().map(|&i| self.ys[i]));
                    grad.params_mut().fill(0.0);
                }
                let loss = match self.net.loss_and_grad_in(
                    &bx,
                    &by,
                    &self.loss,
                    &mut grad,
                    &mut workspace,
                    Mode::Train(&mut rng),
                ) {
                    Ok(loss) => loss,
                    Err(Error::NonFiniteLoss { loss }) => return Err(Error::Diverged { epoch, batch: b + 1, loss }),
                    Err(e) => return Err(e),
                };
                let outputs: &[N::Output] = bytemuck::cast_slice(&workspace[..chunk.len() * N::OUT]);
                sums.add(loss, outputs, &by, want_acc, want_mae);
                if self.activations {
                    let n = chunk.len();
                    let (y, rest) = workspace.split_at(n * N::OUT);
                    let cache = &rest[n * N::OUT..n * N::OUT + n * N::CACHE];
                    let mut layer = act_sums.iter_mut();
                    N::visit_outputs(y, cache, n, &mut |a| {
                        if let Some(s) = layer.next() {
                            s.add(a);
                        }
                    });
                }
                crate::network::take_state::<N>(grad.params_mut(), &mut next_state);
                if let Some(penalty) = self.penalty {
                    penalty.add_grad_on_weights::<N>(self.net.params(), grad.params_mut());
                }
                frozen_values.clear();
                for r in &frozen {
                    grad.params_mut()[r.clone()].fill(0.0);
                    frozen_values.extend_from_slice(&self.net.params()[r.clone()]);
                }
                let norm = grad_norm(grad.params());
                if !norm.is_finite() {
                    return Err(Error::NonFiniteGradient { epoch, batch: b + 1, norm });
                }
                if self.grad_norms {
                    for (sum, norm) in norm_sums.iter_mut().zip(layer_norms(grad.params(), &layers)) {
                        *sum += norm as f64;
                    }
                }
                match self.clip {
                    Some(Clip::Norm(max)) => {
                        clip_grad_norm(grad.params_mut(), max);
                    }
                    Some(Clip::Value(v)) => {
                        clip_grad_value(grad.params_mut(), v);
                    }
                    None => {}
                }
                self.optimizer.step(self.net.params_mut(), grad.params());
                crate::network::put_state::<N>(self.net.params_mut(), &next_state);
                let mut at = 0;
                for r in &frozen {
                    self.net.params_mut()[r.clone()].copy_from_slice(&frozen_values[at..at + r.len()]);
                    at += r.len();
                }
                let elapsed = started.elapsed().as_secs_f64().max(1e-9);
                progress.batch(b + 1, sums.mean_loss(), sums.accuracy(want_acc), sums.n as f64 / elapsed);
            }
            let train_seconds = started.elapsed().as_secs_f64();
            let mut logs = Epoch {
                epoch,
                loss: sums.mean_loss(),
                accuracy: sums.accuracy(want_acc),
                mae: sums.mae(want_mae),
                lr: self.optimizer.learning_rate(),
                samples_per_second: train.len() as f64 / train_seconds.max(1e-9),
                grad_norms: norm_sums.iter().map(|s| (s / batches as f64) as f32).collect(),
                activations: act_sums.iter().map(ActSums::stats).collect(),
                momentum: self.optimizer.momentum_coefficient(),
                ..Epoch::default()
            };
            if let Some((vx, vy)) = &val {
                let v = evaluate(&*self.net, vx, vy, &self.loss, &self.metrics)?;
                logs.val_loss = Some(v.loss);
                logs.val_accuracy = v.accuracy;
                logs.val_mae = v.mae;
            }
            logs.seconds = started.elapsed().as_secs_f64();
            progress.end_epoch(&logs);
            let mut stop = false;
            for cb in &mut self.callbacks {
                let ctx = &mut Context { net: self.net, optimizer: &mut self.optimizer };
                stop |= cb.on_epoch_end(&logs, ctx)? == Control::Stop;
            }
            history.epochs.push(logs);
            if let Some(path) = &self.checkpoint {
                history.stopped_early = stop && epoch < self.epochs;
                let (net, opt, cbs) = (&*self.net, &mut self.optimizer, &self.callbacks);
                crate::checkpoint::save_fit(path, epoch, net, opt, &rng, &train, &history, cbs)?;
            }
            if stop {
                history.stopped_early = epoch < self.epochs;
                break;
            }
        }
        for cb in &mut self.callbacks {
            cb.on_train_end(&history, &mut Context { net: self.net, optimizer: &mut self.optimizer })?;
            if self.verbosity != Verbosity::Quiet {
                if let Some(report) = cb.report() {
                    std::println!("{report}");
                }
            }
        }
        Ok(history)
    }
}

// Builder plumbing: a new loss or optimizer changes the type.
impl<'a, N: Network, L, O> Fit<'a, N, L, O> {
    fn rebuild<L2, O2>(self, f: impl FnOnce(L, O) -> (L2, O2)) -> Fit<'a, N, L2, O2> {
        let (loss, optimizer) = f(self.loss, self.optimizer);
        Fit {
            net: self.net,
            xs: self.xs,
            ys: self.ys,
            loss,
            optimizer,
            epochs: self.epochs,
            batch_size: self.batch_size,
            shuffle: self.shuffle,
            seed: self.seed,
            validation: self.validation,
            metrics: self.metrics,
            callbacks: self.callbacks,
            verbosity: self.verbosity,
            grad_norms: self.grad_norms,
            activations: self.activations,
            penalty: self.penalty,
            clip: self.clip,
            checkpoint: self.checkpoint,
            resume: self.resume,
            frozen: self.frozen,
        }
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
    let (want_acc, want_mae) = (metrics.contains(&Metric::Accuracy), metrics.contains(&Metric::Mae));
    let mut sums = Sums::default();
    for (x, y) in xs.chunks(chunk).zip(ys.chunks(chunk)) {
        let l = net.loss_in(x, y, loss, &mut workspace, Mode::Eval)?;
        let outputs: &[N::Output] = bytemuck::cast_slice(&workspace[..x.len() * N::OUT]);
        sums.add(l, outputs, y, want_acc, want_mae);
    }
    Ok(Evaluation { loss: sums.mean_loss(), accuracy: sums.accuracy(want_acc), mae: sums.mae(want_mae) })
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
#[derive(Default)]
struct Sums {
    loss: f64,
    n: usize,
    correct: usize,
    abs_err: f64,
    outputs: usize,
}

impl Sums {
    fn add<T: AsRef<[f32]>>(&mut self, mean_loss: f32, outputs: &[T], targets: &[T], acc: bool, mae: bool) {
        self.loss += mean_loss as f64 * outputs.len() as f64;
        self.n += outputs.len();
        for (o, t) in outputs.iter().zip(targets) {
            let (o, t) = (o.as_ref(), t.as_ref());
            if acc && is_correct(o, t) {
                self.correct += 1;
            }
            if mae {
                self.abs_err += o.iter().zip(t).map(|(a, b)| (a - b).abs() as f64).sum::<f64>();
                self.outputs += o.len();
            }
        }
    }
    fn mean_loss(&self) -> f32 {
        (self.loss / self.n.max(1) as f64) as f32
    }
    fn accuracy(&self, want: bool) -> Option<f32> {
        want.then(|| self.correct as f32 / self.n.max(1) as f32)
    }
    fn mae(&self, want: bool) -> Option<f32> {
        want.then(|| (self.abs_err / self.outputs.max(1) as f64) as f32)
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

/// Parameter counts per layer.
fn layer_param_counts<N: Network>() -> Vec<usize> {
    let mut counts = Vec::new();
    N::visit(&mut |info: LayerInfo| counts.push(info.params + info.state));
    counts
}

/// L2 norm of each layer's slice of a flat gradient.
fn layer_norms<'g>(grad: &'g [f32], counts: &'g [usize]) -> impl Iterator<Item = f32> + 'g {
    let mut offset = 0;
    counts.iter().map(move |&n| {
        let g = &grad[offset..offset + n];
        offset += n;
        g.iter().map(|x| x * x).sum::<f32>().sqrt()
    })
}
