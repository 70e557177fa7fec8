use core::fmt;

use super::{map, scale_by_derivative, Activation};
use crate::baked::ConstText;

/// The hyperbolic tangent `tanh(z)`, `tanh'(z) = 1 − tanh²(z)`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tanh;

unsafe impl bytemuck::Zeroable for Tanh {}
unsafe impl bytemuck::Pod for Tanh {}

// SAFETY: zero-sized.
unsafe impl Activation for Tanh {
    const NAME: ConstText = ConstText::EMPTY.str("Tanh");
    const DESCRIPTION: &'static [crate::arch::Part] = &[crate::arch::Part::Text("Tanh")];
    fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        f.write_str("Tanh")
    }
    fn forward(&self, z: &[f32], a: &mut [f32], _width: usize) {
        map(z, a, libm::tanhf);
    }
    fn backward(&self, z: &[f32], a: &[f32], d: &mut [f32], _width: usize, _grad: &mut Self) {
        scale_by_derivative(z, a, d, |_, a| 1.0 - a * a);
    }
}
