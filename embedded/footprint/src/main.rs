//! Footprint firmware: the MicroFlow anchor's method
//! (`../shared/anchors/microflow-sine/`) applied to nn, on a Cortex-M4F under
//! QEMU (machine mps2-an386).
//!
//! Built with `--features sine` it runs the 1-16-16-1 f32 sine model baked
//! into flash from `assets/sine.nnw`; `--features train` adds one Adam training
//! step on the device (what linking training costs); `--features mnist` runs
//! the MNIST 784-128-10 model (input: all 784 pixels equal to x);
//! `--features sine-int8` and `--features mnist-int8` the same models
//! quantized to int8 by `nn::quant` (`assets/*_int8.nnq`). Built without
//! features it is the empty baseline: the same runtime, the same semihosting
//! printing (f32 formatting, libm `sinf`), the identity in place of the
//! network, so that `model − baseline` is the model's own cost.
//!
//! Timing: SysTick on the core clock (QEMU: 25 MHz) under `-icount shift=8`,
//! where every guest instruction advances virtual time by 2^8 ns, i.e. by
//! 6.4 SysTick ticks: ticks / 6.4 is the number of instructions executed.
//!
//! Stack: cortex-m-rt's `paint-stack` fills the stack with 0xCCCC_CCCC before
//! `main`; the lowest scrubbed word gives the peak stack depth, read after the
//! inferences (before any printing) and at the end.
#![no_std]
#![no_main]

use core::arch::asm;
use core::hint::black_box;
use core::ptr::{addr_of, read_volatile};

use cortex_m::peripheral::{syst::SystClkSource, SYST};
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
#[cfg(any(feature = "sine", feature = "mnist"))]
use nn::prelude::*;
use panic_semihosting as _;

#[cfg(any(
    all(feature = "sine", any(feature = "mnist", feature = "sine-int8", feature = "mnist-int8")),
    all(feature = "mnist", any(feature = "sine-int8", feature = "mnist-int8")),
    all(feature = "sine-int8", feature = "mnist-int8"),
))]
compile_error!("one model at a time: enable `sine` (or `train`), `mnist`, `sine-int8` or `mnist-int8`");

#[cfg(any(feature = "sine", feature = "sine-int8"))]
nn::network! {
    /// sin x on [0, 2π], f32: MicroFlow's sine model's shape.
    pub struct Sine {
        hidden1: Dense<1, 16, ReLU>,
        hidden2: Dense<16, 16, ReLU>,
        output: Dense<16, 1>,
    }
}

#[cfg(feature = "sine")]
static NET: Sine = nn::include_network!(Sine, "../../assets/sine.nnw");

#[cfg(any(feature = "mnist", feature = "mnist-int8"))]
nn::network! {
    /// The MNIST classifier.
    pub struct Mnist {
        hidden: Dense<784, 128, ReLU>,
        dropout: Dropout<0.5>,
        output: Dense<128, 10, Softmax>,
    }
}

#[cfg(feature = "mnist")]
static NET: Mnist = nn::include_network!(Mnist, "../../assets/mnist.nnw");

#[cfg(feature = "sine-int8")]
nn::quantize_as!(Sine, nn::network![Dense<1, 16, ReLU>, Dense<16, 16, ReLU>, Dense<16, 1>]);
#[cfg(feature = "sine-int8")]
static QNET: nn::quant::Int8<Sine> = nn::include_quantized!(Sine, "../../assets/sine_int8.nnq");

#[cfg(feature = "mnist-int8")]
nn::quantize_as!(Mnist, nn::network![Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax>]);
#[cfg(feature = "mnist-int8")]
static QNET: nn::quant::Int8<Mnist> = nn::include_quantized!(Mnist, "../../assets/mnist_int8.nnq");

/// Number of inputs, evenly spaced over [0, 2*pi].
const N: usize = 10;
/// SysTick ticks per guest instruction: 25 MHz * 2^8 ns, times 10.
const TICKS_PER_INSN_X10: u32 = 64;

#[cfg(feature = "train")]
const BUILD: &str = "nn-sine+train";
#[cfg(all(feature = "sine", not(feature = "train")))]
const BUILD: &str = "nn-sine";
#[cfg(feature = "mnist")]
const BUILD: &str = "nn-mnist";
#[cfg(feature = "sine-int8")]
const BUILD: &str = "nn-sine-int8";
#[cfg(feature = "mnist-int8")]
const BUILD: &str = "nn-mnist-int8";
#[cfg(not(any(feature = "sine", feature = "mnist", feature = "sine-int8", feature = "mnist-int8")))]
const BUILD: &str = "baseline";

/// One inference; never inlined so that what is timed is this call.
#[inline(never)]
fn infer(x: f32) -> f32 {
    #[cfg(feature = "sine")]
    {
        NET.predict(&[x])[0]
    }
    #[cfg(feature = "mnist")]
    {
        NET.predict(&[x; 784])[0]
    }
    #[cfg(feature = "sine-int8")]
    {
        QNET.predict(&[x])[0]
    }
    #[cfg(feature = "mnist-int8")]
    {
        QNET.predict(&[x; 784])[0]
    }
    #[cfg(not(any(feature = "sine", feature = "mnist", feature = "sine-int8", feature = "mnist-int8")))]
    {
        black_box(x)
    }
}

/// One Adam step on the 10 points (batch 10), from the baked weights copied to RAM.
#[cfg(feature = "train")]
#[inline(never)]
fn train(xs: &[[f32; 1]; N], ys: &[[f32; 1]; N]) -> f32 {
    let mut net = NET;
    let mut grad = Sine::zeros();
    let mut workspace = [0.0f32; Sine::WORKSPACE_PER_SAMPLE * N];
    let mut state = [0.0f32; 2 * Sine::PARAMS];
    let mut opt = Adam::new(1e-3);
    let mut rng = nn::rng(1);
    let loss = net.train_step_in(xs, ys, &Mse, &mut opt, &mut state, &mut grad, &mut workspace, &mut rng);
    black_box(&net);
    loss.unwrap_or(f32::NAN)
}

extern "C" {
    static _stack_start: u32;
    static _stack_end: u32;
}

/// Peak stack use in bytes: distance from the top of the stack to the lowest
/// word that no longer holds the paint value.
#[inline(never)]
fn stack_peak() -> u32 {
    let top = addr_of!(_stack_start) as usize;
    let bottom = addr_of!(_stack_end) as usize;
    let mut p = bottom;
    while p < top && unsafe { read_volatile(p as *const u32) } == 0xCCCC_CCCC {
        p += 4;
    }
    (top - p) as u32
}

#[inline(always)]
fn now() -> u32 {
    SYST::get_current()
}

/// Ticks elapsed between two reads of the down-counting 24-bit SysTick.
#[inline(always)]
fn elapsed(t0: u32, t1: u32) -> u32 {
    t0.wrapping_sub(t1) & 0x00FF_FFFF
}

#[entry]
fn main() -> ! {
    let mut cp = cortex_m::Peripherals::take().unwrap();
    cp.SYST.set_clock_source(SystClkSource::Core);
    cp.SYST.set_reload(0x00FF_FFFF);
    cp.SYST.clear_current();
    cp.SYST.enable_counter();

    // Overhead of the measurement itself (two SysTick reads + black_box).
    let t0 = now();
    let v = black_box(0u32);
    black_box(v);
    let t1 = now();
    let overhead = elapsed(t0, t1);

    // Calibration: a loop of exactly 2 * 1000 instructions (subs + bne).
    let t0 = now();
    unsafe {
        asm!("2:", "subs {n}, #1", "bne 2b", n = inout(reg) 1000u32 => _, options(nomem, nostack));
    }
    let t1 = now();
    let calib = elapsed(t0, t1);

    let mut xs = [0f32; N];
    let mut ys = [0f32; N];
    let mut ticks = [0u32; N];
    for i in 0..N {
        let x = (i as f32) * (2.0 * core::f32::consts::PI) / ((N - 1) as f32);
        let t0 = now();
        let y = black_box(infer(black_box(x)));
        let t1 = now();
        xs[i] = x;
        ys[i] = y;
        ticks[i] = elapsed(t0, t1).saturating_sub(overhead);
    }
    // Peak stack of startup + main + inferences, before any formatting.
    let stack_infer = stack_peak();

    #[cfg(feature = "train")]
    let (train_loss, train_ticks, stack_train) = {
        let txs: [[f32; 1]; N] = core::array::from_fn(|i| [xs[i]]);
        let tys: [[f32; 1]; N] = core::array::from_fn(|i| [libm::sinf(xs[i])]);
        let t0 = now();
        let loss = black_box(train(black_box(&txs), black_box(&tys)));
        let t1 = now();
        (loss, elapsed(t0, t1).saturating_sub(overhead), stack_peak())
    };

    hprintln!("build: {}", BUILD);
    hprintln!("calibration: 2000 insns -> {} ticks (expected 12800)", calib);
    hprintln!("overhead_ticks: {}", overhead);
    let mut sum = 0u32;
    let mut min = u32::MAX;
    let mut max = 0u32;
    for i in 0..N {
        let exact = libm::sinf(xs[i]);
        let insns = (ticks[i] * 10 + TICKS_PER_INSN_X10 / 2) / TICKS_PER_INSN_X10;
        sum += insns;
        min = min.min(insns);
        max = max.max(insns);
        hprintln!(
            "x={:.4} predicted={:.5} sinf={:.5} error={:+.5} ticks={} insns={} bits={:08x}",
            xs[i],
            ys[i],
            exact,
            ys[i] - exact,
            ticks[i],
            insns,
            ys[i].to_bits()
        );
    }
    hprintln!("insns_per_inference: min={} max={} mean={}", min, max, sum / N as u32);
    let check = infer(black_box(0.5));
    hprintln!("check: infer(0.5) = {:.8} bits={:08x}", check, check.to_bits());
    hprintln!("stack_peak_inference_bytes: {}", stack_infer);
    #[cfg(feature = "train")]
    {
        hprintln!("train_step_loss: {}", train_loss);
        hprintln!("insns_per_train_step: {}", (train_ticks * 10 + TICKS_PER_INSN_X10 / 2) / TICKS_PER_INSN_X10);
        hprintln!("stack_peak_train_bytes: {}", stack_train);
    }
    let stack_total = stack_peak();
    hprintln!("stack_peak_total_bytes: {}", stack_total);

    debug::exit(debug::EXIT_SUCCESS);
    loop {
        cortex_m::asm::nop();
    }
}
