//! A 4096-4096-4096 network (33.6 M parameters, 134 MB) must be built, run
//! and trained in a thread with a 2 MiB stack, in the default (debug) test
//! build: nothing of the network's size may ever live on the stack.

use std::time::Instant;

use nn_core::{rng, Chain, Dense, Identity, Mse, Network, ReLU, Sgd};

const W: usize = 4096;
type Big = Chain<Dense<W, W, ReLU>, Dense<W, W, Identity>>;

const _: () = assert!(Big::PARAMS == 2 * (W * W + W));

fn in_small_thread(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .name("2 MiB stack".into())
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the 2 MiB thread panicked (stack overflow aborts the whole process instead)");
}

#[test]
fn params_count() {
    assert_eq!(Big::PARAMS, 2 * (4096 * 4096 + 4096));
    assert_eq!(Big::PARAMS, 33_562_624);
    assert_eq!((Big::INPUT, Big::OUTPUT), (4096, 4096));
}

#[test]
fn build_predict_and_train_in_a_2_mib_thread() {
    in_small_thread(|| {
        let start = Instant::now();
        let mut r = rng(7);
        let mut net: Box<Big> = Big::boxed(&mut r);
        assert_eq!(net.params().len(), Big::PARAMS);
        // He-uniform init of the first layer: |w| < √(6/4096) ≈ 0.038, not all zero
        let a = (6.0f32 / 4096.0).sqrt();
        assert!(net.first.weights.iter().flatten().all(|w| w.abs() <= a));
        assert!(net.first.weights[0].iter().any(|&w| w != 0.0));
        assert!(net.rest.weights[W - 1].iter().any(|&w| w != 0.0));
        let t_init = start.elapsed();

        let xs: Vec<[f32; W]> = (0..2).map(|_| std::array::from_fn(|_| 2.0 * r.uniform() - 1.0)).collect();
        let ys: Vec<[f32; W]> = (0..2).map(|_| std::array::from_fn(|_| 2.0 * r.uniform() - 1.0)).collect();

        // predict: one sample, result on the stack (16 KiB)
        let y0 = net.predict(&xs[0]);
        assert!(y0.iter().all(|v| v.is_finite()));
        assert!(y0.iter().filter(|&&v| v != 0.0).count() > W / 2, "the output is (nearly) all zero");

        // predict_batch agrees bit for bit with predict
        let mut outs = vec![[0.0f32; W]; 2];
        net.predict_batch(&xs, &mut outs).unwrap();
        assert_eq!(outs[0], y0);
        assert_ne!(outs[1], y0);
        let t_predict = start.elapsed() - t_init;

        // one training step, batch 2, Mse, plain Sgd
        let before = net.params().to_vec();
        let lr = 0.1f32;
        let mut opt = Sgd::new(lr);
        let loss = net.train_step(&xs, &ys, &Mse, &mut opt, &mut r).unwrap();
        let t_train = start.elapsed() - t_init - t_predict;

        assert!(loss.is_finite(), "loss {loss}");
        // the returned loss is the Mse of the forward pass before the update
        let mut expected = 0.0f64;
        for (y, t) in outs.iter().zip(&ys) {
            expected += y.iter().zip(t).map(|(y, t)| ((y - t) as f64).powi(2)).sum::<f64>() / W as f64 / 2.0;
        }
        assert!((loss as f64 - expected).abs() < 1e-5 * expected, "loss {loss} vs {expected}");

        // the parameters changed: every output bias by −lr·∂C/∂b_o, with
        // ∂C/∂b_o = mean over the batch of 2(y_o − t_o)/4096
        let after = net.params();
        let changed = before.iter().zip(after).filter(|(a, b)| a != b).count();
        assert!(changed > Big::PARAMS / 4, "only {changed} parameters changed");
        let bias_start = Big::PARAMS - W;
        for o in 0..W {
            let g: f64 = (0..2).map(|s| 2.0 * (outs[s][o] - ys[s][o]) as f64 / W as f64).sum::<f64>() / 2.0;
            let want = before[bias_start + o] as f64 - lr as f64 * g;
            assert!((after[bias_start + o] as f64 - want).abs() < 1e-7, "output bias {o}");
        }
        // and the new network predicts something else, closer to the targets
        let y0_after = net.predict(&xs[0]);
        assert_ne!(y0_after, y0);
        let total = start.elapsed();
        println!(
            "4096-4096-4096 ({} params): init {t_init:.2?}, predict + predict_batch {t_predict:.2?}, \
             train_step {t_train:.2?}, total {total:.2?}",
            Big::PARAMS
        );
    });
}
