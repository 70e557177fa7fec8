//! Optimizers against PyTorch: 5-step parameter trajectories from
//! `tests/reference/optimizers.py` (float64), replayed with `train_step` on
//! the same network, data and hyperparameters.
//!
//! Criterion, for every parameter after every step, and for every loss:
//! `|rust − torch| ≤ 1e-5 · max(|torch|, 0.1)`. That is 1e-5 relative for
//! values of magnitude 0.1 and more (the parameters of this network are
//! O(0.1–1) and move by up to ~0.3 per step), and 1e-6 absolute for values
//! near zero: a parameter that crosses zero between steps has no meaningful
//! relative error (one passes 0.0099 in an RMSprop run, where f32 rounding of
//! the step, ~3e-7 absolute, would be 3e-5 "relative").

use nn_core::{Adagrad, Adam, AdamW, Chain, Dense, Identity, Mse, NAdam, Network, Optimizer, RmsProp, Sgd, Tanh};
use serde_json::Value;

type Net = Chain<Dense<3, 4, Tanh>, Dense<4, 2, Identity>>;

const REL: f64 = 1e-5;
const FLOOR: f64 = 0.1;

fn reference(name: &str) -> Value {
    let path = format!("{}/../tests/reference/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn rows<const N: usize>(v: &Value) -> Vec<[f32; N]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| floats(r).iter().map(|&x| x as f32).collect::<Vec<_>>().try_into().unwrap())
        .collect()
}

/// Worst `|r − t| / max(|t|, FLOOR)` over a trajectory.
fn worst(rust: &[f32], torch: &[f64]) -> f64 {
    assert_eq!(rust.len(), torch.len());
    rust.iter().zip(torch).map(|(&r, &t)| (f64::from(r) - t).abs() / t.abs().max(FLOOR)).fold(0.0, f64::max)
}

macro_rules! apply {
    (@arg $v:expr, f) => { $v.as_f64().unwrap() as f32 };
    (@arg $v:expr, b) => { $v.as_bool().unwrap() };
    ($opt:expr, $kwargs:expr, { $($key:literal => $method:ident($($conv:ident),*)),* $(,)? }) => {{
        let mut opt = $opt;
        for (key, value) in $kwargs {
            match key.as_str() {
                "lr" => {}
                $($key => opt = opt.$method(apply!(@arg value, $($conv),*)),)*
                other => panic!("no builder method for torch argument `{other}`"),
            }
        }
        opt
    }};
}

/// Runs the recorded steps; returns the losses and the parameters after each step.
fn run<O: Optimizer>(mut opt: O, data: &Value, steps: usize) -> (Vec<f32>, Vec<Vec<f32>>) {
    let xs = rows::<3>(&data["xs"]);
    let ys = rows::<2>(&data["ys"]);
    let mut net = Net::zeros();
    let initial: Vec<f32> = floats(&data["initial"]).iter().map(|&x| x as f32).collect();
    net.set_params(&initial).unwrap();
    let mut rng = nn_core::rng(0);
    let (mut losses, mut params) = (Vec::new(), Vec::new());
    for _ in 0..steps {
        losses.push(net.train_step(&xs, &ys, &Mse, &mut opt, &mut rng).unwrap());
        params.push(net.params().to_vec());
    }
    (losses, params)
}

fn replay(
    name: &str,
    kwargs: &serde_json::Map<String, Value>,
    data: &Value,
    steps: usize,
) -> (Vec<f32>, Vec<Vec<f32>>) {
    let lr = kwargs["lr"].as_f64().unwrap() as f32;
    let betas = |opt_betas: &Value| {
        let b = floats(opt_betas);
        (b[0] as f32, b[1] as f32)
    };
    // `betas` is a pair: handled here, the other arguments by name.
    let rest: Vec<(String, Value)> =
        kwargs.iter().filter(|(k, _)| *k != "betas").map(|(k, v)| (k.clone(), v.clone())).collect();
    match name {
        "SGD" => run(
            apply!(Sgd::new(lr), rest, {
                "momentum" => momentum(f), "dampening" => dampening(f), "nesterov" => nesterov(b),
                "weight_decay" => weight_decay(f),
            }),
            data,
            steps,
        ),
        "Adagrad" => run(
            apply!(Adagrad::new(lr), rest, {
                "lr_decay" => lr_decay(f), "weight_decay" => weight_decay(f),
                "initial_accumulator_value" => initial_accumulator_value(f), "eps" => eps(f),
            }),
            data,
            steps,
        ),
        "RMSprop" => run(
            apply!(RmsProp::new(lr), rest, {
                "alpha" => alpha(f), "eps" => eps(f), "weight_decay" => weight_decay(f),
                "momentum" => momentum(f), "centered" => centered(b),
            }),
            data,
            steps,
        ),
        "Adam" => {
            let mut opt = Adam::new(lr);
            if let Some(b) = kwargs.get("betas") {
                let (b1, b2) = betas(b);
                opt = opt.betas(b1, b2);
            }
            let opt = apply!(opt, rest, {
                "eps" => eps(f), "weight_decay" => weight_decay(f), "amsgrad" => amsgrad(b),
                "decoupled_weight_decay" => decoupled_weight_decay(b),
            });
            run(opt, data, steps)
        }
        "AdamW" => {
            let mut opt = AdamW::new(lr);
            if let Some(b) = kwargs.get("betas") {
                let (b1, b2) = betas(b);
                opt = opt.betas(b1, b2);
            }
            let opt =
                apply!(opt, rest, { "eps" => eps(f), "weight_decay" => weight_decay(f), "amsgrad" => amsgrad(b) });
            run(opt, data, steps)
        }
        "NAdam" => {
            let mut opt = NAdam::new(lr);
            if let Some(b) = kwargs.get("betas") {
                let (b1, b2) = betas(b);
                opt = opt.betas(b1, b2);
            }
            let opt = apply!(opt, rest, {
                "eps" => eps(f), "weight_decay" => weight_decay(f), "momentum_decay" => momentum_decay(f),
                "decoupled_weight_decay" => decoupled_weight_decay(b),
            });
            run(opt, data, steps)
        }
        other => panic!("unknown optimizer {other}"),
    }
}

#[test]
fn optimizers_follow_torch_trajectories() {
    let data = reference("optimizers.json");
    let runs = data["runs"].as_array().unwrap();
    assert!(runs.len() >= 20);
    let mut failures = Vec::new();
    let mut overall: f64 = 0.0;
    for run in runs {
        let name = run["optimizer"].as_str().unwrap();
        let kwargs = run["kwargs"].as_object().unwrap();
        let torch_params: Vec<Vec<f64>> = run["params"].as_array().unwrap().iter().map(floats).collect();
        let torch_losses = floats(&run["losses"]);
        let (losses, params) = replay(name, kwargs, &data, torch_params.len());
        let mut err = worst(&losses, &torch_losses);
        for (p, t) in params.iter().zip(&torch_params) {
            err = err.max(worst(p, t));
        }
        let mut abs = 0.0f64;
        for (p, t) in params.iter().zip(&torch_params) {
            abs = p.iter().zip(t).map(|(&r, &t)| (f64::from(r) - t).abs()).fold(abs, f64::max);
        }
        println!(
            "{name:8} {:80} worst scaled error {err:.2e}, absolute {abs:.2e}",
            serde_json::to_string(kwargs).unwrap()
        );
        overall = overall.max(err);
        if err > REL {
            failures.push(format!("{name} {kwargs:?}: {err:.2e}"));
        }
    }
    println!("worst over all runs: {overall:.2e}");
    assert!(failures.is_empty(), "beyond {REL:e}: {failures:#?}");
}

/// The optimizers must move the parameters at all in these runs (a test that
/// compares a frozen network with itself proves nothing).
#[test]
fn reference_runs_move_the_parameters() {
    let data = reference("optimizers.json");
    let initial = floats(&data["initial"]);
    for run in data["runs"].as_array().unwrap() {
        let last = floats(run["params"].as_array().unwrap().last().unwrap());
        let moved = initial.iter().zip(&last).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(moved > 1e-3, "{run:?} barely moves ({moved:e})");
    }
}

/// `zero_init_buffer(true)` with dampening = momentum is the textbook EMA
/// `v ← βv + (1 − β)g` from `v = 0`, by hand.
#[test]
fn sgd_zero_init_buffer_is_the_textbook_ema() {
    let (lr, beta) = (0.1f32, 0.9f32);
    let grads = [[0.5f32, -1.0], [0.25, 2.0], [-0.75, 0.5]];
    let mut opt = Sgd::new(lr).momentum(beta).dampening(beta).zero_init_buffer(true);
    let mut w = [1.0f32, -2.0];
    let mut state = [0.0f32; 2];
    assert_eq!(opt.state_len(2), 2);
    // By hand: v₁ = 0.1·g₁, v₂ = 0.9·v₁ + 0.1·g₂, v₃ = 0.9·v₂ + 0.1·g₃; θ ← θ − 0.1·v.
    let v1 = [0.05f64, -0.1];
    let v2 = [0.9 * v1[0] + 0.025, 0.9 * v1[1] + 0.2];
    let v3 = [0.9 * v2[0] - 0.075, 0.9 * v2[1] + 0.05];
    let mut expected = [1.0f64, -2.0];
    for (g, v) in grads.iter().zip([v1, v2, v3]) {
        opt.update(&mut w, g, &mut state);
        for i in 0..2 {
            expected[i] -= 0.1 * v[i];
            assert!((f64::from(w[i]) - expected[i]).abs() < 1e-6, "{w:?} vs {expected:?}");
            assert!((f64::from(state[i]) - v[i]).abs() < 1e-6, "{state:?} vs {v:?}");
        }
    }
    // torch's start instead: v₁ = g₁.
    let mut torch_like = Sgd::new(lr).momentum(beta).dampening(beta);
    let (mut w, mut state) = ([1.0f32, -2.0], [0.0f32; 2]);
    torch_like.update(&mut w, &grads[0], &mut state);
    assert_eq!(state, grads[0]);
}

/// The owned-state `step` and the caller-buffer `update` give the same bits.
#[test]
fn owned_state_matches_caller_buffers() {
    fn check<O: Optimizer + Clone>(opt: O) {
        let grads = [[0.3f32, -0.2, 0.1], [0.1, 0.4, -0.5], [-0.2, 0.2, 0.05]];
        let (mut a, mut b) = (opt.clone(), opt);
        let (mut wa, mut wb) = ([1.0f32, 0.5, -0.5], [1.0f32, 0.5, -0.5]);
        let mut state = vec![0.0; b.state_len(3)];
        for g in &grads {
            a.step(&mut wa, g);
            b.update(&mut wb, g, &mut state);
        }
        assert_eq!(wa, wb);
    }
    check(Sgd::new(0.1).momentum(0.9).nesterov(true));
    check(Adagrad::new(0.1).initial_accumulator_value(0.1));
    check(RmsProp::new(0.01).momentum(0.9).centered(true));
    check(Adam::new(0.01).amsgrad(true));
    check(AdamW::new(0.01).amsgrad(true));
    check(NAdam::default());
}
