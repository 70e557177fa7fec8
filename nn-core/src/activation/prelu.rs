use core::fmt;

use super::{map, Activation};
use crate::baked::ConstText;
use crate::init::Init;

/// The parametric rectifier `f(z) = z` for `z > 0`, `α·z` otherwise, with the
/// slope α learned (torch `PReLU()`: one slope shared by all units, initialized
/// to 0.25). `∂f/∂z = 1` or `α`; `∂f/∂α = z` for `z ≤ 0`, else 0.
///
/// The slope is a parameter: it comes after the weight and bias of the layer
/// it belongs to in [`Network::params`](crate::Network::params), as the
/// `weight` of a torch `PReLU` module following the `Linear`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PReLU {
    /// The learned negative slope α.
    pub alpha: f32,
}

unsafe impl bytemuck::Zeroable for PReLU {}
unsafe impl bytemuck::Pod for PReLU {}

// SAFETY: repr(C), one f32.
unsafe impl Activation for PReLU {
    const DESCRIPTION: &'static [crate::arch::Part] = &[crate::arch::Part::Text("PReLU")];
    const DEFAULT_INIT: Init = Init::HeUniform;
    const NAME: ConstText = ConstText::EMPTY.str("PReLU");
    fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        f.write_str("PReLU")
    }
    fn init(&mut self) {
        self.alpha = 0.25;
    }
    fn forward(&self, z: &[f32], a: &mut [f32], _width: usize) {
        let alpha = self.alpha;
        map(z, a, |z| if z > 0.0 { z } else { alpha * z });
    }
    fn backward(&self, z: &[f32], _a: &[f32], d: &mut [f32], _width: usize, grad: &mut Self) {
        let mut d_alpha = 0.0;
        for (d, &z) in d.iter_mut().zip(z) {
            if z <= 0.0 {
                d_alpha += *d * z;
                *d *= self.alpha;
            }
        }
        grad.alpha += d_alpha;
    }
}
