//! Bad input is an error, not a panic, and an error changes nothing:
//! parameters (bit for bit), gradient buffers, workspaces, optimizer state and
//! outputs are left exactly as they were, and the message says what was wrong
//! with the numbers involved.

use nn_core::{
    rng, Chain, CrossEntropy, Dense, Dropout, Error, Identity, Loss, Mode, Mse, Network, Optimizer, ReLU, Sgd, Sigmoid,
    Softmax, Step, SumSquaredError, Tanh,
};

type Net = Chain<Dense<3, 5, Tanh>, Dense<5, 2, Sigmoid>>;
type DropNet = Chain<Dense<3, 5, Tanh>, Chain<Dropout<5, { nn_core::f32_bits(0.5) }>, Dense<5, 2, Sigmoid>>>;

fn net() -> Net {
    Net::new(&mut rng(1))
}

fn bits(p: &[f32]) -> Vec<u32> {
    p.iter().map(|v| v.to_bits()).collect()
}

fn data(n: usize) -> (Vec<[f32; 3]>, Vec<[f32; 2]>) {
    let mut r = rng(2);
    let xs = (0..n).map(|_| std::array::from_fn(|_| r.uniform() * 2.0 - 1.0)).collect();
    let ys = (0..n).map(|_| std::array::from_fn(|_| r.uniform())).collect();
    (xs, ys)
}

fn msg(e: &Error) -> String {
    e.to_string()
}

fn length_mismatch(e: &Error) -> (&'static str, usize, usize) {
    match *e {
        Error::LengthMismatch { what, expected, found } => (what, expected, found),
        ref other => panic!("expected LengthMismatch, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// predict_batch

#[test]
fn predict_batch_with_outputs_shorter_or_longer_than_inputs() {
    let net = net();
    let (xs, _) = data(3);
    for n_out in [0, 2, 4, 10] {
        let mut outs = vec![[7.0f32, -7.0]; n_out];
        let e = net.predict_batch(&xs, &mut outs).unwrap_err();
        assert_eq!(length_mismatch(&e), ("outputs", 3, n_out));
        assert!(outs.iter().all(|o| *o == [7.0, -7.0]), "outputs were written despite the error");
        let m = msg(&e);
        assert!(m.contains("outputs") && m.contains(&format!("has {n_out} elements")) && m.contains("3"), "{m}");
    }
    assert_eq!(
        msg(&net.predict_batch(&xs, &mut [[0.0; 2]; 2]).unwrap_err()),
        "outputs has 2 elements, but 3 were expected"
    );
    // the right length works and equals predict
    let mut outs = vec![[0.0f32; 2]; 3];
    net.predict_batch(&xs, &mut outs).unwrap();
    for (x, o) in xs.iter().zip(&outs) {
        assert_eq!(net.predict(x), *o);
    }
}

// ---------------------------------------------------------------------------
// set_params

#[test]
fn set_params_with_the_wrong_length() {
    let mut net = net();
    let before = bits(net.params());
    assert_eq!(Net::PARAMS, 3 * 5 + 5 + 5 * 2 + 2);
    for n in [0, 1, Net::PARAMS - 1, Net::PARAMS + 1, 2 * Net::PARAMS] {
        let new = vec![0.5f32; n];
        let e = net.set_params(&new).unwrap_err();
        assert_eq!(length_mismatch(&e), ("params", Net::PARAMS, n));
        assert_eq!(bits(net.params()), before, "set_params changed the network despite the error");
        let m = msg(&e);
        assert_eq!(m, format!("params has {n} elements, but 32 were expected"));
    }
    // the right length is copied in order
    let new: Vec<f32> = (0..Net::PARAMS).map(|i| i as f32).collect();
    net.set_params(&new).unwrap();
    assert_eq!(net.params(), &new[..]);
}

// ---------------------------------------------------------------------------
// train_step / loss_and_grad: lengths and empty batches

#[test]
fn train_step_with_xs_and_ys_of_different_lengths() {
    let mut net = net();
    let (xs, ys) = data(4);
    let before = bits(net.params());
    let mut opt = Sgd::new(0.1).momentum(0.9);
    // one successful step first, so that the optimizer has state
    net.train_step(&xs, &ys, &Mse, &mut opt, &mut rng(3)).unwrap();
    let before_step = bits(net.params());
    assert_ne!(before_step, before);
    let opt_before = opt.clone();
    let mut r = rng(4);
    let r_before = r.clone();
    for (nx, ny) in [(4, 3), (3, 4), (1, 4), (4, 0)] {
        let e = net.train_step(&xs[..nx], &ys[..ny], &Mse, &mut opt, &mut r).unwrap_err();
        assert_eq!(length_mismatch(&e), ("targets (ys)", nx, ny));
        assert_eq!(bits(net.params()), before_step);
        assert_eq!(opt, opt_before, "the optimizer (state, step count) changed");
        assert_eq!(r, r_before, "random numbers were drawn");
        let m = msg(&e);
        assert!(m.contains("targets") && m.contains(&format!("has {ny} elements, but {nx} were expected")), "{m}");
        // the same from loss_and_grad
        let e2 = net.loss_and_grad(&xs[..nx], &ys[..ny], &Mse).unwrap_err();
        assert_eq!(e2, e);
    }
    // a dropout network does not draw its masks before the check
    let mut dnet = DropNet::new(&mut rng(5));
    let dbefore = bits(dnet.params());
    let e = dnet.train_step(&xs[..2], &ys[..3], &Mse, &mut opt, &mut r).unwrap_err();
    assert_eq!(length_mismatch(&e), ("targets (ys)", 2, 3));
    assert_eq!(bits(dnet.params()), dbefore);
    assert_eq!(r, r_before);
}

#[test]
fn empty_batch() {
    let mut net = net();
    let before = bits(net.params());
    let mut opt = Sgd::new(0.1).momentum(0.9);
    let opt_before = opt.clone();
    let mut r = rng(6);
    let e = net.train_step(&[], &[], &Mse, &mut opt, &mut r).unwrap_err();
    assert_eq!(e, Error::EmptyBatch);
    assert_eq!(bits(net.params()), before);
    assert_eq!(opt, opt_before);
    assert_eq!(net.loss_and_grad(&[], &[], &Mse).unwrap_err(), Error::EmptyBatch);
    let m = msg(&e);
    assert!(m.contains("empty"), "{m}");

    let mut grad = Net::zeros();
    grad.params_mut().fill(3.0);
    let mut ws = vec![5.0f32; Net::WORKSPACE_PER_SAMPLE * 4];
    let e = net.loss_and_grad_in(&[], &[], &Mse, &mut grad, &mut ws, Mode::Eval).unwrap_err();
    assert_eq!(e, Error::EmptyBatch);
    assert!(grad.params().iter().all(|&g| g == 3.0));
    assert!(ws.iter().all(|&w| w == 5.0));
    let e = net.loss_in(&[], &[], &Mse, &mut ws, Mode::Eval).unwrap_err();
    assert_eq!(e, Error::EmptyBatch);

    let mut state = vec![0.0f32; Net::PARAMS];
    let e = net.train_step_in(&[], &[], &Mse, &mut opt, &mut state, &mut grad, &mut ws, &mut r).unwrap_err();
    assert_eq!(e, Error::EmptyBatch);
    assert_eq!(bits(net.params()), before);
    assert!(state.iter().all(|&s| s == 0.0));
}

// ---------------------------------------------------------------------------
// caller-provided buffers

#[test]
fn loss_and_grad_in_with_a_too_small_workspace() {
    let net = net();
    let (xs, ys) = data(3);
    let needed = Net::WORKSPACE_PER_SAMPLE * 3;
    // output + its gradient + caches (Chain: mid, dmid, z of both layers)
    assert_eq!(Net::WORKSPACE_PER_SAMPLE, 2 * 2 + (2 * 5 + 5 + 2));
    let mut grad = Net::zeros();
    grad.params_mut().fill(3.0);
    for found in [0, 1, needed - 1, Net::WORKSPACE_PER_SAMPLE * 2] {
        let mut ws = vec![5.0f32; found];
        let e = net.loss_and_grad_in(&xs, &ys, &Mse, &mut grad, &mut ws, Mode::Eval).unwrap_err();
        assert_eq!(e, Error::WorkspaceTooSmall { needed, found });
        assert!(grad.params().iter().all(|&g| g == 3.0), "grad touched");
        assert!(ws.iter().all(|&w| w == 5.0), "workspace touched");
        let m = msg(&e);
        assert!(m.contains(&format!("holds {found} f32")) && m.contains(&format!("needs {needed}")), "{m}");
        let e = net.loss_in(&xs, &ys, &Mse, &mut ws, Mode::Eval).unwrap_err();
        assert_eq!(e, Error::WorkspaceTooSmall { needed, found });
    }
    // exactly the size, or larger, works; the gradient is added to grad
    let (l, g) = net.loss_and_grad(&xs, &ys, &Mse).unwrap();
    for extra in [0, 7] {
        let mut grad = Net::zeros();
        let mut ws = vec![0.0f32; needed + extra];
        let l2 = net.loss_and_grad_in(&xs, &ys, &Mse, &mut grad, &mut ws, Mode::Eval).unwrap();
        assert_eq!(l2, l);
        assert_eq!(grad.params(), g.as_slice());
    }
}

#[test]
fn train_step_in_with_the_wrong_optimizer_state_length() {
    let mut net = net();
    let (xs, ys) = data(2);
    let before = bits(net.params());
    let mut grad = Net::zeros();
    grad.params_mut().fill(3.0);
    let mut ws = vec![5.0f32; Net::WORKSPACE_PER_SAMPLE * 2];
    let mut r = rng(7);
    let r_before = r.clone();

    let mut opt = Sgd::new(0.1).momentum(0.9);
    assert_eq!(opt.state_len(Net::PARAMS), Net::PARAMS);
    let opt_before = opt.clone();
    for n in [0, Net::PARAMS - 1, Net::PARAMS + 1] {
        let mut state = vec![1.0f32; n];
        let e = net.train_step_in(&xs, &ys, &Mse, &mut opt, &mut state, &mut grad, &mut ws, &mut r).unwrap_err();
        assert_eq!(length_mismatch(&e), ("optimizer state", Net::PARAMS, n));
        assert_eq!(bits(net.params()), before);
        assert!(state.iter().all(|&s| s == 1.0));
        assert!(grad.params().iter().all(|&g| g == 3.0));
        assert!(ws.iter().all(|&w| w == 5.0));
        assert_eq!(opt, opt_before);
        assert_eq!(r, r_before);
        assert_eq!(msg(&e), format!("optimizer state has {n} elements, but {} were expected", Net::PARAMS));
    }
    // plain Sgd needs no state at all
    let mut plain = Sgd::new(0.1);
    let e = net.train_step_in(&xs, &ys, &Mse, &mut plain, &mut [0.0], &mut grad, &mut ws, &mut r).unwrap_err();
    assert_eq!(length_mismatch(&e), ("optimizer state", 0, 1));
    assert_eq!(bits(net.params()), before);
    // and the right length works
    let mut state = vec![0.0f32; Net::PARAMS];
    net.train_step_in(&xs, &ys, &Mse, &mut opt, &mut state, &mut grad, &mut ws, &mut r).unwrap();
    assert_ne!(bits(net.params()), before);
}

#[test]
fn train_step_in_checks_batch_and_workspace_too() {
    let mut net = net();
    let (xs, ys) = data(3);
    let before = bits(net.params());
    let mut opt = Sgd::new(0.1);
    let mut grad = Net::zeros();
    let mut r = rng(8);
    let mut small = vec![0.0f32; Net::WORKSPACE_PER_SAMPLE * 3 - 1];
    let e = net.train_step_in(&xs, &ys, &Mse, &mut opt, &mut [], &mut grad, &mut small, &mut r).unwrap_err();
    assert_eq!(e, Error::WorkspaceTooSmall { needed: Net::WORKSPACE_PER_SAMPLE * 3, found: small.len() });
    assert_eq!(bits(net.params()), before);
    let mut ws = vec![0.0f32; Net::WORKSPACE_PER_SAMPLE * 3];
    let e = net.train_step_in(&xs, &ys[..2], &Mse, &mut opt, &mut [], &mut grad, &mut ws, &mut r).unwrap_err();
    assert_eq!(length_mismatch(&e), ("targets (ys)", 3, 2));
    assert_eq!(bits(net.params()), before);
}

// ---------------------------------------------------------------------------
// non-finite losses

/// Runs `train_step` (with a momentum optimizer that already has state) and
/// `loss_and_grad_in`, both of which must fail with `NonFiniteLoss` and change
/// nothing.
fn assert_non_finite<N: Network, L: Loss>(what: &str, net: &mut N, xs: &[N::Input], ys: &[N::Output], loss: &L) {
    // give the optimizer state with a good batch
    let mut opt = Sgd::new(0.01).momentum(0.9);
    let mut good_x = xs[0];
    good_x.as_mut().fill(0.25);
    let good_y = {
        let mut y = ys[0];
        y.as_mut().fill(0.0);
        y.as_mut()[0] = 1.0;
        y
    };
    net.train_step(&[good_x], &[good_y], loss, &mut opt, &mut rng(9)).unwrap();

    let before = bits(net.params());
    let opt_before = opt.clone();
    let e = net.train_step(xs, ys, loss, &mut opt, &mut rng(10)).unwrap_err();
    match e {
        Error::NonFiniteLoss { loss } => assert!(!loss.is_finite(), "{what}: NonFiniteLoss with loss {loss}"),
        ref other => panic!("{what}: expected NonFiniteLoss, got {other:?}"),
    }
    assert_eq!(bits(net.params()), before, "{what}: parameters changed");
    assert_eq!(opt, opt_before, "{what}: optimizer state changed");
    let m = msg(&e);
    assert!(m.contains("loss is") && m.contains("not updated"), "{what}: {m}");

    let mut grad = N::zeroed_boxed();
    grad.params_mut().fill(3.0);
    let mut ws = vec![0.0f32; N::WORKSPACE_PER_SAMPLE * xs.len()];
    let e2 = net.loss_and_grad_in(xs, ys, loss, &mut grad, &mut ws, Mode::Eval).unwrap_err();
    assert!(matches!(e2, Error::NonFiniteLoss { .. }), "{what}: {e2:?}");
    assert!(grad.params().iter().all(|&g| g == 3.0), "{what}: grad touched");
    assert!(matches!(net.loss_and_grad(xs, ys, loss), Err(Error::NonFiniteLoss { .. })), "{what}");

    // train_step_in: same
    let mut state = vec![0.0f32; opt.state_len(N::PARAMS)];
    let e3 = net.train_step_in(xs, ys, loss, &mut opt, &mut state, &mut grad, &mut ws, &mut rng(11)).unwrap_err();
    assert!(matches!(e3, Error::NonFiniteLoss { .. }), "{what}: {e3:?}");
    assert_eq!(bits(net.params()), before, "{what}: parameters changed by train_step_in");
    assert!(state.iter().all(|&s| s == 0.0));
}

#[test]
fn nan_or_infinite_inputs_and_targets() {
    let (xs, ys) = data(3);
    let mut bad_x = xs.clone();
    bad_x[1][2] = f32::NAN;
    let mut bad_y = ys.clone();
    bad_y[2][0] = f32::NAN;
    let mut inf_x = xs.clone();
    inf_x[0][0] = f32::INFINITY;
    let mut inf_y = ys.clone();
    inf_y[0][1] = f32::NEG_INFINITY;
    for loss in [&Mse as &dyn DynLoss, &SumSquaredError, &CrossEntropy] {
        let name = loss.name();
        loss.run(&format!("NaN input, {name}"), &mut net(), &bad_x, &ys);
        loss.run(&format!("NaN target, {name}"), &mut net(), &xs, &bad_y);
        loss.run(&format!("inf target, {name}"), &mut net(), &xs, &inf_y);
    }
    // tanh saturates an infinite input, so use a linear network for it
    let mut lin = Dense::<3, 2, Identity>::new(&mut rng(12));
    assert_non_finite("inf input, linear, Mse", &mut lin, &inf_x, &ys, &Mse);
}

#[test]
fn nan_input_through_softmax_and_cross_entropy() {
    type Clf = Chain<Dense<3, 5, Tanh>, Dense<5, 2, Softmax>>;
    let (xs, _) = data(3);
    let ys = vec![[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]];
    let mut bad_x = xs.clone();
    bad_x[2][0] = f32::NAN;
    assert_non_finite("NaN input, Softmax + CrossEntropy", &mut Clf::new(&mut rng(13)), &bad_x, &ys, &CrossEntropy);
    assert_non_finite("NaN input, Softmax + Mse", &mut Clf::new(&mut rng(13)), &bad_x, &ys, &Mse);
    let mut bad_y = ys.clone();
    bad_y[0][1] = f32::NAN;
    assert_non_finite("NaN target, Softmax + CrossEntropy", &mut Clf::new(&mut rng(13)), &xs, &bad_y, &CrossEntropy);
}

#[test]
fn nan_input_through_relu_is_not_silently_dropped() {
    // torch.relu(nan) = nan: the NaN must reach the loss, not be turned into 0
    type R = Chain<Dense<3, 5, ReLU>, Dense<5, 2, Identity>>;
    let (xs, ys) = data(3);
    let mut bad_x = xs.clone();
    bad_x[0][1] = f32::NAN;
    assert_non_finite("NaN input, ReLU, Mse", &mut R::new(&mut rng(14)), &bad_x, &ys, &Mse);
}

#[test]
fn nan_input_through_step_is_not_silently_dropped() {
    // a NaN input must not give a finite loss while the straight-through
    // gradient (y − t)·x = NaN poisons the weights
    let mut p = Dense::<3, 1, Step>::new(&mut rng(15));
    let xs = [[0.5, f32::NAN, 0.1]];
    assert_non_finite("NaN input, Step, SumSquaredError", &mut p, &xs, &[[1.0]], &SumSquaredError);
}

#[test]
fn nan_input_through_sigmoid_with_cross_entropy() {
    // CrossEntropy on a non-softmax output clamps its argument before the
    // logarithm; a NaN prediction must stay NaN, not become −ln(f32::MIN_POSITIVE)
    let (xs, _) = data(2);
    let ys = vec![[1.0, 0.0], [0.0, 1.0]];
    let mut bad_x = xs.clone();
    bad_x[1][1] = f32::NAN;
    assert_non_finite("NaN input, Sigmoid + CrossEntropy", &mut net(), &bad_x, &ys, &CrossEntropy);
}

#[test]
fn huge_learning_rate_diverges_to_an_infinite_loss() {
    let mut net = Dense::<3, 2, Identity>::new(&mut rng(16));
    let (xs, ys) = data(4);
    let mut opt = Sgd::new(1e30);
    let mut r = rng(17);
    // the first step is computed from a finite loss and blows the weights up
    let l1 = net.train_step(&xs, &ys, &Mse, &mut opt, &mut r).unwrap();
    assert!(l1.is_finite());
    assert!(net.params().iter().any(|w| w.abs() > 1e25), "the step did not blow up the weights");
    let before = bits(net.params());
    let opt_before = opt.clone();
    // the second forward pass overflows: (1e30)² = inf in f32
    let e = net.train_step(&xs, &ys, &Mse, &mut opt, &mut r).unwrap_err();
    assert_eq!(e, Error::NonFiniteLoss { loss: f32::INFINITY });
    assert_eq!(bits(net.params()), before, "parameters changed after a non-finite loss");
    assert_eq!(opt, opt_before);
    assert_eq!(
        msg(&e),
        "the loss is inf: training diverged (try a smaller learning rate); the parameters were not updated"
    );
    // the network still works: a step with a sane rate on a sane network succeeds
    let mut sane = Dense::<3, 2, Identity>::new(&mut rng(16));
    assert!(sane.train_step(&xs, &ys, &Mse, &mut Sgd::new(0.01), &mut r).is_ok());
}

// ---------------------------------------------------------------------------
// messages

#[test]
fn errors_are_std_errors_with_readable_messages() {
    fn is_std_error<E: std::error::Error + Send + Sync + 'static>(_: &E) {}
    let cases = [
        (Error::EmptyBatch, "the batch is empty: pass at least one sample".to_string()),
        (
            Error::LengthMismatch { what: "targets (ys)", expected: 32, found: 31 },
            "targets (ys) has 31 elements, but 32 were expected".to_string(),
        ),
        (
            Error::WorkspaceTooSmall { needed: 84, found: 83 },
            "the workspace holds 83 f32 but this batch needs 84 (WORKSPACE_PER_SAMPLE x batch size)".to_string(),
        ),
        (
            Error::NonFiniteLoss { loss: f32::NAN },
            "the loss is NaN: training diverged (try a smaller learning rate); the parameters were not updated"
                .to_string(),
        ),
    ];
    for (e, want) in cases {
        is_std_error(&e);
        assert_eq!(e.to_string(), want);
        let boxed: Box<dyn std::error::Error> = Box::new(e.clone());
        assert_eq!(boxed.to_string(), want);
        // the Debug form names the variant and its fields
        let d = format!("{e:?}");
        assert!(!d.is_empty());
    }
    // `?` works in a function returning Box<dyn Error>
    fn run() -> Result<(), Box<dyn std::error::Error>> {
        net().set_params(&[1.0])?;
        Ok(())
    }
    assert_eq!(run().unwrap_err().to_string(), "params has 1 elements, but 32 were expected");
}

// ---------------------------------------------------------------------------

/// Lets one loop run the same checks with several losses.
trait DynLoss {
    fn name(&self) -> &'static str;
    fn run(&self, what: &str, net: &mut Net, xs: &[[f32; 3]], ys: &[[f32; 2]]);
}

impl<L: Loss + std::fmt::Debug> DynLoss for L {
    fn name(&self) -> &'static str {
        std::any::type_name::<L>().rsplit("::").next().unwrap()
    }
    fn run(&self, what: &str, net: &mut Net, xs: &[[f32; 3]], ys: &[[f32; 2]]) {
        assert_non_finite(what, net, xs, ys, self);
    }
}
