//! What `fit` prints: a progress bar on a terminal, one line per epoch otherwise.

use std::io::IsTerminal;
use std::string::{String, ToString};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::history::Epoch;

/// How much `fit` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Verbosity {
    /// A progress bar when stdout is a terminal, else one line per epoch.
    #[default]
    Auto,
    /// One plain line per epoch, terminal or not.
    Lines,
    /// Nothing.
    Quiet,
}

/// The per-epoch display.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    verbosity: Verbosity,
    epochs: usize,
}

impl Progress {
    pub(crate) fn new(verbosity: Verbosity, epochs: usize) -> Self {
        Progress { bar: None, verbosity, epochs }
    }

    pub(crate) fn start_epoch(&mut self, epoch: usize, batches: usize) {
        if self.verbosity != Verbosity::Auto || !std::io::stdout().is_terminal() {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(batches as u64), ProgressDrawTarget::stdout());
        let style = ProgressStyle::with_template("epoch {prefix} [{bar:28.cyan/blue}] {pos}/{len} {msg} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(std::format!("{epoch}/{}", self.epochs));
        bar.enable_steady_tick(Duration::from_millis(200));
        self.bar = Some(bar);
    }

    pub(crate) fn batch(&mut self, done: usize, loss: f32, accuracy: Option<f32>, samples_per_second: f64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done as u64);
            let acc = accuracy.map(|a| std::format!(" acc {:.2}%", 100.0 * a)).unwrap_or_default();
            bar.set_message(std::format!("loss {loss:.4}{acc} {:.0} samples/s", samples_per_second));
        }
    }

    pub(crate) fn end_epoch(&mut self, logs: &Epoch) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if self.verbosity != Verbosity::Quiet {
            std::println!("{}", epoch_line(logs, self.epochs));
        }
    }
}

/// `epoch  3/10  loss 0.2345  acc 93.12%  val_loss 0.2001  val_acc 94.00%  lr 0.001  2.1s  28411 samples/s`
pub fn epoch_line(e: &Epoch, epochs: usize) -> String {
    let width = epochs.to_string().len();
    let mut line = std::format!("epoch {:>width$}/{epochs}  loss {:.4}", e.epoch, e.loss);
    let mut push = |name: &str, v: Option<f32>, percent: bool| {
        if let Some(v) = v {
            if percent {
                line.push_str(&std::format!("  {name} {:.2}%", 100.0 * v));
            } else {
                line.push_str(&std::format!("  {name} {v:.4}"));
            }
        }
    };
    push("acc", e.accuracy, true);
    push("mae", e.mae, false);
    push("val_loss", e.val_loss, false);
    push("val_acc", e.val_accuracy, true);
    push("val_mae", e.val_mae, false);
    line.push_str(&std::format!("  lr {:.3e}  {:.1}s  {:.0} samples/s", e.lr, e.seconds, e.samples_per_second));
    line
}
