//! `fit` through `network!`: divergence, determinism, activation statistics,
//! penalties and clipping, and the schedule, momentum, plateau and
//! checkpoint callbacks.

use std::cell::RefCell;

use nn::fit::{
    Checkpoint, EveryEpochs, LrOnPlateau, LrSchedule, Metric, MomentumSchedule, Monitor, OnEpochEnd, Verbosity,
};
use nn::prelude::*;
use nn::Error;

nn::network! {
    /// A small regression net with dropout, so that determinism covers the masks too.
    pub struct Reg { hidden: Dense<2, 16, Tanh>, drop: Dropout<0.25>, out: Dense<16, 1> }
}

nn::network! {
    /// XOR with named layers.
    pub struct Xor { hidden: Dense<2, 8, Tanh>, out: Dense<8, 1, Sigmoid> }
}

nn::network! {
    /// Three layers and a standalone activation: nested chains in the cache.
    pub struct Deep { a: Dense<2, 4, ReLU>, b: Dense<4, 3>, t: Tanh, c: Dense<3, 2, Softmax> }
}

fn data(n: usize) -> (Vec<[f32; 2]>, Vec<[f32; 1]>) {
    let mut rng = nn::rng(11);
    let xs: Vec<[f32; 2]> = (0..n).map(|_| [rng.uniform() * 2.0 - 1.0, rng.uniform() * 2.0 - 1.0]).collect();
    let ys = xs.iter().map(|x| [x[0] * x[1] + 0.5 * x[0]]).collect();
    (xs, ys)
}

const XOR_X: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
const XOR_Y: [[f32; 1]; 4] = [[0.0], [1.0], [1.0], [0.0]];

#[test]
fn nan_in_data_stops_with_epoch_and_batch_and_keeps_weights() {
    let (mut xs, ys) = data(20);
    xs[7][1] = f32::NAN; // batch 4 of size 2 (samples 6 and 7), no shuffling
    let start = Reg::boxed(&mut nn::rng(1));
    let mut net = Box::new(*start);
    let err =
        net.fit(&xs, &ys).optimizer(Adam::new(0.01)).batch_size(2).epochs(3).shuffle(false).quiet().run().unwrap_err();
    assert!(matches!(err, Error::Diverged { epoch: 1, batch: 4, loss } if loss.is_nan()), "{err:?}");
    assert!(err.to_string().starts_with("training diverged at epoch 1, batch 4: the loss is NaN"), "{err}");

    // The same three batches alone give the same weights: nothing of batch 4 was applied.
    let mut expected = Box::new(*start);
    expected.fit(&xs[..6], &ys[..6]).optimizer(Adam::new(0.01)).batch_size(2).shuffle(false).quiet().run().unwrap();
    assert_eq!(net.params(), expected.params());
    assert!(net.params().iter().all(|w| w.is_finite()));
}

#[test]
fn exploding_rate_stops_and_keeps_the_last_finite_weights() {
    let (xs, ys) = data(16);
    let mut net = Reg::boxed(&mut nn::rng(2));
    let snapshots = RefCell::new(Vec::new());
    let result = net
        .fit(&xs, &ys)
        .optimizer(Sgd::new(1e4))
        .batch_size(16)
        .epochs(100)
        .quiet()
        .callback(OnEpochEnd(|_: &nn::fit::Epoch, ctx: &mut nn::fit::Context<'_, Reg>| {
            snapshots.borrow_mut().push(ctx.net.params().to_vec());
            nn::fit::Control::Continue
        }))
        .run();
    let (epoch, batch) = match result {
        Err(Error::Diverged { epoch, batch, .. }) | Err(Error::NonFiniteGradient { epoch, batch, .. }) => {
            (epoch, batch)
        }
        other => panic!("expected divergence, got {other:?}"),
    };
    assert_eq!(batch, 1);
    assert!(epoch >= 2, "epoch {epoch}");
    let snapshots = snapshots.into_inner();
    assert_eq!(snapshots.len(), epoch - 1);
    assert_eq!(net.params(), &snapshots[epoch - 2][..], "weights are those after epoch {}", epoch - 1);
}

fn train_once(seed: u64) -> Vec<f32> {
    let (xs, ys) = data(64);
    let mut net = Reg::boxed(&mut nn::rng(seed));
    net.fit(&xs, &ys)
        .optimizer(Adam::new(0.01))
        .batch_size(8)
        .epochs(5)
        .seed(seed)
        .validation_split(0.25)
        .penalty(Penalty::L2(1e-3))
        .clip_grad_norm(1.0)
        .quiet()
        .run()
        .unwrap();
    net.params().to_vec()
}

#[test]
fn same_seed_same_bits() {
    let a = train_once(7);
    let b = train_once(7);
    assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
    assert_ne!(a, train_once(8));
}

#[test]
fn activation_statistics_are_those_of_the_layer_outputs() {
    let (xs, ys) = data(10);
    let mut net = Xor::boxed(&mut nn::rng(3));
    let before = *net;
    let history =
        net.fit(&xs, &ys).batch_size(10).record_activations(true).record_gradient_norms(true).quiet().run().unwrap();
    let e = &history.epochs[0];
    assert_eq!(history.layers, ["Dense<2, 8, Tanh>", "Dense<8, 1, Sigmoid>"]);
    assert_eq!(e.activations.len(), 2);
    assert_eq!(e.grad_norms.len(), 2);
    // One batch: the statistics are those of the initial network's outputs.
    let mut hidden = Vec::new();
    let mut out = Vec::new();
    for x in &xs {
        let mut h = [0.0f32; 8];
        let mut y = [0.0f32; 1];
        before.hidden.forward_one(x, &mut h);
        before.out.forward_one(&h, &mut y);
        hidden.extend_from_slice(&h);
        out.extend_from_slice(&y);
    }
    for (stats, values) in e.activations.iter().zip([hidden, out]) {
        let n = values.len() as f64;
        let mean = values.iter().map(|&v| v as f64).sum::<f64>() / n;
        let std = (values.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
        assert!((stats.mean as f64 - mean).abs() < 1e-5, "{stats:?} vs mean {mean}");
        assert!((stats.std as f64 - std).abs() < 1e-5, "{stats:?} vs std {std}");
    }
    // The gradient norms are those of one loss_and_grad on the initial network.
    let (_, grad) = before.loss_and_grad(&xs, &ys, &Mse).unwrap();
    let g = grad.as_slice();
    let norm = |r: std::ops::Range<usize>| g[r].iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((e.grad_norms[0] - norm(0..24)).abs() < 1e-6);
    assert!((e.grad_norms[1] - norm(24..33)).abs() < 1e-6);
}

/// Mean and population std in f64.
fn moments(values: &[f32]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().map(|&v| v as f64).sum::<f64>() / n;
    (mean, (values.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n).sqrt())
}

#[test]
fn activation_statistics_through_nested_chains_and_batches() {
    let (xs, _) = data(12);
    let ys: Vec<[f32; 2]> = xs.iter().map(|x| if x[0] > 0.0 { [1.0, 0.0] } else { [0.0, 1.0] }).collect();
    let mut net = Deep::boxed(&mut nn::rng(9));
    let before = *net;
    // Rate 0: every batch sees the same weights, so the epoch statistics are
    // those of the initial network over all samples, in batches of 5, 5 and 2.
    let history = net
        .fit(&xs, &ys)
        .loss(CrossEntropy)
        .optimizer(Sgd::new(0.0))
        .batch_size(5)
        .record_activations(true)
        .quiet()
        .run()
        .unwrap();
    let e = &history.epochs[0];
    assert_eq!(history.layers, ["Dense<2, 4, ReLU>", "Dense<4, 3, Identity>", "Tanh", "Dense<3, 2, Softmax>"]);
    let mut outs: [Vec<f32>; 4] = Default::default();
    for x in &xs {
        let (mut a, mut b, mut t, mut c) = ([0.0; 4], [0.0; 3], [0.0; 3], [0.0; 2]);
        before.a.forward_one(x, &mut a);
        before.b.forward_one(&a, &mut b);
        before.t.forward_one(&b, &mut t);
        before.c.forward_one(&t, &mut c);
        outs[0].extend_from_slice(&a);
        outs[1].extend_from_slice(&b);
        outs[2].extend_from_slice(&t);
        outs[3].extend_from_slice(&c);
    }
    for (l, (stats, values)) in e.activations.iter().zip(&outs).enumerate() {
        let (mean, std) = moments(values);
        assert!((stats.mean as f64 - mean).abs() < 1e-5, "layer {l}: {stats:?} vs mean {mean}");
        assert!((stats.std as f64 - std).abs() < 1e-5, "layer {l}: {stats:?} vs std {std}");
        let zeros = values.iter().filter(|&&v| v == 0.0).count() as f32 / values.len() as f32;
        assert_eq!(stats.zero_fraction, zeros, "layer {l}");
    }
}

#[test]
fn penalty_and_clipping_change_the_step_as_documented() {
    let (xs, ys) = data(8);
    let start = Xor::boxed(&mut nn::rng(4));
    let lr = 0.1;
    // One full-batch SGD step with L2 on weights and clipping, by hand.
    let (_, mut grad) = start.loss_and_grad(&xs, &ys, &Mse).unwrap();
    Penalty::L2(0.5).add_grad_on_weights::<Xor>(start.params(), grad.as_mut_slice());
    nn::clip_grad_norm(grad.as_mut_slice(), 0.01);
    let expected: Vec<f32> = start.params().iter().zip(grad.as_slice()).map(|(w, g)| w - lr * g).collect();

    let mut net = Box::new(*start);
    net.fit(&xs, &ys)
        .optimizer(Sgd::new(lr))
        .batch_size(8)
        .shuffle(false)
        .penalty(Penalty::L2(0.5))
        .clip_grad_norm(0.01)
        .quiet()
        .run()
        .unwrap();
    for (a, b) in net.params().iter().zip(&expected) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
    let moved: f32 = net.params().iter().zip(start.params()).map(|(a, b)| (a - b) * (a - b)).sum::<f32>().sqrt();
    assert!((moved - lr * 0.01).abs() < 1e-5, "clipped step length {moved}");
}

#[test]
fn schedule_momentum_and_plateau_callbacks() {
    let mut net = Xor::boxed(&mut nn::rng(5));
    let history = net
        .fit(&XOR_X, &XOR_Y)
        .optimizer(Sgd::new(0.5).momentum(0.5))
        .epochs(10)
        .batch_size(4)
        .callback(LrSchedule::new(CosineAnnealingLr::new(10).eta_min(0.05)))
        .callback(MomentumSchedule::new(|epoch: usize, m0: f32| (m0 + 0.1 * epoch as f32).min(0.9)))
        .quiet()
        .run()
        .unwrap();
    let schedule = CosineAnnealingLr::new(10).eta_min(0.05);
    for (i, e) in history.epochs.iter().enumerate() {
        assert_eq!(e.lr, schedule.lr(i, 0.5), "epoch {}", e.epoch);
        assert_eq!(e.momentum, Some((0.5 + 0.1 * i as f32).min(0.9)));
    }

    // Momentum on an optimizer without it is an error that says so.
    let err = net
        .fit(&XOR_X, &XOR_Y)
        .optimizer(Adam::new(0.01))
        .callback(MomentumSchedule::new(|_: usize, m: f32| m))
        .quiet()
        .run()
        .unwrap_err();
    assert!(err.to_string().contains("no momentum"), "{err}");

    // No epoch improves the loss by the 50% threshold: a plateau, the rate is cut.
    let mut net = Xor::boxed(&mut nn::rng(6));
    let history = net
        .fit(&XOR_X, &XOR_Y)
        .optimizer(Sgd::new(0.01))
        .epochs(8)
        .batch_size(4)
        .callback(LrOnPlateau::new(Monitor::Loss, ReduceLrOnPlateau::new().factor(0.5).patience(2).threshold(0.5)))
        .quiet()
        .run()
        .unwrap();
    let lrs: Vec<f32> = history.epochs.iter().map(|e| e.lr).collect();
    // epoch 1 sets the best; epochs 2, 3, 4 are bad, 3 > patience 2: cut after epoch 4, again after 7
    assert_eq!(lrs, [0.01, 0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.0025], "{lrs:?}");
}

#[test]
fn checkpoints_every_n_epochs() {
    let dir = std::env::temp_dir().join(format!("nn-ckpt-{}", std::process::id()));
    let pattern = dir.join("xor-{epoch}.nnw").display().to_string();
    let mut net = Xor::boxed(&mut nn::rng(7));
    let saved_at_4 = RefCell::new(Vec::new());
    let mut ckpt = Checkpoint::new(2, pattern);
    net.fit(&XOR_X, &XOR_Y)
        .optimizer(Sgd::new(0.5))
        .epochs(5)
        .metrics(&[Metric::Accuracy])
        .verbosity(Verbosity::Quiet)
        .callback(&mut ckpt)
        .callback(EveryEpochs::new(4, |_: &nn::fit::Epoch, net: &Xor| {
            *saved_at_4.borrow_mut() = net.params().to_vec();
            Ok(())
        }))
        .run()
        .unwrap();
    let files: Vec<String> =
        ckpt.saved().iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(files, ["xor-2.nnw", "xor-4.nnw"]);
    let loaded = Xor::load(ckpt.path(4)).unwrap();
    assert_eq!(loaded.params(), &saved_at_4.into_inner()[..]);
    std::fs::remove_dir_all(&dir).unwrap();
}

nn::network! {
    /// Batch normalization between two layers, for `fit`.
    pub struct Normed { hidden: Dense<2, 16>, norm: BatchNorm<16>, act: Tanh, out: Dense<16, 1> }
}

#[test]
fn frozen_layers_keep_every_bit_under_weight_decay_and_the_others_learn() {
    let (xs, ys) = data(64);
    let mut net = Reg::new(&mut nn::rng(3));
    let before = net;
    net.fit(&xs, &ys)
        .optimizer(AdamW::new(1e-2).weight_decay(0.1))
        .epochs(3)
        .batch_size(16)
        .freeze("hidden")
        .quiet()
        .run()
        .unwrap();
    assert_eq!(bytemuck_bits(&net.hidden), bytemuck_bits(&before.hidden), "frozen layer moved");
    assert_ne!(net.out.weights, before.out.weights, "the head did not learn");
    // A range of parameters: the output bias only.
    let mut net = Reg::new(&mut nn::rng(3));
    let bias_at = Reg::PARAMS - 1;
    net.fit(&xs, &ys).optimizer(Sgd::new(0.1)).epochs(2).freeze_params(bias_at..Reg::PARAMS).quiet().run().unwrap();
    assert_eq!(net.out.bias, before.out.bias);
    assert_ne!(net.out.weights, before.out.weights);
}

fn bytemuck_bits<T: Network>(layer: &T) -> Vec<u32> {
    layer.params().iter().map(|x| x.to_bits()).collect()
}

#[test]
fn freezing_an_unknown_layer_or_range_is_an_error_naming_the_layers() {
    let (xs, ys) = data(8);
    let mut net = Reg::new(&mut nn::rng(3));
    let before = net.params().to_vec();
    let e = net.fit(&xs, &ys).freeze("hiden").quiet().run().unwrap_err();
    assert_eq!(e.to_string(), "freeze: no layer is named `hiden`; the layers are hidden, drop, out");
    let e = net.fit(&xs, &ys).freeze_params(0..Reg::PARAMS + 1).quiet().run().unwrap_err();
    assert!(e.to_string().contains("is not within the 65 parameters"), "{e}");
    assert_eq!(net.params(), &before[..]);
}

#[test]
fn batch_norm_trains_with_fit_and_skips_a_last_batch_of_one() {
    // 33 samples in batches of 8: the last batch has one sample.
    let (xs, ys) = data(33);
    let mut net = Normed::new(&mut nn::rng(5));
    let history = net.fit(&xs, &ys).optimizer(Adam::new(1e-2)).epochs(30).batch_size(8).quiet().run().unwrap();
    let first = history.epochs[0].loss;
    let last = history.epochs.last().unwrap().loss;
    assert!(last < 0.3 * first, "loss {first} -> {last}");
    assert!(net.norm.running_mean.iter().all(|m| m.is_finite()) && net.norm.running_mean != [0.0; 16]);
    assert!(net.norm.running_var != [1.0; 16]);
    // Frozen batch norm: its running statistics stay too.
    let stats = (net.norm.running_mean, net.norm.running_var);
    net.fit(&xs, &ys).optimizer(Adam::new(1e-2)).epochs(2).batch_size(8).freeze("norm").quiet().run().unwrap();
    assert_eq!((net.norm.running_mean, net.norm.running_var), stats);
    // A batch size of one cannot train batch normalization: a clear error.
    let e = net.fit(&xs, &ys).batch_size(1).quiet().run().unwrap_err();
    assert!(e.to_string().contains("batch normalization needs at least 2 samples"), "{e}");
}
