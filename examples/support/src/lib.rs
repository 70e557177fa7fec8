//! What the MNIST examples share (`mnist`, `cnn`, `transfer`, `quantize`,
//! `embedded_assets`): argument errors on one line, the training flags, and
//! the whole training job of `mnist` and `cnn` (train with a validation
//! split, cosine decay and early stopping; report; save the weights, the
//! curves and a JSON summary).
//!
//! A crate of its own (not published), so that it is compiled once: an
//! example that changes a layer width recompiles its network and the small
//! adapter [`Model`] gives it, not the command line, the report and the JSON.
//! The job itself reaches the network through the object-safe [`Classifier`].

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Arg, ArgAction, Command, ValueEnum};
use nn_core::data::{mnist, one_hot};
use nn_core::fit::{evaluate, EarlyStopping, Evaluation, History, LearningRateScheduler, Metric, Monitor, Verbosity};
use nn_core::{Adagrad, Adam, CrossEntropy, Layer, NAdam, Network, Optimizer, RmsProp, Sgd};

/// Parses the command line; prints `--help`/`--version` and returns `None`,
/// or exits with status 1 and a one-line error on bad arguments.
pub fn parse_args<A: clap::Parser>() -> Option<A> {
    handle(A::try_parse())
}

/// What [`parse_args`] does with a parse's result.
fn handle<A>(parsed: Result<A, clap::Error>) -> Option<A> {
    match parsed {
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
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
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

/// What an example's training job is: its flags' defaults and its own
/// settings.
pub struct Spec {
    /// File stem of the weights (`mnist` → `mnist.nnw`).
    pub name: &'static str,
    /// The `--help` line.
    pub about: &'static str,
    /// Title of the learning-curve plot.
    pub title: &'static str,
    /// Default of `--epochs`.
    pub epochs: u32,
    /// Default of `--out`.
    pub out: &'static str,
    /// Default of `--data` (the four MNIST .gz files).
    pub data: &'static str,
    /// The learning rate of the SGD family (the others have theirs, see
    /// [`Job::lr`]).
    pub sgd_lr: f32,
    /// Epochs without a better validation accuracy before stopping.
    pub patience: usize,
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

/// The training flags of `spec`'s example (`--epochs`, `--batch-size`,
/// `--lr`, `--optimizer`, `--seed`, `--out`, `--data`, `--quiet`).
fn command(spec: &Spec) -> Command {
    let positive = || clap::value_parser!(u32).range(1..);
    Command::new(spec.name)
        .version(env!("CARGO_PKG_VERSION"))
        .about(spec.about)
        .arg(
            Arg::new("epochs").value_name("EPOCHS")
                .long("epochs")
                .help("Passes over the training data (early stopping may end sooner)")
                .value_parser(positive())
                .default_value(spec.epochs.to_string()),
        )
        .arg(
            Arg::new("batch_size").value_name("BATCH_SIZE")
                .long("batch-size")
                .help("Samples per update")
                .value_parser(positive())
                .default_value("64"),
        )
        .arg(Arg::new("lr").value_name("LR").long("lr").value_parser(clap::value_parser!(f32)).help(format!(
            "Initial learning rate (default: 2e-3 for adam and nadam, 1e-3 for rmsprop, 1e-2 for adagrad, {} for the sgd family)",
            spec.sgd_lr
        )))
        .arg(
            Arg::new("optimizer").value_name("OPTIMIZER")
                .long("optimizer")
                .help("The optimizer")
                .value_parser(clap::builder::EnumValueParser::<OptimizerName>::new())
                .default_value("adam"),
        )
        .arg(
            Arg::new("seed").value_name("SEED")
                .long("seed")
                .help("Seed of the initialization, shuffling, validation split and dropout")
                .value_parser(clap::value_parser!(u64))
                .default_value("42"),
        )
        .arg(
            Arg::new("out").value_name("OUT")
                .long("out")
                .help("Directory for the weights, the learning curves and the summary")
                .value_parser(clap::value_parser!(PathBuf))
                .default_value(spec.out),
        )
        .arg(
            Arg::new("data").value_name("DATA")
                .long("data")
                .help("Directory holding the four MNIST .gz files")
                .value_parser(clap::value_parser!(PathBuf))
                .default_value(spec.data),
        )
        .arg(Arg::new("quiet").long("quiet").help("Print only the final result").action(ArgAction::SetTrue))
}

/// The [`Job`] that the command line asks of `spec`'s example; prints
/// `--help`/`--version` and returns `None`, or exits with status 1 and a
/// one-line error on bad arguments.
pub fn job_from_args(spec: &Spec) -> Option<Job> {
    let matches = handle(command(spec).try_get_matches())?;
    // (every flag but --lr has a default)
    let count = |name: &str| *matches.get_one::<u32>(name).expect("a default") as usize;
    let path = |name: &str| matches.get_one::<PathBuf>(name).expect("a default").clone();
    Some(Job {
        name: spec.name,
        title: spec.title,
        epochs: count("epochs"),
        batch_size: count("batch_size"),
        lr: matches.get_one::<f32>("lr").copied(),
        sgd_lr: spec.sgd_lr,
        optimizer: *matches.get_one::<OptimizerName>("optimizer").expect("a default"),
        seed: *matches.get_one::<u64>("seed").expect("a default"),
        patience: spec.patience,
        out: path("out"),
        data: path("data"),
        quiet: matches.get_flag("quiet"),
    })
}

/// An example's `main`: a new `N` trained and reported as the command line
/// asks (see [`train`]); exits with status 1 on an error.
pub fn train_main<N>(spec: &Spec)
where
    N: Network + Layer<Input = [f32; 784], Output = [f32; 10]>,
{
    let Some(job) = job_from_args(spec) else { return };
    exit_on_error(train::<N>(&job));
}

/// What [`train`] asks of a network: the calls that depend on its type,
/// behind one object-safe trait (implemented by [`Model`]).
pub trait Classifier {
    /// The layer table (`Network::summary`).
    fn summary(&self) -> String;
    /// The architecture string (`Layer::ARCHITECTURE`).
    fn architecture(&self) -> &'static str;
    /// `fit` with cross-entropy, a 5% validation split and accuracy.
    fn fit(&mut self, xs: &[[f32; 784]], ys: &[[f32; 10]], how: FitSettings) -> nn_core::Result<History>;
    /// Loss and accuracy on `xs`.
    fn evaluate(&self, xs: &[[f32; 784]], ys: &[[f32; 10]]) -> nn_core::Result<Evaluation>;
    /// The class probabilities of one image.
    fn predict(&self, x: &[f32; 784]) -> [f32; 10];
    /// Writes the weights to `path`.
    fn save(&self, path: &Path) -> nn_core::Result<()>;
}

/// The settings of [`Classifier::fit`] that [`train`] picks.
pub struct FitSettings {
    pub optimizer: Box<dyn Optimizer>,
    pub epochs: usize,
    pub batch_size: usize,
    pub seed: u64,
    pub schedule: LearningRateScheduler,
    pub early: EarlyStopping,
    pub verbosity: Verbosity,
}

/// A network on the heap, as a [`Classifier`].
pub struct Model<N>(pub Box<N>);

impl<N> Classifier for Model<N>
where
    N: Network + Layer<Input = [f32; 784], Output = [f32; 10]>,
{
    fn summary(&self) -> String {
        self.0.summary().to_string()
    }

    fn architecture(&self) -> &'static str {
        N::ARCHITECTURE.as_str()
    }

    fn fit(&mut self, xs: &[[f32; 784]], ys: &[[f32; 10]], how: FitSettings) -> nn_core::Result<History> {
        self.0
            .fit(xs, ys)
            .loss(CrossEntropy)
            .optimizer(how.optimizer)
            .epochs(how.epochs)
            .batch_size(how.batch_size)
            .seed(how.seed)
            .validation_split(0.05)
            .metrics(&[Metric::Accuracy])
            .callback(how.schedule)
            .callback(how.early)
            .verbosity(how.verbosity)
            .run()
    }

    fn evaluate(&self, xs: &[[f32; 784]], ys: &[[f32; 10]]) -> nn_core::Result<Evaluation> {
        evaluate(&*self.0, xs, ys, &CrossEntropy, &[Metric::Accuracy])
    }

    fn predict(&self, x: &[f32; 784]) -> [f32; 10] {
        self.0.predict(x)
    }

    fn save(&self, path: &Path) -> nn_core::Result<()> {
        self.0.save(path)
    }
}

/// Trains a new `N` on the 60,000 training images (5% held out for
/// validation), Adam or another optimizer with a cosine decay of the
/// learning rate to lr/100 and early stopping that restores the best epoch;
/// prints the confusion matrix and the test accuracy; writes `NAME.nnw`,
/// `learning_curves.svg` and `summary.json` to `out`. (The network is made
/// here; the rest is [`train_model`], compiled once.)
pub fn train<N>(job: &Job) -> Result<(), Box<dyn std::error::Error>>
where
    N: Network + Layer<Input = [f32; 784], Output = [f32; 10]>,
{
    let mut rng = nn_core::rng(job.seed);
    let started = Instant::now();
    let data = mnist::load(&job.data)?;
    let mut model = Model(N::boxed(&mut rng));
    train_model(job, &mut model, data, started)
}

/// [`train`] of a network made already, on MNIST loaded at `started`.
pub fn train_model(
    job: &Job,
    net: &mut dyn Classifier,
    data: mnist::MnistData,
    started: Instant,
) -> Result<(), Box<dyn std::error::Error>> {
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
    let settings =
        FitSettings { optimizer, epochs, batch_size: job.batch_size, seed: job.seed, schedule, early, verbosity };
    let history = net.fit(&data.train_images, &train_y, settings)?;
    let train_seconds = train_started.elapsed().as_secs_f64();
    let epochs_run = history.epochs.len();

    let test = net.evaluate(&data.test_images, &test_y)?;
    let accuracy = test.accuracy.unwrap_or(0.0);
    let mut confusion = [[0usize; 10]; 10];
    for (x, &label) in data.test_images.iter().zip(&data.test_labels) {
        let predicted = nn_core::fit::argmax(&net.predict(x));
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
        "network": net.architecture(),
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
    write(&summary_path, serde_json::to_string_pretty(&summary)?.as_bytes())?;
    say(format!("wrote {}, {} and {}", weights.display(), curves.display(), summary_path.display()));
    Ok(())
}
