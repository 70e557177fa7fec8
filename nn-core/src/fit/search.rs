//! Hyperparameter search for a fixed architecture: grid or seeded random
//! search over the optimizer, learning rate, batch size, epochs and weight
//! penalty, each trial trained with [`Fit`](super::Fit) from the same
//! initial network and scored on validation data.
//!
//! ```
//! use nn_core::fit::search::{OptimizerKind, Search, SearchSpace};
//! use nn_core::fit::Monitor;
//! use nn_core::{Chain, Dense, Mse, Sigmoid, Tanh};
//! type Xor = Chain<Dense<2, 8, Tanh>, Dense<8, 1, Sigmoid>>;
//! let xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
//! let ys = [[0.0], [1.0], [1.0], [0.0]];
//! let space = SearchSpace::new()
//!     .optimizers(&[OptimizerKind::Sgd, OptimizerKind::Adam])
//!     .learning_rates(&[0.01, 0.1])
//!     .batch_sizes(&[4])
//!     .epochs(&[200]);
//! let trials = space.grid(); // 2 × 2 = 4 trials
//! let results = Search::<Xor, _>::new(&xs, &ys, &xs, &ys, Mse).monitor(Monitor::ValLoss).run(&trials)?;
//! println!("{results}"); // a table, best first
//! assert_eq!(results.results.len(), 4);
//! assert!(results.results[0].score <= results.results[3].score);
//! # Ok::<(), nn_core::Error>(())
//! ```

use core::fmt;
use std::string::String;
use std::time::Instant;
use std::vec::Vec;

use super::{Metric, Monitor};
use crate::{Adagrad, Adam, AdamW, Error, Loss, NAdam, Network, Penalty, Result, RmsProp, Sgd};

/// An optimizer family of a search, with torch's defaults apart from the rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OptimizerKind {
    /// [`Sgd`]: `θ ← θ − η g`.
    Sgd,
    /// [`Sgd`] with momentum 0.9: `v ← 0.9 v + g`, `θ ← θ − η v`.
    Momentum,
    /// [`Sgd`] with Nesterov momentum 0.9: `θ ← θ − η (g + 0.9 v)`.
    Nesterov,
    /// [`Adagrad`]: `θ ← θ − η g / (√Σg² + ε)`.
    Adagrad,
    /// [`RmsProp`] (α = 0.99): `θ ← θ − η g / (√E[g²] + ε)`.
    RmsProp,
    /// [`Adam`] (β = 0.9, 0.999): `θ ← θ − η m̂ / (√v̂ + ε)`.
    Adam,
    /// [`AdamW`] (decoupled weight decay 0.01).
    AdamW,
    /// [`NAdam`]: Adam with Nesterov momentum.
    NAdam,
}

impl OptimizerKind {
    /// Every kind, in the order above.
    pub const ALL: [OptimizerKind; 8] = [
        OptimizerKind::Sgd,
        OptimizerKind::Momentum,
        OptimizerKind::Nesterov,
        OptimizerKind::Adagrad,
        OptimizerKind::RmsProp,
        OptimizerKind::Adam,
        OptimizerKind::AdamW,
        OptimizerKind::NAdam,
    ];

    /// A short lowercase name (`"nesterov"`).
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Momentum => "momentum",
            OptimizerKind::Nesterov => "nesterov",
            OptimizerKind::Adagrad => "adagrad",
            OptimizerKind::RmsProp => "rmsprop",
            OptimizerKind::Adam => "adam",
            OptimizerKind::AdamW => "adamw",
            OptimizerKind::NAdam => "nadam",
        }
    }
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// One setting of the hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trial {
    /// The optimizer family.
    pub optimizer: OptimizerKind,
    /// The learning rate η.
    pub lr: f32,
    /// Samples per update.
    pub batch_size: usize,
    /// Passes over the training data.
    pub epochs: usize,
    /// A penalty on the weights (see [`Fit::penalty`](super::Fit::penalty)), or none.
    pub penalty: Option<Penalty>,
}

/// The values to try for each hyperparameter. A grid search tries every
/// combination (`|optimizers| × |rates| × |batch sizes| × |epochs| × |penalties|`
/// trials); a random search draws each hyperparameter independently.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchSpace {
    /// Optimizer families.
    pub optimizers: Vec<OptimizerKind>,
    /// Learning rates (random search: log-uniform between their min and max).
    pub learning_rates: Vec<f32>,
    /// Batch sizes.
    pub batch_sizes: Vec<usize>,
    /// Numbers of epochs.
    pub epochs: Vec<usize>,
    /// Penalties (`None` = no penalty).
    pub penalties: Vec<Option<Penalty>>,
}

impl Default for SearchSpace {
    fn default() -> Self {
        Self::new()
    }
}

impl SearchSpace {
    /// One value each: Adam, η = 1e-3, batch size 32, 10 epochs, no penalty.
    pub fn new() -> Self {
        SearchSpace {
            optimizers: std::vec![OptimizerKind::Adam],
            learning_rates: std::vec![1e-3],
            batch_sizes: std::vec![32],
            epochs: std::vec![10],
            penalties: std::vec![None],
        }
    }
    /// The optimizer families to try.
    pub fn optimizers(mut self, kinds: &[OptimizerKind]) -> Self {
        self.optimizers = kinds.to_vec();
        self
    }
    /// The learning rates to try.
    pub fn learning_rates(mut self, rates: &[f32]) -> Self {
        self.learning_rates = rates.to_vec();
        self
    }
    /// The batch sizes to try.
    pub fn batch_sizes(mut self, sizes: &[usize]) -> Self {
        self.batch_sizes = sizes.to_vec();
        self
    }
    /// The numbers of epochs to try.
    pub fn epochs(mut self, epochs: &[usize]) -> Self {
        self.epochs = epochs.to_vec();
        self
    }
    /// The penalties to try (include `None` for "no penalty").
    pub fn penalties(mut self, penalties: &[Option<Penalty>]) -> Self {
        self.penalties = penalties.to_vec();
        self
    }

    /// Every combination, optimizer-major.
    pub fn grid(&self) -> Vec<Trial> {
        let mut trials = Vec::new();
        for &optimizer in &self.optimizers {
            for &lr in &self.learning_rates {
                for &batch_size in &self.batch_sizes {
                    for &epochs in &self.epochs {
                        for &penalty in &self.penalties {
                            trials.push(Trial { optimizer, lr, batch_size, epochs, penalty });
                        }
                    }
                }
            }
        }
        trials
    }

    /// `n` trials drawn with a generator seeded by `seed` (same seed, same
    /// trials): the optimizer, batch size, epochs and penalty uniformly from
    /// their lists, the learning rate log-uniformly between the smallest and
    /// largest listed, `η = exp(ln η_min + u (ln η_max − ln η_min))`, `u ~ U[0, 1)`.
    /// An empty list gives no trials.
    pub fn random(&self, n: usize, seed: u64) -> Vec<Trial> {
        let empty = self.optimizers.is_empty()
            || self.learning_rates.is_empty()
            || self.batch_sizes.is_empty()
            || self.epochs.is_empty()
            || self.penalties.is_empty();
        if empty {
            return Vec::new();
        }
        let mut rng = crate::rng(seed);
        let lo = self.learning_rates.iter().copied().fold(f32::INFINITY, f32::min).ln();
        let hi = self.learning_rates.iter().copied().fold(f32::NEG_INFINITY, f32::max).ln();
        (0..n)
            .map(|_| {
                let optimizer = self.optimizers[rng.below(self.optimizers.len())];
                let lr = (lo + rng.uniform() * (hi - lo)).exp();
                let batch_size = self.batch_sizes[rng.below(self.batch_sizes.len())];
                let epochs = self.epochs[rng.below(self.epochs.len())];
                let penalty = self.penalties[rng.below(self.penalties.len())];
                Trial { optimizer, lr, batch_size, epochs, penalty }
            })
            .collect()
    }
}

/// The outcome of one trial.
#[derive(Clone, Debug, PartialEq)]
pub struct TrialResult {
    /// The hyperparameters.
    pub trial: Trial,
    /// The monitored value after the last epoch (NaN if the trial diverged).
    pub score: f32,
    /// Validation loss after the last epoch.
    pub val_loss: f32,
    /// Validation accuracy after the last epoch, when the monitor is an accuracy.
    pub val_accuracy: Option<f32>,
    /// Training loss of the last epoch.
    pub train_loss: f32,
    /// Wall-clock seconds of training.
    pub seconds: f64,
    /// Why the trial failed (divergence), if it did.
    pub error: Option<String>,
}

/// All trials, best first; print with `{}` for a table.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchResults {
    /// The monitored value that ranks the trials.
    pub monitor: Monitor,
    /// The trials, sorted by score (best first; failed trials last).
    pub results: Vec<TrialResult>,
    /// The parameters the best trial ended with (empty if every trial failed).
    pub best_params: Vec<f32>,
}

impl SearchResults {
    /// The best trial, if any succeeded.
    pub fn best(&self) -> Option<&TrialResult> {
        self.results.first().filter(|r| r.error.is_none())
    }
}

fn penalty_text(p: Option<Penalty>) -> String {
    match p {
        None => "none".into(),
        Some(Penalty::L1(l)) => std::format!("L1({l:.0e})"),
        Some(Penalty::L2(l)) => std::format!("L2({l:.0e})"),
    }
}

impl fmt::Display for SearchResults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>4}  {:<9} {:>9} {:>6} {:>7}  {:<9} {:>10} {:>8} {:>11} {:>7}",
            "rank", "optimizer", "lr", "batch", "epochs", "penalty", "val_loss", "val_acc", "train_loss", "time"
        )?;
        writeln!(f, "{:─<96}", "")?;
        for (i, r) in self.results.iter().enumerate() {
            let t = &r.trial;
            let acc = r.val_accuracy.map_or("-".into(), |a| std::format!("{:.2}%", 100.0 * a));
            write!(
                f,
                "{:>4}  {:<9} {:>9.2e} {:>6} {:>7}  {:<9} {:>10.4} {:>8} {:>11.4} {:>6.2}s",
                i + 1,
                t.optimizer,
                t.lr,
                t.batch_size,
                t.epochs,
                penalty_text(t.penalty),
                r.val_loss,
                acc,
                r.train_loss,
                r.seconds
            )?;
            if let Some(e) = &r.error {
                write!(f, "  failed: {e}")?;
            }
            writeln!(f)?;
        }
        write!(f, "ranked by {:?}", self.monitor)
    }
}

/// A search over trials on fixed training and validation data; every trial
/// starts from the same network, initialized with [`seed`](Search::seed).
pub struct Search<'a, N: Network, L> {
    xs: &'a [N::Input],
    ys: &'a [N::Output],
    val_xs: &'a [N::Input],
    val_ys: &'a [N::Output],
    loss: L,
    monitor: Monitor,
    seed: u64,
}

impl<'a, N: Network, L: Loss + Clone> Search<'a, N, L> {
    /// Trains on `xs`, `ys`, scores on `val_xs`, `val_ys`, minimizing `loss`.
    /// Ranks by the validation loss unless [`monitor`](Search::monitor) says otherwise.
    pub fn new(
        xs: &'a [N::Input],
        ys: &'a [N::Output],
        val_xs: &'a [N::Input],
        val_ys: &'a [N::Output],
        loss: L,
    ) -> Self {
        Search { xs, ys, val_xs, val_ys, loss, monitor: Monitor::ValLoss, seed: 0 }
    }
    /// The value that ranks the trials (its value after the last epoch).
    pub fn monitor(mut self, monitor: Monitor) -> Self {
        self.monitor = monitor;
        self
    }
    /// The seed of the initial network and of every trial's shuffling and dropout.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Runs every trial, quietly. A trial that diverges is kept, last, with
    /// its error; bad data is an error of the whole search.
    pub fn run(&self, trials: &[Trial]) -> Result<SearchResults> {
        let start = N::boxed(&mut crate::rng(self.seed));
        let metrics: &[Metric] = if self.monitor.higher_is_better() { &[Metric::Accuracy] } else { &[] };
        let mut results = Vec::new();
        let mut params = Vec::new();
        for trial in trials {
            let mut net = N::zeroed_boxed();
            net.set_params(start.params())?;
            let started = Instant::now();
            macro_rules! fit {
                ($opt:expr) => {{
                    let mut fit = net
                        .fit(self.xs, self.ys)
                        .loss(self.loss.clone())
                        .optimizer($opt)
                        .epochs(trial.epochs)
                        .batch_size(trial.batch_size)
                        .seed(self.seed)
                        .validation_data(self.val_xs, self.val_ys)
                        .metrics(metrics)
                        .quiet();
                    if let Some(p) = trial.penalty {
                        fit = fit.penalty(p);
                    }
                    fit.run()
                }};
            }
            let lr = trial.lr;
            let outcome = match trial.optimizer {
                OptimizerKind::Sgd => fit!(Sgd::new(lr)),
                OptimizerKind::Momentum => fit!(Sgd::new(lr).momentum(0.9)),
                OptimizerKind::Nesterov => fit!(Sgd::new(lr).momentum(0.9).nesterov(true)),
                OptimizerKind::Adagrad => fit!(Adagrad::new(lr)),
                OptimizerKind::RmsProp => fit!(RmsProp::new(lr)),
                OptimizerKind::Adam => fit!(Adam::new(lr)),
                OptimizerKind::AdamW => fit!(AdamW::new(lr)),
                OptimizerKind::NAdam => fit!(NAdam::new(lr)),
            };
            let seconds = started.elapsed().as_secs_f64();
            let result = match outcome {
                Ok(history) => {
                    let last = history.last().cloned().unwrap_or_default();
                    TrialResult {
                        trial: *trial,
                        score: self.monitor.value(&last).unwrap_or(f32::NAN),
                        val_loss: last.val_loss.unwrap_or(f32::NAN),
                        val_accuracy: last.val_accuracy,
                        train_loss: last.loss,
                        seconds,
                        error: None,
                    }
                }
                Err(e @ (Error::Diverged { .. } | Error::NonFiniteGradient { .. })) => TrialResult {
                    trial: *trial,
                    score: f32::NAN,
                    val_loss: f32::NAN,
                    val_accuracy: None,
                    train_loss: f32::NAN,
                    seconds,
                    error: Some(std::format!("{e}")),
                },
                Err(e) => return Err(e),
            };
            params.push(net.params().to_vec());
            results.push(result);
        }
        // Best first; NaN (failed) last; ties keep the trial order.
        let mut order: Vec<usize> = (0..results.len()).collect();
        let higher = self.monitor.higher_is_better();
        order.sort_by(|&a, &b| {
            let (x, y) = (results[a].score, results[b].score);
            match (x.is_nan(), y.is_nan()) {
                (true, true) => core::cmp::Ordering::Equal,
                (true, false) => core::cmp::Ordering::Greater,
                (false, true) => core::cmp::Ordering::Less,
                _ if higher => y.total_cmp(&x),
                _ => x.total_cmp(&y),
            }
        });
        let best_params = order
            .first()
            .filter(|&&i| results[i].error.is_none() && !results[i].score.is_nan())
            .map(|&i| core::mem::take(&mut params[i]))
            .unwrap_or_default();
        let results = order.iter().map(|&i| results[i].clone()).collect();
        Ok(SearchResults { monitor: self.monitor, results, best_params })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::evaluate;
    use crate::{Chain, CrossEntropy, Dense, ReLU, Softmax};
    use std::string::ToString;

    type Net = Chain<Dense<2, 8, ReLU>, Dense<8, 2, Softmax>>;

    /// Two Gaussian blobs, linearly separable with a margin.
    fn blobs(n: usize, seed: u64) -> (Vec<[f32; 2]>, Vec<[f32; 2]>) {
        let mut rng = crate::rng(seed);
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for i in 0..n {
            let c = i % 2;
            let centre = if c == 0 { -1.0 } else { 1.0 };
            xs.push([centre + 0.5 * rng.normal(), centre + 0.5 * rng.normal()]);
            ys.push(if c == 0 { [1.0, 0.0] } else { [0.0, 1.0] });
        }
        (xs, ys)
    }

    #[test]
    fn grid_and_random_trials() {
        let space = SearchSpace::new()
            .optimizers(&[OptimizerKind::Sgd, OptimizerKind::Adam])
            .learning_rates(&[1e-3, 1e-1])
            .batch_sizes(&[8, 32])
            .epochs(&[5])
            .penalties(&[None, Some(Penalty::L2(1e-4))]);
        let grid = space.grid();
        assert_eq!(grid.len(), 16);
        assert_eq!(grid[0], Trial { optimizer: OptimizerKind::Sgd, lr: 1e-3, batch_size: 8, epochs: 5, penalty: None });
        assert_eq!(grid[15].optimizer, OptimizerKind::Adam);
        let a = space.random(50, 9);
        assert_eq!(a, space.random(50, 9));
        assert_ne!(a, space.random(50, 10));
        assert!(a.iter().all(|t| (1e-3 * 0.9999..=0.1 * 1.0001).contains(&t.lr)));
        assert!(a.iter().any(|t| t.lr < 1e-2) && a.iter().any(|t| t.lr > 1e-2));
        assert!(a.iter().any(|t| t.optimizer == OptimizerKind::Sgd) && a.iter().any(|t| t.batch_size == 32));
        assert!(SearchSpace::new().learning_rates(&[]).random(3, 0).is_empty());
    }

    #[test]
    fn search_ranks_by_validation_accuracy_and_keeps_failures_last() {
        let (xs, ys) = blobs(200, 1);
        let (vx, vy) = blobs(100, 2);
        let space = SearchSpace::new()
            .optimizers(&[OptimizerKind::Sgd, OptimizerKind::Adam])
            .learning_rates(&[1e-5, 0.05, 1e9])
            .batch_sizes(&[16])
            .epochs(&[10]);
        let results = Search::<Net, _>::new(&xs, &ys, &vx, &vy, CrossEntropy)
            .monitor(Monitor::ValAccuracy)
            .seed(3)
            .run(&space.grid())
            .unwrap();
        assert_eq!(results.results.len(), 6);
        let scores: Vec<f32> = results.results.iter().map(|r| r.score).collect();
        let finite: Vec<f32> = scores.iter().copied().filter(|s| !s.is_nan()).collect();
        assert!(finite.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
        let best = results.best().unwrap();
        assert!(best.score > 0.9, "{results}");
        assert!(best.trial.lr == 0.05, "{results}");
        // The best parameters are the best trial's: evaluating them gives its score.
        let mut net = Net::zeroed_boxed();
        net.set_params(&results.best_params).unwrap();
        let eval = evaluate(&*net, &vx, &vy, &CrossEntropy, &[Metric::Accuracy]).unwrap();
        assert_eq!(eval.accuracy, Some(best.score));
        // η = 1e9 diverges for SGD; a failure is listed last with its reason.
        let last = results.results.last().unwrap();
        assert!(last.error.as_deref().is_some_and(|e| e.contains("diverged")), "{results}");
        let table = results.to_string();
        assert!(table.starts_with("rank  optimizer"), "{table}");
        assert!(table.lines().nth(2).unwrap().contains("5.00e-2"), "{table}");
        assert!(table.ends_with("ranked by ValAccuracy"), "{table}");
    }
}
