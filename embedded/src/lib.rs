//! What the firmware proves on the emulated Cortex-M4F, each a check that
//! fails the run (exit status 1 through semihosting):
//!
//! 1. [`mnist`]: the MNIST classifier trained on the host, baked into flash by
//!    `nn::include_network!` (a `const fn` decoding the weight file at compile
//!    time), classifies 100 test images stored in flash; every output must be
//!    bit for bit the host's (`assets/mnist_expected.f32`).
//!    [`mnist_int8`]: the same classifier quantized to int8 on the host
//!    (`nn::quant`), baked by `nn::include_quantized!`: every output must be
//!    the host's int8 output bit for bit (`assets/mnist_int8_expected.f32`).
//! 2. [`xor`]: a 2-4-1 network learns XOR from a seeded initialization on
//!    fixed buffers, without an allocator: correct truth table, loss < 0.01.
//! 3. [`sine`]: a 1-16-16-1 network learns sin x on [0, 2π] on the device to
//!    an MSE below [`sine::MSE_GOAL`].
//!
//! `cargo run` (src/main.rs) and `cargo test` (tests/device.rs) both run
//! [`run_all`]. Output lines starting with `mnist ` (`mnist-int8 `) have the
//! format of `assets/mnist_expected.txt` (`mnist_int8_expected.txt`), for the host-side comparison
//! (`tests/embedded.rs` in the repository root).
#![no_std]

use core::ptr::{addr_of, read_volatile};

use cortex_m::peripheral::SYST;
pub use cortex_m_semihosting::hprintln as println;

pub mod mnist;
pub mod mnist_int8;
pub mod sine;
pub mod xor;

/// SysTick ticks per guest instruction under `-icount shift=8`, times 10
/// (25 MHz core clock × 256 ns).
const TICKS_PER_INSN_X10: u32 = 64;

/// Starts SysTick on the core clock, counting down from 2^24 − 1.
pub fn start_systick(syst: &mut SYST) {
    syst.set_clock_source(cortex_m::peripheral::syst::SystClkSource::Core);
    syst.set_reload(0x00FF_FFFF);
    syst.clear_current();
    syst.enable_counter();
}

/// Instructions executed by `f`: exact under QEMU `-icount shift=8`.
/// SysTick wraps after 2^24 ticks (≈ 2.6 million instructions): a longer call
/// gives `None`.
pub fn count_instructions<R>(syst: &mut SYST, f: impl FnOnce() -> R) -> (R, Option<u32>) {
    let t0 = SYST::get_current();
    let t1 = SYST::get_current();
    let overhead = t0.wrapping_sub(t1) & 0x00FF_FFFF;
    let _ = syst.has_wrapped(); // clears COUNTFLAG
    let t0 = SYST::get_current();
    let r = f();
    let t1 = SYST::get_current();
    if syst.has_wrapped() {
        return (r, None);
    }
    let ticks = (t0.wrapping_sub(t1) & 0x00FF_FFFF).saturating_sub(overhead);
    (r, Some((ticks * 10 + TICKS_PER_INSN_X10 / 2) / TICKS_PER_INSN_X10))
}

extern "C" {
    static _stack_start: u32;
    static _stack_end: u32;
}

/// Peak stack use in bytes so far: cortex-m-rt (`paint-stack`) fills the
/// stack with 0xCCCCCCCC before `main`; the lowest word that changed is the peak.
#[inline(never)]
pub fn stack_peak() -> u32 {
    let top = addr_of!(_stack_start) as usize;
    let bottom = addr_of!(_stack_end) as usize;
    let mut p = bottom;
    // SAFETY: every word between the stack's bottom and top is mapped RAM.
    while p < top && unsafe { read_volatile(p as *const u32) } == 0xCCCC_CCCC {
        p += 4;
    }
    (top - p) as u32
}

/// A check: runs, prints, and says whether it passed.
pub type Check = fn(&mut SYST) -> bool;

/// Runs every check, printing as it goes; `true` if all passed.
pub fn run_all(syst: &mut SYST) -> bool {
    start_systick(syst);
    let mut all = true;
    let checks: [(&str, Check); 4] =
        [("mnist", mnist::check), ("mnist-int8", mnist_int8::check), ("xor", xor::check), ("sine", sine::check)];
    for (name, check) in checks {
        let ok = check(syst);
        println!("check {}: {}", name, if ok { "ok" } else { "FAILED" });
        all &= ok;
    }
    println!("stack_peak_bytes: {}", stack_peak());
    all
}
