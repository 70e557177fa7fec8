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

/// The parametric rectifier with one learned slope per unit, written
/// `PReLU<N>` in `network!` (torch `nn.PReLU(num_parameters=N)`): for unit
/// `j` of a row of `N` values, `f(z_j) = z_j` for `z_j > 0`, `α_j·z_j`
/// otherwise. `∂f/∂z_j = 1` or `α_j`; `∂C/∂α_j = Σ_samples ∂C/∂a_j · z_j`
/// over the samples with `z_j ≤ 0`. Slopes initialized to 0.25, as torch.
///
/// `N` must be the width of the rows it sees (the `OUT` of the `Dense` it is
/// in, or the width of the layer before it when standalone); `network!`
/// checks it. The slopes are parameters, after the weight and bias of their
/// `Dense` (torch: the `weight` of the `PReLU` module, shape `[N]`).
///
/// ```text
/// torch: nn.PReLU(3) with weight [0.25, 0.5, -0.1], z = [[-2, 1, -3]]
///        → a = [[-0.5, 1, 0.3]]; upstream 1: ∂/∂weight = [-2, 0, -3]
/// ```
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChannelPReLU<const N: usize> {
    /// The learned negative slope `α_j` of each unit.
    pub alpha: [f32; N],
}

impl<const N: usize> Default for ChannelPReLU<N> {
    fn default() -> Self {
        ChannelPReLU { alpha: [0.25; N] }
    }
}

unsafe impl<const N: usize> bytemuck::Zeroable for ChannelPReLU<N> {}
unsafe impl<const N: usize> bytemuck::Pod for ChannelPReLU<N> {}

// SAFETY: repr(C), an array of f32.
unsafe impl<const N: usize> Activation for ChannelPReLU<N> {
    const DESCRIPTION: &'static [crate::arch::Part] =
        &[crate::arch::Part::Text("PReLU<"), crate::arch::Part::Usize(N), crate::arch::Part::Text(">")];
    const DEFAULT_INIT: Init = Init::HeUniform;
    const NAME: ConstText = ConstText::EMPTY.str("PReLU<").usize(N).str(">");
    fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        write!(f, "PReLU<{N}>")
    }
    fn init(&mut self) {
        self.alpha = [0.25; N];
    }
    fn forward(&self, z: &[f32], a: &mut [f32], width: usize) {
        debug_assert_eq!(width, N, "PReLU<{N}> on rows of {width} values");
        for (z, a) in z.chunks_exact(N).zip(a.chunks_exact_mut(N)) {
            for ((a, &z), &alpha) in a.iter_mut().zip(z).zip(&self.alpha) {
                *a = if z > 0.0 { z } else { alpha * z };
            }
        }
    }
    fn backward(&self, z: &[f32], _a: &[f32], d: &mut [f32], width: usize, grad: &mut Self) {
        debug_assert_eq!(width, N, "PReLU<{N}> on rows of {width} values");
        for (z, d) in z.chunks_exact(N).zip(d.chunks_exact_mut(N)) {
            for (((d, &z), &alpha), g) in d.iter_mut().zip(z).zip(&self.alpha).zip(grad.alpha.iter_mut()) {
                if z <= 0.0 {
                    *g += *d * z;
                    *d *= alpha;
                }
            }
        }
    }
}
