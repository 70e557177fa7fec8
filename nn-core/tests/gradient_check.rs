//! Central finite-difference checks of the analytic gradients of
//! `Network::loss_and_grad`, for every activation (inside a `Dense` and as its
//! own `ActivationLayer`), every loss (including the fused softmax +
//! cross-entropy path and the full softmax Jacobian), a deep network and
//! batches; plus the straight-through `Step` (perceptron rule) and `Dropout`.
//!
//! Numerics. The network computes in f32, so the numeric derivative is
//! `(C(θ+h) − C(θ−h)) / ((θ+h) − (θ−h))`, where the denominator is taken from
//! the two f32 parameter values actually used (exact in f64), with
//! `h = 4e-3`: the truncation error `h²/6·C'''` is ~3e-6 and the rounding
//! error `~ε·|C|/h` ~3e-5·|C|. The check passes when
//! `max|a − n| / max(max|a|, max|n|) < 1e-3` (a = analytic, n = numeric);
//! the errors observed are printed with `--nocapture` (all below 4e-4; the
//! separate first-layer check of the deep sigmoid net, on a ~100x smaller
//! scale, uses h = 3e-2 and a tolerance of 3e-3, and gives 5.5e-4).
//! For activations with a kink at 0 (ReLU, LeakyReLU, PReLU, ELU) the inputs
//! are drawn by rejection so that every pre-activation of every layer is more
//! than 0.05 from 0 (asserted again in `check`), so no perturbation crosses
//! the kink.

use nn_core::{
    f32_bits, rng, ActivationLayer, Chain, ChannelPReLU, CrossEntropy, Dense, DropConnect, Dropout, Identity, Layer,
    LeakyReLU, Loss, Maxout, Mode, Mse, Network, PReLU, ReLU, Residual, Rng, Sgd, Sigmoid, Softmax, Softplus, Step,
    SumSquaredError, Tanh, ELU,
};

/// Finite-difference step.
const H: f32 = 4e-3;
/// Relative max-norm tolerance.
const TOL: f64 = 1e-3;
/// Smallest allowed distance of a pre-activation from a kink at 0.
const KINK_MARGIN: f32 = 0.05;

// ---------------------------------------------------------------------------
// helpers

/// Smallest `|z|` over the pre-activations of every layer (all of them, kinked
/// or not), for one input row.
trait MinPreact: Network {
    fn min_abs_preact(&self, x: &[f32]) -> f32;
}

impl<const I: usize, const O: usize, A: nn_core::Activation> MinPreact for Dense<I, O, A> {
    fn min_abs_preact(&self, x: &[f32]) -> f32 {
        let mut m = f32::INFINITY;
        for o in 0..O {
            let z: f32 = self.bias[o] + self.weights[o].iter().zip(x).map(|(w, x)| w * x).sum::<f32>();
            m = m.min(z.abs());
        }
        m
    }
}

impl<const N: usize, A: nn_core::Activation> MinPreact for ActivationLayer<N, A> {
    fn min_abs_preact(&self, x: &[f32]) -> f32 {
        x.iter().fold(f32::INFINITY, |m, x| m.min(x.abs()))
    }
}

impl<const N: usize, const P: u32> MinPreact for Dropout<N, P> {
    fn min_abs_preact(&self, _x: &[f32]) -> f32 {
        f32::INFINITY
    }
}

impl<A: MinPreact, B: MinPreact> MinPreact for Chain<A, B> {
    fn min_abs_preact(&self, x: &[f32]) -> f32 {
        let mut mid = vec![0.0; <A as Layer>::OUT];
        self.first.forward_one(x, &mut mid);
        self.first.min_abs_preact(x).min(self.rest.min_abs_preact(&mid))
    }
}

fn uniform(rng: &mut Rng, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * rng.uniform()
}

fn rows<const W: usize>(rng: &mut Rng, n: usize, lo: f32, hi: f32) -> Vec<[f32; W]> {
    (0..n).map(|_| core::array::from_fn(|_| uniform(rng, lo, hi))).collect()
}

/// Rows that are probability distributions (soft targets for cross-entropy).
fn prob_rows<const W: usize>(rng: &mut Rng, n: usize) -> Vec<[f32; W]> {
    (0..n)
        .map(|_| {
            let r: [f32; W] = core::array::from_fn(|_| uniform(rng, 0.05, 1.0));
            let s: f32 = r.iter().sum();
            r.map(|v| v / s)
        })
        .collect()
}

/// One-hot rows.
fn one_hot_rows<const W: usize>(rng: &mut Rng, n: usize) -> Vec<[f32; W]> {
    (0..n)
        .map(|_| {
            let k = rng.below(W);
            core::array::from_fn(|i| if i == k { 1.0 } else { 0.0 })
        })
        .collect()
}

/// `n` input rows drawn from U(lo, hi); with `kinked`, a row is redrawn until
/// every pre-activation of the network is more than `KINK_MARGIN` from 0
/// (rejection sampling: the inputs stay away from the kinks).
fn inputs<N: MinPreact<Input = [f32; I]>, const I: usize>(
    net: &N,
    rng: &mut Rng,
    n: usize,
    lo: f32,
    hi: f32,
    kinked: bool,
) -> Vec<[f32; I]> {
    let mut out = Vec::with_capacity(n);
    let mut tries = 0;
    while out.len() < n {
        tries += 1;
        assert!(tries < 1000, "no input away from the kinks found");
        let x: [f32; I] = core::array::from_fn(|_| uniform(rng, lo, hi));
        if !kinked || net.min_abs_preact(&x) > KINK_MARGIN {
            out.push(x);
        }
    }
    out
}

/// A network with default init, then every parameter (biases, PReLU slopes
/// too) moved by U(−0.2, 0.2), so that biases are not all zero.
fn make_net<N: Network>(seed: u64) -> N {
    let mut rng = rng(seed);
    let mut net = N::new(&mut rng);
    for p in net.params_mut() {
        *p += uniform(&mut rng, -0.2, 0.2);
    }
    net
}

/// Numeric gradient by central differences on every parameter.
fn numeric_grad<N: Network, L: Loss>(net: &N, xs: &[N::Input], ys: &[N::Output], loss: &L) -> Vec<f64> {
    numeric_grad_h(net, xs, ys, loss, H)
}

/// Numeric gradient with step `h`.
fn numeric_grad_h<N: Network, L: Loss>(net: &N, xs: &[N::Input], ys: &[N::Output], loss: &L, h: f32) -> Vec<f64> {
    let mut probe = *net;
    let mut out = Vec::with_capacity(N::PARAMS);
    for i in 0..N::PARAMS {
        let orig = probe.params()[i];
        let (plus, minus) = (orig + h, orig - h);
        probe.params_mut()[i] = plus;
        let lp = probe.loss_and_grad(xs, ys, loss).expect("finite loss").0;
        probe.params_mut()[i] = minus;
        let lm = probe.loss_and_grad(xs, ys, loss).expect("finite loss").0;
        probe.params_mut()[i] = orig;
        out.push((lp as f64 - lm as f64) / (plus as f64 - minus as f64));
    }
    assert_eq!(probe.params(), net.params(), "probe restored");
    out
}

/// `max|a − n| / max(max|a|, max|n|)`.
fn rel_error(a: &[f64], n: &[f64]) -> f64 {
    rel_error_min_scale(a, n, 1e-3)
}

/// `max|a − n| / max(max|a|, max|n|)`, asserting that the scale is at least `min_scale`.
fn rel_error_min_scale(a: &[f64], n: &[f64], min_scale: f64) -> f64 {
    assert_eq!(a.len(), n.len());
    let diff = a.iter().zip(n).map(|(a, n)| (a - n).abs()).fold(0.0, f64::max);
    let scale = a.iter().chain(n).map(|v| v.abs()).fold(0.0, f64::max);
    assert!(scale > min_scale, "gradient is (almost) zero everywhere: the check would be vacuous");
    diff / scale
}

/// Compares the analytic gradient with the numeric one; returns both and the error.
fn check<N: MinPreact, L: Loss>(
    name: &str,
    net: &N,
    xs: &[N::Input],
    ys: &[N::Output],
    loss: &L,
    kinked: bool,
) -> (Vec<f64>, Vec<f64>) {
    if kinked {
        let m = xs.iter().map(|x| net.min_abs_preact(x.as_ref())).fold(f32::INFINITY, f32::min);
        assert!(m > KINK_MARGIN, "{name}: a pre-activation is {m} from a kink; choose another seed");
    }
    let (l, g) = net.loss_and_grad(xs, ys, loss).expect("finite loss");
    assert!(l.is_finite() && l > 0.0, "{name}: loss {l}");
    let analytic: Vec<f64> = g.as_slice().iter().map(|&v| v as f64).collect();
    assert_eq!(analytic.len(), N::PARAMS);
    let numeric = numeric_grad(net, xs, ys, loss);
    let err = rel_error(&analytic, &numeric);
    println!("{name:<48} params {:>4}  loss {l:.5}  rel err {err:.2e}", N::PARAMS);
    assert!(
        err < TOL,
        "{name}: relative gradient error {err:e} >= {TOL:e}\nanalytic {analytic:?}\nnumeric  {numeric:?}"
    );
    (analytic, numeric)
}

/// Regression check of a network with activation `A` in every Dense layer:
/// `Chain<Dense<4, 6, A>, Dense<6, 3, A>>`, batch of 5, `Mse`.
fn check_in_dense<A: nn_core::Activation>(name: &str, seed: u64, kinked: bool) -> (Vec<f64>, Vec<f64>) {
    type Net<A> = Chain<Dense<4, 6, A>, Dense<6, 3, A>>;
    let net: Net<A> = make_net(seed);
    let mut r = rng(seed + 1000);
    let xs = inputs(&net, &mut r, 5, -1.0, 1.0, kinked);
    let ys = rows::<3>(&mut r, 5, -0.5, 1.5);
    check(name, &net, &xs, &ys, &Mse, kinked)
}

/// `A` as its own layer between two linear layers:
/// `Dense<4, 6> → A → Dense<6, 3>`, batch of 5, `SumSquaredError`.
fn check_standalone<A: nn_core::Activation>(name: &str, seed: u64, kinked: bool) -> (Vec<f64>, Vec<f64>) {
    type Net<A> = Chain<Dense<4, 6, Identity>, Chain<ActivationLayer<6, A>, Dense<6, 3, Identity>>>;
    let net: Net<A> = make_net(seed);
    let mut r = rng(seed + 1000);
    let xs = inputs(&net, &mut r, 5, -1.0, 1.0, kinked);
    let ys = rows::<3>(&mut r, 5, -1.0, 1.0);
    check(name, &net, &xs, &ys, &SumSquaredError, kinked)
}

// ---------------------------------------------------------------------------
// activations inside a Dense layer

#[test]
fn dense_identity() {
    check_in_dense::<Identity>("Dense<Identity> + Mse", 1, false);
}

#[test]
fn dense_sigmoid() {
    check_in_dense::<Sigmoid>("Dense<Sigmoid> + Mse", 2, false);
}

#[test]
fn dense_tanh() {
    check_in_dense::<Tanh>("Dense<Tanh> + Mse", 3, false);
}

#[test]
fn dense_relu() {
    let (a, _) = check_in_dense::<ReLU>("Dense<ReLU> + Mse", 4, true);
    // some units must be off, or this would not test the kink's zero branch
    assert!(a.contains(&0.0), "no inactive unit: the zero branch of ReLU is not exercised");
}

#[test]
fn dense_leaky_relu_default_slope() {
    // bare LeakyReLU is torch's default slope 0.01
    check_in_dense::<LeakyReLU>("Dense<LeakyReLU<0.01>> + Mse", 5, true);
}

#[test]
fn dense_leaky_relu_0_2() {
    check_in_dense::<LeakyReLU<{ f32_bits(0.2) }>>("Dense<LeakyReLU<0.2>> + Mse", 6, true);
}

#[test]
fn dense_elu_1() {
    check_in_dense::<ELU>("Dense<ELU<1.0>> + Mse", 7, true);
}

#[test]
fn dense_elu_0_5() {
    check_in_dense::<ELU<{ f32_bits(0.5) }>>("Dense<ELU<0.5>> + Mse", 8, true);
}

#[test]
fn dense_softplus() {
    check_in_dense::<Softplus>("Dense<Softplus> + Mse", 9, false);
}

#[test]
fn dense_prelu_including_slope() {
    type Net = Chain<Dense<4, 6, PReLU>, Dense<6, 3, PReLU>>;
    let (a, n) = check_in_dense::<PReLU>("Dense<PReLU> + Mse", 10, true);
    // the slope of each layer is the parameter after its bias
    let slope0 = 4 * 6 + 6;
    let slope1 = Net::PARAMS - 1;
    assert_eq!(Net::PARAMS, slope0 + 1 + 6 * 3 + 3 + 1);
    let net: Net = make_net(10);
    assert_eq!(net.params()[slope0], net.first.activation.alpha);
    assert_eq!(net.params()[slope1], net.rest.activation.alpha);
    for i in [slope0, slope1] {
        assert!(n[i].abs() > 1e-3, "slope gradient {} too small to test", n[i]);
        let rel = (a[i] - n[i]).abs() / n[i].abs();
        assert!(rel < 1e-3, "slope gradient: analytic {} numeric {} (rel {rel:e})", a[i], n[i]);
    }
}

#[test]
fn dense_softmax_hidden_goes_through_jacobian() {
    // softmax inside a hidden layer: the full Jacobian-vector product
    type Net = Chain<Dense<4, 6, Softmax>, Dense<6, 3, Identity>>;
    let net: Net = make_net(11);
    let mut r = rng(1011);
    let xs = inputs(&net, &mut r, 5, -1.0, 1.0, false);
    let ys = rows::<3>(&mut r, 5, -1.0, 1.0);
    check("Dense<Softmax> hidden + Mse", &net, &xs, &ys, &Mse, false);
}

// ---------------------------------------------------------------------------
// every loss

type SoftmaxNet = Chain<Dense<4, 6, Tanh>, Dense<6, 3, Softmax>>;
type SigmoidNet = Chain<Dense<4, 6, Tanh>, Dense<6, 3, Sigmoid>>;

#[test]
fn cross_entropy_on_softmax_fused_one_hot() {
    let net: SoftmaxNet = make_net(20);
    let mut r = rng(1020);
    let xs = inputs(&net, &mut r, 6, -1.0, 1.0, false);
    let ys = one_hot_rows::<3>(&mut r, 6);
    check("CrossEntropy on Softmax (fused), one-hot", &net, &xs, &ys, &CrossEntropy, false);
}

#[test]
fn cross_entropy_on_softmax_fused_soft_targets() {
    let net: SoftmaxNet = make_net(21);
    let mut r = rng(1021);
    let xs = inputs(&net, &mut r, 6, -1.0, 1.0, false);
    let ys = prob_rows::<3>(&mut r, 6);
    check("CrossEntropy on Softmax (fused), probabilities", &net, &xs, &ys, &CrossEntropy, false);
}

#[test]
fn cross_entropy_on_softmax_fused_targets_not_summing_to_one() {
    // multi-hot rows: the fused gradient must be p·Σy − y, not p − y
    let net: SoftmaxNet = make_net(22);
    let mut r = rng(1022);
    let xs = inputs(&net, &mut r, 4, -1.0, 1.0, false);
    let ys = vec![[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.5, 0.0, 0.0]];
    check("CrossEntropy on Softmax (fused), multi-hot", &net, &xs, &ys, &CrossEntropy, false);
}

#[test]
fn cross_entropy_on_sigmoid() {
    let net: SigmoidNet = make_net(23);
    let mut r = rng(1023);
    let xs = inputs(&net, &mut r, 6, -1.0, 1.0, false);
    let ys: Vec<[f32; 3]> = rows::<3>(&mut r, 6, 0.0, 1.0).iter().map(|y| y.map(|v| v.round())).collect();
    check("CrossEntropy on Sigmoid", &net, &xs, &ys, &CrossEntropy, false);
}

#[test]
fn mse_on_softmax_full_jacobian() {
    let net: SoftmaxNet = make_net(24);
    let mut r = rng(1024);
    let xs = inputs(&net, &mut r, 6, -1.0, 1.0, false);
    let ys = one_hot_rows::<3>(&mut r, 6);
    check("Mse on Softmax (Jacobian)", &net, &xs, &ys, &Mse, false);
}

#[test]
fn sum_squared_on_softmax_full_jacobian() {
    let net: SoftmaxNet = make_net(25);
    let mut r = rng(1025);
    let xs = inputs(&net, &mut r, 6, -1.0, 1.0, false);
    let ys = prob_rows::<3>(&mut r, 6);
    check("SumSquaredError on Softmax (Jacobian)", &net, &xs, &ys, &SumSquaredError, false);
}

#[test]
fn mse_on_sigmoid() {
    let net: SigmoidNet = make_net(26);
    let mut r = rng(1026);
    let xs = inputs(&net, &mut r, 6, -1.0, 1.0, false);
    let ys = rows::<3>(&mut r, 6, 0.0, 1.0);
    check("Mse on Sigmoid", &net, &xs, &ys, &Mse, false);
}

#[test]
fn sum_squared_on_linear_output() {
    type Net = Chain<Dense<4, 6, Tanh>, Dense<6, 3, Identity>>;
    let net: Net = make_net(27);
    let mut r = rng(1027);
    let xs = inputs(&net, &mut r, 6, -1.0, 1.0, false);
    let ys = rows::<3>(&mut r, 6, -2.0, 2.0);
    check("SumSquaredError on Identity", &net, &xs, &ys, &SumSquaredError, false);
}

// ---------------------------------------------------------------------------
// activations as their own layer

#[test]
fn standalone_identity() {
    check_standalone::<Identity>("ActivationLayer<Identity>", 30, false);
}

#[test]
fn standalone_sigmoid() {
    check_standalone::<Sigmoid>("ActivationLayer<Sigmoid>", 31, false);
}

#[test]
fn standalone_tanh() {
    check_standalone::<Tanh>("ActivationLayer<Tanh>", 32, false);
}

#[test]
fn standalone_relu() {
    check_standalone::<ReLU>("ActivationLayer<ReLU>", 33, true);
}

#[test]
fn standalone_leaky_relu() {
    check_standalone::<LeakyReLU>("ActivationLayer<LeakyReLU<0.01>>", 34, true);
    check_standalone::<LeakyReLU<{ f32_bits(0.2) }>>("ActivationLayer<LeakyReLU<0.2>>", 35, true);
}

#[test]
fn standalone_elu() {
    check_standalone::<ELU>("ActivationLayer<ELU<1.0>>", 36, true);
    check_standalone::<ELU<{ f32_bits(0.5) }>>("ActivationLayer<ELU<0.5>>", 37, true);
}

#[test]
fn standalone_softplus() {
    check_standalone::<Softplus>("ActivationLayer<Softplus>", 38, false);
}

#[test]
fn standalone_softmax_hidden() {
    check_standalone::<Softmax>("ActivationLayer<Softmax> hidden", 39, false);
}

#[test]
fn standalone_prelu_including_slope() {
    type Net = Chain<Dense<4, 6, Identity>, Chain<ActivationLayer<6, PReLU>, Dense<6, 3, Identity>>>;
    let (a, n) = check_standalone::<PReLU>("ActivationLayer<PReLU>", 40, true);
    let slope = 4 * 6 + 6;
    let net: Net = make_net(40);
    assert_eq!(net.params()[slope], net.rest.first.activation.alpha);
    assert!(n[slope].abs() > 1e-3, "slope gradient {} too small to test", n[slope]);
    let rel = (a[slope] - n[slope]).abs() / n[slope].abs();
    assert!(rel < 1e-3, "slope gradient: analytic {} numeric {}", a[slope], n[slope]);
}

#[test]
fn standalone_softmax_output_with_cross_entropy_is_fused() {
    type Net = Chain<Dense<4, 3, Tanh>, ActivationLayer<3, Softmax>>;
    let net: Net = make_net(41);
    let mut r = rng(1041);
    let xs = inputs(&net, &mut r, 5, -1.0, 1.0, false);
    let ys = prob_rows::<3>(&mut r, 5);
    check("ActivationLayer<Softmax> out + CrossEntropy", &net, &xs, &ys, &CrossEntropy, false);
}

#[test]
fn softmax_layer_and_softmax_activation_give_the_same_loss_and_gradient() {
    type Separate = Chain<Dense<4, 3, Identity>, ActivationLayer<3, Softmax>>;
    type Inside = Dense<4, 3, Softmax>;
    let sep: Separate = make_net(43);
    let mut inside: Inside = Network::zeros();
    inside.set_params(sep.params()).unwrap();
    let mut r = rng(1043);
    let xs = inputs(&sep, &mut r, 5, -1.0, 1.0, false);
    let ys = prob_rows::<3>(&mut r, 5);
    for fused in [true, false] {
        let (l1, g1, l2, g2) = if fused {
            let (l1, g1) = sep.loss_and_grad(&xs, &ys, &CrossEntropy).unwrap();
            let (l2, g2) = inside.loss_and_grad(&xs, &ys, &CrossEntropy).unwrap();
            (l1, g1.as_slice().to_vec(), l2, g2.as_slice().to_vec())
        } else {
            let (l1, g1) = sep.loss_and_grad(&xs, &ys, &Mse).unwrap();
            let (l2, g2) = inside.loss_and_grad(&xs, &ys, &Mse).unwrap();
            (l1, g1.as_slice().to_vec(), l2, g2.as_slice().to_vec())
        };
        assert_eq!(l1, l2);
        assert_eq!(g1, g2);
    }
}

#[test]
fn cross_entropy_on_saturated_softmax_uses_the_logits() {
    // logits (1000, -1000, 0): softmax = (1, 0, 0) in f32, so −ln p₁ would be
    // clamped; the fused loss is logsumexp(z) − z₁ = 1000 − (−1000) = 2000 and
    // the gradient p − y = (1, −1, 0) (then ×x for the weights).
    fn run<N: Network<Input = [f32; 1], Output = [f32; 3]>>(net: &N, what: &str) {
        let (l, g) = net.loss_and_grad(&[[1.0]], &[[0.0, 1.0, 0.0]], &CrossEntropy).unwrap();
        assert_eq!(l, 2000.0, "{what}");
        // layout: weights [3][1], then bias [3]
        assert_eq!(&g.as_slice()[..6], &[1.0, -1.0, 0.0, 1.0, -1.0, 0.0], "{what}");
    }
    let mut inside: Dense<1, 3, Softmax> = Network::zeros();
    inside.weights = [[1000.0], [-1000.0], [0.0]];
    run(&inside, "Dense<1, 3, Softmax>");
    let mut sep: Chain<Dense<1, 3, Identity>, ActivationLayer<3, Softmax>> = Network::zeros();
    sep.first.weights = [[1000.0], [-1000.0], [0.0]];
    run(&sep, "Dense<1, 3> then ActivationLayer<Softmax>");
}

#[test]
fn standalone_softmax_output_with_mse() {
    type Net = Chain<Dense<4, 3, Tanh>, ActivationLayer<3, Softmax>>;
    let net: Net = make_net(42);
    let mut r = rng(1042);
    let xs = inputs(&net, &mut r, 5, -1.0, 1.0, false);
    let ys = one_hot_rows::<3>(&mut r, 5);
    check("ActivationLayer<Softmax> out + Mse", &net, &xs, &ys, &Mse, false);
}

// ---------------------------------------------------------------------------
// deep networks, batches

#[test]
fn three_hidden_layers_4_8_7_6_3() {
    type Net = Chain<Dense<4, 8, Tanh>, Chain<Dense<8, 7, ReLU>, Chain<Dense<7, 6, ELU>, Dense<6, 3, Softmax>>>>;
    assert_eq!(Net::PARAMS, (4 * 8 + 8) + (8 * 7 + 7) + (7 * 6 + 6) + (6 * 3 + 3));
    let net: Net = make_net(50);
    let mut r = rng(1050);
    let xs = inputs(&net, &mut r, 8, -1.0, 1.0, true);
    let ys = one_hot_rows::<3>(&mut r, 8);
    check("4-8-7-6-3 Tanh/ReLU/ELU/Softmax + CrossEntropy", &net, &xs, &ys, &CrossEntropy, true);
    // batches of 4 or more may take the GEMM kernels (feature std), smaller
    // ones the scalar kernels: check a batch of 3 as well
    const _: () = assert!(3 < nn_core::kernel::GEMM_MIN_BATCH);
    check("4-8-7-6-3, batch 3 (scalar kernels)", &net, &xs[..3], &ys[..3], &CrossEntropy, true);
}

#[test]
fn three_hidden_layers_sigmoid_mse() {
    type Net =
        Chain<Dense<4, 8, Sigmoid>, Chain<Dense<8, 7, Sigmoid>, Chain<Dense<7, 6, Sigmoid>, Dense<6, 3, Sigmoid>>>>;
    let net: Net = make_net(51);
    let mut r = rng(1051);
    let xs = inputs(&net, &mut r, 7, -1.0, 1.0, false);
    let ys = rows::<3>(&mut r, 7, 0.0, 1.0);
    let (a, _) = check("4-8-7-6-3 Sigmoid + Mse", &net, &xs, &ys, &Mse, false);
    // the first layer's gradients are ~100x smaller than the last layer's
    // (four sigmoids, σ' ≤ 1/4), so the max-norm check above hardly sees
    // them: check the first layer on its own scale, with a larger step
    // (everything is smooth) to keep the f32 rounding of the loss small
    let first = 4 * 8 + 8;
    let n = numeric_grad_h(&net, &xs, &ys, &Mse, 3e-2);
    let err = rel_error_min_scale(&a[..first], &n[..first], 1e-5);
    let scale = a[..first].iter().fold(0.0f64, |m, v| m.max(v.abs()));
    println!("  first layer alone (scale {scale:.1e}, h = 3e-2): rel err {err:.2e}");
    assert!(err < 3e-3, "first layer: {err:e}");
}

#[test]
fn deep_with_dropout_in_eval_mode() {
    // loss_and_grad runs with dropout off: the gradient is that of the plain network
    type Net = Chain<Dense<4, 8, Tanh>, Chain<Dropout<8, { f32_bits(0.5) }>, Dense<8, 3, Softmax>>>;
    let net: Net = make_net(52);
    let mut r = rng(1052);
    let xs = inputs(&net, &mut r, 5, -1.0, 1.0, false);
    let ys = one_hot_rows::<3>(&mut r, 5);
    check("Dense-Dropout(eval)-Dense + CrossEntropy", &net, &xs, &ys, &CrossEntropy, false);
}

#[test]
fn batch_loss_and_gradient_are_the_means_over_samples() {
    type Net = Chain<Dense<4, 8, Tanh>, Chain<Dense<8, 7, ReLU>, Chain<Dense<7, 6, ELU>, Dense<6, 3, Softmax>>>>;
    fn compare<L: Loss>(net: &Net, xs: &[[f32; 4]], ys: &[[f32; 3]], loss: &L) {
        let (l, g) = net.loss_and_grad(xs, ys, loss).unwrap();
        let mut mean_l = 0.0f64;
        let mut mean_g = vec![0.0f64; Net::PARAMS];
        for (x, y) in xs.iter().zip(ys) {
            let (li, gi) = net.loss_and_grad(core::slice::from_ref(x), core::slice::from_ref(y), loss).unwrap();
            mean_l += li as f64 / xs.len() as f64;
            for (m, g) in mean_g.iter_mut().zip(gi.as_slice()) {
                *m += *g as f64 / xs.len() as f64;
            }
        }
        assert!((l as f64 - mean_l).abs() < 1e-6 * mean_l.abs().max(1.0), "loss {l} vs mean {mean_l}");
        let scale = g.as_slice().iter().fold(0.0f64, |m, v| m.max(v.abs() as f64));
        assert!(scale > 1e-3);
        for (i, (a, b)) in g.as_slice().iter().zip(&mean_g).enumerate() {
            assert!((*a as f64 - b).abs() <= 1e-5 * scale, "param {i}: batch grad {a} vs mean of per-sample grads {b}");
        }
    }
    let net: Net = make_net(53);
    let mut r = rng(1053);
    let xs = inputs(&net, &mut r, 6, -1.0, 1.0, true);
    let ys = one_hot_rows::<3>(&mut r, 6);
    compare(&net, &xs, &ys, &CrossEntropy);
    compare(&net, &xs, &ys, &Mse);
    // and the batch of 6 passes the finite-difference check
    check("4-8-7-6-3, batch 6, Mse", &net, &xs, &ys, &Mse, true);
}

// ---------------------------------------------------------------------------
// the checker itself can fail

#[test]
fn checker_rejects_a_wrong_gradient() {
    // analytic gradient of Mse (factor 2/3 over 3 outputs) against numeric
    // differences of SumSquaredError (factor 1): must be far outside the tolerance
    let net: SigmoidNet = make_net(60);
    let mut r = rng(1060);
    let xs = inputs(&net, &mut r, 4, -1.0, 1.0, false);
    let ys = rows::<3>(&mut r, 4, 0.0, 1.0);
    let (_, g) = net.loss_and_grad(&xs, &ys, &Mse).unwrap();
    let a: Vec<f64> = g.as_slice().iter().map(|&v| v as f64).collect();
    let n = numeric_grad(&net, &xs, &ys, &SumSquaredError);
    let err = rel_error(&a, &n);
    assert!(err > 0.3, "a wrong gradient passed the check: {err}");
    // and a single wrong component is caught as well
    let mut n_ok = numeric_grad(&net, &xs, &ys, &Mse);
    assert!(rel_error(&a, &n_ok) < TOL);
    let big = n_ok.iter().map(|v| v.abs()).fold(0.0, f64::max);
    n_ok[7] += 0.01 * big;
    assert!(rel_error(&a, &n_ok) > TOL, "a 1% error in one component went unnoticed");
}

// ---------------------------------------------------------------------------
// Step: straight-through derivative = perceptron rule

#[test]
fn step_sgd_is_rosenblatts_perceptron_rule_exactly() {
    type Perceptron = Dense<2, 1, Step>;
    let mut net: Perceptron = Network::zeros();
    net.weights = [[0.3, -0.7]];
    net.bias = [0.1];
    // AND gate, presented one sample at a time, several epochs
    let data = [([0.0f32, 0.0], 0.0f32), ([0.0, 1.0], 0.0), ([1.0, 0.0], 0.0), ([1.0, 1.0], 1.0)];
    let lr = 0.25f32;
    let mut opt = Sgd::new(lr);
    let mut rng = rng(0);
    let (mut w, mut b) = (net.weights[0], net.bias[0]);
    let mut updates = 0;
    for _epoch in 0..10 {
        for (x, t) in data {
            let y = if b + w[0] * x[0] + w[1] * x[1] >= 0.0 { 1.0 } else { 0.0 };
            assert_eq!(net.predict(&x), [y]);
            // Rosenblatt: w ← w + η (t − y) x, b ← b + η (t − y)
            for i in 0..2 {
                w[i] += lr * (t - y) * x[i];
            }
            b += lr * (t - y);
            if t != y {
                updates += 1;
            }
            let loss = net.train_step(&[x], &[[t]], &SumSquaredError, &mut opt, &mut rng).unwrap();
            assert_eq!(loss, 0.5 * (y - t) * (y - t));
            assert_eq!(net.weights[0].map(f32::to_bits), w.map(f32::to_bits), "weights after x={x:?} t={t}");
            assert_eq!(net.bias[0].to_bits(), b.to_bits(), "bias after x={x:?} t={t}");
        }
    }
    assert!(updates >= 3, "the rule was exercised only {updates} times");
    for (x, t) in data {
        assert_eq!(net.predict(&x), [t], "the perceptron learned AND");
    }
}

// ---------------------------------------------------------------------------
// Dropout

const N_DROP: usize = 2000;
const P_DROP: f32 = 0.3;
type DropNet = Dropout<N_DROP, { f32_bits(P_DROP) }>;

#[test]
fn dropout_eval_is_identity() {
    let mut r = rng(70);
    let x: [f32; N_DROP] = core::array::from_fn(|_| uniform(&mut r, -1.0, 1.0));
    let net = DropNet::default();
    assert_eq!(net.predict(&x), x);
    // loss_and_grad_in in Mode::Eval: output = input
    let mut ws = vec![0.0f32; DropNet::WORKSPACE_PER_SAMPLE];
    let mut grad = DropNet::default();
    net.loss_and_grad_in(&[x], &[[0.0; N_DROP]], &Mse, &mut grad, &mut ws, Mode::Eval).unwrap();
    assert_eq!(&ws[..N_DROP], &x[..]);
    // in a network: predict and loss_and_grad are those of the same network without dropout
    type With = Chain<Dense<3, 8, Tanh>, Chain<Dropout<8, { f32_bits(0.5) }>, Dense<8, 2, Identity>>>;
    type Without = Chain<Dense<3, 8, Tanh>, Dense<8, 2, Identity>>;
    let with: With = make_net(71);
    let mut without: Without = Network::zeros();
    without.set_params(with.params()).unwrap();
    let xs = rows::<3>(&mut r, 4, -1.0, 1.0);
    let ys = rows::<2>(&mut r, 4, -1.0, 1.0);
    for x in &xs {
        assert_eq!(with.predict(x), without.predict(x));
    }
    let (l1, g1) = with.loss_and_grad(&xs, &ys, &Mse).unwrap();
    let (l2, g2) = without.loss_and_grad(&xs, &ys, &Mse).unwrap();
    assert_eq!(l1, l2);
    assert_eq!(g1.as_slice(), g2.as_slice());
}

#[test]
fn dropout_train_zeroes_fraction_p_and_scales_survivors() {
    let mut r = rng(72);
    let xs: Vec<[f32; N_DROP]> = (0..3).map(|_| core::array::from_fn(|_| uniform(&mut r, 0.5, 1.5))).collect();
    let ys = vec![[0.0f32; N_DROP]; 3];
    let net = DropNet::default();
    let mut ws = vec![0.0f32; DropNet::WORKSPACE_PER_SAMPLE * 3];
    let mut grad = DropNet::default();
    let mut rng_train = rng(73);
    net.loss_and_grad_in(&xs, &ys, &Mse, &mut grad, &mut ws, Mode::Train(&mut rng_train)).unwrap();
    let keep = 1.0 / (1.0 - P_DROP);
    let mut dropped = 0;
    for (y, x) in ws[..3 * N_DROP].iter().zip(xs.iter().flatten()) {
        if *y == 0.0 {
            dropped += 1;
        } else {
            assert_eq!(*y, x * keep, "a survivor is scaled by exactly 1/(1-P)");
        }
    }
    let frac = dropped as f64 / (3 * N_DROP) as f64;
    // binomial std: sqrt(0.21 / 6000) = 0.006
    assert!((frac - P_DROP as f64).abs() < 0.025, "dropped fraction {frac}, expected {P_DROP}");
    // the masks differ between samples and between calls
    let mask = |s: usize| ws[s * N_DROP..(s + 1) * N_DROP].iter().map(|v| *v == 0.0).collect::<Vec<_>>();
    assert_ne!(mask(0), mask(1), "each sample draws its own mask");
}

#[test]
fn dropout_in_train_step_masks_forward_and_backward() {
    // Dense<1, N, Identity> with all weights 1 and input 1, then Dropout: the
    // output of unit o is the mask m_o ∈ {0, 1/(1-P)}; with SumSquaredError
    // against 0 the loss is ½Σm², ∂C/∂w_o = m_o², and one Sgd step gives
    // w_o = 1 − lr·m_o²: dropped units keep w_o = 1 exactly.
    type Net = Chain<Dense<1, N_DROP, Identity>, DropNet>;
    let mut net: Box<Net> = Net::zeroed_boxed();
    for w in net.first.weights.iter_mut() {
        w[0] = 1.0;
    }
    let lr = 0.01f32;
    let mut opt = Sgd::new(lr);
    let mut r = rng(74);
    let loss = net.train_step(&[[1.0]], &[[0.0; N_DROP]], &SumSquaredError, &mut opt, &mut r).unwrap();
    let keep = 1.0f32 / (1.0 - P_DROP);
    let mut kept = 0usize;
    for (w, b) in net.first.weights.iter().zip(&net.first.bias) {
        if w[0] == 1.0 {
            assert_eq!(*b, 0.0, "a dropped unit gets no gradient");
        } else {
            kept += 1;
            assert!((w[0] - (1.0 - lr * keep * keep)).abs() < 1e-6, "survivor weight {}", w[0]);
            assert!((b - (-lr * keep * keep)).abs() < 1e-6, "survivor bias {b}");
        }
    }
    let frac = 1.0 - kept as f64 / N_DROP as f64;
    assert!((frac - P_DROP as f64).abs() < 0.04, "dropped fraction {frac}");
    let expected_loss = 0.5 * kept as f32 * keep * keep;
    assert!((loss - expected_loss).abs() < 1e-3 * expected_loss, "loss {loss} vs {expected_loss}");
    // predict does not drop: every output is w_o·1 + b_o
    let y = net.predict(&[1.0]);
    for ((y, w), b) in y.iter().zip(&net.first.weights).zip(&net.first.bias) {
        assert_eq!(*y, w[0] + b);
    }
}

#[test]
fn dropout_zero_probability_is_identity_in_training() {
    type D0 = Dropout<16, { f32_bits(0.0) }>;
    let mut r = rng(75);
    let x: [f32; 16] = core::array::from_fn(|_| uniform(&mut r, -1.0, 1.0));
    let mut ws = vec![0.0f32; D0::WORKSPACE_PER_SAMPLE];
    let mut grad = D0::default();
    let before = r.clone();
    D0::default().loss_and_grad_in(&[x], &[[0.0; 16]], &Mse, &mut grad, &mut ws, Mode::Train(&mut r)).unwrap();
    assert_eq!(&ws[..16], &x[..]);
    assert_eq!(r, before, "P = 0 draws no random numbers");
}

// ---------------------------------------------------------------------------
// Maxout, DropConnect, Residual (with stochastic depth), per-unit PReLU

impl<const I: usize, const O: usize, const K: usize> MinPreact for Maxout<I, O, K> {
    /// The kink of a maxout unit is a tie between its two largest pieces:
    /// the smallest gap between them (over all units).
    fn min_abs_preact(&self, x: &[f32]) -> f32 {
        let mut m = f32::INFINITY;
        for o in 0..O {
            let mut z: Vec<f32> = (0..K)
                .map(|k| self.bias[o][k] + self.weights[o][k].iter().zip(x).map(|(w, x)| w * x).sum::<f32>())
                .collect();
            z.sort_by(|a, b| b.total_cmp(a));
            if K > 1 {
                m = m.min(z[0] - z[1]);
            }
        }
        m
    }
}

impl<const I: usize, const O: usize, A: nn_core::Activation, const P: u32> MinPreact for DropConnect<I, O, A, P> {
    /// As the `Dense` without a mask (the kinked checks run in `Mode::Eval`).
    fn min_abs_preact(&self, x: &[f32]) -> f32 {
        self.dense.min_abs_preact(x)
    }
}

impl<F: MinPreact, const P: u32> MinPreact for Residual<F, P> {
    fn min_abs_preact(&self, x: &[f32]) -> f32 {
        self.branch.min_abs_preact(x)
    }
}

/// Loss and gradient in `Mode::Train` with a generator seeded by `seed`:
/// every call draws the same masks.
fn train_loss_and_grad<N: Network, L: Loss>(
    net: &N,
    xs: &[N::Input],
    ys: &[N::Output],
    loss: &L,
    seed: u64,
) -> (f32, Vec<f64>) {
    let mut ws = vec![0.0f32; N::WORKSPACE_PER_SAMPLE * xs.len()];
    let mut grad: Box<N> = N::zeroed_boxed();
    let l = net.loss_and_grad_in(xs, ys, loss, &mut grad, &mut ws, Mode::Train(&mut rng(seed))).expect("finite loss");
    (l, grad.params().iter().map(|&g| g as f64).collect())
}

/// As [`check`], in `Mode::Train` with the same masks for the analytic and
/// every numeric evaluation (the masks depend on the seed only).
fn check_train<N: Network, L: Loss>(name: &str, net: &N, xs: &[N::Input], ys: &[N::Output], loss: &L, seed: u64) {
    let (l, analytic) = train_loss_and_grad(net, xs, ys, loss, seed);
    assert!(l.is_finite() && l > 0.0, "{name}: loss {l}");
    let mut ws = vec![0.0f32; N::WORKSPACE_PER_SAMPLE * xs.len()];
    let mut probe = *net;
    let mut numeric = Vec::with_capacity(N::PARAMS);
    for i in 0..N::PARAMS {
        let orig = probe.params()[i];
        let (plus, minus) = (orig + H, orig - H);
        probe.params_mut()[i] = plus;
        let lp = probe.loss_in(xs, ys, loss, &mut ws, Mode::Train(&mut rng(seed))).unwrap();
        probe.params_mut()[i] = minus;
        let lm = probe.loss_in(xs, ys, loss, &mut ws, Mode::Train(&mut rng(seed))).unwrap();
        probe.params_mut()[i] = orig;
        numeric.push((lp as f64 - lm as f64) / (plus as f64 - minus as f64));
    }
    let err = rel_error(&analytic, &numeric);
    println!("{name:<48} params {:>4}  loss {l:.5}  rel err {err:.2e}", N::PARAMS);
    assert!(
        err < TOL,
        "{name}: relative gradient error {err:e} >= {TOL:e}\nanalytic {analytic:?}\nnumeric  {numeric:?}"
    );
}

#[test]
fn maxout_between_layers() {
    // The kinks of maxout are ties between its two largest pieces: the inputs
    // keep every gap above KINK_MARGIN.
    type Net = Chain<Dense<4, 6, Tanh>, Chain<Maxout<6, 3, 4>, Dense<3, 2, Identity>>>;
    let net: Net = make_net(90);
    let mut r = rng(1090);
    let xs = inputs(&net, &mut r, 6, -1.0, 1.0, true);
    let ys = rows::<2>(&mut r, 6, -1.0, 1.0);
    check("Dense-Maxout<6, 3, 4>-Dense + Mse", &net, &xs, &ys, &Mse, true);
    // For one sample, exactly one piece of each unit (the winner) gets a gradient.
    let (_, g) = net.loss_and_grad(&xs[..1], &ys[..1], &Mse).unwrap();
    for unit in &g.0.rest.first.bias {
        assert_eq!(unit.iter().filter(|g| **g != 0.0).count(), 1, "{unit:?}");
    }
}

#[test]
fn maxout_first_and_last_with_softmax_loss() {
    type Net = Chain<Maxout<3, 4, 2>, Dense<4, 3, Softmax>>;
    let net: Net = make_net(91);
    let mut r = rng(1091);
    let xs = inputs(&net, &mut r, 5, -1.0, 1.0, true);
    let ys = one_hot_rows::<3>(&mut r, 5);
    check("Maxout<3, 4, 2>-Dense<Softmax> + CrossEntropy", &net, &xs, &ys, &CrossEntropy, true);
}

#[test]
fn maxout_with_one_piece_is_dense() {
    let mut r = rng(92);
    let maxout: Maxout<5, 3, 1> = make_net(92);
    let mut dense: Dense<5, 3, Identity> = bytemuck::Zeroable::zeroed();
    dense.params_mut().copy_from_slice(maxout.params());
    let x: [f32; 5] = core::array::from_fn(|_| uniform(&mut r, -1.0, 1.0));
    assert_eq!(maxout.predict(&x), dense.predict(&x));
}

type Dc<const P_BITS: u32> = DropConnect<4, 6, Tanh, P_BITS>;

#[test]
fn drop_connect_eval_is_dense() {
    type Net = Chain<Dc<{ f32_bits(0.5) }>, Dense<6, 3, Identity>>;
    let net: Net = make_net(93);
    let mut r = rng(1093);
    let xs = inputs(&net, &mut r, 5, -1.0, 1.0, false);
    let ys = rows::<3>(&mut r, 5, -1.0, 1.0);
    check("DropConnect(eval)-Dense + Mse", &net, &xs, &ys, &Mse, false);
    let mut plain: Chain<Dense<4, 6, Tanh>, Dense<6, 3, Identity>> = bytemuck::Zeroable::zeroed();
    plain.params_mut().copy_from_slice(net.params());
    let (la, ga) = net.loss_and_grad(&xs, &ys, &Mse).unwrap();
    let (lb, gb) = plain.loss_and_grad(&xs, &ys, &Mse).unwrap();
    assert_eq!(la, lb);
    assert_eq!(ga.as_slice(), gb.as_slice());
    for x in &xs {
        assert_eq!(net.predict(x), plain.predict(x));
    }
}

#[test]
fn drop_connect_train_gradient_with_a_fixed_mask() {
    type Net = Chain<Dense<3, 4, Tanh>, Chain<Dc<{ f32_bits(0.5) }>, Dense<6, 3, Identity>>>;
    let net: Net = make_net(94);
    let mut r = rng(1094);
    let xs = rows::<3>(&mut r, 6, -1.0, 1.0);
    let ys = rows::<3>(&mut r, 6, -1.0, 1.0);
    check_train("Dense-DropConnect<0.5>(train)-Dense + Mse", &net, &xs, &ys, &Mse, 7);
    // The mask was active: the training loss differs from the evaluation loss.
    let (train, _) = train_loss_and_grad(&net, &xs, &ys, &Mse, 7);
    let (eval, _) = net.loss_and_grad(&xs, &ys, &Mse).unwrap();
    assert_ne!(train, eval);
}

#[test]
fn drop_connect_train_gradient_on_softmax_cross_entropy() {
    type Net = Chain<Dense<3, 4, Tanh>, DropConnect<4, 5, Softmax, { f32_bits(0.3) }>>;
    let net: Net = make_net(95);
    let mut r = rng(1095);
    let xs = rows::<3>(&mut r, 6, -1.0, 1.0);
    let ys = one_hot_rows::<5>(&mut r, 6);
    check_train("Dense-DropConnect<Softmax, 0.3> + CrossEntropy", &net, &xs, &ys, &CrossEntropy, 8);
}

#[test]
fn drop_connect_mask_is_per_batch_inverted_and_drops_fraction_p() {
    // Identity activation, zero bias, inputs the unit vectors e_i: the output
    // of sample i is column i of W ⊙ M, so one batch shows the whole mask.
    const IN: usize = 64;
    const OUT: usize = 50;
    const P: f32 = 0.3;
    type L = DropConnect<IN, OUT, Identity, { f32_bits(P) }>;
    let mut layer: Box<L> = L::zeroed_boxed();
    for row in layer.dense.weights.iter_mut() {
        row.fill(1.0);
    }
    let eye: Vec<[f32; IN]> = (0..IN).map(|i| core::array::from_fn(|j| f32::from(u8::from(i == j)))).collect();
    let mut batch = eye.clone();
    batch.extend_from_slice(&eye); // every column twice: the same mask for both copies
    let mut ws = vec![0.0f32; L::WORKSPACE_PER_SAMPLE * batch.len()];
    let ys = vec![[0.0f32; OUT]; batch.len()];
    let mut grad: Box<L> = L::zeroed_boxed();
    let mut r = rng(96);
    layer.loss_and_grad_in(&batch, &ys, &Mse, &mut grad, &mut ws, Mode::Train(&mut r)).unwrap();
    let out = |ws: &[f32]| ws[..batch.len() * OUT].to_vec();
    let first = out(&ws);
    let keep = 1.0 / (1.0 - P);
    let mut dropped = 0;
    for (i, row) in first.chunks_exact(OUT).enumerate().take(IN) {
        assert_eq!(row, &first[(IN + i) * OUT..(IN + i + 1) * OUT], "one mask for the whole batch");
        for &v in row {
            if v == 0.0 {
                dropped += 1;
            } else {
                assert_eq!(v, keep, "kept weights are scaled by exactly 1/(1 − P)");
            }
        }
    }
    let frac = dropped as f64 / (IN * OUT) as f64;
    // binomial std: sqrt(0.21 / 3200) = 0.008
    assert!((frac - P as f64).abs() < 0.04, "dropped fraction {frac}, expected {P}");
    // Dropped weights get no gradient; a new batch draws a new mask.
    for (o, row) in grad.dense.weights.iter().enumerate() {
        for (i, g) in row.iter().enumerate() {
            assert_eq!(*g == 0.0, first[i * OUT + o] == 0.0, "weight [{o}][{i}]");
        }
    }
    layer.loss_and_grad_in(&batch, &ys, &Mse, &mut grad, &mut ws, Mode::Train(&mut r)).unwrap();
    assert_ne!(out(&ws), first, "each forward pass draws its own mask");
    // predict does not drop.
    assert_eq!(layer.predict(&eye[3]), [1.0; OUT]);
}

#[test]
fn residual_block_with_relu_inside() {
    type Branch = Chain<Dense<4, 5, ReLU>, Dense<5, 4, Identity>>;
    type Net = Chain<Dense<3, 4, Tanh>, Chain<Residual<Branch, 0>, Dense<4, 2, Identity>>>;
    let net: Net = make_net(97);
    let mut r = rng(1097);
    let xs = inputs(&net, &mut r, 6, -1.0, 1.0, true);
    let ys = rows::<2>(&mut r, 6, -1.0, 1.0);
    check("Dense-Residual<Dense<ReLU>, Dense>-Dense + Mse", &net, &xs, &ys, &Mse, true);
    // First in the network (no input gradient asked of it) and nested.
    type First = Chain<Residual<Chain<Residual<Dense<3, 3, Tanh>, 0>, Dense<3, 3, Sigmoid>>, 0>, Dense<3, 2, Softmax>>;
    let net: First = make_net(98);
    let xs = rows::<3>(&mut r, 5, -1.0, 1.0);
    let ys = one_hot_rows::<2>(&mut r, 5);
    check("Residual<Residual<Dense>, Dense>-Dense + CrossEntropy", &net, &xs, &ys, &CrossEntropy, false);
}

#[test]
fn residual_stochastic_depth_train_gradient_with_fixed_drops() {
    type Branch = Chain<Dense<4, 6, Tanh>, Chain<Dropout<6, { f32_bits(0.2) }>, Dense<6, 4, Identity>>>;
    type Net = Chain<Dense<3, 4, Tanh>, Chain<Residual<Branch, { f32_bits(0.5) }>, Dense<4, 2, Identity>>>;
    let net: Net = make_net(99);
    let mut r = rng(1099);
    let xs = rows::<3>(&mut r, 8, -1.0, 1.0);
    let ys = rows::<2>(&mut r, 8, -1.0, 1.0);
    check_train("Dense-Residual<StochasticDepth<0.5>, ..>(train)-Dense + Mse", &net, &xs, &ys, &Mse, 11);
    check("Dense-Residual<StochasticDepth<0.5>, ..>(eval)-Dense + Mse", &net, &xs, &ys, &Mse, false);
}

#[test]
fn stochastic_depth_drops_whole_rows_with_probability_p_and_scales_the_rest() {
    // torchvision.ops.stochastic_depth(mode="row"): y = x + m·F(x), m ∈ {0, 1/(1−p)} per sample.
    const P: f32 = 0.25;
    type L = Residual<Dense<8, 8, Tanh>, { f32_bits(P) }>;
    let layer: L = make_net(100);
    let mut r = rng(1100);
    let xs = rows::<8>(&mut r, 2000, -1.0, 1.0);
    let mut ws = vec![0.0f32; L::WORKSPACE_PER_SAMPLE * xs.len()];
    let before = layer.loss_in(&xs, &vec![[0.0; 8]; xs.len()], &Mse, &mut ws, Mode::Train(&mut r));
    before.unwrap();
    let keep = 1.0 / (1.0 - P);
    let mut dropped = 0;
    for (y, x) in ws[..xs.len() * 8].chunks_exact(8).zip(&xs) {
        let mut f = [0.0f32; 8];
        layer.branch.forward_one(x, &mut f);
        if y == x {
            dropped += 1;
        } else {
            for i in 0..8 {
                assert!((y[i] - (x[i] + keep * f[i])).abs() < 1e-6, "{y:?} vs {x:?} + {keep}·{f:?}");
            }
        }
        // predict: x + F(x), no scaling.
        let p = layer.predict(x);
        for i in 0..8 {
            assert_eq!(p[i], x[i] + f[i]);
        }
    }
    let frac = dropped as f64 / xs.len() as f64;
    // binomial std: sqrt(0.1875 / 2000) = 0.0097
    assert!((frac - P as f64).abs() < 0.04, "dropped fraction {frac}, expected {P}");
}

#[test]
fn channel_prelu_in_dense_and_standalone() {
    type Inside = Chain<Dense<4, 6, ChannelPReLU<6>>, Dense<6, 3, ChannelPReLU<3>>>;
    let net: Inside = make_net(101);
    // make_net moved every slope: they differ per unit.
    assert!(net.first.activation.alpha.windows(2).any(|w| w[0] != w[1]));
    let mut r = rng(1101);
    let xs = inputs(&net, &mut r, 6, -1.0, 1.0, true);
    let ys = rows::<3>(&mut r, 6, -1.0, 1.0);
    let (analytic, _) = check("Dense<PReLU<6>>-Dense<PReLU<3>> + Mse", &net, &xs, &ys, &Mse, true);
    // The slope gradients (after W and b of the first layer) are not all equal.
    let slopes = &analytic[4 * 6 + 6..4 * 6 + 6 + 6];
    assert!(slopes.windows(2).any(|w| (w[0] - w[1]).abs() > 1e-6), "{slopes:?}");
    type Standalone = Chain<Dense<4, 6, Identity>, Chain<ActivationLayer<6, ChannelPReLU<6>>, Dense<6, 3, Identity>>>;
    let net: Standalone = make_net(102);
    let xs = inputs(&net, &mut r, 6, -1.0, 1.0, true);
    let ys = rows::<3>(&mut r, 6, -1.0, 1.0);
    check("Dense-PReLU<6>-Dense + SumSquaredError", &net, &xs, &ys, &SumSquaredError, true);
}
