use core::fmt;

use super::{map, scale_by_derivative, write_float, Activation};
use crate::baked::ConstText;
use crate::init::Init;

/// The rectifier `f(z) = max(0, z)`, with `f'(z) = 1` for `z > 0` and `0`
/// otherwise (including at 0, as torch).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReLU;

unsafe impl bytemuck::Zeroable for ReLU {}
unsafe impl bytemuck::Pod for ReLU {}

// SAFETY: zero-sized.
unsafe impl Activation for ReLU {
    const EPILOGUE: Option<crate::kernel::Epilogue> = Some(crate::kernel::Epilogue::ReLU);
    const DESCRIPTION: &'static [crate::arch::Part] = &[crate::arch::Part::Text("ReLU")];
    const DEFAULT_INIT: Init = Init::HeUniform;
    const NAME: ConstText = ConstText::EMPTY.str("ReLU");
    fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        f.write_str("ReLU")
    }
    fn forward(&self, z: &[f32], a: &mut [f32], _width: usize) {
        // `z <= 0` rather than `z > 0`: NaN stays NaN, as torch.relu(nan)
        map(z, a, |z| if z <= 0.0 { 0.0 } else { z });
    }
    fn backward(&self, z: &[f32], a: &[f32], d: &mut [f32], _width: usize, _grad: &mut Self) {
        scale_by_derivative(z, a, d, |z, _| if z > 0.0 { 1.0 } else { 0.0 });
    }
}

/// The leaky rectifier `f(z) = z` for `z > 0`, `α·z` otherwise (torch
/// `LeakyReLU(negative_slope=α)`); `f'(z) = 1` for `z > 0`, `α` otherwise.
///
/// `ALPHA` holds the bits of the `f32` slope (stable Rust has no float const
/// generics); `network!` writes `LeakyReLU<0.1>` for you, and bare `LeakyReLU`
/// is torch's default slope 0.01.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LeakyReLU<const ALPHA: u32 = 0x3c23_d70a>;

impl<const ALPHA: u32> LeakyReLU<ALPHA> {
    /// The negative slope α.
    pub const ALPHA: f32 = f32::from_bits(ALPHA);
}

unsafe impl<const ALPHA: u32> bytemuck::Zeroable for LeakyReLU<ALPHA> {}
unsafe impl<const ALPHA: u32> bytemuck::Pod for LeakyReLU<ALPHA> {}

// SAFETY: zero-sized.
unsafe impl<const ALPHA: u32> Activation for LeakyReLU<ALPHA> {
    const DESCRIPTION: &'static [crate::arch::Part] =
        &[crate::arch::Part::Text("LeakyReLU<"), crate::arch::Part::Float(Self::ALPHA), crate::arch::Part::Text(">")];
    const DEFAULT_INIT: Init = Init::HeUniform;
    const NAME: ConstText = ConstText::EMPTY.str("LeakyReLU<").float(Self::ALPHA).str(">");
    fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        f.write_str("LeakyReLU<")?;
        write_float(f, Self::ALPHA)?;
        f.write_str(">")
    }
    fn forward(&self, z: &[f32], a: &mut [f32], _width: usize) {
        let alpha = Self::ALPHA;
        map(z, a, |z| if z > 0.0 { z } else { alpha * z });
    }
    fn backward(&self, z: &[f32], a: &[f32], d: &mut [f32], _width: usize, _grad: &mut Self) {
        let alpha = Self::ALPHA;
        scale_by_derivative(z, a, d, |z, _| if z > 0.0 { 1.0 } else { alpha });
    }
}
