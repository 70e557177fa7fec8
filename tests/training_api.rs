//! The training additions through the facade and `network!`: every optimizer
//! trains a named network, `init_with` and `visit_weights` reach through the
//! generated type, bold driver and schedules drive a real loop.

use nn::prelude::*;
use nn::regularize::clip_grad_norm;

nn::network! {
    /// XOR with named layers.
    pub struct Xor { hidden: Dense<2, 8, Tanh>, out: Dense<8, 1, Sigmoid> }
}

const XS: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
const YS: [[f32; 1]; 4] = [[0.0], [1.0], [1.0], [0.0]];

fn train<O: Optimizer>(mut opt: O, steps: usize) -> f32 {
    let mut rng = nn::rng(5);
    let mut net = Xor::boxed(&mut rng);
    let first = net.train_step(&XS, &YS, &Mse, &mut opt, &mut rng).unwrap();
    let mut last = first;
    for _ in 0..steps {
        last = net.train_step(&XS, &YS, &Mse, &mut opt, &mut rng).unwrap();
    }
    assert!(last < first * 0.5, "{opt:?}: loss {first} -> {last}", opt = core::any::type_name::<O>());
    last
}

#[test]
fn every_optimizer_trains_xor() {
    train(Sgd::new(0.5).momentum(0.9), 300);
    train(Adagrad::new(0.1), 300);
    train(RmsProp::new(0.01), 300);
    train(Adam::new(0.02), 300);
    train(AdamW::new(0.02), 300);
    train(NAdam::new(0.02), 300);
    train(BoldDriver::new(Adam::new(0.02)), 300);
}

#[test]
fn init_with_and_visit_weights_through_network() {
    let mut rng = nn::rng(1);
    let mut net = Xor::boxed(&mut rng);
    net.params_mut().fill(3.0);
    net.init_with(Init::Uniform(0.1), &mut rng);
    assert!(net.hidden.weights.as_flattened().iter().chain(net.out.weights.as_flattened()).all(|w| w.abs() <= 0.1));
    assert!(net.hidden.bias.iter().chain(&net.out.bias).all(|&b| b == 0.0));
    net.out.init_with(Init::Zeros, &mut rng);
    assert!(net.out.weights[0].iter().all(|&w| w == 0.0));
    assert!(net.hidden.weights.as_flattened().iter().any(|&w| w != 0.0));

    let mut ranges = Vec::new();
    Xor::visit_weights(0, &mut |r| ranges.push(r));
    assert_eq!(ranges, [0..16, 24..32]);
    let mut grad = vec![0.0; Xor::PARAMS];
    Penalty::L2(0.1).add_grad_on_weights::<Xor>(net.params(), &mut grad);
    assert_eq!(&grad[16..24], &[0.0; 8]);
}

/// A full-batch loop with a bold driver, a schedule-free rate: the rate grows
/// while XOR is learned, and a deliberately huge rate gets cut and undone.
#[test]
fn bold_driver_loop() {
    let mut rng = nn::rng(3);
    let mut net = Xor::boxed(&mut rng);
    let mut opt = BoldDriver::new(Sgd::new(50.0)).decrease(0.5);
    let (mut accepted, mut rejected) = (0, 0);
    let mut loss = net.loss_and_grad(&XS, &YS, &Mse).unwrap().0;
    opt.end_epoch(loss, net.params_mut()).unwrap();
    for _ in 0..200 {
        net.train_step(&XS, &YS, &Mse, &mut opt, &mut rng).unwrap();
        loss = net.loss_and_grad(&XS, &YS, &Mse).unwrap().0;
        match opt.end_epoch(loss, net.params_mut()).unwrap() {
            Verdict::Accepted => accepted += 1,
            Verdict::Rejected => rejected += 1,
            Verdict::Baseline => unreachable!(),
        }
    }
    assert!(rejected > 0 && accepted > 0, "{accepted} accepted, {rejected} rejected");
    // The parameters held are always those of the best loss seen.
    let held = net.loss_and_grad(&XS, &YS, &Mse).unwrap().0;
    assert_eq!(Some(held), opt.best_loss());
}

#[test]
fn schedules_and_clipping_in_a_loop() {
    let mut rng = nn::rng(4);
    let mut net = Xor::boxed(&mut rng);
    let mut opt = Adam::new(0.05);
    let schedule = CosineAnnealingLr::new(100).eta_min(1e-3);
    let base = opt.learning_rate();
    let mut last = f32::INFINITY;
    for epoch in 0..100 {
        opt.set_learning_rate(schedule.lr(epoch, base));
        let (loss, mut grad) = net.loss_and_grad(&XS, &YS, &Mse).unwrap();
        clip_grad_norm(grad.as_mut_slice(), 1.0);
        opt.step(net.params_mut(), grad.as_slice());
        last = loss;
    }
    assert!(last < 0.1, "{last}");
    assert!((opt.learning_rate() - schedule.lr(99, base)).abs() < 1e-9);
}
