//! A convolutional network on MNIST: LeNet-5 (LeCun et al. 1998, with ReLU
//! and max pooling), trained to ≥ 99% test accuracy.
//!
//! The image shape is declared once (`Input<1, 28, 28>`); `network!` follows
//! it through every layer (`[6, 28, 28]`, `[6, 14, 14]`, `[16, 10, 10]`,
//! `[16, 5, 5]`) and checks that the `Dense` after `Flatten` takes
//! 16·5·5 = 400 inputs. Adam, mini-batches of 64, cosine decay of the
//! learning rate, a held-out validation split, early stopping that restores
//! the best epoch, then a per-class report on the 10,000 test images. Writes
//! the weights, the learning curves (SVG) and a JSON summary to `--out`.
//!
//! Run: `cargo run --release --example cnn` (`-- --help` for the flags).

use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use nn::data::{mnist, one_hot};
use nn::fit::{evaluate, EarlyStopping, LearningRateScheduler, Metric, Monitor, Verbosity};
use nn::prelude::*;

nn::network! {
    /// LeNet-5: two convolutions with max pooling, three dense layers.
    pub struct LeNet {
        input: Input<1, 28, 28>,
        conv1: Conv2d<1, 6, 5, ReLU, padding = 2>,
        pool1: MaxPool2d<2>,
        conv2: Conv2d<6, 16, 5, ReLU>,
        pool2: MaxPool2d<2>,
        flatten: Flatten,
        fc1: Dense<400, 120, ReLU>,
        fc2: Dense<120, 84, ReLU>,
        output: Dense<84, 10, Softmax>,
    }
}

/// The architecture, as in the summary and the weight file.
const ARCHITECTURE: &str = "Input<1, 28, 28>, Conv2d<1, 6, 5, ReLU, padding = 2>, MaxPool2d<2>, \
    Conv2d<6, 16, 5, ReLU>, MaxPool2d<2>, Flatten, Dense<400, 120, ReLU>, Dense<120, 84, ReLU>, Dense<84, 10, Softmax>";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum OptimizerName {
    Sgd,
    Momentum,
    Nesterov,
    Adagrad,
    Rmsprop,
    Adam,
    Nadam,
}

/// Train LeNet-5 on MNIST.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Passes over the training data (early stopping may end sooner).
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..))]
    epochs: u32,
    /// Samples per update.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    batch_size: u32,
    /// Initial learning rate (default: 2e-3 for adam and nadam, 1e-3 for rmsprop, 1e-2 for adagrad, 0.05 for the sgd family).
    #[arg(long)]
    lr: Option<f32>,
    /// The optimizer.
    #[arg(long, value_enum, default_value_t = OptimizerName::Adam)]
    optimizer: OptimizerName,
    /// Seed of the initialization, shuffling, validation split and dropout.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Directory for the weights, the learning curves and the summary.
    #[arg(long, default_value = "target/cnn")]
    out: PathBuf,
    /// Directory holding the four MNIST .gz files.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist"))]
    data: PathBuf,
    /// Print only the final result.
    #[arg(long)]
    quiet: bool,
}

fn main() {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) if !e.use_stderr() => {
            // --help, --version
            print!("{e}");
            return;
        }
        Err(e) => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("bad arguments").trim_start_matches("error: ");
            eprintln!("error: {first} (see --help)");
            std::process::exit(1);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let data = mnist::load(&args.data)?;
    let train_y = one_hot::<10>(&data.train_labels)?;
    let test_y = one_hot::<10>(&data.test_labels)?;
    let say = |text: String| {
        if !args.quiet {
            println!("{text}");
        }
    };
    say(format!(
        "MNIST: {} training and {} test images, loaded and verified in {:.1}s",
        data.train_images.len(),
        data.test_images.len(),
        started.elapsed().as_secs_f64()
    ));

    let mut rng = nn::rng(args.seed);
    let mut net = LeNet::boxed(&mut rng);
    say(format!("\n{}\n", net.summary()));

    let epochs = args.epochs as usize;
    let lr = args.lr.unwrap_or(match args.optimizer {
        OptimizerName::Adam | OptimizerName::Nadam => 2e-3,
        OptimizerName::Rmsprop => 1e-3,
        OptimizerName::Adagrad => 1e-2,
        _ => 0.05,
    });
    // Cosine decay of the learning rate over the planned epochs, to lr/100.
    let schedule = LearningRateScheduler::new(move |epoch, lr0| {
        let t = (epoch - 1) as f32 / epochs.max(2) as f32;
        let floor = lr0 / 100.0;
        floor + 0.5 * (lr0 - floor) * (1.0 + (std::f32::consts::PI * t).cos())
    });
    let early = EarlyStopping::new().monitor(Monitor::ValAccuracy).patience(5).restore_best(true);
    let verbosity = if args.quiet { Verbosity::Quiet } else { Verbosity::Auto };
    say(format!("training with {:?} (lr {lr}), batch size {}, up to {epochs} epochs", args.optimizer, args.batch_size));

    macro_rules! fit_with {
        ($opt:expr) => {
            net.fit(&data.train_images, &train_y)
                .loss(CrossEntropy)
                .optimizer($opt)
                .epochs(epochs)
                .batch_size(args.batch_size as usize)
                .seed(args.seed)
                .validation_split(0.05)
                .metrics(&[Metric::Accuracy])
                .callback(schedule)
                .callback(early)
                .verbosity(verbosity)
                .run()?
        };
    }
    let train_started = Instant::now();
    let history = match args.optimizer {
        OptimizerName::Sgd => fit_with!(Sgd::new(lr)),
        OptimizerName::Momentum => fit_with!(Sgd::new(lr).momentum(0.9)),
        OptimizerName::Nesterov => fit_with!(Sgd::new(lr).momentum(0.9).nesterov(true)),
        OptimizerName::Adagrad => fit_with!(Adagrad::new(lr)),
        OptimizerName::Rmsprop => fit_with!(RmsProp::new(lr)),
        OptimizerName::Adam => fit_with!(Adam::new(lr)),
        OptimizerName::Nadam => fit_with!(NAdam::new(lr)),
    };
    let train_seconds = train_started.elapsed().as_secs_f64();
    let epochs_run = history.epochs.len();

    let test = evaluate(&*net, &data.test_images, &test_y, &CrossEntropy, &[Metric::Accuracy])?;
    let accuracy = test.accuracy.unwrap_or(0.0);
    let mut confusion = [[0usize; 10]; 10];
    for (x, &label) in data.test_images.iter().zip(&data.test_labels) {
        let predicted = nn::fit::argmax(&net.predict(x));
        confusion[label as usize][predicted] += 1;
    }
    if !args.quiet {
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

    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let weights = args.out.join("cnn.nnw");
    net.save(&weights)?;
    let curves = args.out.join("learning_curves.svg");
    history.plot_svg(&curves, "MNIST LeNet-5, learning curves")?;
    let summary = serde_json::json!({
        "network": ARCHITECTURE,
        "optimizer": format!("{:?}", args.optimizer).to_lowercase(),
        "learning_rate": lr,
        "batch_size": args.batch_size,
        "seed": args.seed,
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
    let summary_path = args.out.join("summary.json");
    std::fs::write(&summary_path, serde_json::to_string_pretty(&summary)?)
        .map_err(|e| format!("{}: {e}", summary_path.display()))?;
    say(format!("wrote {}, {} and {}", weights.display(), curves.display(), summary_path.display()));
    Ok(())
}
