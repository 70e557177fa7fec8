use core::fmt;

use super::{map, scale_by_derivative, Activation};
use crate::baked::ConstText;

/// The logistic sigmoid `σ(z) = 1 / (1 + e^(−z))`, `σ'(z) = σ(z)(1 − σ(z))`.
///
/// Computed without overflow for large `|z|` (torch.sigmoid gives the same values):
/// σ(0) = 0.5, σ(2) = 0.880797, σ(−100) = 3.72e−44.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sigmoid;

unsafe impl bytemuck::Zeroable for Sigmoid {}
unsafe impl bytemuck::Pod for Sigmoid {}

/// Numerically stable logistic function.
#[inline]
pub(crate) fn sigmoid(z: f32) -> f32 {
    if z >= 0.0 {
        1.0 / (1.0 + libm::expf(-z))
    } else {
        let e = libm::expf(z);
        e / (1.0 + e)
    }
}

// SAFETY: zero-sized.
unsafe impl Activation for Sigmoid {
    const NAME: ConstText = ConstText::EMPTY.str("Sigmoid");
    const DESCRIPTION: &'static [crate::arch::Part] = &[crate::arch::Part::Text("Sigmoid")];
    fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        f.write_str("Sigmoid")
    }
    fn forward(&self, z: &[f32], a: &mut [f32], _width: usize) {
        map(z, a, sigmoid);
    }
    fn backward(&self, z: &[f32], a: &[f32], d: &mut [f32], _width: usize, _grad: &mut Self) {
        scale_by_derivative(z, a, d, |_, a| a * (1.0 - a));
    }
}
