//! On x86-64 the optimizers' updates flush subnormal numbers to zero (see
//! `nn_core`'s `subnormal` module): a moment that decays below 2⁻¹²⁶ becomes
//! 0 instead of a subnormal, which an x86 core would take a slow microcode
//! assist for on every later step; the caller's floating-point mode is the
//! same after the update as before.
#![cfg(target_arch = "x86_64")]

use nn_core::{Adagrad, Adam, AdamW, NAdam, Optimizer, RmsProp, Sgd};

/// `f32::MIN_POSITIVE / 4`, computed at run time: subnormal unless this
/// thread flushes.
fn runtime_subnormal() -> f32 {
    core::hint::black_box(f32::MIN_POSITIVE) * core::hint::black_box(0.25)
}

/// One step with a tiny gradient, then `steps` with none: returns the
/// state after the first step and after the last, checking after each step
/// that no state value is subnormal and that the caller's mode is back.
fn decay<O: Optimizer>(mut opt: O, steps: usize) -> (Vec<f32>, Vec<f32>) {
    let mut params = vec![0.5f32; 19];
    let tiny = vec![3e-19f32; 19];
    let zero = vec![0.0f32; 19];
    opt.step(&mut params, &tiny);
    let first = opt.owned_state().clone();
    for step in 0..steps {
        opt.step(&mut params, &zero);
        let state = opt.owned_state();
        assert!(!state.iter().any(|x| x.is_subnormal()), "{}: a subnormal after step {}", opt.type_name(), step + 2);
        assert!(runtime_subnormal().is_subnormal(), "{}: the caller's float mode changed", opt.type_name());
    }
    (first, opt.owned_state().clone())
}

#[test]
fn optimizer_state_decays_to_zero_without_subnormals() {
    // 3e-19² ≈ 9e-38 is just above 2⁻¹²⁶ ≈ 1.18e-38, so the squared-gradient
    // averages start normal too (scaled by 1 − β they may not).
    type Run = fn() -> (Vec<f32>, Vec<f32>);
    let cases: [(Run, &str); 8] = [
        (|| decay(Sgd::new(0.1).momentum(0.9), 1000), "Sgd momentum"),
        (|| decay(Sgd::new(0.1).momentum(0.9).nesterov(true), 1000), "Sgd nesterov"),
        (|| decay(Adam::new(1e-3), 1000), "Adam"),
        (|| decay(Adam::new(1e-3).amsgrad(true), 1000), "AMSGrad"),
        (|| decay(AdamW::new(1e-3), 1000), "AdamW"),
        (|| decay(NAdam::new(1e-3), 1000), "NAdam"),
        (|| decay(RmsProp::new(1e-3).momentum(0.9), 1000), "RmsProp"),
        (|| decay(Adagrad::new(1e-2), 10), "Adagrad"),
    ];
    for (run, name) in cases {
        let (first, last) = run();
        assert!(first.iter().any(|&x| x != 0.0 && x.is_normal()), "{name}: the first step leaves a normal state");
        if name.starts_with("Sgd") {
            // v ← μ·v decays by 0.9 a step: once a product is below 2⁻¹²⁶
            // it is flushed, so v reaches exactly 0 (and stays there)
            assert!(last.iter().all(|&x| x == 0.0), "{name}: {last:?}");
        } else if name != "Adagrad" {
            // m ← m + (1 − β₁)(0 − m), torch's lerp, stops where (1 − β₁)·m
            // is flushed: a normal number just above 2⁻¹²⁶ / (1 − β₁)
            let m = last[0];
            assert!(m == 0.0 || (f32::MIN_POSITIVE..20.0 * f32::MIN_POSITIVE).contains(&m), "{name}: {m:e}");
        }
    }
}

#[test]
fn normal_values_get_the_same_bits_as_without_flushing() {
    // Sgd with momentum by hand, in the same order of operations: the state
    // stays far from the subnormal range, so flushing changes nothing.
    let mut opt = Sgd::new(0.1).momentum(0.9);
    let mut params = vec![0.25f32, -1.5, 3.0];
    let grads = [0.125f32, -0.75, 1e-3];
    let (mut p, mut v) = (params.clone(), [0.0f32; 3]);
    for step in 0..5 {
        opt.step(&mut params, &grads);
        for i in 0..3 {
            v[i] = if step == 0 { grads[i] } else { 0.9 * v[i] + grads[i] };
            p[i] -= 0.1 * v[i];
        }
        assert_eq!(
            params.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            p.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }
}
