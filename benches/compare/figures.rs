//! The figures of `benches/compare/run.sh`, for this library: MNIST
//! 784-128-10 (`Dense<784, 128, ReLU>`, `Dropout<0.5>`, `Dense<128, 10, Softmax>`,
//! Adam, `CrossEntropy`), and LeNet-5 (`cnn_*` figures: the network of
//! `examples/cnn.rs`), one JSON object per line on stdout.
//!
//! `cargo bench --bench figures -- [--data DIR] [--repeats N] [--quick] [--only train|predict|cnn|parallel|kernels|callgrind|steps] [--batch B]`
//! (with `--features parallel`: also training at batch 256, with `fit` and with
//! `train_step` alone, `train_step` at batch 2,048, and inference at batch
//! 10,000, on one thread and on
//! rayon's threads in turn, each pair followed by one of the machine's own
//! 2-thread ceiling, `ceiling_*`; set `RAYON_NUM_THREADS` to choose how many).
//!
//! Each figure is the median of `--repeats` timed runs, timed by the CPU time
//! of the thread (so that other processes on a shared machine do not count;
//! `NN_CLOCK=wall` for wall-clock time, which multi-threaded figures always use).
//! `--only kernels` times the dense kernels alone after measuring the
//! hardware's bounds (`--quick` skips the bounds). `--only steps` (with
//! `parallel`) runs the `train_step` loops that `benches/profile.sh` samples,
//! at batch `--batch` (256 unless told).

use std::time::Instant;

use nn::data::{mnist, one_hot};
use nn::fit::Verbosity;
use nn::prelude::*;

nn::network! {
    /// The MNIST classifier of the examples.
    pub struct Mnist { Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax> }
}

nn::network! {
    /// LeNet-5 of `examples/cnn.rs`.
    pub struct LeNet {
        Input<1, 28, 28>,
        Conv2d<1, 6, 5, ReLU, padding = 2>,
        MaxPool2d<2>,
        Conv2d<6, 16, 5, ReLU>,
        MaxPool2d<2>,
        Flatten,
        Dense<400, 120, ReLU>,
        Dense<120, 84, ReLU>,
        Dense<84, 10, Softmax>,
    }
}

/// LeNet-5: training samples per second over the first 6,400 samples (100
/// batches of 64, Adam), inference at batch 1 (1,000 images) and 10,000.
fn cnn(xs: &[[f32; 784]], ys: &[[f32; 10]], test: &[[f32; 784]], repeats: usize) {
    let mut net = LeNet::boxed(&mut nn::rng(0));
    let mut opt = Adam::new(1e-3);
    let mut rng = nn::rng(1);
    let (xs, ys) = (&xs[..6_400], &ys[..6_400]);
    let s = time(repeats.min(3), || {
        for (x, y) in xs.chunks(64).zip(ys.chunks(64)) {
            net.train_step(x, y, &CrossEntropy, &mut opt, &mut rng).unwrap();
        }
    });
    emit("cnn_train_samples_per_s_b64", xs.len() as f64 / s, "samples/s", 1);
    let mut sink = 0.0f32;
    let s = time(repeats, || {
        for x in &test[..1_000] {
            sink += net.predict(x)[0];
        }
    });
    emit("cnn_predict_b1_us", s / 1_000.0 * 1e6, "µs", 1);
    let mut out = vec![[0.0f32; 10]; test.len()];
    let s = time(repeats.min(3), || net.predict_batch(test, &mut out).unwrap());
    emit("cnn_predict_b10000_samples_per_s", test.len() as f64 / s, "samples/s", 1);
    std::hint::black_box(sink);
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Set when several threads work (CPU time of one thread would undercount).
static WALL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Seconds of CPU time of this thread (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`),
/// so that other processes on a shared machine do not count; `None` (use
/// wall-clock time) off Linux, with `NN_CLOCK=wall`, or when several threads work.
fn cpu_seconds() -> Option<f64> {
    if WALL.load(std::sync::atomic::Ordering::Relaxed) || std::env::var("NN_CLOCK").is_ok_and(|c| c == "wall") {
        return None;
    }
    thread_cpu_seconds()
}

/// Pins the calling thread to CPU `cpu` (Linux; elsewhere nothing).
#[cfg(feature = "parallel")]
fn pin_to(cpu: usize) {
    #[cfg(target_os = "linux")]
    {
        extern "C" {
            fn sched_setaffinity(pid: i32, size: usize, mask: *const u64) -> i32;
        }
        let mut mask = [0u64; 16];
        mask[cpu / 64] |= 1 << (cpu % 64);
        // SAFETY: pid 0 is the calling thread; the mask is 1,024 bits.
        unsafe { sched_setaffinity(0, core::mem::size_of_val(&mask), mask.as_ptr()) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cpu;
}

#[cfg(target_os = "linux")]
fn thread_cpu_seconds() -> Option<f64> {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut t = Timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: the C library's clock_gettime writes one timespec (64-bit Linux layout).
    let ok = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0;
    ok.then_some(t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9)
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_seconds() -> Option<f64> {
    None
}

/// The clock of the figures: per-thread CPU time when available (one thread), else wall time.
struct Clock(Option<f64>, Instant);

impl Clock {
    fn start() -> Self {
        Clock(cpu_seconds(), Instant::now())
    }
    fn seconds(&self) -> f64 {
        match (self.0, cpu_seconds()) {
            (Some(a), Some(b)) => b - a,
            _ => self.1.elapsed().as_secs_f64(),
        }
    }
    fn name() -> &'static str {
        if cpu_seconds().is_some() {
            "cpu"
        } else {
            "wall"
        }
    }
}

/// Median seconds of `repeats` runs of `f` (after one untimed warm-up run).
fn time(repeats: usize, mut f: impl FnMut()) -> f64 {
    f();
    median(
        (0..repeats)
            .map(|_| {
                let t = Clock::start();
                f();
                t.seconds()
            })
            .collect(),
    )
}

fn emit(name: &str, value: f64, unit: &str, threads: usize) {
    let clock = Clock::name();
    println!(
        "{{\"impl\": \"nn\", \"figure\": \"{name}\", \"value\": {value:.6}, \"unit\": \"{unit}\", \"threads\": {threads}, \"clock\": \"{clock}\"}}"
    );
}

struct Args {
    data: String,
    repeats: usize,
    quick: bool,
    only: Option<String>,
    /// The batch of `--only steps`.
    batch: usize,
}

fn args() -> Args {
    let mut a = Args {
        data: concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist").into(),
        repeats: 7,
        quick: false,
        only: None,
        batch: 256,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--data" => a.data = it.next().expect("--data DIR"),
            "--repeats" => a.repeats = it.next().and_then(|n| n.parse().ok()).expect("--repeats N"),
            "--quick" => a.quick = true,
            "--only" => a.only = it.next(),
            "--batch" => {
                a.batch = it.next().and_then(|n| n.parse().ok()).filter(|&n| n > 0).expect("--batch B (B > 0)")
            }
            _ => {} // `cargo bench` passes --bench
        }
    }
    a
}

/// Training samples per second of `train_step` alone (Adam, `CrossEntropy`,
/// dropout active) on the consecutive batches of `batch` samples of one pass
/// over the data: no shuffling, no gathering, no metrics. One run: its seconds.
#[cfg(feature = "parallel")]
fn step_pass(net: &mut Mnist, xs: &[[f32; 784]], ys: &[[f32; 10]], batch: usize, opt: &mut Adam, rng: &mut Rng) -> f64 {
    let n = xs.len() / batch * batch;
    let started = Clock::start();
    for (x, y) in xs[..n].chunks(batch).zip(ys[..n].chunks(batch)) {
        net.train_step(x, y, &CrossEntropy, opt, rng).expect("training");
    }
    started.seconds()
}

/// One epoch of `fit` (shuffled mini-batches, order from `seed`), continuing
/// the optimizer `opt`: its seconds.
fn fit_epoch(net: &mut Mnist, xs: &[[f32; 784]], ys: &[[f32; 10]], batch: usize, opt: &mut Adam, seed: u64) -> f64 {
    let started = Clock::start();
    let mut fit = net
        .fit(xs, ys)
        .loss(CrossEntropy)
        .optimizer(opt.clone())
        .epochs(1)
        .batch_size(batch)
        .seed(seed)
        .verbosity(Verbosity::Quiet);
    fit.run().expect("training");
    let seconds = started.seconds();
    *opt = fit.optimizer_ref().clone();
    seconds
}

/// Training samples per second: `fit` over `n` samples (shuffled mini-batches), median of the repeats.
fn train_rate(net: &mut Mnist, xs: &[[f32; 784]], ys: &[[f32; 10]], batch: usize, repeats: usize) -> f64 {
    let mut opt = Adam::new(1e-3);
    let mut rates = Vec::new();
    for r in 0..=repeats {
        let seconds = fit_epoch(net, xs, ys, batch, &mut opt, r as u64);
        if r > 0 {
            rates.push(xs.len() as f64 / seconds);
        }
    }
    median(rates)
}

/// The pinning of the `parallel` figures (unless `NN_PIN=0`): the 2-thread
/// helper on CPU 1 and this thread on CPU 0; and a pool of one thread
/// (named `nn-one-thread`, which `benches/profile.sh` looks for), on CPU 0.
#[cfg(feature = "parallel")]
fn pinned_one_thread_pool() -> rayon::ThreadPool {
    let pin = std::env::var("NN_PIN").map_or(true, |p| p != "0");
    if pin {
        // the 2-thread helper on CPU 1 (a thread inherits its creator's CPUs)
        pin_to(1);
        drop(nn::parallel::Region::open());
        pin_to(0);
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .thread_name(|_| "nn-one-thread".into())
        .start_handler(move |_| {
            if pin {
                pin_to(0)
            }
        })
        .build()
        .expect("a pool of one thread")
}

/// Pair `r` of a paired figure: `side(true)` (the one-thread side) and
/// `side(false)`, the one-thread side first in even pairs and second in odd
/// ones; `(one thread, the other)`.
#[cfg(feature = "parallel")]
fn in_pair_order(r: usize, mut side: impl FnMut(bool) -> f64) -> (f64, f64) {
    if r.is_multiple_of(2) {
        let a = side(true);
        (a, side(false))
    } else {
        let b = side(false);
        (side(true), b)
    }
}

/// The `parallel` figures: each workload run `repeats` times on a pool of
/// one thread and on rayon's pool (`threads`, from this thread, as a
/// program calls it) in turn, so that a change in the machine's load hits
/// both (runs in separate processes, minutes apart, gave speed-ups from
/// 1.48× to 1.75× for the same code); each side's figure is the median of
/// its runs, and the speed-up the median of the pairs' ratios
/// (`speedup_…`).
///
/// This thread and the 1-thread pool's are pinned to CPU 0, the 2-thread
/// helper to CPU 1 (`NN_PIN=0`: none pinned). With `RAYON_NUM_THREADS=1`
/// both sides run one thread, and their "speed-up" shows how far the
/// method can be trusted: on the 2-vCPU Ice Lake of 2026-12-06, three runs
/// unpinned gave 0.67–1.45 (the two threads on different virtual CPUs,
/// which the host loaded differently), three pinned 0.95–1.04, and three
/// with this thread on CPU 1 instead 0.93–1.13.
///
/// After each pair, a pair of [`registers_only`] (one thread, then halves
/// on two, in the pair's order) measures what the two CPUs give at that
/// moment: `ceiling_…` is the median of those pairs' ratios. On that
/// machine, it was 1.77× before the workloads of one `--quick` run and
/// 1.19× after them, a minute later; in another, 1.06× beside a 2-thread
/// prediction at 1.00×, where a run a few minutes before had 1.91× and
/// 1.76×.
#[cfg(feature = "parallel")]
fn parallel(net: &mut Mnist, xs: &[[f32; 784]], ys: &[[f32; 10]], test: &[[f32; 784]], repeats: usize) {
    let threads = rayon::current_num_threads();
    let one = pinned_one_thread_pool();
    // wall clock on both sides
    WALL.store(true, std::sync::atomic::Ordering::Relaxed);
    // The machine's own ceiling at that moment: arithmetic in registers on
    // one thread, or in halves on two (`registers_only`).
    let ceiling = || {
        let started = Clock::start();
        let (a, b) = nn::parallel::region(|| {
            nn::parallel::team::join(|| registers_only(CEILING_STEPS / 2), || registers_only(CEILING_STEPS / 2))
        });
        std::hint::black_box(a + b);
        started.seconds()
    };
    let paired =
        |name: &str, (samples, unit): (f64, &str), repeats: usize, run: &mut (dyn FnMut(usize) -> f64 + Send)| {
            let (mut t1, mut tn, mut ratio, mut ceilings) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for r in 0..=repeats {
                // (the first pair warms up: not counted; the pairs alternate
                // which side goes first; a pair of the ceiling follows each)
                let (a, b) = in_pair_order(r, |on_one| if on_one { one.install(|| run(r)) } else { run(r) });
                let (c1, cn) = in_pair_order(r, |on_one| if on_one { one.install(ceiling) } else { ceiling() });
                if r > 0 {
                    t1.push(a);
                    tn.push(b);
                    ratio.push(a / b);
                    ceilings.push(c1 / cn);
                }
            }
            emit(name, samples / median(t1), unit, 1);
            emit(name, samples / median(tn), unit, threads);
            emit(&format!("speedup_{name}"), median(ratio), "×", threads);
            emit(&format!("ceiling_{name}"), median(ceilings), "×", threads);
        };
    let samples = |n: usize| (n as f64, "samples/s");
    let (mut opt, mut rng) = (Adam::new(1e-3), nn::rng(7));
    paired("train_samples_per_s_b256", samples(xs.len()), repeats, &mut |r| {
        fit_epoch(net, xs, ys, 256, &mut opt, r as u64)
    });
    let mut opt = Adam::new(1e-3);
    paired("train_step_samples_per_s_b256", samples(xs.len() / 256 * 256), repeats, &mut |_| {
        step_pass(net, xs, ys, 256, &mut opt, &mut rng)
    });
    // the goal holds for every batch from 256 on: a large one too, where
    // the first layer's forward pass splits by samples
    paired("train_step_samples_per_s_b2048", samples(xs.len() / 2048 * 2048), repeats, &mut |_| {
        step_pass(net, xs, ys, 2048, &mut opt, &mut rng)
    });
    let mut out = vec![[0.0f32; 10]; test.len()];
    // (a run of 10 ms or so: more of them)
    paired("predict_b10000_samples_per_s", samples(test.len()), 3 * repeats, &mut |_| {
        let started = Clock::start();
        net.predict_batch(test, &mut out).unwrap();
        started.seconds()
    });
}

/// `--only steps`, the loop that `benches/profile.sh` samples with `perf`:
/// `repeats` pairs of passes of `train_step` at batch `batch` over `xs` (at
/// 256 or 2,048, a `train_step` row of `--only parallel`), one on a pool of one thread
/// named `nn-one-thread`, one on this thread with rayon's pool (two
/// threads: this one and the helper `nn-team`), the pairs alternating
/// which goes first, so that a change in the machine's load hits both and
/// the profile tells the two apart by thread. Pinned as there (this thread
/// and the one-thread pool's on CPU 0, the helper on CPU 1; `NN_PIN=0`:
/// not pinned). After a first pair (not counted), it turns `perf record`
/// on for the counted pairs when `NN_PERF_CTL` and `NN_PERF_ACK` name the
/// control and acknowledgement FIFOs of `perf record --control`, so that
/// loading the data stays out of the profile. Emits the batch, each side's
/// steps and median wall-clock µs per step, and the median of the pairs'
/// ratios.
#[cfg(feature = "parallel")]
fn steps(net: &mut Mnist, xs: &[[f32; 784]], ys: &[[f32; 10]], repeats: usize, batch: usize) {
    use std::io::{BufRead, Write};
    let one = pinned_one_thread_pool();
    // perf's control FIFO: write a command, wait for its "ack".
    let fifos = std::env::var("NN_PERF_CTL").ok().zip(std::env::var("NN_PERF_ACK").ok());
    let mut perf = fifos.map(|(ctl, ack)| {
        let ctl = std::fs::OpenOptions::new().write(true).open(ctl).expect("perf's control FIFO");
        let ack = std::io::BufReader::new(std::fs::File::open(ack).expect("perf's acknowledgement FIFO"));
        (ctl, ack)
    });
    let mut command = |what: &str| {
        if let Some((ctl, ack)) = perf.as_mut() {
            writeln!(ctl, "{what}").expect("perf's control FIFO");
            let mut line = String::new();
            ack.read_line(&mut line).expect("perf's acknowledgement");
        }
    };
    // wall clock on both sides, as in `--only parallel`
    WALL.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut opt, mut rng) = (Adam::new(1e-3), nn::rng(7));
    let mut pass = |on_one: bool| {
        if on_one {
            one.install(|| step_pass(net, xs, ys, batch, &mut opt, &mut rng))
        } else {
            step_pass(net, xs, ys, batch, &mut opt, &mut rng)
        }
    };
    let (mut t1, mut t2, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..=repeats {
        if r == 1 {
            command("enable");
        }
        let (a, b) = in_pair_order(r, &mut pass);
        if r > 0 {
            t1.push(a);
            t2.push(b);
            ratio.push(a / b);
        }
    }
    command("disable");
    let per_pass = (xs.len() / batch) as f64;
    let threads = rayon::current_num_threads();
    emit("steps_batch", batch as f64, "samples", 1);
    emit("steps_count", repeats as f64 * per_pass, "steps", 1);
    emit("steps_count", repeats as f64 * per_pass, "steps", threads);
    emit("steps_us", median(t1) / per_pass * 1e6, "µs", 1);
    emit("steps_us", median(t2) / per_pass * 1e6, "µs", threads);
    emit("speedup_steps", median(ratio), "×", threads);
}

/// Steps of [`registers_only`] in one run of the ceiling: about 16 ms on one
/// thread of the Ice Lake of 2026-12-06 (167 GFLOP/s).
#[cfg(feature = "parallel")]
const CEILING_STEPS: u64 = 1 << 23;

/// The 2-thread ceiling of the machine, for the `parallel` rows: `steps`
/// steps of 10 independent chains of fused multiply-adds on 16 lanes, all in
/// registers (AVX-512 where the CPU has it, as the kernels; else plain code
/// the compiler vectorizes as it can). Halves of it on two threads share
/// nothing, not even a cache line, so their speed-up over one thread is
/// what the two CPUs give at that moment: 2× on two idle cores, less when
/// the host runs other work on the cores under the virtual CPUs.
#[cfg(feature = "parallel")]
fn registers_only(steps: u64) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: AVX-512F is available.
        return unsafe { registers_only_avx512(steps) };
    }
    let (m, c) = (std::hint::black_box(0.999_9f32), 1e-4f32);
    let mut a = [[0.0f32; 16]; 10];
    for _ in 0..steps {
        for a in &mut a {
            for a in a.iter_mut() {
                *a = *a * m + c;
            }
        }
    }
    a.iter().flatten().sum()
}

/// [`registers_only`] in AVX-512 registers.
#[cfg(all(feature = "parallel", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f")]
fn registers_only_avx512(steps: u64) -> f32 {
    use std::arch::x86_64::*;
    let (m, c) = (_mm512_set1_ps(std::hint::black_box(0.999_9)), _mm512_set1_ps(1e-4));
    let mut a = [_mm512_setzero_ps(); 10];
    for _ in 0..steps {
        for a in &mut a {
            *a = _mm512_fmadd_ps(*a, m, c);
        }
    }
    a.iter().map(|&a| _mm512_reduce_add_ps(a)).sum()
}

fn main() {
    let args = args();
    if args.only.as_deref() == Some("kernels") {
        return kernels(!args.quick);
    }
    if args.only.as_deref() == Some("callgrind") {
        return callgrind();
    }
    let data = mnist::load(&args.data).expect("MNIST data (see --data)");
    let train_y = one_hot::<10>(&data.train_labels).unwrap();
    let n_train = if args.quick { 12_800 } else { data.train_images.len() };
    let (xs, ys) = (&data.train_images[..n_train], &train_y[..n_train]);
    let test = &data.test_images;
    let mut net = Mnist::boxed(&mut nn::rng(0));
    let mut out = vec![[0.0f32; 10]; test.len()];
    let repeats = args.repeats;

    let want = |what: &str| args.only.as_deref().is_none_or(|o| o == what);
    if want("train") {
        emit("train_samples_per_s_b64", train_rate(&mut net, xs, ys, 64, repeats.min(5)), "samples/s", 1);
    }
    if want("predict") {
        let n1 = if args.quick { 1_000 } else { 10_000 };
        let mut sink = 0.0f32;
        let s = time(repeats, || {
            for x in &test[..n1] {
                sink += net.predict(x)[0];
            }
        });
        emit("predict_b1_us", s / n1 as f64 * 1e6, "µs", 1);

        let s = time(repeats, || {
            for (x, y) in test.chunks(64).zip(out.chunks_mut(64)) {
                net.predict_batch(x, y).unwrap();
            }
        });
        emit("predict_b64_samples_per_s", test.len() as f64 / s, "samples/s", 1);
        let s = time(repeats, || net.predict_batch(test, &mut out).unwrap());
        emit("predict_b10000_samples_per_s", test.len() as f64 / s, "samples/s", 1);
        std::hint::black_box(sink);
    }
    if want("cnn") {
        cnn(&data.train_images, &train_y, test, repeats);
    }

    #[cfg(feature = "parallel")]
    if args.only.as_deref() == Some("steps") {
        steps(&mut net, xs, ys, repeats, args.batch);
    }
    #[cfg(feature = "parallel")]
    if want("parallel") {
        // rayon's pool (RAYON_NUM_THREADS, else one thread per core) against one thread
        parallel(&mut net, xs, ys, test, repeats);
    }
}

/// The dense kernels alone on the MNIST shapes (batch 64): GFLOP/s of the
/// fastest of many runs (`--only kernels`, for tuning), after the hardware's
/// bounds (skipped with `--quick`).
fn kernels(with_bounds: bool) {
    #[cfg(target_arch = "x86_64")]
    if with_bounds {
        bounds();
    }
    use nn::kernel;
    let mut rng = nn::rng(1);
    let mut v = |n: usize| (0..n).map(|_| rng.uniform() - 0.5).collect::<Vec<f32>>();
    {
        let n = 101_770;
        let (mut p, g, mut state) = (v(n), v(n), vec![0.0f32; 2 * n]);
        let mut opt = Adam::new(1e-3);
        let best = fastest(50, &mut || opt.update(&mut p, &g, &mut state));
        println!("Adam update of {n} parameters: {:.1} µs", best * 1e6);
    }
    for (batch, n_in, n_out) in [(64usize, 784usize, 128usize), (64, 128, 10), (1, 784, 128), (64, 1024, 1024)] {
        let (x, w, b, dz) = (v(batch * n_in), v(n_out * n_in), v(n_out), v(batch * n_out));
        // as a large Vec lands from malloc (mmap): 16 bytes past a cache line
        let (x, w) = (at_16(&x), at_16(&w));
        let (x, w) = (&x.0[x.1..x.1 + batch * n_in], &w.0[w.1..w.1 + n_out * n_in]);
        let (mut z, mut dw, mut db, mut dx) = (v(batch * n_out), v(n_out * n_in), v(n_out), v(batch * n_in));
        let flops = 2.0 * (batch * n_in * n_out) as f64;
        let reps = (2e8 / flops).ceil() as usize;
        let f = fastest(reps, &mut || kernel::dense_forward(x, w, &b, &mut z, n_in, n_out));
        let p = fastest(reps, &mut || kernel::dense_backward_params(x, &dz, &mut dw, &mut db, n_in, n_out));
        let i = fastest(reps, &mut || kernel::dense_backward_input(&dz, w, &mut dx, n_in, n_out));
        println!(
            "{batch}x{n_in}->{n_out}: forward {:.1} GFLOP/s ({:.1} µs), dW {:.1} GFLOP/s ({:.1} µs), dX {:.1} GFLOP/s ({:.1} µs)",
            flops / f * 1e-9,
            f * 1e6,
            flops / p * 1e-9,
            p * 1e6,
            flops / i * 1e-9,
            i * 1e6
        );
    }
}

/// A copy of `v` in a buffer, and the offset at which it starts 16 bytes past
/// a cache-line boundary.
fn at_16(v: &[f32]) -> (Vec<f32>, usize) {
    let mut buf = vec![0.0f32; v.len() + 16];
    let off = (16 + 64 - buf.as_ptr() as usize % 64) % 64 / 4;
    buf[off..off + v.len()].copy_from_slice(v);
    (buf, off)
}

/// Seconds per call of `f`: the fastest of 15 runs of `reps` calls (for
/// `--only kernels`, where the fastest run is the code's own speed).
fn fastest(reps: usize, f: &mut dyn FnMut()) -> f64 {
    (0..15)
        .map(|_| {
            let t = Clock::start();
            for _ in 0..reps {
                f();
            }
            t.seconds() / reps as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// The hardware's bounds for the figures (`--only kernels`): the peak rate of
/// fused multiply-adds of one core (12 independent chains; 512-bit registers
/// with AVX-512F, and 256-bit), and the time to read the 401 KB of the
/// 784 → 128 weights once from L2, front to back (the floor of batch 1) and
/// 8 rows at a time (256-bit loads where the rows lie, and with AVX-512 also
/// whole aligned lines): the single-sample kernel's summation order keeps
/// several rows in flight (it reads 4 at a time, in aligned 32-byte chunks).
#[cfg(target_arch = "x86_64")]
fn bounds() {
    use std::arch::x86_64::*;
    macro_rules! chains {
        ($feature:literal, $name:ident, $t:ty, $set1:ident, $fma:ident, $add:ident, $lanes:literal, $load:ident) => {
            #[target_feature(enable = $feature)]
            fn $name(n: usize) -> f32 {
                let (m, c) = ($set1(0.999), $set1(0.001));
                let mut a: [$t; 12] = [$set1(0.0); 12];
                for _ in 0..n {
                    for a in &mut a {
                        *a = $fma(*a, m, c);
                    }
                }
                let s = a.iter().fold($set1(0.0), |s, &a| $add(s, a));
                let mut out = [0.0f32; $lanes];
                // SAFETY: `out` has one value per lane.
                unsafe { $load(out.as_mut_ptr(), s) };
                out.iter().sum()
            }
        };
    }
    chains!("avx512f", fma512, __m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, 16, _mm512_storeu_ps);
    chains!("avx,fma", fma256, __m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, 8, _mm256_storeu_ps);
    macro_rules! read {
        ($feature:literal, $name:ident, $t:ty, $zero:ident, $add:ident, $loadu:ident, $storeu:ident, $lanes:literal) => {
            #[target_feature(enable = $feature)]
            fn $name(w: &[f32]) -> f32 {
                let mut a = [$zero(); 8];
                for block in w.chunks_exact(8 * $lanes) {
                    for (j, a) in a.iter_mut().enumerate() {
                        // SAFETY: one register's values of the block.
                        *a = $add(*a, unsafe { $loadu(block.as_ptr().add($lanes * j)) });
                    }
                }
                let mut out = [0.0f32; $lanes];
                // SAFETY: `out` has one value per lane.
                unsafe { $storeu(out.as_mut_ptr(), a.iter().fold($zero(), |s, &a| $add(s, a))) };
                out.iter().sum()
            }
        };
    }
    read!("avx512f", read512, __m512, _mm512_setzero_ps, _mm512_add_ps, _mm512_loadu_ps, _mm512_storeu_ps, 16);
    read!("avx", read256, __m256, _mm256_setzero_ps, _mm256_add_ps, _mm256_loadu_ps, _mm256_storeu_ps, 8);
    /// The same weights read as the single-sample kernels do: 8 rows at a
    /// time (8 streams, 3 KiB apart), one load of `$lanes` values per row per
    /// step (with 256-bit loads where the rows lie, as the AVX kernel; with
    /// 512-bit loads of rows on cache-line boundaries, whole lines, as the
    /// AVX-512 kernel).
    macro_rules! rows {
        ($feature:literal, $name:ident, $zero:ident, $add:ident, $loadu:ident, $storeu:ident, $lanes:literal) => {
            #[target_feature(enable = $feature)]
            fn $name(w: &[f32], n_in: usize) -> f32 {
                let mut a = [$zero(); 8];
                for rows in w.chunks_exact(8 * n_in) {
                    for k in (0..n_in - n_in % $lanes).step_by($lanes) {
                        for (r, a) in a.iter_mut().enumerate() {
                            // SAFETY: values k..k + $lanes of row r of the 8.
                            *a = $add(*a, unsafe { $loadu(rows.as_ptr().add(r * n_in + k)) });
                        }
                    }
                }
                let mut out = [0.0f32; $lanes];
                // SAFETY: `out` has one value per lane.
                unsafe { $storeu(out.as_mut_ptr(), a.iter().fold($zero(), |s, &a| $add(s, a))) };
                out.iter().sum()
            }
        };
    }
    rows!("avx", read_rows, _mm256_setzero_ps, _mm256_add_ps, _mm256_loadu_ps, _mm256_storeu_ps, 8);
    rows!("avx512f", read_rows_lines, _mm512_setzero_ps, _mm512_add_ps, _mm512_loadu_ps, _mm512_storeu_ps, 16);
    let n = 1_000_000;
    let mut sink = 0.0;
    if std::is_x86_feature_detected!("avx512f") {
        // SAFETY: AVX-512F is available.
        let s = fastest(1, &mut || sink += unsafe { fma512(std::hint::black_box(n)) });
        println!("FMA peak, 512-bit: {:.1} GFLOP/s", (n * 12 * 32) as f64 / s * 1e-9);
    }
    if std::is_x86_feature_detected!("avx") && std::is_x86_feature_detected!("fma") {
        // SAFETY: AVX and FMA are available.
        let s = fastest(1, &mut || sink += unsafe { fma256(std::hint::black_box(n)) });
        println!("FMA peak, 256-bit: {:.1} GFLOP/s", (n * 12 * 16) as f64 / s * 1e-9);
    }
    let w = vec![0.5f32; 784 * 128];
    let avx512 = std::is_x86_feature_detected!("avx512f");
    if avx512 || std::is_x86_feature_detected!("avx") {
        let s = fastest(100, &mut || {
            let w = std::hint::black_box(&w);
            // SAFETY: AVX-512F, or else AVX, is available.
            sink += unsafe {
                if avx512 {
                    read512(w)
                } else {
                    read256(w)
                }
            };
        });
        let bits = if avx512 { 512 } else { 256 };
        println!(
            "reading 784x128 weights from L2, {bits}-bit loads: {:.2} µs ({:.0} GB/s)",
            s * 1e6,
            (w.len() * 4) as f64 / s * 1e-9
        );
        // SAFETY: AVX (implied by AVX-512F) is available.
        let s = fastest(100, &mut || sink += unsafe { read_rows(std::hint::black_box(&w), 784) });
        println!("the same, 8 rows at a time: {:.2} µs ({:.0} GB/s)", s * 1e6, (w.len() * 4) as f64 / s * 1e-9);
        if avx512 {
            // the rows on cache-line boundaries (784 values: 49 lines each)
            let buf = vec![0.5f32; w.len() + 16];
            let skip = buf.as_ptr().align_offset(64);
            let lines = &buf[skip..skip + w.len()];
            // SAFETY: AVX-512F is available.
            let s = fastest(100, &mut || sink += unsafe { read_rows_lines(std::hint::black_box(lines), 784) });
            println!(
                "the same, 8 rows at a time, whole aligned lines: {:.2} µs ({:.0} GB/s)",
                s * 1e6,
                (w.len() * 4) as f64 / s * 1e-9
            );
        }
    }
    std::hint::black_box(sink);
}

/// What `benches/BASELINE.md` counts under callgrind (`--only callgrind`):
/// 100 calls of `predict` (batch 1) in `callgrind_predict_b1`, and 10
/// `train_step`s of batch 64 (Adam, `CrossEntropy`) in `callgrind_train_b64`,
/// after one untimed call of each. Seeded pseudo-random inputs (no MNIST
/// loading under valgrind).
fn callgrind() {
    let mut rng = nn::rng(5);
    let xs: Vec<[f32; 784]> = (0..64).map(|_| core::array::from_fn(|_| rng.uniform())).collect();
    let ys: Vec<[f32; 10]> = (0..64).map(|i| core::array::from_fn(|k| if k == i % 10 { 1.0 } else { 0.0 })).collect();
    let mut net = Mnist::boxed(&mut rng);
    let mut opt = Adam::new(1e-3);
    net.train_step(&xs, &ys, &CrossEntropy, &mut opt, &mut rng).unwrap();
    std::hint::black_box(net.predict(&xs[0]));
    std::hint::black_box(callgrind_predict_b1(&net, &xs));
    callgrind_train_b64(&mut net, &xs, &ys, &mut opt, &mut rng);
    println!("kernels: {:?}", nn::kernel::active());
}

#[inline(never)]
fn callgrind_predict_b1(net: &Mnist, xs: &[[f32; 784]]) -> f32 {
    let mut sum = 0.0;
    for i in 0..100 {
        sum += net.predict(std::hint::black_box(&xs[i % xs.len()]))[0];
    }
    sum
}

#[inline(never)]
fn callgrind_train_b64(net: &mut Mnist, xs: &[[f32; 784]], ys: &[[f32; 10]], opt: &mut Adam, rng: &mut Rng) {
    for _ in 0..10 {
        net.train_step(std::hint::black_box(xs), ys, &CrossEntropy, opt, rng).unwrap();
    }
}
