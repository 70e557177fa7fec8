//! Central finite-difference checks of the image layers (`Conv2d`,
//! `MaxPool2d`, `AvgPool2d`, `Flatten`, `ImageInput`) inside small networks:
//! odd and non-square sizes, stride 2, padding, several channels, a
//! convolution after a convolution (so that `∂C/∂x` of the later one is
//! checked through the earlier one's parameters) and a pooling layer in
//! between. Same numerics as `gradient_check.rs`: `h = 4e-3`, relative
//! max-norm tolerance 1e-3. Smooth activations only (ReLU's backward is the
//! one `Dense` uses, checked there; the torch parity test covers it in a
//! convolution); max pooling has a kink where two values of a window tie,
//! which random inputs do not come close to for the seeds used.

use nn_core::{
    rng, AvgPool2d, Chain, Conv2d, CrossEntropy, Dense, Flatten, Identity, ImageInput, Layer, Loss, MaxPool2d, Mse,
    Network, Rng, Sigmoid, Softmax, Tanh,
};

const H: f32 = 4e-3;
const TOL: f64 = 1e-3;

fn uniform(rng: &mut Rng, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * rng.uniform()
}

fn rows<const W: usize>(rng: &mut Rng, n: usize, lo: f32, hi: f32) -> Vec<[f32; W]> {
    (0..n).map(|_| core::array::from_fn(|_| uniform(rng, lo, hi))).collect()
}

fn make_net<N: Network>(seed: u64) -> N {
    let mut rng = rng(seed);
    let mut net = N::new(&mut rng);
    for p in net.params_mut() {
        *p += uniform(&mut rng, -0.2, 0.2);
    }
    net
}

fn numeric_grad<N: Network, L: Loss>(net: &N, xs: &[N::Input], ys: &[N::Output], loss: &L) -> Vec<f64> {
    let mut probe = *net;
    let mut out = Vec::with_capacity(N::PARAMS);
    for i in 0..N::PARAMS {
        let orig = probe.params()[i];
        let (plus, minus) = (orig + H, orig - H);
        probe.params_mut()[i] = plus;
        let lp = probe.loss_and_grad(xs, ys, loss).expect("finite loss").0;
        probe.params_mut()[i] = minus;
        let lm = probe.loss_and_grad(xs, ys, loss).expect("finite loss").0;
        probe.params_mut()[i] = orig;
        out.push((lp as f64 - lm as f64) / (plus as f64 - minus as f64));
    }
    out
}

/// Checks the gradient of every parameter, and that one-sample inference
/// (`forward_one`, a direct convolution) agrees with the batched forward pass
/// (im2col and the dense kernels).
fn check<N: Network, L: Loss>(name: &str, seed: u64, loss: &L, ys: impl Fn(&mut Rng, usize) -> Vec<N::Output>) {
    let net: N = make_net(seed);
    let mut r = rng(seed + 1000);
    let xs: Vec<N::Input> = (0..4)
        .map(|_| {
            let mut x: N::Input = bytemuck::Zeroable::zeroed();
            for v in x.as_mut() {
                *v = uniform(&mut r, -1.0, 1.0);
            }
            x
        })
        .collect();
    let ys = ys(&mut r, xs.len());
    let mut batch: Vec<N::Output> = vec![bytemuck::Zeroable::zeroed(); xs.len()];
    net.predict_batch(&xs, &mut batch).unwrap();
    for (x, b) in xs.iter().zip(&batch) {
        let one = net.predict(x);
        for (a, b) in one.as_ref().iter().zip(b.as_ref()) {
            assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{name}: predict {a} vs predict_batch {b}");
        }
    }
    let (l, g) = net.loss_and_grad(&xs, &ys, loss).expect("finite loss");
    let analytic: Vec<f64> = g.as_slice().iter().map(|&v| v as f64).collect();
    let numeric = numeric_grad(&net, &xs, &ys, loss);
    let diff = analytic.iter().zip(&numeric).map(|(a, n)| (a - n).abs()).fold(0.0, f64::max);
    let scale = analytic.iter().chain(&numeric).map(|v| v.abs()).fold(0.0, f64::max);
    assert!(scale > 1e-3, "{name}: gradient (almost) zero everywhere");
    let err = diff / scale;
    println!("{name:<56} params {:>4}  loss {l:.5}  rel err {err:.2e}", N::PARAMS);
    assert!(err < TOL, "{name}: relative error {err:e}\nanalytic {analytic:?}\nnumeric  {numeric:?}");
}

fn targets<const W: usize>(r: &mut Rng, n: usize) -> Vec<[f32; W]> {
    rows::<W>(r, n, -1.0, 1.0)
}

fn classes<const W: usize>(r: &mut Rng, n: usize) -> Vec<[f32; W]> {
    (0..n)
        .map(|_| {
            let k = r.below(W);
            core::array::from_fn(|i| if i == k { 1.0 } else { 0.0 })
        })
        .collect()
}

/// `Conv2d<2, 3, 3, Tanh, padding = 1>` on 2×5×4 (non-square), then `Dense`.
#[test]
fn conv_padding_same() {
    type Net = Chain<Conv2d<2, 3, 3, Tanh, 1, 1, 5, 4, 40, 60>, Chain<Flatten<60>, Dense<60, 3>>>;
    check::<Net, _>("Conv2d<2, 3, 3, Tanh, padding = 1> 2x5x4", 1, &Mse, targets::<3>);
}

/// Stride 2, no padding, 7×7 (the last row and column are read by one window).
#[test]
fn conv_stride_2() {
    type Net = Chain<Conv2d<1, 2, 3, Sigmoid, 2, 0, 7, 7, 49, 18>, Dense<18, 2>>;
    check::<Net, _>("Conv2d<1, 2, 3, Sigmoid, stride = 2> 1x7x7", 2, &Mse, targets::<2>);
}

/// Stride 2 with padding 2 on 3×5×6: windows reading mostly padding.
#[test]
fn conv_stride_2_padding_2() {
    // HO = (5 + 4 − 2) / 2 + 1 = 4, WO = (6 + 4 − 2) / 2 + 1 = 5.
    type Net = Chain<Conv2d<3, 2, 2, Identity, 2, 2, 5, 6, 90, 40>, Dense<40, 3, Tanh>>;
    check::<Net, _>("Conv2d<3, 2, 2, stride = 2, padding = 2> 3x5x6", 3, &Mse, targets::<3>);
}

/// A kernel wider than the image, reaching it only through the padding
/// (7×7 on 3×3 with padding 2: some kernel columns never see the image).
#[test]
fn conv_kernel_wider_than_image() {
    type Net = Chain<Conv2d<1, 2, 7, Tanh, 1, 2, 3, 3, 9, 2>, Dense<2, 2>>;
    check::<Net, _>("Conv2d<1, 2, 7, Tanh, padding = 2> 1x3x3", 9, &Mse, targets::<2>);
}

/// A 1×1 kernel (a per-pixel linear map over channels).
#[test]
fn conv_1x1() {
    type Net = Chain<Conv2d<3, 2, 1, Tanh, 1, 0, 3, 3, 27, 18>, Dense<18, 2>>;
    check::<Net, _>("Conv2d<3, 2, 1, Tanh> 3x3x3", 4, &Mse, targets::<2>);
}

/// Convolution, max pooling, convolution: `∂C/∂x` of the second convolution
/// and of the pooling reach the first convolution's parameters.
#[test]
fn conv_maxpool_conv() {
    type Net = Chain<
        ImageInput<2, 6, 6, 72>,
        Chain<
            Conv2d<2, 3, 3, Tanh, 1, 1, 6, 6, 72, 108>,
            Chain<
                MaxPool2d<3, 6, 6, 2, 108, 27>,
                Chain<Conv2d<3, 2, 2, Tanh, 1, 0, 3, 3, 27, 8>, Dense<8, 3, Softmax>>,
            >,
        >,
    >;
    check::<Net, _>("Input, Conv2d, MaxPool2d<2>, Conv2d, Dense<Softmax> + CE", 5, &CrossEntropy, classes::<3>);
}

/// Average pooling with a window of 3 between two convolutions.
#[test]
fn conv_avgpool_conv() {
    type Net = Chain<
        Conv2d<1, 2, 3, Tanh, 1, 1, 6, 9, 54, 108>,
        Chain<AvgPool2d<2, 6, 9, 3, 108, 12>, Chain<Conv2d<2, 3, 2, Sigmoid, 1, 0, 2, 3, 12, 6>, Dense<6, 2>>>,
    >;
    check::<Net, _>("Conv2d, AvgPool2d<3>, Conv2d, Dense + Mse", 6, &Mse, targets::<2>);
}

/// Pooling layers' own gradients, with no parameters before them: checked
/// through the input gradient of a `Dense` in front (`Dense → pool → Dense`).
/// Here every parameter of the first `Dense` moves all 32 pooled values, so a
/// step of `h` can swap the maximum of a window whose two largest values are
/// close: seeds 9 and 11 do (errors 2e-3, 6e-2: the kink, not a bug), 13 and
/// 17 do not.
#[test]
fn pooling_input_gradients() {
    type Max = Chain<Dense<5, 32, Tanh>, Chain<MaxPool2d<2, 4, 4, 2, 32, 8>, Dense<8, 2>>>;
    check::<Max, _>("Dense, MaxPool2d<2> on 2x4x4, Dense", 13, &Mse, targets::<2>);
    type Avg = Chain<Dense<5, 32, Tanh>, Chain<AvgPool2d<2, 4, 4, 4, 32, 2>, Dense<2, 2>>>;
    check::<Avg, _>("Dense, AvgPool2d<4> on 2x4x4, Dense", 8, &Mse, targets::<2>);
}

/// Parameter order is torch's: conv weight `[C_OUT][C_IN][K][K]`, then bias.
#[test]
fn parameter_layout() {
    type C = Conv2d<2, 3, 2, Identity, 1, 0, 3, 3, 18, 12>;
    assert_eq!(C::PARAMS, 3 * 2 * 2 * 2 + 3);
    let mut c: C = bytemuck::Zeroable::zeroed();
    c.weights[1][0][1][0] = 1.0;
    c.bias[2] = 2.0;
    assert_eq!(c.params()[8 + 2], 1.0);
    assert_eq!(c.params()[24 + 2], 2.0);
    let mut ranges = Vec::new();
    C::visit_weights(5, &mut |r| ranges.push(r));
    assert_eq!(ranges.len(), 1);
    assert_eq!(ranges[0], 5..29);
    assert_eq!(<C as Layer>::CACHE, 4 * 8 + 12);
}
