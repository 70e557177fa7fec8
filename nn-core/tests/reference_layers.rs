//! Maxout, Residual (with stochastic depth) and per-unit PReLU against
//! PyTorch in float64: `tests/reference/layers.json`, written by
//! `tests/reference/layers.py` (which holds the torch reference
//! implementations of Maxout and of the residual block with torchvision's
//! `stochastic_depth(mode="row")`).
//!
//! Each case loads the torch parameters (state_dict order) into the Rust
//! network with `params_mut`, and compares outputs, the batch-mean `Mse` and
//! the parameter gradients: `|ours − torch| ≤ 1e-5 · max(1, |torch|)`.

mod common;

use common::{arrays, flat_f32, list, num, rows, Report};
use nn_core::{
    f32_bits, rng, Activation, Chain, ChannelPReLU, Dense, Identity, Layer, Maxout, Mode, Mse, Network, ReLU, Residual,
    Tanh,
};
use serde_json::Value;

fn case<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["networks"].as_array().expect("networks").iter().find(|c| c["name"] == name).expect("case")
}

/// Loads the parameters of `entry`, compares outputs (predict), loss and gradient.
fn check_network<N: Network<Input = [f32; I], Output = [f32; O]>, const I: usize, const O: usize>(
    entry: &Value,
    report: &mut Report,
) {
    let name = entry["name"].as_str().expect("name");
    let mut net: Box<N> = N::zeroed_boxed();
    let params = list(&entry["params"]);
    assert_eq!(params.len(), N::PARAMS, "{name}: parameter count (torch state_dict vs ours)");
    for (p, &t) in net.params_mut().iter_mut().zip(&params) {
        *p = t as f32;
    }
    let xs: Vec<[f32; I]> = arrays(&entry["x"]);
    let ys: Vec<[f32; O]> = arrays(&entry["y"]);
    let torch_out: Vec<f64> = rows(&entry["output"]).into_iter().flatten().collect();
    let ours: Vec<f32> = xs.iter().flat_map(|x| net.predict(x)).collect();
    report.check_all(&format!("{name}: output"), &ours, &torch_out);
    let (loss, grad) = net.loss_and_grad(&xs, &ys, &Mse).expect("finite loss");
    report.check(|| format!("{name}: loss"), loss, num(&entry["loss"]));
    report.check_all(&format!("{name}: grad"), grad.as_slice(), &list(&entry["grad"]));
    check_keys::<N>(name, entry);
}

/// The safetensors keys and shapes are torch's `state_dict` ones.
fn check_keys<N: Network>(name: &str, entry: &Value) {
    let torch: Vec<(String, Vec<usize>)> = entry["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| {
            let shape = k[1].as_array().expect("shape").iter().map(|d| d.as_u64().expect("dim") as usize).collect();
            (k[0].as_str().expect("key").to_string(), shape)
        })
        .collect();
    let ours: Vec<(String, Vec<usize>)> = nn_core::safetensors::tensors::<N>(nn_core::safetensors::Keys::Sequential)
        .expect("keys")
        .into_iter()
        .map(|t| (t.name, t.shape))
        .collect();
    assert_eq!(ours, torch, "{name}: safetensors keys");
}

#[test]
fn maxout_matches_torch_linear_then_max_over_consecutive_groups() {
    let json = common::load("layers.json");
    let mut report = Report::default();
    type Net = Chain<Dense<4, 6, Tanh>, Chain<Maxout<6, 3, 4>, Dense<3, 2, Identity>>>;
    check_network::<Net, 4, 2>(case(&json, "maxout"), &mut report);
    report.finish("maxout");
}

#[test]
fn residual_matches_torch() {
    let json = common::load("layers.json");
    let mut report = Report::default();
    type Net =
        Chain<Dense<4, 5, Tanh>, Chain<Residual<Chain<Dense<5, 5, ReLU>, Dense<5, 5, Identity>>, 0>, Dense<5, 2>>>;
    check_network::<Net, 4, 2>(case(&json, "residual"), &mut report);
    report.finish("residual");
}

#[test]
fn per_unit_prelu_network_matches_torch() {
    let json = common::load("layers.json");
    let mut report = Report::default();
    type Net = Chain<Dense<4, 6, ChannelPReLU<6>>, Dense<6, 3, ChannelPReLU<3>>>;
    check_network::<Net, 4, 3>(case(&json, "prelu per unit"), &mut report);
    report.finish("prelu per unit");
}

#[test]
fn per_unit_prelu_matches_torch_prelu_num_parameters() {
    let json = common::load("layers.json");
    let entry = &json["prelu"];
    let mut report = Report::default();
    let weight = list(&entry["weight"]);
    let act = ChannelPReLU::<5> { alpha: core::array::from_fn(|i| weight[i] as f32) };
    let z = flat_f32(&entry["z"]);
    let mut a = vec![f32::NAN; z.len()];
    act.forward(&z, &mut a, 5);
    report.check_all("PReLU(5): f(z)", &a, &rows(&entry["a"]).concat());
    let mut d = flat_f32(&entry["upstream"]);
    let mut grad = ChannelPReLU::<5> { alpha: [0.0; 5] };
    act.backward(&z, &a, &mut d, 5, &mut grad);
    report.check_all("PReLU(5): vjp", &d, &rows(&entry["vjp"]).concat());
    report.check_all("PReLU(5): ∂/∂weight", &grad.alpha, &list(&entry["grad_weight"]));
    report.finish("PReLU(num_parameters=5)");
}

#[test]
fn stochastic_depth_matches_torchvision_row_mode() {
    const P: f32 = 0.5;
    type Branch = Chain<Dense<4, 4, Tanh>, Dense<4, 4, Identity>>;
    type Net = Chain<Dense<3, 4, Tanh>, Chain<Residual<Branch, { f32_bits(P) }>, Dense<4, 2, Identity>>>;
    let json = common::load("layers.json");
    let entry = &json["stochastic_depth"];
    assert_eq!(num(&entry["p"]) as f32, P);
    let mut report = Report::default();
    let mut net: Box<Net> = Net::zeroed_boxed();
    for (p, t) in net.params_mut().iter_mut().zip(list(&entry["params"])) {
        *p = t as f32;
    }
    let xs: Vec<[f32; 3]> = arrays(&entry["x"]);
    let ys: Vec<[f32; 2]> = arrays(&entry["y"]);

    // Evaluation: torchvision's stochastic_depth is the identity, y = x + F(x).
    let eval = &entry["eval"];
    let ours: Vec<f32> = xs.iter().flat_map(|x| net.predict(x)).collect();
    report.check_all("eval: output", &ours, &rows(&eval["output"]).concat());
    let (loss, grad) = net.loss_and_grad(&xs, &ys, &Mse).unwrap();
    report.check(|| "eval: loss".into(), loss, num(&eval["loss"]));
    report.check_all("eval: grad", grad.as_slice(), &list(&eval["grad"]));

    // Training, over several seeds: each sample's branch is kept (scaled by
    // 1/(1 − p)) or dropped; its output must be torch's for that outcome, and
    // the gradient the sum of torch's per-sample gradients for the outcomes drawn.
    let per_sample = entry["per_sample"].as_array().expect("per_sample");
    let mut seen = [0usize; 2];
    for seed in 0..8 {
        let mut ws = vec![0.0f32; Net::WORKSPACE_PER_SAMPLE * xs.len()];
        let mut grad: Box<Net> = Net::zeroed_boxed();
        let loss = net.loss_and_grad_in(&xs, &ys, &Mse, &mut grad, &mut ws, Mode::Train(&mut rng(seed))).unwrap();
        let mut torch_loss = 0.0;
        let mut torch_grad = vec![0.0; Net::PARAMS];
        for (i, (out, sample)) in ws[..xs.len() * 2].chunks_exact(2).zip(per_sample).enumerate() {
            let kept = list(&sample["kept"]["output"]);
            let dropped = list(&sample["dropped"]["output"]);
            let dist = |t: &[f64]| out.iter().zip(t).map(|(o, t)| (f64::from(*o) - t).abs()).fold(0.0, f64::max);
            let outcome = if dist(&kept) < dist(&dropped) { "kept" } else { "dropped" };
            seen[usize::from(outcome == "dropped")] += 1;
            let torch = &sample[outcome];
            report.check_all(&format!("seed {seed}, sample {i} ({outcome}): output"), out, &list(&torch["output"]));
            torch_loss += num(&torch["loss"]);
            for (g, t) in torch_grad.iter_mut().zip(list(&torch["grad"])) {
                *g += t;
            }
        }
        report.check(|| format!("seed {seed}: loss"), loss, torch_loss);
        report.check_all(&format!("seed {seed}: grad"), grad.params(), &torch_grad);
    }
    assert!(seen[0] > 0 && seen[1] > 0, "both outcomes drawn: {seen:?}");
    check_keys::<Net>("stochastic depth", entry);
    report.finish("stochastic depth");
}

#[test]
fn maxout_parameter_layout_is_torch_linear_out_k() {
    // weights[o][k][i] is row o·K + k of the Linear's [OUT·K][IN] weight.
    let mut m: Maxout<2, 3, 4> = bytemuck::Zeroable::zeroed();
    for (j, p) in m.params_mut().iter_mut().enumerate() {
        *p = j as f32;
    }
    assert_eq!(m.weights[1][2], [((4 + 2) * 2) as f32, ((4 + 2) * 2 + 1) as f32]);
    assert_eq!(m.bias[2][3], (3 * 4 * 2 + 2 * 4 + 3) as f32);
    let _ = <Maxout<2, 3, 4> as Layer>::CACHE;
}
