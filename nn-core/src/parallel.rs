//! Batches on threads (feature `parallel`): a training batch of at least
//! [`PARALLEL_MIN_BATCH`] samples, and a `predict_batch` of as many, use
//! rayon's pool (on a pool of two threads, the [`team`] helper).
//!
//! A training batch of a network whose layers all allow it
//! ([`Layer::SPLIT_BY_UNITS`](crate::Layer::SPLIT_BY_UNITS): dense layers,
//! activations, dropout, batch norm, residual blocks of those) runs on the
//! calling thread, and its dense kernels and per-value passes split over
//! the threads ([`units`]): the dense layers by units, so that each core
//! keeps its own rows of the weights and their gradient. The results are
//! the same bits as on one thread.
//!
//! Other networks without state (convolutions, pooling, maxout,
//! drop-connect) split a training batch by samples, into one contiguous
//! chunk per thread (at most [`MAX_CHUNKS`], at least [`MIN_CHUNK`]
//! samples each); other networks with state run it on one thread:
//!
//! - Forward passes have no sums across samples, so their outputs are the
//!   same bits as on one thread, except that while training each chunk's
//!   dropout masks come from its own generator, seeded in chunk order from
//!   the caller's.
//! - The loss and its gradient with respect to the outputs are computed on
//!   the calling thread, in sample order (so the loss is the same bits).
//! - The first chunk's backward pass adds its parameter gradient into the
//!   caller's gradient, each other chunk's into a buffer of its own; the
//!   buffers are then added to the caller's gradient in chunk order. The
//!   result is therefore deterministic for a given number of threads (it
//!   differs from the one-thread sum by rounding).
//!
//! The gradient buffers are per-thread scratch memory of the calling thread,
//! allocated on its first large batch and reused after that.
//! [`predict_batch`](crate::Network::predict_batch) is split by samples
//! for every network (no sums across samples: the same bits).

use rand::RngCore;

pub mod team;
pub mod units;
use team::join;
pub use team::{region, Region};

use crate::layer::Plain;
use crate::network::{check_batch, loss_rows};
use crate::{Error, Loss, Mode, Network, Result, Rng};

/// Smallest batch split over threads.
pub const PARALLEL_MIN_BATCH: usize = 256;
/// Smallest chunk of a split batch.
pub const MIN_CHUNK: usize = 64;
/// Most chunks a batch is split into.
pub const MAX_CHUNKS: usize = 16;
/// Smallest number of parameters whose elementwise updates (Adam, the sum of
/// the per-chunk gradients) are split over threads; an update of any size
/// gives the same bits split or not.
pub const PARALLEL_MIN_PARAMS: usize = 1 << 15;

/// The number of chunks for a batch (1: do not split).
pub fn chunks_for(batch: usize) -> usize {
    if batch < PARALLEL_MIN_BATCH {
        return 1;
    }
    rayon::current_num_threads().min(batch / MIN_CHUNK).clamp(1, MAX_CHUNKS)
}

/// Sample range `[start, end)` of chunk `c` of `chunks`.
fn bounds(batch: usize, chunks: usize, c: usize) -> (usize, usize) {
    (batch * c / chunks, batch * (c + 1) / chunks)
}

/// Runs `f` on every item, in parallel, splitting the slice in halves with
/// [`team::join`] (no allocation).
fn par_each<T: Send>(items: &mut [T], f: &(impl Fn(&mut T) + Sync)) {
    match items.len() {
        0 => {}
        1 => f(&mut items[0]),
        n => {
            let (a, b) = items.split_at_mut(n / 2);
            join(|| par_each(a, f), || par_each(b, f));
        }
    }
}

/// Cuts `slice` into `chunks` pieces of `bounds × per` values.
fn cut<T>(mut slice: &mut [T], batch: usize, chunks: usize, per: usize) -> [&mut [T]; MAX_CHUNKS] {
    let mut out: [&mut [T]; MAX_CHUNKS] = Default::default();
    for (c, out) in out.iter_mut().enumerate().take(chunks) {
        let (s, e) = bounds(batch, chunks, c);
        let (head, tail) = core::mem::take(&mut slice).split_at_mut((e - s) * per);
        *out = head;
        slice = tail;
    }
    out
}

/// `dst[k] = src[idx[k]]` for every `k` (the rows of a shuffled batch), in
/// two halves on two threads when the batch would be split
/// ([`chunks_for`] > 1).
pub(crate) fn gather<T: bytemuck::Pod>(dst: &mut alloc::vec::Vec<T>, src: &[T], idx: &[usize]) {
    if chunks_for(idx.len()) < 2 || !core::mem::size_of::<T>().is_multiple_of(4) || core::mem::align_of::<T>() < 4 {
        dst.clear();
        dst.extend(idx.iter().map(|&i| src[i]));
        return;
    }
    // Every value is overwritten below: only values past the old length are
    // zeroed (clearing first had `resize` zero the whole batch each time, a
    // serial memset of 800 KB per MNIST batch of 256).
    dst.resize(idx.len(), T::zeroed());
    let width = core::mem::size_of::<T>() / 4;
    let (d, src): (&mut [f32], &[f32]) = (bytemuck::cast_slice_mut(dst), bytemuck::cast_slice(src));
    let (d0, d1) = d.split_at_mut(idx.len() / 2 * width);
    let (i0, i1) = idx.split_at(idx.len() / 2);
    let copy = |d: &mut [f32], i: &[usize]| {
        for (d, &i) in d.chunks_exact_mut(width).zip(i) {
            d.copy_from_slice(&src[i * width..(i + 1) * width]);
        }
    };
    join(|| copy(d0, i0), || copy(d1, i1));
}

/// `values.fill(0.0)` for a batch of `batch` samples: in two halves on two
/// threads for at least 2 × [`PARALLEL_MIN_PARAMS`] values when the batch
/// is split ([`chunks_for`] > 1; a smaller batch has no [`Region`] open,
/// and waking a sleeping rayon worker would cost more than the memset).
pub(crate) fn fill_zero(values: &mut [f32], batch: usize) {
    if values.len() < 2 * PARALLEL_MIN_PARAMS || chunks_for(batch) < 2 {
        values.fill(0.0);
        return;
    }
    let (a, b) = values.split_at_mut(values.len() / 2);
    join(|| a.fill(0.0), || b.fill(0.0));
}

/// [`Network::loss_and_grad_in`] over `chunks` (≥ 2) threads.
#[allow(clippy::too_many_arguments)]
pub(crate) fn loss_and_grad_in<N: Network, L: Loss>(
    net: &N,
    xs: &[N::Input],
    ys: &[N::Output],
    loss: &L,
    grad: &mut N,
    workspace: &mut [f32],
    mode: Mode<'_>,
    chunks: usize,
) -> Result<f32> {
    check_batch::<N>(xs.len(), ys.len(), workspace.len())?;
    let batch = xs.len();
    let (n_out, n_cache) = (N::OUT, N::CACHE);
    let x: &[f32] = bytemuck::cast_slice(xs);
    let (y, rest) = workspace.split_at_mut(batch * n_out);
    let (dy, cache) = rest.split_at_mut(batch * n_out);
    let cache = &mut cache[..batch * n_cache];
    let shared = Plain(net);

    // forward, one chunk per thread; dropout masks from per-chunk generators
    let mut rngs: [Option<Rng>; MAX_CHUNKS] = Default::default();
    if let Mode::Train(rng) = mode {
        for r in rngs.iter_mut().take(chunks) {
            *r = Some(crate::rng(rng.next_u64()));
        }
    }
    struct Forward<'a> {
        x: &'a [f32],
        y: &'a mut [f32],
        cache: &'a mut [f32],
        rng: Option<Rng>,
        n: usize,
    }
    {
        let (ys_, caches) = (cut(&mut *y, batch, chunks, n_out), cut(&mut *cache, batch, chunks, n_cache));
        let mut jobs: [Option<Forward<'_>>; MAX_CHUNKS] = Default::default();
        for (c, ((job, y), cache)) in jobs.iter_mut().zip(ys_).zip(caches).enumerate().take(chunks) {
            let (s, e) = bounds(batch, chunks, c);
            *job = Some(Forward { x: &x[s * N::IN..e * N::IN], y, cache, rng: rngs[c].take(), n: e - s });
        }
        par_each(&mut jobs[..chunks], &|job: &mut Option<Forward<'_>>| {
            let job = job.as_mut().expect("a job per chunk");
            let mut mode = match job.rng.as_mut() {
                Some(rng) => Mode::Train(rng),
                None => Mode::Eval,
            };
            shared.get().forward(job.x, job.y, job.cache, job.n, &mut mode);
        });
    }

    // the loss, on this thread, in sample order
    let t: &[f32] = bytemuck::cast_slice(ys);
    let mut total = 0.0f32;
    let mut fused = false;
    for c in 0..chunks {
        let (s, e) = bounds(batch, chunks, c);
        let cache_c = &cache[s * n_cache..e * n_cache];
        let z = net.logits(&x[s * N::IN..e * N::IN], cache_c, e - s);
        let rows = s * n_out..e * n_out;
        fused = loss_rows(z, &y[rows.clone()], &t[rows.clone()], &mut dy[rows], loss, n_out, &mut total);
    }
    let mean = total / batch as f32;
    if !mean.is_finite() {
        return Err(Error::NonFiniteLoss { loss: mean });
    }
    let scale = 1.0 / batch as f32;
    for g in dy.iter_mut() {
        *g *= scale;
    }

    // backward, one chunk per thread: the first adds into `grad` itself, the
    // others each into a gradient buffer of their own
    let params = N::PARAMS;
    crate::scratch::with_scratch_slot(1, (chunks - 1) * params, |grads| {
        struct Backward<'a> {
            x: &'a [f32],
            y: &'a [f32],
            dy: &'a mut [f32],
            cache: &'a mut [f32],
            grad: &'a mut [f32],
            own: bool,
            n: usize,
        }
        {
            let (dys, caches) = (cut(&mut *dy, batch, chunks, n_out), cut(&mut *cache, batch, chunks, n_cache));
            let (mut first, mut rest) =
                (Some(grad.params_mut()), cut(&mut *grads, chunks - 1, chunks - 1, params).into_iter());
            let mut jobs: [Option<Backward<'_>>; MAX_CHUNKS] = Default::default();
            for (c, ((job, dy), cache)) in jobs.iter_mut().zip(dys).zip(caches).enumerate().take(chunks) {
                let (s, e) = bounds(batch, chunks, c);
                let (x, y) = (&x[s * N::IN..e * N::IN], &y[s * n_out..e * n_out]);
                let (grad, own) = match first.take() {
                    Some(g) => (g, false),
                    None => (rest.next().expect("a buffer per chunk after the first"), true),
                };
                *job = Some(Backward { x, y, dy, cache, grad, own, n: e - s });
            }
            par_each(&mut jobs[..chunks], &|job: &mut Option<Backward<'_>>| {
                let job = job.as_mut().expect("a job per chunk");
                if job.own {
                    job.grad.fill(0.0);
                }
                let g: &mut N = bytemuck::from_bytes_mut(bytemuck::cast_slice_mut(&mut *job.grad));
                shared.get().backward(job.x, job.y, job.cache, job.dy, None, g, job.n, fused);
            });
        }
        // add the other chunks' buffers in chunk order (each value on its
        // own: split over threads by ranges of parameters, the same bits)
        let grads: &[f32] = grads;
        fn reduce(grad: &mut [f32], grads: &[f32], offset: usize, params: usize) {
            if grad.len() >= 2 * PARALLEL_MIN_PARAMS {
                let h = grad.len() / 2;
                let (a, b) = grad.split_at_mut(h);
                join(|| reduce(a, grads, offset, params), || reduce(b, grads, offset + h, params));
                return;
            }
            let len = grad.len();
            for g in grads.chunks_exact(params) {
                for (a, &b) in grad.iter_mut().zip(&g[offset..offset + len]) {
                    *a += b;
                }
            }
        }
        reduce(grad.params_mut(), grads, 0, params);
    });
    Ok(mean)
}

/// [`Network::predict_batch`]'s chunks over rayon's threads (each worker
/// uses its own scratch memory for the layers' caches). The batch is split
/// in halves (on chunk boundaries) down to pieces of about a quarter of a
/// thread's share, at least one chunk: enough pieces for rayon to even out
/// the threads, few enough that each piece's chunks share the weights a
/// layer packs for the AVX-512 kernels (the piece runs in a
/// [`crate::kernel::with_constant_weights`] scope, as `predict_batch` on one
/// thread does).
pub(crate) fn predict_chunks<N: Network>(net: &N, x: &[f32], y: &mut [f32], batch: usize, chunk: usize) {
    let shared = Plain(net);
    let (n_in, n_out) = (N::IN, N::OUT);
    let chunks = batch.div_ceil(chunk);
    let piece = chunk * chunks.div_ceil(4 * rayon::current_num_threads()).max(1);
    fn split<'a>(
        x: &'a [f32],
        y: &'a mut [f32],
        batch: usize,
        (chunk, piece): (usize, usize),
        (n_in, n_out): (usize, usize),
        f: &(impl Fn(&[f32], &mut [f32], usize) + Sync),
    ) {
        if batch <= piece {
            return f(x, y, batch);
        }
        // halves on a chunk boundary
        let half = batch.div_ceil(chunk) / 2 * chunk;
        let (xa, xb) = x.split_at(half * n_in);
        let (ya, yb) = y.split_at_mut(half * n_out);
        let sizes = (chunk, piece);
        join(|| split(xa, ya, half, sizes, (n_in, n_out), f), || split(xb, yb, batch - half, sizes, (n_in, n_out), f));
    }
    split(x, y, batch, (chunk, piece), (n_in, n_out), &|x, y, n| {
        // Sized for a whole chunk whatever `n`, so that a thread's scratch
        // memory fits the next call's chunk too (no allocation after the first).
        crate::scratch::with_scratch(chunk * N::CACHE, |cache| {
            let chunks = || {
                let mut s = 0;
                while s < n {
                    let m = chunk.min(n - s);
                    let cache = &mut cache[..m * N::CACHE];
                    shared.get().forward(
                        &x[s * n_in..(s + m) * n_in],
                        &mut y[s * n_out..(s + m) * n_out],
                        cache,
                        m,
                        &mut Mode::Eval,
                    );
                    s += m;
                }
            };
            // SAFETY: the network is borrowed shared for the whole call
            // (`net`), and its layers' forward passes change no weights
            // inside it (the built-in layers hold them in plain arrays).
            unsafe { crate::kernel::with_constant_weights(shared.get(), chunks) }
        })
    });
}

#[cfg(test)]
mod tests {
    use std::vec::Vec;

    use crate::{f32_bits, rng, Chain, CrossEntropy, Dense, Dropout, Layer, Maxout, Mode, Network, ReLU, Softmax};

    /// A network split by samples (a `Maxout` is not split by units).
    type Net = Chain<Maxout<20, 16, 2>, Chain<Dropout<16, { f32_bits(0.5) }>, Dense<16, 10, Softmax>>>;

    fn data(n: usize) -> (Vec<[f32; 20]>, Vec<[f32; 10]>) {
        let mut r = rng(8);
        let xs = (0..n).map(|_| core::array::from_fn(|_| r.uniform() - 0.5)).collect();
        let ys = (0..n).map(|i| core::array::from_fn(|k| if k == i % 10 { 1.0 } else { 0.0 })).collect();
        (xs, ys)
    }

    /// `(loss, gradient, outputs)` of a batch on a pool of `threads`, dropout on or off.
    fn run(threads: usize, train: bool, xs: &[[f32; 20]], ys: &[[f32; 10]]) -> (f32, Vec<f32>, Vec<f32>) {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let net = Net::new(&mut rng(1));
            let mut grad = Net::zeros();
            let mut workspace = std::vec![0.0; Net::WORKSPACE_PER_SAMPLE * xs.len()];
            let mut r = rng(2);
            let mode = if train { Mode::Train(&mut r) } else { Mode::Eval };
            let loss = net.loss_and_grad_in(xs, ys, &CrossEntropy, &mut grad, &mut workspace, mode).unwrap();
            let mut out = std::vec![[0.0f32; 10]; xs.len()];
            net.predict_batch(xs, &mut out).unwrap();
            (loss, grad.params().to_vec(), out.as_flattened().to_vec())
        })
    }

    #[test]
    fn split_batches_agree_with_one_thread_and_are_deterministic() {
        let (xs, ys) = data(1000);
        const { assert!(!Net::SPLIT_BY_UNITS) };
        assert_eq!(super::chunks_for(255), 1);
        let (l1, g1, o1) = run(1, false, &xs, &ys);
        let (l3, g3, o3) = run(3, false, &xs, &ys);
        // the forward pass and the loss are the same bits; the gradient is
        // summed per chunk, then over chunks
        assert_eq!(l1.to_bits(), l3.to_bits());
        assert_eq!(o1, o3);
        for (a, b) in g1.iter().zip(&g3) {
            assert!((a - b).abs() <= 1e-6 * (1.0 + b.abs()), "gradient {a} (1 thread) vs {b} (3 threads)");
        }
        assert!(g1.iter().any(|&g| g != 0.0));
        // same number of threads, same bits, also with dropout
        let (a, b) = (run(3, true, &xs, &ys), run(3, true, &xs, &ys));
        assert_eq!((a.0.to_bits(), &a.1), (b.0.to_bits(), &b.1));
        assert_ne!(a.1, g3, "dropout was off");
    }

    #[test]
    fn bad_batches_fail_before_touching_the_gradient() {
        let (xs, ys) = data(300);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        pool.install(|| {
            let net = Net::new(&mut rng(1));
            let mut grad = Net::zeros();
            let mut small = std::vec![0.0; Net::WORKSPACE_PER_SAMPLE * 300 - 1];
            let e = net.loss_and_grad_in(&xs, &ys, &CrossEntropy, &mut grad, &mut small, Mode::Eval);
            assert!(matches!(e, Err(crate::Error::WorkspaceTooSmall { .. })));
            let mut bad = xs.clone();
            bad[299][0] = f32::NAN;
            let mut workspace = std::vec![0.0; Net::WORKSPACE_PER_SAMPLE * 300];
            let e = net.loss_and_grad_in(&bad, &ys, &CrossEntropy, &mut grad, &mut workspace, Mode::Eval);
            assert!(matches!(e, Err(crate::Error::NonFiniteLoss { .. })), "{e:?}");
            assert!(grad.params().iter().all(|&g| g == 0.0));
        });
    }

    #[test]
    fn adam_on_threads_gives_the_same_bits() {
        use crate::{Adam, Optimizer};
        let n = 3 * super::PARALLEL_MIN_PARAMS + 17;
        let mut r = rng(4);
        let grads: Vec<f32> = (0..n).map(|_| r.uniform() - 0.5).collect();
        let run = |threads: usize, amsgrad: bool| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let mut p: Vec<f32> = (0..n).map(|i| i as f32 * 1e-5).collect();
                let mut opt = Adam::new(1e-2).amsgrad(amsgrad).weight_decay(0.1);
                let mut state = std::vec![0.0; opt.state_len(n)];
                for _ in 0..3 {
                    opt.update(&mut p, &grads, &mut state);
                }
                (p, state)
            })
        };
        for amsgrad in [false, true] {
            assert_eq!(run(1, amsgrad), run(3, amsgrad));
        }
    }

    /// A network split by units: big enough that both of its wide layers
    /// split by units, its last layer by samples, and its per-value passes
    /// by rows; PReLU's slope (a parameter) keeps its backward pass whole,
    /// and the batch norm's statistics (state) need the whole batch.
    type Wide = Chain<
        Dense<64, 100, ReLU>,
        Chain<
            crate::BatchNorm<100>,
            Chain<Dropout<100, { f32_bits(0.5) }>, Chain<Dense<100, 40, crate::PReLU>, Dense<40, 10, Softmax>>>,
        >,
    >;

    /// `(losses, parameters, gradient, outputs)` of three training steps,
    /// a gradient with dropout on and a prediction of network `N`, on a
    /// pool of `threads`, with the number of each kind of split made on the
    /// calling thread.
    #[allow(clippy::type_complexity)]
    fn run_split<N: Network + Send>(
        threads: usize,
        xs: &[N::Input],
        ys: &[N::Output],
    ) -> ((Vec<u32>, Vec<f32>, Vec<f32>, Vec<f32>), [usize; super::units::KINDS])
    where
        N::Input: Sync,
        N::Output: Sync,
    {
        use crate::Adam;
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let before = super::units::SPLITS
                .with(|c| core::array::from_fn::<usize, { super::units::KINDS }, _>(|k| c[k].get()));
            let mut net = N::boxed(&mut rng(1));
            let mut opt = Adam::new(1e-2);
            let mut r = rng(2);
            let losses =
                (0..3).map(|_| net.train_step(xs, ys, &CrossEntropy, &mut opt, &mut r).unwrap().to_bits()).collect();
            let mut grad = N::zeroed_boxed();
            let mut workspace = std::vec![0.0; N::WORKSPACE_PER_SAMPLE * xs.len()];
            let l = net.loss_and_grad_in(xs, ys, &CrossEntropy, &mut grad, &mut workspace, Mode::Train(&mut r));
            let mut out = std::vec![bytemuck::Zeroable::zeroed(); xs.len()];
            net.predict_batch(xs, &mut out).unwrap();
            let mut losses: Vec<u32> = losses;
            losses.push(l.unwrap().to_bits());
            let after = super::units::SPLITS
                .with(|c| core::array::from_fn::<usize, { super::units::KINDS }, _>(|k| c[k].get()));
            let splits = core::array::from_fn(|k| after[k] - before[k]);
            let out: Vec<f32> = out.iter().flat_map(|o: &N::Output| o.as_ref().iter().copied()).collect();
            ((losses, net.params().to_vec(), grad.params().to_vec(), out), splits)
        })
    }

    #[test]
    fn split_by_units_gives_the_one_thread_bits() {
        const { assert!(Wide::SPLIT_BY_UNITS) };
        let mut r = rng(9);
        let xs: Vec<[f32; 64]> = (0..333).map(|_| core::array::from_fn(|_| r.uniform() - 0.5)).collect();
        let ys: Vec<[f32; 10]> = (0..333).map(|i| core::array::from_fn(|k| f32::from(k == i % 10))).collect();
        let (one, none) = run_split::<Wide>(1, &xs, &ys);
        assert_eq!(none, [0; super::units::KINDS], "one thread does not split");
        let chunks = crate::kernel::weight_gradient_splits_by_samples();
        for threads in [2, 3] {
            let (split, splits) = run_split::<Wide>(threads, &xs, &ys);
            // forward and weight gradient by units, small forward and input
            // gradient by samples, per-value passes and the loss by rows:
            // all of them ran; no forward by samples of a wide layer (the
            // batch is small); the output layer's backward pass by samples
            // (x86 kernels: four backward passes)
            assert!(splits[..5].iter().all(|&n| n > 0), "{threads} threads: splits {splits:?}");
            assert_eq!(splits[5], 0, "{threads} threads: splits {splits:?}");
            assert_eq!(splits[6], if chunks { 4 } else { 0 }, "{threads} threads: splits {splits:?}");
            assert_eq!(split.0, one.0, "{threads} threads: losses");
            assert!(split.1 == one.1, "{threads} threads: parameters after three steps");
            assert!(split.2 == one.2, "{threads} threads: gradient");
            assert!(split.3 == one.3, "{threads} threads: outputs");
        }
    }

    /// A network whose first layer the AVX-512 kernels forward by nonzero
    /// inputs (its inputs mostly zero, as MNIST's pixels).
    type Sparse = Chain<Dense<196, 64, ReLU>, Chain<Dropout<64, { f32_bits(0.5) }>, Dense<64, 10, Softmax>>>;

    #[test]
    fn large_batches_forward_by_samples_with_the_one_thread_bits() {
        const { assert!(Sparse::SPLIT_BY_UNITS) };
        let mut r = rng(10);
        // 1,111 samples (a multiple of neither 2 nor 3), 90% of the inputs zero
        let n = super::units::SPLIT_SAMPLES_MIN_BATCH + 87;
        let xs: Vec<[f32; 196]> =
            (0..n).map(|_| core::array::from_fn(|_| if r.uniform() < 0.9 { 0.0 } else { r.uniform() })).collect();
        let ys: Vec<[f32; 10]> = (0..n).map(|i| core::array::from_fn(|k| f32::from(k == i % 10))).collect();
        let (one, none) = run_split::<Sparse>(1, &xs, &ys);
        assert_eq!(none, [0; super::units::KINDS], "one thread does not split");
        let avx512 = crate::kernel::active() == crate::kernel::Kernels::Avx512;
        for threads in [2, 3] {
            let (split, splits) = run_split::<Sparse>(threads, &xs, &ys);
            // the first layer's forward pass by samples (with the AVX-512
            // kernels: four training passes), its weight gradient by units
            assert_eq!(splits[5], if avx512 { 4 } else { 0 }, "{threads} threads: splits {splits:?}");
            assert!(splits[0] > 0, "{threads} threads: splits {splits:?}");
            let chunks = crate::kernel::weight_gradient_splits_by_samples();
            assert_eq!(splits[6], if chunks { 4 } else { 0 }, "{threads} threads: splits {splits:?}");
            assert_eq!(split.0, one.0, "{threads} threads: losses");
            assert!(split.1 == one.1, "{threads} threads: parameters after three steps");
            assert!(split.2 == one.2, "{threads} threads: gradient");
            assert!(split.3 == one.3, "{threads} threads: outputs");
        }
    }
}
