//! Writes the firmware's memory.x into OUT_DIR and puts it on the linker
//! search path, so that cortex-m-rt's link.x finds it.
use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    fs::copy("../memory.x", out.join("memory.x")).unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=../memory.x");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../assets/sine.nnw");
    println!("cargo:rerun-if-changed=../assets/mnist.nnw");
    println!("cargo:rerun-if-changed=../assets/sine_int8.nnq");
    println!("cargo:rerun-if-changed=../assets/mnist_int8.nnq");
}
