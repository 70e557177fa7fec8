use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::*;
use crate::{Chain, Dense, Dropout, Identity, Network, ReLU, Sigmoid, Softmax, Tanh};

type Net = Chain<Dense<6, 12, ReLU>, Chain<Dropout<12, { crate::f32_bits(0.5) }>, Dense<12, 4, Softmax>>>;
type Deep = Chain<Dense<5, 8, Tanh>, Chain<crate::ActivationLayer<8, ReLU>, Chain<Dense<8, 8, Sigmoid>, Dense<8, 3>>>>;

fn samples<const N: usize>(n: usize, seed: u64) -> Vec<[f32; N]> {
    let mut rng = crate::rng(seed);
    (0..n).map(|_| core::array::from_fn(|_| rng.uniform() * 4.0 - 2.0)).collect()
}

#[test]
fn quantize_dequantize_round_trip_is_within_half_a_step() {
    for (lo, hi) in [(-1.0f32, 1.0f32), (0.0, 1.0), (-3.5, 0.25), (0.2, 7.0), (-1e-3, 5e-4), (-300.0, 40.0)] {
        let p = QParams::from_range(lo, hi);
        let (lo, hi) = (lo.min(0.0), hi.max(0.0));
        assert!((p.scale() - (hi - lo) / 255.0).abs() <= 1e-6 * p.scale(), "{p:?}");
        assert_eq!(p.quantize(0.0), p.zero(), "0 is exact: {p:?}");
        assert_eq!(p.dequantize(p.zero()), 0.0);
        for k in 0..=1000 {
            let x = lo + (hi - lo) * k as f32 / 1000.0;
            let err = (p.dequantize(p.quantize(x)) - x).abs();
            assert!(err <= 0.5 * p.scale() * (1.0 + 1e-4) + 1e-3 * p.scale(), "x = {x}, {p:?}: error {err}");
        }
        // Outside the range: saturation at the ends.
        assert_eq!(p.quantize(hi + 100.0 * p.scale()), 127);
        assert_eq!(p.quantize(lo - 100.0 * p.scale()), -128);
    }
    // Weights: |q · s_w − w| ≤ s_w / 2 for every weight.
    let net = Net::boxed(&mut crate::rng(5));
    let q = quantize(&*net, &samples::<6>(50, 1)).unwrap();
    let layer = &q.layers().first;
    for o in 0..12 {
        let s = layer.weight_scale[o].get();
        for i in 0..6 {
            let w = net.first.weights[o][i];
            assert!((f32::from(layer.weights[o][i]) * s - w).abs() <= 0.5 * s * (1.0 + 1e-5), "w[{o}][{i}]");
        }
    }
}

#[test]
fn per_channel_scales_are_each_rows_max_over_127() {
    let mut net = Net::boxed(&mut crate::rng(9));
    // Rows of very different magnitudes: per-tensor scales would flatten the small ones to 0.
    for (o, row) in net.first.weights.iter_mut().enumerate() {
        for w in row.iter_mut() {
            *w *= 10f32.powi(o as i32 % 4 - 2);
        }
    }
    net.first.weights[3] = [0.0; 6];
    let q = quantize(&*net, &samples::<6>(50, 2)).unwrap();
    let layer = &q.layers().first;
    for o in 0..12 {
        let max = net.first.weights[o].iter().fold(0.0f32, |m, w| m.max(w.abs()));
        let expected = if max > 0.0 { (f64::from(max) / 127.0) as f32 } else { 1.0 };
        assert_eq!(layer.weight_scale[o].get(), expected, "row {o}");
        let qmax = layer.weights[o].iter().map(|q| q.unsigned_abs()).max().unwrap();
        assert_eq!(qmax, if max > 0.0 { 127 } else { 0 }, "row {o}: the largest weight is ±127");
        assert!(layer.weights[o].iter().all(|&q| q != -128));
    }
}

/// An independent int8 evaluation of `Net` from the stored fields: the zero
/// point taken out of the bias and subtracted from each input, `i128`
/// arithmetic, and rounding by Euclidean division.
fn reference(q: &Int8<Net>, x: &[f32; 6]) -> [f32; 4] {
    let input = q.input_params();
    let xq: Vec<i128> = x
        .iter()
        .map(|&v| {
            let r = libm::roundf(v / input.scale()) as i128 + i128::from(input.zero());
            r.clamp(-128, 127)
        })
        .collect();
    let (l1, l2) = (&q.layers().first, &q.layers().rest.rest);
    let zx = i128::from(input.zero());
    let mut h = [0i128; 12];
    for (o, h) in h.iter_mut().enumerate() {
        let wsum: i128 = l1.weights[o].iter().map(|&w| i128::from(w)).sum();
        let b = i128::from(l1.bias[o].get()) + zx * wsum;
        let acc: i128 = b + l1.weights[o].iter().zip(&xq).map(|(&w, &x)| i128::from(w) * (x - zx)).sum::<i128>();
        let (m, n) = (i128::from(l1.multiplier[o].get()), u32::from(l1.shift[o]));
        // Round half up to 2⁻³², then the remaining n − 32 bits (n ≥ 32 here).
        assert!(n >= 32);
        let hi = (2 * acc * m + (1i128 << 32)).div_euclid(1i128 << 33);
        let scaled = if n == 32 { hi } else { (2 * hi + (1i128 << (n - 32))).div_euclid(1i128 << (n - 31)) };
        *h = (scaled + i128::from(l1.output.zero())).clamp(i128::from(l1.output.zero()), 127);
    }
    let mut z = [0.0f32; 4];
    let zh = i128::from(l1.output.zero());
    for (o, z) in z.iter_mut().enumerate() {
        let wsum: i128 = l2.weights[o].iter().map(|&w| i128::from(w)).sum();
        let b = i128::from(l2.bias[o].get()) + zh * wsum;
        let acc = b + l2.weights[o].iter().zip(&h).map(|(&w, &x)| i128::from(w) * (x - zh)).sum::<i128>();
        *z = acc as i32 as f32 * (l1.output.scale() * l2.weight_scale[o].get());
    }
    let mut y = [0.0f32; 4];
    crate::Activation::forward(&Softmax, &z, &mut y, 4);
    y
}

#[test]
fn predict_is_the_reference_bit_for_bit_and_close_to_f32() {
    let net = Net::boxed(&mut crate::rng(11));
    let xs = samples::<6>(300, 3);
    let q = quantize(&*net, &xs[..200]).unwrap();
    let mut worst = 0.0f32;
    for x in &xs {
        let y = q.predict(x);
        assert_eq!(y.map(f32::to_bits), reference(&q, x).map(f32::to_bits), "x = {x:?}");
        let f = net.predict(x);
        worst = worst.max(y.iter().zip(&f).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max));
    }
    assert!(worst < 0.03, "int8 probabilities differ from f32 by up to {worst}");
    // i8 input: the same as quantizing first.
    let x = &xs[7];
    assert_eq!(q.predict_q(&q.quantize_input(x)).map(f32::to_bits), q.predict(x).map(f32::to_bits));
    let mut out = [[0.0f32; 4]; 3];
    q.predict_batch(&xs[..3], &mut out).unwrap();
    assert_eq!(out[2], q.predict(&xs[2]));
    assert!(q.predict_batch(&xs[..3], &mut out[..2]).is_err());
}

#[test]
fn float_activations_and_standalone_layers_stay_close_to_f32() {
    let net = Deep::boxed(&mut crate::rng(4));
    let xs = samples::<5>(400, 8);
    let q = quantize(&*net, &xs).unwrap();
    for x in &xs[..50] {
        let (a, b) = (net.predict(x), q.predict(x));
        for (a, b) in a.iter().zip(&b) {
            assert!((a - b).abs() < 0.05 * (1.0 + a.abs()), "{a} vs {b}");
        }
    }
}

/// Dense<1, 1, ReLU> then Dense<1, 1>, calibrated on x ∈ {0, 255}: every
/// integer below computed by hand.
#[test]
fn tiny_network_matches_the_hand_computation_exactly() {
    type Tiny = Chain<Dense<1, 1, ReLU>, Dense<1, 1, Identity>>;
    let mut net = Tiny::zeros();
    net.first.weights = [[1.0]];
    net.rest.weights = [[2.0]];
    net.rest.bias = [1.0];
    let q = quantize(&net, &[[0.0], [255.0]]).unwrap();
    // Input [0, 255]: scale 1, zero −128.
    assert_eq!(q.input_params(), QParams::new(1.0, -128));
    let (l1, l2) = (&q.layers().first, &q.layers().rest);
    // Layer 1: s_w = 1/127, q_w = 127, bias 0 − (−128)·127 = 16256; output [0, 255]: scale 1, zero −128;
    // M = 1 · (1/127) / 1 as m·2⁻ⁿ: 1/127 = 0.5039… · 2⁻⁶, so n = 37.
    assert_eq!(l1.weights, [[127]]);
    assert_eq!(l1.weight_scale[0].get(), (1.0f64 / 127.0) as f32);
    assert_eq!(l1.bias[0].get(), 16256);
    assert_eq!(l1.output, QParams::new(1.0, -128));
    assert_eq!(l1.shift[0], 37);
    let m = libm::round(f64::from((1.0f64 / 127.0) as f32) * (1u64 << 37) as f64) as i32;
    assert_eq!(l1.multiplier[0].get(), m);
    // Layer 2: s_w = 2/127, q_w = 127, bias round(1 / (1 · 2/127)) = round(63.5) = 64, minus (−128)·127: 16320.
    assert_eq!(l2.weights, [[127]]);
    assert_eq!(l2.bias[0].get(), 16320);
    // x = 10: q_x = 10 − 128 = −118; layer 1: acc = 16256 + 127·(−118) = 1270, 1270 · M = 10 → q = −118;
    // layer 2: acc = 16320 + 127·(−118) = 1334, output 1334 · (1 · s_w) ≈ 21.008 (f32: 21).
    let x = q.quantize_input(&[10.0]);
    assert_eq!(x, [-118]);
    let mut h = [0i8];
    l1.forward_q(&x, q.input_params(), &mut h);
    assert_eq!(h, [-118]);
    let s_w2 = (2.0f64 / 127.0) as f32;
    assert_eq!(q.predict(&[10.0])[0].to_bits(), (1334.0f32 * (1.0 * s_w2)).to_bits());
    // ReLU: a negative input clamps to the zero point (0.0): output = (16320 − 127·128) · s_w = 64 · s_w.
    assert_eq!(q.predict(&[-5.0])[0].to_bits(), (64.0f32 * (1.0 * s_w2)).to_bits());
}

#[test]
fn fixed_point_multipliers() {
    assert_eq!(fixed_point(0.5), Some((1 << 30, 31)));
    assert_eq!(fixed_point(0.75), Some((1_610_612_736, 31)));
    assert_eq!(fixed_point(1.0), Some((1 << 30, 30)));
    assert_eq!(fixed_point(0.0), Some((0, 1)));
    assert_eq!(fixed_point(1e-30), Some((0, 1)));
    assert_eq!(fixed_point(-1.0), None);
    assert_eq!(fixed_point(f64::NAN), None);
    assert_eq!(fixed_point(2e9), None);
    // Half up: 1.5 → 2, −1.5 → −1, 2.5 → 3 (n = 31: one rounding).
    assert_eq!(requantize(3, 1 << 30, 31), 2);
    assert_eq!(requantize(-3, 1 << 30, 31), -1);
    assert_eq!(requantize(5, 1 << 30, 31), 3);
    // n ≥ 32, two roundings: 5 · 2³⁰ · 2⁻³² = 1.25 → 1; 6 · 2³⁰ · 2⁻³² = 1.5 → 2; −1.5 → −1.
    assert_eq!(requantize(5, 1 << 30, 32), 1);
    assert_eq!(requantize(6, 1 << 30, 32), 2);
    assert_eq!(requantize(-6, 1 << 30, 32), -1);
    // Where two roundings differ from one: 3 · 2³⁰ · 2⁻³³ = 0.375, rounded to
    // 2⁻³² · 2³² · 0.75 → 1 in the high word, then 1 · 2⁻¹ = 0.5 → 1 (one rounding: 0).
    assert_eq!(requantize(3, 1 << 30, 33), 1);
    let (acc, m) = (123_457, 1_234_567_890);
    let hi = (i64::from(acc) * i64::from(m) + (1 << 31)) >> 32;
    assert_eq!(i64::from(requantize(acc, m, 40)), (hi + (1 << 7)) >> 8);
    // Any multiplier: acc · M within one rounding step.
    let mut rng = crate::rng(2);
    for _ in 0..10_000 {
        let m = f64::from(rng.uniform()) * 10f64.powi((rng.uniform() * 12.0) as i32 - 9);
        let acc = ((rng.uniform() - 0.5) * 2e6) as i32;
        let (mm, n) = fixed_point(m).unwrap();
        let exact = f64::from(acc) * m;
        let got = requantize(acc, mm, n);
        let tolerance = if n > 32 { 0.75 } else { 0.5 };
        assert!((f64::from(got) - exact).abs() <= tolerance + 1e-6 * exact.abs() + 1e-9, "{acc} · {m}: {got}");
    }
    // Bytes not written by fixed_point do not panic.
    let _ = requantize(i32::MAX, i32::MAX, 0);
    let _ = requantize(i32::MIN, i32::MIN, 255);
}

#[test]
fn bad_input_is_an_error() {
    let net = Net::boxed(&mut crate::rng(1));
    assert_eq!(quantize(&*net, &[]).unwrap_err(), Error::Quantization(QuantError::EmptyCalibration));
    let mut xs = samples::<6>(10, 1);
    xs[4][2] = f32::NAN;
    let e = quantize(&*net, &xs).unwrap_err();
    assert_eq!(e, Error::Quantization(QuantError::NonFiniteInput { sample: 4, index: 2 }));
    assert_eq!(e.to_string(), "int8 quantization: calibration sample 4 holds a value that is not finite (at index 2)");
    xs[4][2] = f32::INFINITY;
    assert!(quantize(&*net, &xs).is_err());
    let mut bad = net.clone();
    bad.params_mut()[17] = f32::NAN;
    let e = quantize(&*bad, &samples::<6>(10, 1)).unwrap_err();
    assert_eq!(e, Error::Quantization(QuantError::NonFiniteParameter { index: 17 }));
    // Overflowing activations.
    let mut big = net.clone();
    big.first.weights[0] = [f32::MAX; 6];
    let e = quantize(&*big, &[[1.0; 6]]).unwrap_err();
    assert_eq!(e, Error::Quantization(QuantError::NonFiniteActivation { layer: 0 }));
    // The no-alloc form with too few ranges.
    let mut out = bytemuck::zeroed_box::<Int8<Net>>();
    let e = quantize_into(&*net, &samples::<6>(3, 1), &mut [Range::EMPTY; 2], &mut out).unwrap_err();
    assert_eq!(e, Error::Quantization(QuantError::RangesTooShort { needed: 3, found: 2 }));
    // A bias that does not fit in ±2³⁰ accumulator steps.
    let mut huge = net.clone();
    huge.first.bias[0] = 1e30;
    let e = quantize(&*huge, &samples::<6>(3, 1)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Quantization(QuantError::OutOfRange { layer: 0, .. })
                | Error::Quantization(QuantError::NonFiniteActivation { .. })
        ),
        "{e}"
    );
}

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).expect_err("must fail");
    err.downcast_ref::<String>().cloned().or_else(|| err.downcast_ref::<&str>().map(|s| (*s).into())).unwrap()
}

#[test]
fn bytes_round_trip_and_bad_files_are_refused() {
    let net = Net::boxed(&mut crate::rng(21));
    let xs = samples::<6>(100, 5);
    let q = quantize(&*net, &xs).unwrap();
    let bytes = q.to_bytes();
    assert_eq!(&bytes[..8], b"NNQUANT8");
    assert_eq!(Int8::<Net>::BYTES, 5 + (12 * 6 + 12 * 13 + 5) + (4 * 12 + 4 * 13 + 5));
    let back = Int8::<Net>::from_bytes(&bytes).unwrap();
    let baked = decode_int8::<Net>(&bytes);
    for x in &xs {
        assert_eq!(back.predict(x).map(f32::to_bits), q.predict(x).map(f32::to_bits));
        assert_eq!(baked.predict(x).map(f32::to_bits), q.predict(x).map(f32::to_bits));
    }
    assert_eq!(baked.to_bytes(), bytes);

    let err = |b: &[u8]| Int8::<Net>::from_bytes(b).unwrap_err().to_string();
    assert!(err(&net.to_bytes()).contains("wrong magic"), "{}", err(&net.to_bytes()));
    assert!(err(&bytes[..bytes.len() - 3]).contains("truncated or padded"));
    assert!(err(&bytes[..10]).contains("only 10 bytes"));
    let mut b = bytes.clone();
    b[100] ^= 1;
    assert!(err(&b).contains("checksum"));
    let mut b = bytes.clone();
    b[8] = 9;
    assert!(err(&b).contains("version 9"));
    type Other = Chain<Dense<6, 12, Tanh>, Chain<Dropout<12, { crate::f32_bits(0.5) }>, Dense<12, 4, Softmax>>>;
    let other = Int8::<Other>::from_bytes(&bytes).unwrap_err().to_string();
    assert!(
        other.contains("holds `Dense<6, 12, ReLU>, Dropout<0.5>, Dense<12, 4, Softmax>`")
            && other.contains("but this network is `Dense<6, 12, Tanh>"),
        "{other}"
    );
    // A valid CRC over a bad scale: refused at run time.
    let mut b = bytes.clone();
    let at = b.len() - 4 - 5; // the last layer's output scale
    b[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    let n = b.len() - 4;
    let crc = crc32fast::hash(&b[..n]);
    b[n..].copy_from_slice(&crc.to_le_bytes());
    assert!(err(&b).contains("layer 2: invalid output scale"), "{}", err(&b));

    // The compile-time decoder says the same things (as panics, i.e. compile errors).
    let f32_file = net.to_bytes();
    assert!(panic_message(move || {
        let _ = decode_int8::<Net>(&f32_file);
    })
    .contains("wrong magic"));
    let short = bytes[..bytes.len() - 1].to_vec();
    assert!(panic_message(move || {
        let _ = decode_int8::<Net>(&short);
    })
    .contains("truncated or padded"));
    let bytes2 = bytes.clone();
    assert!(panic_message(move || {
        let _ = decode_int8::<Other>(&bytes2);
    })
    .contains("but this network is"));
}

#[test]
fn quantized_types_are_derived_from_the_f32_ones() {
    fn same<A: 'static, B: 'static>() -> bool {
        core::any::TypeId::of::<A>() == core::any::TypeId::of::<B>()
    }
    assert!(same::<
        <Net as Quantize>::Quantized,
        QChain<QDense<6, 12, ReLU>, QChain<QDropout<12>, QDense<12, 4, Softmax>>>,
    >());
    assert_eq!(core::mem::size_of::<QDropout<100>>(), 0);
    assert_eq!(core::mem::align_of::<Int8<Net>>(), 1);
    assert_eq!(<<Net as Quantize>::Quantized as QLayer>::DEPTH, Net::DEPTH);
}

#[test]
fn quantize_into_without_an_allocator_is_quantize() {
    let net = Net::boxed(&mut crate::rng(13));
    let xs = samples::<6>(64, 4);
    let mut ranges = [Range::EMPTY; 3];
    let mut out: Int8<Net> = bytemuck::Zeroable::zeroed();
    quantize_into(&*net, &xs, &mut ranges, &mut out).unwrap();
    assert!(bytemuck::bytes_of(&out) == bytemuck::bytes_of(&*quantize(&*net, &xs).unwrap()));
    // The ranges are each layer's calibrated outputs: ReLU outputs are ≥ 0, dropout passes them on.
    assert!(ranges[0].min >= 0.0 && ranges[0] == ranges[1]);
    assert!(ranges[2].min >= 0.0 && ranges[2].max <= 1.0);
}
