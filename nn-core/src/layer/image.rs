use core::fmt;

use super::{Layer, LayerInfo};
use crate::arch::{Architecture, Part};
use crate::baked::ConstText;
use crate::{Mode, Rng};

/// The identity on `N` values, shared by the two shape markers below.
macro_rules! identity_layer_body {
    ($n:ident) => {
        const IN: usize = $n;
        const OUT: usize = $n;
        const CACHE: usize = 0;
        type Input = [f32; $n];
        type Output = [f32; $n];

        fn init(&mut self, _rng: &mut Rng) {}

        fn forward_one(&self, x: &[f32], y: &mut [f32]) {
            y[..$n].copy_from_slice(&x[..$n]);
        }

        fn forward(&self, x: &[f32], y: &mut [f32], _cache: &mut [f32], batch: usize, _mode: &mut Mode<'_>) {
            y[..batch * $n].copy_from_slice(&x[..batch * $n]);
        }

        fn backward(
            &self,
            _x: &[f32],
            _y: &[f32],
            _cache: &mut [f32],
            dy: &mut [f32],
            dx: Option<&mut [f32]>,
            _grad: &mut Self,
            batch: usize,
            _dy_is_logit_grad: bool,
        ) {
            if let Some(dx) = dx {
                dx[..batch * $n].copy_from_slice(&dy[..batch * $n]);
            }
        }
    };
}

/// The shape of an image input, `C` channels of `H × W` (CHW, row-major,
/// torch order): `network!`'s `Input<C, H, W>`, the first layer of a
/// convolutional network. The identity on `N = C·H·W` values, with no
/// parameters; the layers after it know the image's shape from it. It has no
/// module in torch's `nn.Sequential` (safetensors keys skip it).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct ImageInput<const C: usize, const H: usize, const W: usize, const N: usize>;

// SAFETY: zero-sized.
unsafe impl<const C: usize, const H: usize, const W: usize, const N: usize> bytemuck::Zeroable
    for ImageInput<C, H, W, N>
{
}
unsafe impl<const C: usize, const H: usize, const W: usize, const N: usize> bytemuck::Pod for ImageInput<C, H, W, N> {}

impl<const C: usize, const H: usize, const W: usize, const N: usize> ImageInput<C, H, W, N> {
    /// Compile-time check that `N = C·H·W`.
    pub const SHAPES_AGREE: () = assert!(N == C * H * W && N > 0, "Input: N must be C · H · W, at least 1");

    /// Writes `Input<C, H, W>`.
    pub fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        write!(f, "Input<{C}, {H}, {W}>")
    }
}

impl<const C: usize, const H: usize, const W: usize, const N: usize> fmt::Debug for ImageInput<C, H, W, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Self::describe(f)
    }
}

// SAFETY: zero-sized.
unsafe impl<const C: usize, const H: usize, const W: usize, const N: usize> Layer for ImageInput<C, H, W, N> {
    const ARCHITECTURE: ConstText = {
        let () = Self::SHAPES_AGREE;
        ConstText::EMPTY.str("Input<").usize(C).str(", ").usize(H).str(", ").usize(W).str(">")
    };
    const STRUCTURE: Architecture = Architecture::Layer(&[
        Part::Text("Input<"),
        Part::Usize(C),
        Part::Text(", "),
        Part::Usize(H),
        Part::Text(", "),
        Part::Usize(W),
        Part::Text(">"),
    ]);

    fn visit(f: &mut dyn FnMut(LayerInfo)) {
        f(LayerInfo { describe: Self::describe, inputs: N, outputs: N, params: 0, state: 0 })
    }

    fn visit_shapes(f: &mut dyn FnMut(Option<[usize; 3]>)) {
        f(Some([C, H, W]))
    }

    identity_layer_body!(N);
}

/// Flattens a `C × H × W` image into `N = C·H·W` values: the identity, since
/// images are stored CHW row-major already (as torch `nn.Flatten()` on a
/// contiguous tensor). In `network!`, the layer that ends the image shape:
/// a `Dense` after it must take exactly `C·H·W` inputs. No parameters.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Flatten<const N: usize>;

// SAFETY: zero-sized.
unsafe impl<const N: usize> bytemuck::Zeroable for Flatten<N> {}
unsafe impl<const N: usize> bytemuck::Pod for Flatten<N> {}

impl<const N: usize> Flatten<N> {
    /// Writes `Flatten`.
    pub fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        f.write_str("Flatten")
    }
}

impl<const N: usize> fmt::Debug for Flatten<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Self::describe(f)
    }
}

// SAFETY: zero-sized.
unsafe impl<const N: usize> Layer for Flatten<N> {
    const ARCHITECTURE: ConstText = ConstText::EMPTY.str("Flatten");
    const STRUCTURE: Architecture = Architecture::Layer(&[Part::Text("Flatten")]);

    fn visit(f: &mut dyn FnMut(LayerInfo)) {
        f(LayerInfo { describe: Self::describe, inputs: N, outputs: N, params: 0, state: 0 })
    }

    identity_layer_body!(N);
}
