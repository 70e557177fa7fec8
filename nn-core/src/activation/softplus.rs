use core::fmt;

use super::sigmoid::sigmoid;
use super::{map, scale_by_derivative, Activation};
use crate::baked::ConstText;

/// The softplus `f(z) = ln(1 + e^z)`, a smooth ReLU; `f'(z) = σ(z)`.
///
/// As torch `Softplus()` (β = 1, threshold = 20): `f(z) = z` for `z > 20`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Softplus;

unsafe impl bytemuck::Zeroable for Softplus {}
unsafe impl bytemuck::Pod for Softplus {}

// SAFETY: zero-sized.
unsafe impl Activation for Softplus {
    const NAME: ConstText = ConstText::EMPTY.str("Softplus");
    const DESCRIPTION: &'static [crate::arch::Part] = &[crate::arch::Part::Text("Softplus")];
    fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        f.write_str("Softplus")
    }
    fn forward(&self, z: &[f32], a: &mut [f32], _width: usize) {
        map(z, a, |z| if z > 20.0 { z } else { libm::log1pf(libm::expf(z)) });
    }
    fn backward(&self, z: &[f32], a: &[f32], d: &mut [f32], _width: usize, _grad: &mut Self) {
        scale_by_derivative(z, a, d, |z, _| if z > 20.0 { 1.0 } else { sigmoid(z) });
    }
}
