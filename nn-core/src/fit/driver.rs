//! The loop of [`Fit::run`](super::Fit::run): the validation split, epochs
//! and batches, what happens between the backward pass and the update
//! (state, penalty, freezing, norms, clipping), progress, callbacks' timing
//! and checkpoints.
//!
//! None of it is generic but [`Layout::of`], which reads a network's layout
//! (labels, weight and state ranges) once. The loop reaches the network
//! through the object-safe [`Trainee`] and the optimizer through
//! `&mut dyn Optimizer`, so it is compiled once, here in nn-core. A user's
//! crate instantiates only the adapter in `fit/mod.rs` for each network
//! (forward and backward pass, callbacks, checkpoint I/O), and nothing at all
//! per optimizer type: a rebuild after changing one layer width recompiles
//! little.

use core::ops::Range;
use std::path::Path;
use std::string::String;
use std::time::Instant;
use std::vec;
use std::vec::Vec;

use super::{progress, ActSums, Clip, Epoch, Evaluation, Frozen, History, Metric, Sums, Verbosity};
use crate::checkpoint::Checkpoint;
use crate::layer::LayerInfo;
use crate::regularize::{clip_grad_norm, clip_grad_value, grad_norm};
use crate::{Error, Network, Optimizer, Penalty, Result, Rng};

/// The builder's settings that the loop reads.
pub(super) struct Settings<'s> {
    pub epochs: usize,
    /// At least 1 and at most the number of training samples.
    pub batch_size: usize,
    pub shuffle: bool,
    pub metrics: &'s [Metric],
    pub verbosity: Verbosity,
    pub grad_norms: bool,
    pub activations: bool,
    pub penalty: Option<Penalty>,
    pub clip: Option<Clip>,
    pub checkpoint: Option<&'s Path>,
    pub resume: Option<&'s Path>,
}

/// Where each part of a network lives in its flat parameter vector.
pub(super) struct Layout {
    /// Each layer's one-line description ([`History::layers`]).
    pub labels: Vec<String>,
    /// Each layer's parameter and state count, in order.
    pub layer_params: Vec<usize>,
    /// The weight matrices (what a [`Penalty`] applies to).
    pub weights: Vec<Range<usize>>,
    /// The state values (batch norm's running statistics), which the
    /// backward pass returns in the gradient's place.
    pub state: Vec<Range<usize>>,
    /// The frozen parameters, checked.
    pub frozen: Vec<Range<usize>>,
}

impl Layout {
    /// The layout of `N`, with the frozen layers and ranges resolved.
    pub fn of<N: Network>(frozen: &[Frozen]) -> Result<Layout> {
        let mut infos = Vec::new();
        N::visit(&mut |info: LayerInfo| infos.push((std::format!("{info}"), info.params + info.state)));
        let (mut weights, mut state) = (Vec::new(), Vec::new());
        N::visit_weights(0, &mut |r| weights.push(r));
        N::visit_state(0, &mut |r| state.push(r));
        debug_assert_eq!(state.iter().map(Range::len).sum::<usize>(), N::STATE);
        let (labels, layer_params): (Vec<String>, Vec<usize>) = infos.into_iter().unzip();
        let frozen = resolve_frozen(frozen, N::layer_names(), &layer_params, N::PARAMS)?;
        Ok(Layout { labels, layer_params, weights, state, frozen })
    }
}

/// The parameter ranges of the frozen layers and ranges, checked.
fn resolve_frozen(
    frozen: &[Frozen],
    names: &[&str],
    layer_params: &[usize],
    params: usize,
) -> Result<Vec<Range<usize>>> {
    let mut spans = Vec::with_capacity(layer_params.len());
    let mut offset = 0;
    for &n in layer_params {
        spans.push(offset..offset + n);
        offset += n;
    }
    frozen
        .iter()
        .map(|f| match f {
            Frozen::Params(r) if r.start <= r.end && r.end <= params => Ok(r.clone()),
            Frozen::Params(r) => Err(Error::data(
                "freeze_params",
                std::format!("the range {r:?} is not within the {params} parameters"),
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

/// The training samples' order and the held-out validation samples.
pub(super) struct Split {
    pub rng: Rng,
    /// Indices of the training samples, in the order of the first epoch
    /// before its shuffle.
    pub train: Vec<usize>,
    /// Indices of the validation samples of a `validation_split`.
    pub val: Vec<usize>,
}

/// `samples` indices and the generator seeded with `seed`; with a
/// `fraction`, one seeded shuffle and the last `round(fraction · samples)`
/// held out. Fails for a fraction outside `[0, 1)` or no training sample.
pub(super) fn split(samples: usize, seed: u64, fraction: Option<f32>) -> Result<Split> {
    let mut rng = crate::rng(seed);
    let mut train: Vec<usize> = (0..samples).collect();
    let mut val = Vec::new();
    if let Some(fraction) = fraction {
        if !(0.0..1.0).contains(&fraction) {
            return Err(Error::data("validation_split", std::format!("must be in [0, 1), found {fraction}")));
        }
        rng.shuffle(&mut train);
        let n_val = (samples as f64 * fraction as f64).round() as usize;
        val = train.split_off(samples - n_val);
    }
    if train.is_empty() {
        return Err(Error::EmptyBatch);
    }
    Ok(Split { rng, train, val })
}

/// The network's side of a run: one implementation per network and loss.
pub(super) trait Trainee {
    /// Forward and backward pass of the training samples `chunk` (indices):
    /// the mean loss, the gradient in [`params_and_grad`](Trainee::params_and_grad)'s
    /// second slice (state values in place of the state's gradient), the
    /// outputs added to `sums` and, when `act_sums` is not empty, each
    /// layer's outputs to its entry.
    fn batch(&mut self, chunk: &[usize], rng: &mut Rng, sums: &mut Sums, act_sums: &mut [ActSums]) -> Result<f32>;
    /// The network's parameters and the last batch's gradient.
    fn params_and_grad(&mut self) -> (&mut [f32], &mut [f32]);
    /// Loss and metrics on the validation data, if there is any.
    fn validate(&self, metrics: &[Metric]) -> Option<Result<Evaluation>>;
    /// Every callback's `on_epoch_begin`.
    fn epoch_begin(&mut self, epoch: usize, optimizer: &mut dyn Optimizer) -> Result<()>;
    /// Every callback's `on_epoch_end`; whether one asked to stop.
    fn epoch_end(&mut self, logs: &Epoch, optimizer: &mut dyn Optimizer) -> Result<bool>;
    /// Every callback's `on_train_end`, each followed by its report when `print`.
    fn train_end(&mut self, history: &History, optimizer: &mut dyn Optimizer, print: bool) -> Result<()>;
    /// Writes the checkpoint of the run after `epoch`.
    fn save(
        &mut self,
        path: &Path,
        epoch: usize,
        optimizer: &mut dyn Optimizer,
        rng: &Rng,
        order: &[usize],
        history: &History,
    ) -> Result<()>;
    /// Restores the checkpoint at `path` (of a run with `samples` training
    /// samples) if the file exists.
    fn resume(&mut self, path: &Path, optimizer: &mut dyn Optimizer, samples: usize) -> Result<Option<Checkpoint>>;
}

/// Trains (see [`Fit::run`](super::Fit::run)).
pub(super) fn run(
    s: &Settings,
    layout: &Layout,
    split: Split,
    t: &mut dyn Trainee,
    optimizer: &mut dyn Optimizer,
) -> Result<History> {
    let Split { mut rng, mut train, .. } = split;
    let state_len: usize = layout.state.iter().map(Range::len).sum();
    let mut next_state = vec![0.0f32; state_len];
    let mut frozen_values: Vec<f32> = Vec::new();
    let mut history = History { layers: layout.labels.clone(), ..History::default() };
    let mut progress = progress::Progress::new(s.verbosity, s.epochs);
    let mut first_epoch = 1;
    if let Some(path) = s.resume {
        if let Some(c) = t.resume(path, optimizer, train.len())? {
            (rng, train, history, first_epoch) = (Rng::from_state(c.rng), c.order, c.history, c.epoch + 1);
            if history.stopped_early {
                return Ok(history);
            }
        }
    }

    // Split batches: the calling thread and a helper share the joins (see
    // `parallel::team`) for the whole run.
    #[cfg(feature = "parallel")]
    let _team = crate::parallel::Region::open_for(s.batch_size);
    for epoch in first_epoch..=s.epochs {
        let started = Instant::now();
        t.epoch_begin(epoch, optimizer)?;
        if s.shuffle {
            rng.shuffle(&mut train);
        }
        let batches = train.len().div_ceil(s.batch_size);
        progress.start_epoch(epoch, batches);
        let mut sums = Sums::new(s.metrics);
        let mut norm_sums = vec![0.0f64; if s.grad_norms { layout.layer_params.len() } else { 0 }];
        let mut act_sums = vec![ActSums::default(); if s.activations { layout.labels.len() } else { 0 }];
        for (b, chunk) in train.chunks(s.batch_size).enumerate() {
            if state_len > 0 && chunk.len() == 1 && b > 0 {
                // Batch statistics need 2 samples: a last batch of one
                // sample is left out of this epoch (torch `drop_last` for it).
                continue;
            }
            match t.batch(chunk, &mut rng, &mut sums, &mut act_sums) {
                Ok(_) => {}
                Err(Error::NonFiniteLoss { loss }) => return Err(Error::Diverged { epoch, batch: b + 1, loss }),
                Err(e) => return Err(e),
            }
            let (params, grad) = t.params_and_grad();
            take_state(&layout.state, grad, &mut next_state);
            if let Some(penalty) = s.penalty {
                for r in &layout.weights {
                    penalty.add_grad(&params[r.clone()], &mut grad[r.clone()]);
                }
            }
            frozen_values.clear();
            for r in &layout.frozen {
                grad[r.clone()].fill(0.0);
                frozen_values.extend_from_slice(&params[r.clone()]);
            }
            let norm = grad_norm(grad);
            if !norm.is_finite() {
                return Err(Error::NonFiniteGradient { epoch, batch: b + 1, norm });
            }
            if s.grad_norms {
                for (sum, norm) in norm_sums.iter_mut().zip(layer_norms(grad, &layout.layer_params)) {
                    *sum += norm as f64;
                }
            }
            match s.clip {
                Some(Clip::Norm(max)) => {
                    clip_grad_norm(grad, max);
                }
                Some(Clip::Value(v)) => {
                    clip_grad_value(grad, v);
                }
                None => {}
            }
            optimizer.step(params, grad);
            put_state(&layout.state, params, &next_state);
            let mut at = 0;
            for r in &layout.frozen {
                params[r.clone()].copy_from_slice(&frozen_values[at..at + r.len()]);
                at += r.len();
            }
            let elapsed = started.elapsed().as_secs_f64().max(1e-9);
            progress.batch(b + 1, sums.mean_loss(), sums.accuracy(), sums.n as f64 / elapsed);
        }
        let train_seconds = started.elapsed().as_secs_f64();
        let mut logs = Epoch {
            epoch,
            loss: sums.mean_loss(),
            accuracy: sums.accuracy(),
            mae: sums.mae(),
            lr: optimizer.learning_rate(),
            samples_per_second: train.len() as f64 / train_seconds.max(1e-9),
            grad_norms: norm_sums.iter().map(|s| (s / batches as f64) as f32).collect(),
            activations: act_sums.iter().map(ActSums::stats).collect(),
            momentum: optimizer.momentum_coefficient(),
            ..Epoch::default()
        };
        if let Some(v) = t.validate(s.metrics) {
            let v = v?;
            logs.val_loss = Some(v.loss);
            logs.val_accuracy = v.accuracy;
            logs.val_mae = v.mae;
        }
        logs.seconds = started.elapsed().as_secs_f64();
        progress.end_epoch(&logs);
        let stop = t.epoch_end(&logs, optimizer)?;
        history.epochs.push(logs);
        if let Some(path) = s.checkpoint {
            history.stopped_early = stop && epoch < s.epochs;
            t.save(path, epoch, optimizer, &rng, &train, &history)?;
        }
        if stop {
            history.stopped_early = epoch < s.epochs;
            break;
        }
    }
    t.train_end(&history, optimizer, s.verbosity != Verbosity::Quiet)?;
    Ok(history)
}

/// [`crate::network::take_state`] over the layout's state ranges.
fn take_state(state: &[Range<usize>], grad: &mut [f32], stash: &mut [f32]) {
    let mut at = 0;
    for r in state {
        crate::network::take_state_range(r.clone(), &mut at, grad, stash);
    }
}

/// [`crate::network::put_state`] over the layout's state ranges.
fn put_state(state: &[Range<usize>], params: &mut [f32], stash: &[f32]) {
    let mut at = 0;
    for r in state {
        crate::network::put_state_range(r.clone(), &mut at, params, stash);
    }
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
