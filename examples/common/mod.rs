//! What the MNIST examples share (`mnist`, `cnn`, `transfer`): argument
//! errors on one line, the optimizer flag, and the whole training job of
//! `mnist` and `cnn` (train with a validation split, cosine decay and early
//! stopping; report; save the weights, the curves and a JSON summary).
#![allow(dead_code)] // each example uses a part

use std::path::PathBuf;
use std::time::Instant;

use clap::ValueEnum;
use nn::data::{mnist, one_hot};
use nn::fit::{evaluate, EarlyStopping, LearningRateScheduler, Metric, Monitor, Verbosity};
use nn::prelude::*;

/// Parses the command line; prints `--help`/`--version` and returns `None`,
/// or exits with status 1 and a one-line error on bad arguments.
pub fn parse_args<A: clap::Parser>() -> Option<A> {
    match A::try_parse() {
        Ok(args) => Some(args),
        Err(e) if !e.use_stderr() => {
            print!("{e}");
            None
        }
        Err(e) => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("bad arguments").trim_start_matches("error: ");
            eprintln!("error: {first} (see --help)");
            std::process::exit(1);
        }
    }
}

/// Exits with status 1 and the error on one line.
pub fn exit_on_error(result: Result<(), Box<dyn std::error::Error>>) {
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// Writes `bytes` to `path`; the error names the file.
pub fn write(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// The `--optimizer` flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OptimizerName {
    Sgd,
    Momentum,
    Nesterov,
    Adagrad,
    Rmsprop,
    Adam,
    Nadam,
}

/// A training job on MNIST, from an example's flags and its own settings.
pub struct Job {
    /// File stem of the weights (`mnist` → `mnist.nnw`).
    pub name: &'static str,
    /// Title of the learning-curve plot.
    pub title: &'static str,
    pub epochs: usize,
    pub batch_size: usize,
    /// The learning rate; by default 2e-3 for Adam and NAdam, 1e-3 for
    /// RMSProp, 1e-2 for AdaGrad and `sgd_lr` for the SGD family.
    pub lr: Option<f32>,
    pub sgd_lr: f32,
    pub optimizer: OptimizerName,
    pub seed: u64,
    /// Epochs without a better validation accuracy before stopping.
    pub patience: usize,
    pub out: PathBuf,
    pub data: PathBuf,
    pub quiet: bool,
}

/// Trains a new `N` on the 60,000 training images (5% held out for
/// validation), Adam or another optimizer with a cosine decay of the
/// learning rate to lr/100 and early stopping that restores the best epoch;
/// prints the confusion matrix and the test accuracy; writes `NAME.nnw`,
/// `learning_curves.svg` and `summary.json` to `out`.
pub fn train<N>(job: &Job) -> Result<(), Box<dyn std::error::Error>>
where
    N: Network + Layer<Input = [f32; 784], Output = [f32; 10]>,
{
    let started = Instant::now();
    let data = mnist::load(&job.data)?;
    let train_y = one_hot::<10>(&data.train_labels)?;
    let test_y = one_hot::<10>(&data.test_labels)?;
    let say = |text: String| {
        if !job.quiet {
            println!("{text}");
        }
    };
    say(format!(
        "MNIST: {} training and {} test images, loaded and verified in {:.1}s",
        data.train_images.len(),
        data.test_images.len(),
        started.elapsed().as_secs_f64()
    ));

    let mut rng = nn::rng(job.seed);
    let mut net = N::boxed(&mut rng);
    say(format!("\n{}\n", net.summary()));

    let epochs = job.epochs;
    let lr = job.lr.unwrap_or(match job.optimizer {
        OptimizerName::Adam | OptimizerName::Nadam => 2e-3,
        OptimizerName::Rmsprop => 1e-3,
        OptimizerName::Adagrad => 1e-2,
        _ => job.sgd_lr,
    });
    // Cosine decay of the learning rate over the planned epochs, to lr/100.
    let schedule = LearningRateScheduler::new(move |epoch, lr0| {
        let t = (epoch - 1) as f32 / epochs.max(2) as f32;
        let floor = lr0 / 100.0;
        floor + 0.5 * (lr0 - floor) * (1.0 + (std::f32::consts::PI * t).cos())
    });
    let early = EarlyStopping::new().monitor(Monitor::ValAccuracy).patience(job.patience).restore_best(true);
    let verbosity = if job.quiet { Verbosity::Quiet } else { Verbosity::Auto };
    say(format!("training with {:?} (lr {lr}), batch size {}, up to {epochs} epochs", job.optimizer, job.batch_size));

    // The optimizer is picked at run time: a `Box<dyn Optimizer>` is one.
    let optimizer: Box<dyn Optimizer> = match job.optimizer {
        OptimizerName::Sgd => Box::new(Sgd::new(lr)),
        OptimizerName::Momentum => Box::new(Sgd::new(lr).momentum(0.9)),
        OptimizerName::Nesterov => Box::new(Sgd::new(lr).momentum(0.9).nesterov(true)),
        OptimizerName::Adagrad => Box::new(Adagrad::new(lr)),
        OptimizerName::Rmsprop => Box::new(RmsProp::new(lr)),
        OptimizerName::Adam => Box::new(Adam::new(lr)),
        OptimizerName::Nadam => Box::new(NAdam::new(lr)),
    };
    let train_started = Instant::now();
    let history = net
        .fit(&data.train_images, &train_y)
        .loss(CrossEntropy)
        .optimizer(optimizer)
        .epochs(epochs)
        .batch_size(job.batch_size)
        .seed(job.seed)
        .validation_split(0.05)
        .metrics(&[Metric::Accuracy])
        .callback(schedule)
        .callback(early)
        .verbosity(verbosity)
        .run()?;
    let train_seconds = train_started.elapsed().as_secs_f64();
    let epochs_run = history.epochs.len();

    let test = evaluate(&*net, &data.test_images, &test_y, &CrossEntropy, &[Metric::Accuracy])?;
    let accuracy = test.accuracy.unwrap_or(0.0);
    let mut confusion = [[0usize; 10]; 10];
    for (x, &label) in data.test_images.iter().zip(&data.test_labels) {
        let predicted = nn::fit::argmax(&net.predict(x));
        confusion[label as usize][predicted] += 1;
    }
    if !job.quiet {
        println!("\nconfusion matrix (rows: true digit, columns: predicted) and per-class accuracy");
        println!("      {}   accuracy", (0..10).map(|d| format!("{d:>5}")).collect::<String>());
        for (digit, row) in confusion.iter().enumerate() {
            let total: usize = row.iter().sum();
            let cells: String = row.iter().map(|n| format!("{n:>5}")).collect();
            println!("  {digit}   {cells}   {:>6.2}%", 100.0 * row[digit] as f64 / total.max(1) as f64);
        }
    }
    let per_epoch = train_seconds / epochs_run.max(1) as f64;
    println!(
        "\ntest accuracy {:.2}% (loss {:.4}) after {epochs_run} epochs, {per_epoch:.1}s per epoch, {:.1}s in all",
        100.0 * accuracy,
        test.loss,
        started.elapsed().as_secs_f64()
    );

    std::fs::create_dir_all(&job.out).map_err(|e| format!("{}: {e}", job.out.display()))?;
    let weights = job.out.join(format!("{}.nnw", job.name));
    net.save(&weights)?;
    let curves = job.out.join("learning_curves.svg");
    history.plot_svg(&curves, job.title)?;
    let summary = serde_json::json!({
        "network": N::ARCHITECTURE.as_str(),
        "optimizer": format!("{:?}", job.optimizer).to_lowercase(),
        "learning_rate": lr,
        "batch_size": job.batch_size,
        "seed": job.seed,
        "epochs": epochs_run,
        "test_accuracy": accuracy,
        "test_loss": test.loss,
        "seconds_training": train_seconds,
        "seconds_per_epoch": per_epoch,
        "history": history.epochs.iter().map(|e| serde_json::json!({
            "epoch": e.epoch, "loss": e.loss, "accuracy": e.accuracy,
            "val_loss": e.val_loss, "val_accuracy": e.val_accuracy, "lr": e.lr, "seconds": e.seconds,
        })).collect::<Vec<_>>(),
    });
    let summary_path = job.out.join("summary.json");
    std::fs::write(&summary_path, serde_json::to_string_pretty(&summary)?)
        .map_err(|e| format!("{}: {e}", summary_path.display()))?;
    say(format!("wrote {}, {} and {}", weights.display(), curves.display(), summary_path.display()));
    Ok(())
}
