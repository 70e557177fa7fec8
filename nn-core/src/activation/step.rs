use core::fmt;

use super::{map, Activation};
use crate::baked::ConstText;

/// The Heaviside step of the perceptron: `f(z) = 1` if `z ≥ 0`, else `0`.
///
/// Its true derivative is 0 almost everywhere, which would make gradient
/// descent learn nothing. `Step` therefore uses the straight-through
/// derivative `f'(z) = 1`: with [`SumSquaredError`](crate::SumSquaredError),
/// one step of [`Sgd`](crate::Sgd) is then exactly Rosenblatt's perceptron
/// rule `w ← w + η (t − y) x`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Step;

unsafe impl bytemuck::Zeroable for Step {}
unsafe impl bytemuck::Pod for Step {}

// SAFETY: zero-sized.
unsafe impl Activation for Step {
    const NAME: ConstText = ConstText::EMPTY.str("Step");
    const DESCRIPTION: &'static [crate::arch::Part] = &[crate::arch::Part::Text("Step")];
    fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        f.write_str("Step")
    }
    fn forward(&self, z: &[f32], a: &mut [f32], _width: usize) {
        // NaN stays NaN, so that the loss reports it
        map(z, a, |z| {
            if z >= 0.0 {
                1.0
            } else if z < 0.0 {
                0.0
            } else {
                z
            }
        });
    }
    fn backward(&self, _z: &[f32], _a: &[f32], _d: &mut [f32], _width: usize, _grad: &mut Self) {
        // straight-through: ∂C/∂z = ∂C/∂a
    }
}
