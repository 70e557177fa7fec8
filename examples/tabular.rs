//! A CSV classification table, end to end: the Breast Cancer Wisconsin
//! (Diagnostic) data (569 tumours, 30 features; provenance in
//! `data/breast_cancer/README.md`) read with the CSV reader, split 70/15/15
//! with a seed, z-scored with statistics of the training part only, trained
//! with validation and early stopping, then a seeded random hyperparameter
//! search on the same split. Writes `target/examples/tabular.svg`.
//!
//! Run: `cargo run --release --example tabular`

use nn::data::{csv, split, ZScore};
use nn::fit::search::{OptimizerKind, Search, SearchSpace};
use nn::fit::{evaluate, EarlyStopping, Metric, Monitor};
use nn::prelude::*;

nn::network! {
    /// 30 features, 16 hidden units, 2 classes.
    pub struct Tumour { hidden: Dense<30, 16, ReLU>, drop: Dropout<0.2>, out: Dense<16, 2, Softmax> }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/breast_cancer/breast_cancer.csv");
    let table = csv::read_classes::<30>(path, "diagnosis")?;
    let ys = table.one_hot::<2>()?;
    println!(
        "data/breast_cancer/breast_cancer.csv: {} rows, {} features ({} … {}), classes {:?}",
        table.features.len(),
        table.feature_names.len(),
        table.feature_names[0],
        table.feature_names[29],
        table.classes
    );

    let mut rng = nn::rng(42);
    let (train_x, train_y, rest_x, rest_y) = split(&table.features, &ys, 0.3, &mut rng)?;
    let (mut val_x, val_y, mut test_x, test_y) = split(&rest_x, &rest_y, 0.5, &mut rng)?;
    let mut train_x = train_x;
    let z = ZScore::fit(&train_x);
    z.apply(&mut train_x);
    z.apply(&mut val_x);
    z.apply(&mut test_x);
    println!(
        "split 70/15/15: {} train, {} validation, {} test; z-scored with the training means and deviations",
        train_x.len(),
        val_x.len(),
        test_x.len()
    );
    println!("(e.g. mean_area: μ = {:.1}, σ = {:.1})\n", z.mean[3], z.std[3]);

    let mut net = Tumour::boxed(&mut nn::rng(1));
    println!("{}\n", net.summary());
    let mut early = EarlyStopping::new().monitor(Monitor::ValLoss).patience(15);
    let history = net
        .fit(&train_x, &train_y)
        .loss(CrossEntropy)
        .optimizer(Adam::new(1e-3))
        .epochs(300)
        .batch_size(32)
        .seed(7)
        .validation_data(&val_x, &val_y)
        .metrics(&[Metric::Accuracy])
        .callback(&mut early)
        .quiet()
        .run()?;
    let (best_epoch, best_loss) = early.best().unwrap_or((0, f32::NAN));
    println!(
        "trained {} epochs; early stopping kept epoch {best_epoch} (validation loss {best_loss:.4})",
        history.epochs.len()
    );
    println!("\n{:>6} {:>10} {:>9} {:>10} {:>9}", "epoch", "loss", "acc", "val_loss", "val_acc");
    let every = (history.epochs.len() / 8).max(1);
    for e in history.epochs.iter().filter(|e| e.epoch % every == 0 || e.epoch == best_epoch) {
        println!(
            "{:>6} {:>10.4} {:>8.2}% {:>10.4} {:>8.2}%{}",
            e.epoch,
            e.loss,
            100.0 * e.accuracy.unwrap_or(0.0),
            e.val_loss.unwrap_or(f32::NAN),
            100.0 * e.val_accuracy.unwrap_or(0.0),
            if e.epoch == best_epoch { "  <- kept" } else { "" }
        );
    }

    let test = evaluate(&*net, &test_x, &test_y, &CrossEntropy, &[Metric::Accuracy])?;
    let mut confusion = [[0usize; 2]; 2];
    for (x, y) in test_x.iter().zip(&test_y) {
        confusion[nn::fit::argmax(y)][nn::fit::argmax(&net.predict(x))] += 1;
    }
    println!("\ntest: accuracy {:.2}%, loss {:.4}", 100.0 * test.accuracy.unwrap_or(0.0), test.loss);
    println!("{:>22} {:>10} {:>10}", "predicted:", &table.classes[0], &table.classes[1]);
    for (i, row) in confusion.iter().enumerate() {
        println!("{:>22} {:>10} {:>10}", format!("true {}", table.classes[i]), row[0], row[1]);
    }

    std::fs::create_dir_all("target/examples")?;
    history.plot_svg("target/examples/tabular.svg", "Breast cancer 30-16-2: learning curves")?;
    println!("\nwrote target/examples/tabular.svg");

    println!("\nrandom search, 12 trials (seed 3), ranked by validation accuracy:\n");
    let space = SearchSpace::new()
        .optimizers(&[OptimizerKind::Sgd, OptimizerKind::Momentum, OptimizerKind::Adam, OptimizerKind::RmsProp])
        .learning_rates(&[1e-4, 1e-1])
        .batch_sizes(&[16, 64])
        .epochs(&[20, 60])
        .penalties(&[None, Some(Penalty::L2(1e-3)), Some(Penalty::L1(1e-4))]);
    let results = Search::<Tumour, _>::new(&train_x, &train_y, &val_x, &val_y, CrossEntropy)
        .monitor(Monitor::ValAccuracy)
        .seed(1)
        .run(&space.random(12, 3))?;
    println!("{results}");
    if test.accuracy.unwrap_or(0.0) < 0.9 {
        eprintln!("test accuracy below 90%: something is wrong");
        std::process::exit(1);
    }
    Ok(())
}
