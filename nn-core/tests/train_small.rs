//! Training small networks: determinism, parameter order, XOR, and the
//! allocation-free `train_step_in` against `train_step`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use nn_core::{f32_bits, rng, Chain, Dense, Dropout, Mse, Network, Rng, Sgd, Sigmoid, SumSquaredError, Tanh};

// ---------------------------------------------------------------------------
// an allocator that counts the allocations of the current thread

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// ---------------------------------------------------------------------------

const XOR_X: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
const XOR_Y: [[f32; 1]; 4] = [[0.0], [1.0], [1.0], [0.0]];

fn bits(p: &[f32]) -> Vec<u32> {
    p.iter().map(|v| v.to_bits()).collect()
}

/// A net with dropout, trained with seeded shuffling of mini-batches of 2:
/// the seed drives the init, the dropout masks and the order.
type DropNet = Chain<Dense<2, 8, Tanh>, Chain<Dropout<8, { f32_bits(0.25) }>, Dense<8, 1, Sigmoid>>>;

fn train_with_seed(seed: u64, steps: usize) -> (Vec<u32>, Vec<f32>, Rng) {
    let mut r = rng(seed);
    let mut net = DropNet::boxed(&mut r);
    let mut opt = Sgd::new(0.3).momentum(0.9);
    let mut order = [0usize, 1, 2, 3];
    let mut losses = Vec::new();
    for step in 0..steps {
        if step % 2 == 0 {
            r.shuffle(&mut order);
        }
        let idx = &order[(step % 2) * 2..(step % 2) * 2 + 2];
        let xs = [XOR_X[idx[0]], XOR_X[idx[1]]];
        let ys = [XOR_Y[idx[0]], XOR_Y[idx[1]]];
        losses.push(net.train_step(&xs, &ys, &Mse, &mut opt, &mut r).unwrap());
    }
    (bits(net.params()), losses, r)
}

#[test]
fn same_seed_same_bits_different_seed_different_bits() {
    let (a, la, ra) = train_with_seed(42, 60);
    let (b, lb, rb) = train_with_seed(42, 60);
    assert_eq!(a, b, "same seed, different parameters");
    assert_eq!(bits(&la), bits(&lb), "same seed, different losses");
    assert_eq!(ra, rb);
    let (c, lc, _) = train_with_seed(43, 60);
    assert_ne!(a, c, "different seeds gave the same parameters");
    assert_ne!(bits(&la), bits(&lc));
    // not trivially: training moved the parameters away from the init
    let init = bits(DropNet::boxed(&mut rng(42)).params());
    assert_ne!(a, init);
    let same_count = a.iter().zip(&init).filter(|(x, y)| x == y).count();
    assert!(same_count < a.len() / 4, "{same_count} of {} parameters never moved", a.len());
}

#[test]
fn init_is_seeded() {
    let a = DropNet::new(&mut rng(5));
    let b = DropNet::boxed(&mut rng(5));
    let c = DropNet::new(&mut rng(6));
    assert_eq!(bits(a.params()), bits(b.params()), "new and boxed differ for the same seed");
    assert_ne!(bits(a.params()), bits(c.params()));
}

// ---------------------------------------------------------------------------

#[test]
fn params_are_in_pytorch_state_dict_order() {
    type Net = Chain<Dense<2, 3, Tanh>, Dense<3, 1, Sigmoid>>;
    assert_eq!(Net::PARAMS, 2 * 3 + 3 + 3 + 1);
    let mut net = Net::new(&mut rng(9));
    net.first.bias = [0.1, 0.2, 0.3];
    net.rest.bias = [0.4];
    let p = net.params();
    assert_eq!(p.len(), 13);
    // layer0.weight [out=3][in=2], row-major
    for o in 0..3 {
        for i in 0..2 {
            assert_eq!(p[o * 2 + i], net.first.weights[o][i], "layer0.weight[{o}][{i}]");
        }
    }
    // layer0.bias, layer1.weight [1][3], layer1.bias
    assert_eq!(&p[6..9], &net.first.bias);
    assert_eq!(&p[9..12], &net.rest.weights[0]);
    assert_eq!(p[12], net.rest.bias[0]);

    // params_mut writes through in the same order
    let new: Vec<f32> = (0..13).map(|i| i as f32 / 10.0).collect();
    net.params_mut().copy_from_slice(&new);
    assert_eq!(net.first.weights, [[0.0, 0.1], [0.2, 0.3], [0.4, 0.5]]);
    assert_eq!(net.first.bias, [0.6, 0.7, 0.8]);
    assert_eq!(net.rest.weights, [[0.9, 1.0, 1.1]]);
    assert_eq!(net.rest.bias, [1.2]);

    // weights[o][i] goes from input i to unit o: z_o = b_o + Σ_i w[o][i]·x_i
    let x = [1.0f32, -2.0];
    let h: Vec<f32> =
        (0..3).map(|o| (net.first.bias[o] + net.first.weights[o][0] - 2.0 * net.first.weights[o][1]).tanh()).collect();
    let z = net.rest.bias[0] + (0..3).map(|o| net.rest.weights[0][o] * h[o]).sum::<f32>();
    let want = 1.0 / (1.0 + (-z).exp());
    assert!((net.predict(&x)[0] - want).abs() < 1e-6);

    // the gradient has the same layout: grad.first.weights[o][i] = ∂C/∂w[o][i]
    let (_, g) = net.loss_and_grad(&[x], &[[0.0]], &SumSquaredError).unwrap();
    assert_eq!(g.as_slice()[1], g.first.weights[0][1]);
    assert_eq!(g.as_slice()[12], g.rest.bias[0]);
    let a = want;
    let delta_out = (a - 0.0) * a * (1.0 - a);
    assert!((g.rest.bias[0] - delta_out).abs() < 1e-6);
    for (o, &h) in h.iter().enumerate() {
        assert!((g.rest.weights[0][o] - delta_out * h).abs() < 1e-6);
        let delta_h = delta_out * net.rest.weights[0][o] * (1.0 - h * h);
        assert!((g.first.bias[o] - delta_h).abs() < 1e-6);
        assert!((g.first.weights[o][0] - delta_h * x[0]).abs() < 1e-6);
        assert!((g.first.weights[o][1] - delta_h * x[1]).abs() < 1e-6);
    }
}

// ---------------------------------------------------------------------------

#[test]
fn xor_2_4_1_with_momentum() {
    type Xor = Chain<Dense<2, 4, Tanh>, Dense<4, 1, Sigmoid>>;
    let mut r = rng(42);
    let mut net = Xor::boxed(&mut r);
    let mut opt = Sgd::new(0.5).momentum(0.9);
    let first = net.train_step(&XOR_X, &XOR_Y, &Mse, &mut opt, &mut r).unwrap();
    let mut last = first;
    for _ in 1..1000 {
        last = net.train_step(&XOR_X, &XOR_Y, &Mse, &mut opt, &mut r).unwrap();
    }
    let (final_loss, _) = net.loss_and_grad(&XOR_X, &XOR_Y, &Mse).unwrap();
    println!("XOR: first loss {first}, last step {last}, final {final_loss}");
    assert!(first > 0.2, "the untrained network already solves XOR? loss {first}");
    assert!(final_loss < 0.05, "final loss {final_loss}");
    for (x, t) in XOR_X.iter().zip(&XOR_Y) {
        let [y] = net.predict(x);
        assert_eq!(y > 0.5, t[0] > 0.5, "XOR{x:?} = {y}, expected {}", t[0]);
    }
}

// ---------------------------------------------------------------------------

/// Trains two copies of `DropNet` for 30 steps on the first `$b` XOR rows,
/// one with `train_step` (boxed, allocating), one with `train_step_in` on
/// stack arrays; asserts bit-identical losses, parameters and generator
/// states, and evaluates to the number of allocations made by the 30
/// `train_step_in` calls.
macro_rules! train_in_vs_train_step {
    ($b:expr) => {{
        type Net = DropNet;
        const B: usize = $b;
        let (xs, ys) = (&XOR_X[..B], &XOR_Y[..B]);
        let mut r1 = rng(77);
        let mut r2 = rng(77);
        let mut boxed = Net::boxed(&mut r1);
        let mut net = Net::new(&mut r2);
        assert_eq!(bits(boxed.params()), bits(net.params()));
        let mut opt1 = Sgd::new(0.2).momentum(0.9).nesterov(true);
        let mut opt2 = opt1.clone();

        let mut workspace = [0.0f32; <Net as Network>::WORKSPACE_PER_SAMPLE * B];
        let mut opt_state = [0.0f32; <Net as Network>::PARAMS];
        let mut grad = Net::zeros();
        let mut losses1 = [0.0f32; 30];
        let mut losses2 = [0.0f32; 30];

        for l in losses1.iter_mut() {
            *l = boxed.train_step(xs, ys, &Mse, &mut opt1, &mut r1).unwrap();
        }
        let before = allocations();
        for l in losses2.iter_mut() {
            *l =
                net.train_step_in(xs, ys, &Mse, &mut opt2, &mut opt_state, &mut grad, &mut workspace, &mut r2).unwrap();
        }
        let allocated = allocations() - before;
        assert_eq!(bits(&losses1), bits(&losses2), "losses differ");
        assert_eq!(bits(boxed.params()), bits(net.params()), "parameters differ");
        assert_eq!(r1, r2, "the dropout masks used different random numbers");
        // the optimizer state buffer is the momentum buffer, and training moved things
        assert!(opt_state.iter().any(|&v| v != 0.0));
        assert_ne!(losses2[0], losses2[29]);
        allocated
    }};
}

#[test]
fn allocation_counter_works() {
    let before = allocations();
    let v = std::hint::black_box(vec![1u8; 10]);
    drop(v);
    assert_eq!(allocations() - before, 1);
}

#[test]
fn train_step_in_on_stack_buffers_equals_train_step_and_does_not_allocate() {
    // batch 3: below nn_core::kernel::GEMM_MIN_BATCH, the scalar kernels
    const _: () = assert!(3 < nn_core::kernel::GEMM_MIN_BATCH);
    let allocated = train_in_vs_train_step!(3);
    assert_eq!(allocated, 0, "train_step_in allocated {allocated} times");
}

#[test]
fn train_step_in_equals_train_step_on_the_gemm_path() {
    // batch 4 (std): the GEMM kernels; still bit-identical to train_step
    const _: () = assert!(4 >= nn_core::kernel::GEMM_MIN_BATCH);
    let allocated = train_in_vs_train_step!(4);
    println!("train_step_in, batch 4 (GEMM): {allocated} allocations in 30 steps");
}

/// Whether the dense kernels in use allocate (only the `matrixmultiply`
/// fallback does, on machines without the AVX+FMA kernels).
fn kernels_allocate() -> bool {
    let k = nn_core::kernel::active();
    if k == nn_core::kernel::Kernels::Gemm {
        println!("kernels {k:?}: matrixmultiply allocates its packing buffers; allocation checks skipped");
    }
    k == nn_core::kernel::Kernels::Gemm
}

#[test]
fn train_step_in_does_not_allocate_on_the_gemm_path() {
    let allocated = train_in_vs_train_step!(4);
    if !kernels_allocate() {
        assert_eq!(allocated, 0, "train_step_in allocated {allocated} times");
    }
}

/// The dense forward kernel never allocates, on a thread with or without
/// the packing buffer; `reserve_packing` allocates it once per thread (on
/// AVX-512 machines; elsewhere it does nothing).
#[test]
fn dense_forward_does_not_allocate_and_reserve_packing_allocates_once() {
    if kernels_allocate() {
        return;
    }
    let (batch, n_in, n_out) = (256, 784, 128);
    let x = vec![0.5f32; batch * n_in];
    let w = vec![0.25f32; n_out * n_in];
    let b = vec![0.1f32; n_out];
    let mut z = vec![0.0f32; batch * n_out];
    let before = allocations();
    nn_core::kernel::dense_forward(&x, &w, &b, &mut z, n_in, n_out);
    assert_eq!(allocations() - before, 0, "dense_forward allocated (no packing buffer)");
    nn_core::kernel::reserve_packing();
    let reserved = allocations() - before;
    let avx512 = nn_core::kernel::active() == nn_core::kernel::Kernels::Avx512;
    assert_eq!(reserved, usize::from(avx512));
    nn_core::kernel::reserve_packing();
    nn_core::kernel::dense_forward(&x, &w, &b, &mut z, n_in, n_out);
    assert_eq!(allocations() - before, reserved, "dense_forward allocated (with the packing buffer)");
    assert!(z.iter().all(|&v| v == 0.1 + 0.125 * 784.0));
}

// ---------------------------------------------------------------------------
// the allocating conveniences allocate on their first call only

type Mnistish =
    Chain<Dense<784, 32, nn_core::ReLU>, Chain<Dropout<32, { f32_bits(0.5) }>, Dense<32, 10, nn_core::Softmax>>>;

fn mnistish_data(n: usize) -> (Vec<[f32; 784]>, Vec<[f32; 10]>) {
    let mut r = rng(3);
    let xs = (0..n).map(|_| core::array::from_fn(|_| r.uniform())).collect();
    let ys = (0..n).map(|i| core::array::from_fn(|k| if k == i % 10 { 1.0 } else { 0.0 })).collect();
    (xs, ys)
}

#[test]
fn train_step_and_predict_batch_allocate_only_on_their_first_call() {
    let (xs, ys) = mnistish_data(300);
    let mut r = rng(1);
    let mut net = Mnistish::boxed(&mut r);
    let mut opt = nn_core::Adam::new(1e-3);
    let mut out = vec![[0.0f32; 10]; 300];
    for batch in [64, 1, 7, 64] {
        net.train_step(&xs[..batch], &ys[..batch], &nn_core::CrossEntropy, &mut opt, &mut r).unwrap();
    }
    net.predict_batch(&xs, &mut out).unwrap();
    let before = allocations();
    for step in 0..20 {
        let batch = [64, 1, 7][step % 3];
        let at = step * 10;
        net.train_step(&xs[at..at + batch], &ys[at..at + batch], &nn_core::CrossEntropy, &mut opt, &mut r).unwrap();
        net.predict_batch(&xs[at..], &mut out[at..]).unwrap();
    }
    let allocated = allocations() - before;
    // With `parallel`, each call that hands work to rayon's pool from outside
    // it (Adam's update, a batch of 256 or more) pushes a job on rayon's
    // injector queue, which allocates a block on the calling thread about once
    // every 63 jobs (measured: 10 allocations in 630 `rayon::join`s from the
    // main thread, with 1 or 2 threads). Our own buffers never allocate again.
    let rayon_blocks = if cfg!(feature = "parallel") { 1 } else { 0 };
    if !kernels_allocate() {
        assert!(allocated <= rayon_blocks, "20 train_step and predict_batch calls allocated {allocated} times");
    }
    // the batched predictions are the per-sample ones
    net.predict_batch(&xs, &mut out).unwrap();
    for (x, y) in xs.iter().zip(&out).step_by(7) {
        let p = net.predict(x);
        for (a, b) in p.iter().zip(y) {
            assert!((a - b).abs() <= 1e-6, "predict {a} vs predict_batch {b}");
        }
    }
}

/// `predict_batch` over several chunks (on AVX-512, each layer packed once
/// for all of them) gives the bits of `predict_batch` on each chunk alone,
/// and after the weights change, the new weights' (nothing packed is kept
/// from one call to the next). Inputs dense, and 88% zeros (MNIST's pixels
/// are 81%; on AVX-512 the first layer then goes by nonzero inputs): with
/// the AVX kernels, also the bits of `predict` on each sample.
#[test]
fn predict_batch_in_chunks_gives_each_chunks_bits() {
    let chunk = nn_core::PREDICT_CHUNK;
    let n = 2 * chunk + 190;
    let (dense, _) = mnistish_data(n);
    let mut r = rng(4);
    let sparse: Vec<[f32; 784]> =
        (0..n).map(|_| core::array::from_fn(|_| if r.uniform() < 0.88 { 0.0 } else { r.uniform() })).collect();
    for xs in [dense, sparse] {
        let mut net = Mnistish::boxed(&mut rng(2));
        let mut whole = vec![[0.0f32; 10]; n];
        let mut alone = vec![[0.0f32; 10]; n];
        let mut before = None;
        for _ in 0..2 {
            net.predict_batch(&xs, &mut whole).unwrap();
            for (x, y) in xs.chunks(chunk).zip(alone.chunks_mut(chunk)) {
                net.predict_batch(x, y).unwrap();
            }
            assert_eq!(bits(whole.as_flattened()), bits(alone.as_flattened()));
            #[cfg(target_arch = "x86_64")]
            if nn_core::kernel::x86::available() {
                for (x, y) in xs.iter().zip(&whole) {
                    assert_eq!(bits(&net.predict(x)), bits(y), "predict_batch is predict on each sample");
                }
            }
            assert_ne!(before.as_ref(), Some(&whole), "the new weights changed nothing");
            before = Some(whole.clone());
            for w in net.params_mut().iter_mut().step_by(3) {
                *w = -*w;
            }
        }
    }
}

#[test]
fn fit_allocates_per_epoch_not_per_batch() {
    let (xs, ys) = mnistish_data(640);
    let count = |n: usize| {
        let mut net = Mnistish::boxed(&mut rng(1));
        let before = allocations();
        net.fit(&xs[..n], &ys[..n])
            .loss(nn_core::CrossEntropy)
            .optimizer(nn_core::Adam::new(1e-3))
            .batch_size(32)
            .epochs(2)
            .quiet()
            .run()
            .unwrap();
        allocations() - before
    };
    let (few, many) = (count(64), count(640)); // 2 and 20 batches per epoch
    if !kernels_allocate() {
        assert_eq!(few, many, "fit: {few} allocations with 2 batches per epoch, {many} with 20");
    }
}
