use core::fmt;

use super::{map, scale_by_derivative, write_float, Activation};
use crate::baked::ConstText;
use crate::init::Init;

/// The exponential linear unit `f(z) = z` for `z > 0`, `α(e^z − 1)` otherwise
/// (torch `ELU(alpha=α)`); `f'(z) = 1` for `z > 0`, `α·e^z` otherwise.
///
/// `ALPHA` holds the bits of the `f32` α; bare `ELU` is α = 1.0.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[allow(clippy::upper_case_acronyms)]
pub struct ELU<const ALPHA: u32 = 0x3f80_0000>;

impl<const ALPHA: u32> ELU<ALPHA> {
    /// The α of the negative branch.
    pub const ALPHA: f32 = f32::from_bits(ALPHA);
}

unsafe impl<const ALPHA: u32> bytemuck::Zeroable for ELU<ALPHA> {}
unsafe impl<const ALPHA: u32> bytemuck::Pod for ELU<ALPHA> {}

// SAFETY: zero-sized.
unsafe impl<const ALPHA: u32> Activation for ELU<ALPHA> {
    const DESCRIPTION: &'static [crate::arch::Part] =
        &[crate::arch::Part::Text("ELU<"), crate::arch::Part::Float(Self::ALPHA), crate::arch::Part::Text(">")];
    const DEFAULT_INIT: Init = Init::HeUniform;
    const NAME: ConstText = ConstText::EMPTY.str("ELU<").float(Self::ALPHA).str(">");
    fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        f.write_str("ELU<")?;
        write_float(f, Self::ALPHA)?;
        f.write_str(">")
    }
    fn forward(&self, z: &[f32], a: &mut [f32], _width: usize) {
        let alpha = Self::ALPHA;
        map(z, a, |z| if z > 0.0 { z } else { alpha * libm::expm1f(z) });
    }
    fn backward(&self, z: &[f32], a: &[f32], d: &mut [f32], _width: usize, _grad: &mut Self) {
        let alpha = Self::ALPHA;
        scale_by_derivative(z, a, d, |z, _| if z > 0.0 { 1.0 } else { alpha * libm::expf(z) });
    }
}
