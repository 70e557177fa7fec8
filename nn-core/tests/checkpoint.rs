//! Checkpoints and resume: a run interrupted and resumed from its checkpoint
//! ends with bit-identical weights (and the same history) as a run that was
//! never interrupted.

use std::path::{Path, PathBuf};

use nn_core::checkpoint::Checkpoint;
use nn_core::fit::{Callback, Context, EarlyStopping, History, LearningRateScheduler, Metric, Monitor};
use nn_core::{
    f32_bits, Adagrad, Adam, AdamW, Chain, CrossEntropy, Dense, Dropout, Error, NAdam, Network, Optimizer, ReLU,
    RmsProp, Sgd, Softmax, Tanh,
};

type Net = Chain<Dense<4, 16, ReLU>, Chain<Dropout<16, { f32_bits(0.2) }>, Dense<16, 3, Softmax>>>;
type Other = Chain<Dense<4, 16, Tanh>, Chain<Dropout<16, { f32_bits(0.2) }>, Dense<16, 3, Softmax>>>;

fn data() -> (Vec<[f32; 4]>, Vec<[f32; 3]>) {
    let mut rng = nn_core::rng(5);
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for i in 0..90 {
        let c = i % 3;
        let x = [0; 4].map(|_| rng.normal() * 0.5 + c as f32 - 1.0);
        let mut y = [0.0; 3];
        y[c] = 1.0;
        xs.push(x);
        ys.push(y);
    }
    (xs, ys)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nn-checkpoint-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Fails at the start of epoch `at` (a crash, as far as the run is concerned).
struct CrashAt(Option<usize>);

impl<N> Callback<N> for CrashAt {
    fn on_epoch_begin(&mut self, epoch: usize, _ctx: &mut Context<'_, N>) -> nn_core::Result<()> {
        if Some(epoch) == self.0 {
            return Err(Error::data("crash", format!("killed before epoch {epoch}")));
        }
        Ok(())
    }
}

/// Every setting that consumes randomness or keeps state: dropout, shuffling,
/// a validation split, a schedule, early stopping (with restore), Adam.
fn train(
    net: &mut Net,
    epochs: usize,
    crash: Option<usize>,
    checkpoint: Option<&Path>,
    resume: Option<&Path>,
) -> nn_core::Result<History> {
    let (xs, ys) = data();
    let mut fit = net
        .fit(&xs, &ys)
        .loss(CrossEntropy)
        .optimizer(Adam::new(0.01).amsgrad(true))
        .epochs(epochs)
        .batch_size(16)
        .seed(3)
        .validation_split(0.2)
        .metrics(&[Metric::Accuracy])
        .callback(LearningRateScheduler::new(|epoch, lr0| lr0 * 0.9f32.powi(epoch as i32 - 1)))
        .callback(EarlyStopping::new().monitor(Monitor::ValLoss).patience(50))
        .callback(CrashAt(crash))
        .quiet();
    if let Some(path) = checkpoint {
        fit = fit.checkpoint_to(path);
    }
    if let Some(path) = resume {
        fit = fit.resume_from(path);
    }
    fit.run()
}

fn bits(p: &[f32]) -> Vec<u32> {
    p.iter().map(|x| x.to_bits()).collect()
}

/// Epoch, loss bits, accuracy, validation loss, learning-rate bits.
type Metrics = (usize, u32, Option<f32>, Option<f32>, u32);

/// The history without wall-clock times.
fn metrics(h: &History) -> Vec<Metrics> {
    h.epochs.iter().map(|e| (e.epoch, e.loss.to_bits(), e.accuracy, e.val_loss, e.lr.to_bits())).collect()
}

#[test]
fn a_resumed_run_is_bit_identical_to_an_uninterrupted_one() {
    let dir = scratch("resume");
    let path = dir.join("run.nnckpt");

    let mut a = Net::boxed(&mut nn_core::rng(1));
    let history_a = train(&mut a, 10, None, None, None).unwrap();
    assert_eq!(history_a.epochs.len(), 10);

    // Killed before epoch 5: the checkpoint holds epochs 1-4.
    let mut b = Net::boxed(&mut nn_core::rng(1));
    let e = train(&mut b, 10, Some(5), Some(&path), Some(&path)).unwrap_err();
    assert!(e.to_string().contains("killed before epoch 5"));
    let c = Checkpoint::load::<Net>(&path).unwrap();
    assert_eq!((c.epoch, c.history.epochs.len()), (4, 4));
    assert_ne!(bits(b.params()), bits(a.params()));

    // A new process: a network with other weights, the same call.
    let mut resumed = Net::boxed(&mut nn_core::rng(99));
    let history_b = train(&mut resumed, 10, None, Some(&path), Some(&path)).unwrap();
    assert_eq!(bits(resumed.params()), bits(a.params()), "bit-identical weights");
    assert_eq!(metrics(&history_b), metrics(&history_a));
    assert_eq!(Checkpoint::load::<Net>(&path).unwrap().epoch, 10);

    // Resuming a finished run trains no more.
    let mut again = Net::boxed(&mut nn_core::rng(7));
    let history_c = train(&mut again, 10, None, Some(&path), Some(&path)).unwrap();
    assert_eq!(metrics(&history_c), metrics(&history_a));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn resume_matches<O: Optimizer + Clone>(name: &str, opt: O) {
    let dir = scratch(name);
    let path = dir.join("run.nnckpt");
    let (xs, ys) = data();
    let run = |net: &mut Net, epochs: usize, ckpt: bool| {
        let mut fit =
            net.fit(&xs, &ys).loss(CrossEntropy).optimizer(opt.clone()).epochs(epochs).batch_size(8).seed(4).quiet();
        if ckpt {
            fit = fit.checkpoint_to(&path).resume_from(&path);
        }
        fit.run().unwrap()
    };
    let mut a = Net::boxed(&mut nn_core::rng(2));
    run(&mut a, 5, false);
    let mut b = Net::boxed(&mut nn_core::rng(2));
    run(&mut b, 2, true);
    let mut c = Net::boxed(&mut nn_core::rng(0));
    run(&mut c, 5, true);
    assert_eq!(bits(c.params()), bits(a.params()), "{name}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_optimizer_resumes_exactly() {
    resume_matches("sgd", Sgd::new(0.05).momentum(0.9).nesterov(true).weight_decay(1e-3));
    resume_matches("sgd-plain", Sgd::new(0.05));
    resume_matches("adam", Adam::new(0.01));
    resume_matches("adamw", AdamW::new(0.01).amsgrad(true));
    resume_matches("nadam", NAdam::new(0.01).decoupled_weight_decay(true).weight_decay(0.01));
    resume_matches("rmsprop", RmsProp::new(0.005).centered(true).momentum(0.5));
    resume_matches("adagrad", Adagrad::new(0.05).lr_decay(0.01));
}

#[test]
fn checkpoint_bytes_round_trip() {
    let dir = scratch("bytes");
    let path = dir.join("run.nnckpt");
    let mut net = Net::boxed(&mut nn_core::rng(1));
    train(&mut net, 3, None, Some(&path), None).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let c = Checkpoint::from_bytes::<Net>(&bytes, "x").unwrap();
    assert_eq!(c.to_bytes::<Net>(), bytes);
    assert_eq!(c.optimizer_kind, "Adam");
    assert_eq!(c.callbacks.len(), 3);
    assert_eq!(bits(&c.params), bits(net.params()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_checkpoints_are_clear_errors() {
    let dir = scratch("bad");
    let path = dir.join("run.nnckpt");
    let mut net = Net::boxed(&mut nn_core::rng(1));
    train(&mut net, 2, None, Some(&path), None).unwrap();
    let good = std::fs::read(&path).unwrap();
    let err = |bytes: &[u8]| Checkpoint::from_bytes::<Net>(bytes, "ckpt").unwrap_err().to_string();

    assert!(err(b"NNWEIGHT and more bytes").contains("not an nn checkpoint"));
    let mut b = good.clone();
    b[8] = 9;
    assert!(err(&b).contains("checkpoint format version 9, but this build of nn reads version 1 (the file is newer"));
    for len in [0, 5, 12, 15, 40, good.len() / 2, good.len() - 1] {
        let e = err(&good[..len]);
        assert!(e.contains("not an nn checkpoint") || e.contains("truncated") || e.contains("checksum"), "{e}");
    }
    for i in (0..good.len()).step_by(7) {
        let mut b = good.clone();
        b[i] ^= 0x10;
        assert!(Checkpoint::from_bytes::<Net>(&b, "x").is_err(), "flip at {i}");
    }
    let e = Checkpoint::from_bytes::<Other>(&good, "ckpt").unwrap_err().to_string();
    assert!(e.contains("`Dense<4, 16, ReLU>, Dropout<0.2>, Dense<16, 3, Softmax>`"), "{e}");
    assert!(e.contains("`Dense<4, 16, Tanh>, Dropout<0.2>, Dense<16, 3, Softmax>`"), "{e}");

    // Another optimizer: an error naming both, and nothing changed.
    let (xs, ys) = data();
    let mut other = Net::boxed(&mut nn_core::rng(8));
    let before = bits(other.params());
    let e = other
        .fit(&xs, &ys)
        .loss(CrossEntropy)
        .optimizer(Sgd::new(0.1))
        .epochs(4)
        .validation_split(0.2)
        .callback(LearningRateScheduler::new(|_, lr| lr))
        .callback(EarlyStopping::new())
        .callback(CrashAt(None))
        .resume_from(&path)
        .quiet()
        .run()
        .unwrap_err()
        .to_string();
    assert!(e.contains("the checkpoint's optimizer is `Adam`") && e.contains("this run's is `Sgd`"), "{e}");
    assert_eq!(bits(other.params()), before);

    // Other data: an error.
    let mut other = Net::boxed(&mut nn_core::rng(8));
    let e = other
        .fit(&xs[..50], &ys[..50])
        .loss(CrossEntropy)
        .optimizer(Adam::new(0.01).amsgrad(true))
        .validation_split(0.2)
        .callback(LearningRateScheduler::new(|_, lr| lr))
        .callback(EarlyStopping::new())
        .callback(CrashAt(None))
        .resume_from(&path)
        .quiet()
        .run()
        .unwrap_err()
        .to_string();
    assert!(e.contains("72 training samples, this run has 40"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Training with the stateful schedule callbacks: the rate from a schedule,
/// cut on plateaus, and a momentum schedule; killed at `crash`.
fn train_scheduled(net: &mut Net, crash: Option<usize>, path: &Path) -> nn_core::Result<History> {
    use nn_core::fit::{LrOnPlateau, LrSchedule, MomentumSchedule};
    use nn_core::ReduceLrOnPlateau;
    let (xs, ys) = data();
    let history = net
        .fit(&xs, &ys)
        .loss(CrossEntropy)
        .optimizer(Sgd::new(0.2).momentum(0.5))
        .epochs(12)
        .batch_size(16)
        .seed(5)
        .validation_split(0.2)
        .callback(LrSchedule::new(|epoch: usize, lr0: f32| lr0 / (1.0 + 0.1 * epoch as f32)))
        .callback(MomentumSchedule::new(|epoch: usize, m0: f32| (m0 + 0.05 * epoch as f32).min(0.9)))
        .callback(LrOnPlateau::new(Monitor::Loss, ReduceLrOnPlateau::new().factor(0.5).patience(0)))
        .callback(CrashAt(crash))
        .checkpoint_to(path)
        .resume_from(path)
        .quiet()
        .run();
    history
}

#[test]
fn schedule_callbacks_resume_exactly() {
    let dir = scratch("resume-scheduled");
    let (full, cut) = (dir.join("full.nnckpt"), dir.join("cut.nnckpt"));
    let mut a = Net::boxed(&mut nn_core::rng(1));
    let history_a = train_scheduled(&mut a, None, &full).unwrap();
    let mut b = Net::boxed(&mut nn_core::rng(1));
    assert!(train_scheduled(&mut b, Some(6), &cut).is_err());
    let mut resumed = Net::boxed(&mut nn_core::rng(42));
    let history_b = train_scheduled(&mut resumed, None, &cut).unwrap();
    assert_eq!(metrics(&history_b), metrics(&history_a));
    assert_eq!(bits(resumed.params()), bits(a.params()), "bit-identical weights");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An optimizer picked at run time, as a `Box<dyn Optimizer>`: the same
/// weights, bit for bit, as the concrete type, a checkpoint that names the
/// optimizer inside the box, and a resume into a concrete optimizer from it.
#[test]
fn a_boxed_optimizer_trains_and_checkpoints_as_its_contents() {
    let (xs, ys) = data();
    let dir = scratch("boxed");
    let path = dir.join("run.ckpt");
    let mut concrete = Net::boxed(&mut nn_core::rng(2));
    concrete.fit(&xs, &ys).loss(CrossEntropy).optimizer(Adam::new(1e-2)).epochs(4).seed(3).quiet().run().unwrap();

    let mut boxed = Net::boxed(&mut nn_core::rng(2));
    let opt: Box<dyn Optimizer> = Box::new(Adam::new(1e-2));
    boxed.fit(&xs, &ys).loss(CrossEntropy).optimizer(opt).epochs(4).seed(3).quiet().run().unwrap();
    assert_eq!(bits(boxed.params()), bits(concrete.params()));

    // 2 epochs boxed, checkpointed; then 2 more from the checkpoint into a concrete Adam
    let mut first = Net::boxed(&mut nn_core::rng(2));
    let opt: Box<dyn Optimizer> = Box::new(Adam::new(1e-2));
    first.fit(&xs, &ys).loss(CrossEntropy).optimizer(opt).epochs(2).seed(3).checkpoint_to(&path).quiet().run().unwrap();
    assert_eq!(Checkpoint::load::<Net>(&path).unwrap().optimizer_kind, "Adam");
    let mut resumed = Net::boxed(&mut nn_core::rng(2));
    {
        let mut fit = resumed.fit(&xs, &ys).loss(CrossEntropy).optimizer(Adam::new(1e-2)).epochs(4).seed(3);
        fit = fit.resume_from(&path).quiet();
        fit.run().unwrap();
    }
    assert_eq!(bits(resumed.params()), bits(concrete.params()));
    let _ = std::fs::remove_dir_all(&dir);
}
