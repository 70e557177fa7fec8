//! Sets `cfg(nn_opt_size)` when the crate is built with `opt-level = "s"` or
//! `"z"`, where the scalar dot product keeps its eight lanes in a rolled loop
//! (the same operations in the same order, in less code; see `kernel::scalar`).
//!
//! Sets `cfg(nn_arm_dsp)` on targets whose cores all have the Armv7E-M DSP
//! extension (`thumbv7em-*`: Cortex-M4, M7), where the int8 kernels of
//! `quant` use `SXTB16` and `SMLAD` (two 8-bit multiply-adds per instruction).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(nn_arm_dsp)");
    println!("cargo::rustc-check-cfg=cfg(nn_opt_size)");
    println!("cargo::rerun-if-changed=build.rs");
    if matches!(std::env::var("OPT_LEVEL").as_deref(), Ok("s" | "z")) {
        println!("cargo::rustc-cfg=nn_opt_size");
    }
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("thumbv7em") {
        println!("cargo::rustc-cfg=nn_arm_dsp");
    }
}
