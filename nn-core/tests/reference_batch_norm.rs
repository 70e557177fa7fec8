//! `BatchNorm` against torch `nn.BatchNorm1d` (float64 references written by
//! `tests/reference/batch_norm.py`), a finite-difference check of its
//! training-mode gradient, and the rules for its state (running statistics):
//! stored in `params()` in `state_dict` order, never moved by the optimizer,
//! updated by the training step, and a batch of one sample is an error.
//!
//! Criterion for torch parity: every value within `1e-5 · max(|torch|, 1e-3·s)`,
//! `s` the largest magnitude of the compared vector.

use nn_core::{
    rng, ActivationLayer, BatchNorm, Chain, Dense, Error, Identity, Layer, Mode, Mse, Network, ReLU, Sgd, Tanh,
};
use serde_json::Value;

type Net = Chain<Dense<4, 6, Identity>, Chain<BatchNorm<6>, Chain<ActivationLayer<6, ReLU>, Dense<6, 3, Identity>>>>;

const REL: f64 = 1e-5;

fn reference() -> Value {
    let path = format!("{}/../tests/reference/batch_norm.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

fn f32s(v: &Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

fn rows<const W: usize>(v: &Value) -> Vec<[f32; W]> {
    f32s(v).chunks_exact(W).map(|r| r.try_into().unwrap()).collect()
}

fn close(what: &str, rust: &[f32], torch: &Value) {
    let torch: Vec<f64> = torch.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    assert_eq!(rust.len(), torch.len(), "{what}");
    let scale = torch.iter().fold(0.0f64, |m, t| m.max(t.abs()));
    let mut worst: f64 = 0.0;
    for (i, (&r, &t)) in rust.iter().zip(&torch).enumerate() {
        let err = (f64::from(r) - t).abs() / t.abs().max(1e-3 * scale);
        assert!(err <= REL, "{what}[{i}]: {r} vs torch {t} ({err:.1e})");
        worst = worst.max(err);
    }
    println!("{what}: worst {worst:.1e}");
}

fn scalar(what: &str, rust: f32, torch: &Value) {
    close(what, &[rust], &Value::Array(vec![torch.clone()]));
}

/// Forward and backward of one batch in `mode`, compared with torch.
fn check_pass(case: &Value, train: bool) {
    let mut net = Net::zeros();
    net.set_params(&f32s(&case["params"])).unwrap();
    let xs = rows::<4>(&case["x"]);
    let ys = rows::<3>(&case["t"]);
    let mut grad = Net::zeros();
    let mut workspace = vec![0.0; Net::WORKSPACE_PER_SAMPLE * xs.len()];
    let mut r = rng(0);
    let mode = if train { Mode::Train(&mut r) } else { Mode::Eval };
    let loss = net.loss_and_grad_in(&xs, &ys, &Mse, &mut grad, &mut workspace, mode).unwrap();
    let name = if train { "train" } else { "eval" };
    close(&format!("{name} outputs"), &workspace[..xs.len() * 3], &case["y"]);
    scalar(&format!("{name} loss"), loss, &case["loss"]);
    // Trainable values: gradients; state values: the running statistics after the pass.
    close(&format!("{name} gradient and next state"), grad.params(), &case["grad"]);
}

#[test]
fn training_mode_matches_torch() {
    check_pass(&reference()["train"], true);
}

#[test]
fn eval_mode_matches_torch() {
    check_pass(&reference()["eval"], false);
}

#[test]
fn predict_uses_the_running_statistics_like_eval() {
    let data = reference();
    let case = &data["eval"];
    let mut net = Net::zeros();
    net.set_params(&f32s(&case["params"])).unwrap();
    let xs = rows::<4>(&case["x"]);
    let outputs: Vec<f32> = xs.iter().flat_map(|x| net.predict(x)).collect();
    close("predict", &outputs, &case["y"]);
    let mut batch = vec![[0.0; 3]; xs.len()];
    net.predict_batch(&xs, &mut batch).unwrap();
    close("predict_batch", batch.as_flattened(), &case["y"]);
}

#[test]
fn sgd_steps_match_torch_and_leave_the_statistics_to_the_forward_pass() {
    let data = reference();
    let sgd = &data["sgd"];
    let mut net = Net::zeros();
    net.set_params(&f32s(&sgd["params"])).unwrap();
    let mut opt = Sgd::new(0.1).momentum(0.9).weight_decay(0.01);
    let mut r = rng(0);
    for (i, step) in sgd["steps"].as_array().unwrap().iter().enumerate() {
        let xs = rows::<4>(&step["x"]);
        let ys = rows::<3>(&step["t"]);
        let loss = net.train_step(&xs, &ys, &Mse, &mut opt, &mut r).unwrap();
        scalar(&format!("step {i} loss"), loss, &step["loss"]);
        close(&format!("step {i} state_dict"), net.params(), &step["after"]);
    }
}

#[test]
fn train_step_in_gives_the_same_bits_as_train_step() {
    let data = reference();
    let sgd = &data["sgd"];
    let mut a = Net::zeros();
    a.set_params(&f32s(&sgd["params"])).unwrap();
    let mut b = a;
    let mut opt_a = Sgd::new(0.1).momentum(0.9).weight_decay(0.01);
    let mut opt_b = opt_a.clone();
    let mut state = vec![0.0; nn_core::Optimizer::state_len(&opt_b, Net::PARAMS)];
    let mut grad = Net::zeros();
    let (mut ra, mut rb) = (rng(0), rng(0));
    for step in sgd["steps"].as_array().unwrap() {
        let xs = rows::<4>(&step["x"]);
        let ys = rows::<3>(&step["t"]);
        let mut workspace = vec![0.0; Net::WORKSPACE_PER_SAMPLE * xs.len()];
        a.train_step(&xs, &ys, &Mse, &mut opt_a, &mut ra).unwrap();
        b.train_step_in(&xs, &ys, &Mse, &mut opt_b, &mut state, &mut grad, &mut workspace, &mut rb).unwrap();
    }
    assert_eq!(a.params(), b.params());
}

#[test]
fn state_is_counted_and_named() {
    assert_eq!(<BatchNorm<6> as Layer>::STATE, 12);
    assert_eq!(Net::STATE, 12);
    assert_eq!(Net::PARAMS, 4 * 6 + 6 + 4 * 6 + 6 * 3 + 3);
    assert_eq!(Net::TRAINABLE, Net::PARAMS - 12);
    let mut ranges = Vec::new();
    Net::visit_state(0, &mut |r| ranges.push(r));
    assert_eq!(ranges, vec![30 + 12..30 + 24]);
    let net = Net::new(&mut rng(1));
    assert_eq!(net.rest.first.running_var, [1.0; 6]);
    assert_eq!(net.rest.first.weight, [1.0; 6]);
    assert_eq!(net.rest.first.running_mean, [0.0; 6]);
    let summary = net.summary().to_string();
    assert!(summary.contains("plus 12 state values"), "{summary}");
}

#[test]
fn a_training_batch_of_one_sample_is_an_error_and_changes_nothing() {
    let mut net = Net::new(&mut rng(1));
    let before = net.params().to_vec();
    let e = net.train_step(&[[1.0, 2.0, 3.0, 4.0]], &[[0.0; 3]], &Mse, &mut Sgd::new(0.1), &mut rng(2));
    assert_eq!(e, Err(Error::BatchTooSmall { needed: 2, found: 1 }));
    assert!(e.unwrap_err().to_string().contains("at least 2 samples"));
    assert_eq!(net.params(), &before[..]);
    // Evaluation of one sample is fine: it uses the running statistics.
    assert!(net.loss_and_grad(&[[1.0, 2.0, 3.0, 4.0]], &[[0.0; 3]], &Mse).is_ok());
}

/// Central differences of the training-mode loss (batch statistics) with
/// respect to every trainable parameter, on a smooth network (Tanh), in f32
/// with h = 4e-3 as `gradient_check.rs`: max-norm relative error < 1e-3.
#[test]
fn training_mode_gradient_matches_finite_differences() {
    type Smooth = Chain<Dense<3, 5, Identity>, Chain<BatchNorm<5>, Dense<5, 2, Tanh>>>;
    let mut r = rng(11);
    let mut net = Smooth::new(&mut r);
    // Non-trivial γ and β.
    for (j, (g, b)) in net.rest.first.weight.iter_mut().zip(net.rest.first.bias.iter_mut()).enumerate() {
        *g = 0.5 + 0.3 * j as f32;
        *b = 0.1 * j as f32 - 0.2;
    }
    let xs: Vec<[f32; 3]> = (0..6).map(|_| core::array::from_fn(|_| 2.0 * r.uniform() - 1.0)).collect();
    let ys: Vec<[f32; 2]> = (0..6).map(|_| core::array::from_fn(|_| r.uniform() - 0.5)).collect();
    let mut workspace = vec![0.0; Smooth::WORKSPACE_PER_SAMPLE * xs.len()];
    let mut grad = Smooth::zeros();
    net.loss_and_grad_in(&xs, &ys, &Mse, &mut grad, &mut workspace, Mode::Train(&mut rng(0))).unwrap();
    let mut state = Vec::new();
    Smooth::visit_state(0, &mut |s| state.push(s));
    let loss_at = |net: &Smooth, workspace: &mut [f32]| {
        f64::from(net.loss_in(&xs, &ys, &Mse, workspace, Mode::Train(&mut rng(0))).unwrap())
    };
    let h = 4e-3f32;
    let (mut analytic, mut numeric) = (Vec::new(), Vec::new());
    for i in 0..Smooth::PARAMS {
        if state.iter().any(|s| s.contains(&i)) {
            continue;
        }
        let mut p = net;
        let v = p.params()[i];
        p.params_mut()[i] = v + h;
        let up = loss_at(&p, &mut workspace);
        let hi = p.params()[i];
        p.params_mut()[i] = v - h;
        let down = loss_at(&p, &mut workspace);
        let lo = p.params()[i];
        numeric.push((up - down) / f64::from(hi - lo));
        analytic.push(f64::from(grad.params()[i]));
    }
    assert_eq!(analytic.len(), Smooth::TRAINABLE);
    let scale = analytic.iter().chain(&numeric).fold(0.0f64, |m, x| m.max(x.abs()));
    let err = analytic.iter().zip(&numeric).fold(0.0f64, |m, (a, n)| m.max((a - n).abs())) / scale;
    println!("BatchNorm training-mode gradient: relative error {err:.1e}");
    assert!(err < 1e-3, "relative error {err:.1e}");
}

#[test]
fn weight_files_and_safetensors_keep_the_running_statistics() {
    let data = reference();
    let mut net = Net::zeros();
    net.set_params(&f32s(&data["eval"]["params"])).unwrap();
    let back = Net::from_bytes(&net.to_bytes()).unwrap();
    assert_eq!(back.params(), net.params());
    assert_eq!(back.rest.first.running_var, net.rest.first.running_var);
    let bytes = nn_core::safetensors::to_bytes(&net, nn_core::safetensors::Keys::Sequential).unwrap();
    let back: Box<Net> = nn_core::safetensors::from_bytes(&bytes, nn_core::safetensors::Keys::Sequential).unwrap();
    assert_eq!(back.params(), net.params());
    let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let text = String::from_utf8_lossy(&bytes[8..8 + header]).to_string();
    assert!(text.contains("1.running_mean") && text.contains("1.running_var"), "{text}");
}

/// A file torch wrote (`safetensors.torch.save_file` of a trained
/// `BatchNorm1d` network, with its int64 `num_batches_tracked`) loads, and
/// `predict` gives torch's eval-mode outputs.
#[test]
fn a_torch_safetensors_file_with_batch_norm_loads_and_predicts_as_torch() {
    let data = reference();
    let case = &data["safetensors"];
    let path = format!("{}/../tests/reference/safetensors_torch_batchnorm.safetensors", env!("CARGO_MANIFEST_DIR"));
    let net: Box<Net> = nn_core::safetensors::load(&path, nn_core::safetensors::Keys::Sequential).unwrap();
    assert!(net.rest.first.running_var != [1.0; 6], "the running statistics were not read");
    let xs = rows::<4>(&case["x"]);
    let outputs: Vec<f32> = xs.iter().flat_map(|x| net.predict(x)).collect();
    close("torch file outputs", &outputs, &case["y"]);
}
