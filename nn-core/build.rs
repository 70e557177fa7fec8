//! Sets `cfg(nn_arm_dsp)` on targets whose cores all have the Armv7E-M DSP
//! extension (`thumbv7em-*`: Cortex-M4, M7), where the int8 kernels of
//! `quant` use `SXTB16` and `SMLAD` (two 8-bit multiply-adds per instruction).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(nn_arm_dsp)");
    println!("cargo::rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("thumbv7em") {
        println!("cargo::rustc-cfg=nn_arm_dsp");
    }
}
