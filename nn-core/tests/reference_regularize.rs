//! Penalties and gradient clipping against torch (autograd of the penalty
//! terms, `clip_grad_norm_`, `clip_grad_value_`) from
//! `tests/reference/optimizers.py`, float64. Criterion: every value within
//! `1e-5 · max(|torch|, 1e-3·s)`, `s` the largest magnitude in the compared
//! vector (1e-5 relative, with an absolute floor for entries near zero).

use nn_core::regularize::{clip_grad_norm, clip_grad_value, grad_norm, Penalty};
use nn_core::{Chain, Dense, Identity, Layer, Network, Tanh};
use serde_json::Value;

type Net = Chain<Dense<3, 4, Tanh>, Dense<4, 2, Identity>>;

const REL: f64 = 1e-5;

fn reference() -> Value {
    let path = format!("{}/../tests/reference/regularize.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

fn f32s(v: &Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
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
    let t = torch.as_f64().unwrap();
    let err = (f64::from(rust) - t).abs() / t.abs();
    assert!(err <= REL, "{what}: {rust} vs torch {t} ({err:.1e})");
    println!("{what}: {err:.1e}");
}

#[test]
fn penalties_match_torch_autograd() {
    let data = reference();
    let w = f32s(&data["w"]);
    let lam = data["lam"].as_f64().unwrap() as f32;
    assert_eq!(w[3], 0.0, "the reference has a zero weight: sign(0) = 0");
    for (penalty, key) in [(Penalty::L1(lam), "l1"), (Penalty::L2(lam), "l2")] {
        scalar(key, penalty.value(&w), &data[format!("{key}_penalty")]);
        let mut grad = vec![0.0; w.len()];
        penalty.add_grad(&w, &mut grad);
        close(key, &grad, &data[format!("{key}_grad")]);
    }
}

#[test]
fn weight_only_penalties_match_torch() {
    let data = &reference()["network"];
    let mut net = Net::zeros();
    net.set_params(&f32s(&data["params"])).unwrap();
    let lam = reference()["lam"].as_f64().unwrap() as f32;
    for (penalty, key) in [(Penalty::L1(lam), "l1"), (Penalty::L2(lam), "l2")] {
        scalar(key, penalty.value_on_weights::<Net>(net.params()), &data[format!("{key}_penalty")]);
        let mut grad = vec![0.0; Net::PARAMS];
        penalty.add_grad_on_weights::<Net>(net.params(), &mut grad);
        close(key, &grad, &data[format!("{key}_grad")]);
        assert!(grad[12..16].iter().chain(&grad[24..]).all(|&g| g == 0.0), "biases untouched");
    }
}

#[test]
fn clipping_matches_torch() {
    let data = reference();
    let mut kinds = (0, 0);
    for case in data["clip"].as_array().unwrap() {
        let mut g = f32s(&case["grads"]);
        let max = case["max"].as_f64().unwrap() as f32;
        let kind = case["kind"].as_str().unwrap();
        let norm = match kind {
            "norm" => {
                kinds.0 += 1;
                clip_grad_norm(&mut g, max)
            }
            _ => {
                kinds.1 += 1;
                clip_grad_value(&mut g, max)
            }
        };
        let what = format!("clip_grad_{kind} max {max}");
        scalar(&what, norm, &case["total_norm"]);
        close(&what, &g, &case["clipped"]);
    }
    assert!(kinds.0 >= 3 && kinds.1 >= 2);
}

/// torch's 1e-6: a gradient whose norm equals `max_norm` is still scaled by
/// `max_norm / (norm + 1e-6)`, which matters only for tiny norms.
#[test]
fn clip_epsilon() {
    let mut g = [3e-7f32, 4e-7];
    let n = clip_grad_norm(&mut g, 5e-7);
    assert!((n - 5e-7).abs() < 1e-12);
    let scale = 5e-7 / (5e-7 + 1e-6);
    assert!((g[0] - 3e-7 * scale).abs() < 1e-12 && (g[1] - 4e-7 * scale).abs() < 1e-12, "{g:?}");
    // Below the limit nothing changes, bit for bit.
    let mut g = [0.3f32, -0.4];
    clip_grad_norm(&mut g, 1.0);
    assert_eq!(g, [0.3, -0.4]);
}

#[test]
fn norm_of_long_vectors() {
    let g: Vec<f32> = (0..1001).map(|i| ((i % 7) as f32 - 3.0) * 0.1).collect();
    let exact = g.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>().sqrt();
    assert!((f64::from(grad_norm(&g)) - exact).abs() / exact < 1e-6);
}

#[test]
fn visit_weights_of_chains_and_other_layers() {
    type Deep = Chain<Dense<2, 3, Tanh>, Chain<nn_core::Dropout<3, 0>, Dense<3, 1, nn_core::PReLU>>>;
    let mut ranges = Vec::new();
    Deep::visit_weights(0, &mut |r| ranges.push(r));
    // 2·3 weights + 3 biases, then the dropout (no parameters), then 3 weights, a bias and the PReLU slope.
    assert_eq!(ranges, [0..6, 9..12]);
    assert_eq!(Deep::PARAMS, 9 + 3 + 1 + 1);
}
