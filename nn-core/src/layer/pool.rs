use core::fmt;

use super::{Layer, LayerInfo};
use crate::arch::{Architecture, Part};
use crate::baked::ConstText;
use crate::{Mode, Rng};

/// What a pooling layer computes over each `K × K` window.
trait Pooling {
    /// `MaxPool2d` or `AvgPool2d`.
    const NAME: &'static str;
    /// The value of one window, read through `at(u, v)`.
    fn pool(k: usize, at: impl Fn(usize, usize) -> f32) -> f32;
    /// Adds the gradient `d` of the window's output to the window's inputs,
    /// through `add(u, v, value)`; `at` and `out` as in the forward pass.
    fn unpool(k: usize, at: impl Fn(usize, usize) -> f32, d: f32, add: impl FnMut(usize, usize, f32));
}

/// Marker of [`MaxPool2d`].
#[derive(Clone, Copy, Debug)]
pub enum Max {}

/// Marker of [`AvgPool2d`].
#[derive(Clone, Copy, Debug)]
pub enum Avg {}

impl Pooling for Max {
    const NAME: &'static str = "MaxPool2d";
    /// The first maximum in row-major window order (torch's choice at ties).
    fn pool(k: usize, at: impl Fn(usize, usize) -> f32) -> f32 {
        let (u, v) = argmax(k, &at);
        at(u, v)
    }
    fn unpool(k: usize, at: impl Fn(usize, usize) -> f32, d: f32, mut add: impl FnMut(usize, usize, f32)) {
        let (u, v) = argmax(k, &at);
        add(u, v, d);
    }
}

/// The first position of the largest value (a NaN counts as largest, as in torch).
fn argmax(k: usize, at: &impl Fn(usize, usize) -> f32) -> (usize, usize) {
    let mut best = (0, 0);
    let mut max = at(0, 0);
    for u in 0..k {
        for v in 0..k {
            let x = at(u, v);
            if x > max || (x.is_nan() && !max.is_nan()) {
                max = x;
                best = (u, v);
            }
        }
    }
    best
}

impl Pooling for Avg {
    const NAME: &'static str = "AvgPool2d";
    fn pool(k: usize, at: impl Fn(usize, usize) -> f32) -> f32 {
        let mut sum = 0.0;
        for u in 0..k {
            for v in 0..k {
                sum += at(u, v);
            }
        }
        sum / (k * k) as f32
    }
    fn unpool(k: usize, _at: impl Fn(usize, usize) -> f32, d: f32, mut add: impl FnMut(usize, usize, f32)) {
        let share = d / (k * k) as f32;
        for u in 0..k {
            for v in 0..k {
                add(u, v, share);
            }
        }
    }
}

macro_rules! pool_layer {
    ($(#[$doc:meta])* $name:ident, $kind:ty) => {
        $(#[$doc])*
        #[repr(C)]
        #[derive(Clone, Copy, Default)]
        pub struct $name<const C: usize, const H: usize, const W: usize, const K: usize, const IN: usize, const OUT: usize>;

        // SAFETY: zero-sized.
        unsafe impl<const C: usize, const H: usize, const W: usize, const K: usize, const IN: usize, const OUT: usize>
            bytemuck::Zeroable for $name<C, H, W, K, IN, OUT>
        {
        }
        unsafe impl<const C: usize, const H: usize, const W: usize, const K: usize, const IN: usize, const OUT: usize>
            bytemuck::Pod for $name<C, H, W, K, IN, OUT>
        {
        }

        impl<const C: usize, const H: usize, const W: usize, const K: usize, const IN: usize, const OUT: usize>
            $name<C, H, W, K, IN, OUT>
        {
            /// Output height `H / K`.
            pub const HO: usize = H / K;
            /// Output width `W / K`.
            pub const WO: usize = W / K;

            /// Compile-time check that the generic arguments agree (`network!`
            /// checks them earlier with better messages).
            pub const SHAPES_AGREE: () = {
                assert!(C > 0 && K > 0, "pooling: channels and window must be at least 1");
                assert!(H % K == 0 && W % K == 0, "pooling: the window must divide the height and the width");
                assert!(IN == C * H * W && OUT == C * (H / K) * (W / K), "pooling: IN must be C·H·W and OUT C·(H/K)·(W/K)");
            };

            /// Writes the layer as in `network!`, e.g. `MaxPool2d<2>`.
            pub fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
                write!(f, "{}<{K}>", <$kind as Pooling>::NAME)
            }

            fn pool_one(x: &[f32], y: &mut [f32]) {
                for c in 0..C {
                    let xc = &x[c * H * W..][..H * W];
                    for i in 0..Self::HO {
                        for j in 0..Self::WO {
                            let at = |u: usize, v: usize| xc[(i * K + u) * W + j * K + v];
                            y[(c * Self::HO + i) * Self::WO + j] = <$kind as Pooling>::pool(K, at);
                        }
                    }
                }
            }
        }

        impl<const C: usize, const H: usize, const W: usize, const K: usize, const IN: usize, const OUT: usize>
            fmt::Debug for $name<C, H, W, K, IN, OUT>
        {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                Self::describe(f)
            }
        }

        // SAFETY: zero-sized.
        unsafe impl<const C: usize, const H: usize, const W: usize, const K: usize, const IN: usize, const OUT: usize>
            Layer for $name<C, H, W, K, IN, OUT>
        {
            const IN: usize = IN;
            const OUT: usize = OUT;
            const CACHE: usize = 0;
            const ARCHITECTURE: ConstText =
                ConstText::EMPTY.str(<$kind as Pooling>::NAME).str("<").usize(K).str(">");
            const STRUCTURE: Architecture =
                Architecture::Layer(&[Part::Text(<$kind as Pooling>::NAME), Part::Text("<"), Part::Usize(K), Part::Text(">")]);
            type Input = [f32; IN];
            type Output = [f32; OUT];

            fn visit(f: &mut dyn FnMut(LayerInfo)) {
                f(LayerInfo { describe: Self::describe, inputs: IN, outputs: OUT, params: 0, state: 0 })
            }

            fn visit_shapes(f: &mut dyn FnMut(Option<[usize; 3]>)) {
                f(Some([C, Self::HO, Self::WO]))
            }

            fn init(&mut self, _rng: &mut Rng) {}

            fn forward_one(&self, x: &[f32], y: &mut [f32]) {
                let () = Self::SHAPES_AGREE;
                Self::pool_one(x, y);
            }

            fn forward(&self, x: &[f32], y: &mut [f32], _cache: &mut [f32], batch: usize, _mode: &mut Mode<'_>) {
                let () = Self::SHAPES_AGREE;
                for (x, y) in x.chunks_exact(IN).zip(y.chunks_exact_mut(OUT)).take(batch) {
                    Self::pool_one(x, y);
                }
            }

            fn backward(
                &self,
                x: &[f32],
                _y: &[f32],
                _cache: &mut [f32],
                dy: &mut [f32],
                dx: Option<&mut [f32]>,
                _grad: &mut Self,
                batch: usize,
                _dy_is_logit_grad: bool,
            ) {
                let Some(dx) = dx else { return };
                let dx = &mut dx[..batch * IN];
                dx.fill(0.0);
                for ((x, dy), dx) in x.chunks_exact(IN).zip(dy.chunks_exact(OUT)).zip(dx.chunks_exact_mut(IN)) {
                    for c in 0..C {
                        let xc = &x[c * H * W..][..H * W];
                        let dxc = &mut dx[c * H * W..][..H * W];
                        for i in 0..Self::HO {
                            for j in 0..Self::WO {
                                let at = |u: usize, v: usize| xc[(i * K + u) * W + j * K + v];
                                let d = dy[(c * Self::HO + i) * Self::WO + j];
                                <$kind as Pooling>::unpool(K, at, d, |u, v, g| dxc[(i * K + u) * W + j * K + v] += g);
                            }
                        }
                    }
                }
            }
        }
    };
}

pool_layer!(
    /// Max pooling over non-overlapping `K × K` windows of each channel of a
    /// `C × H × W` image (CHW): `y[c][i][j] = max_{u, v < K} x[c][i·K + u][j·K + v]`,
    /// an output of `C × H/K × W/K`. As torch `nn.MaxPool2d(K)` (stride `K`);
    /// `network!` requires `K` to divide `H` and `W`.
    ///
    /// The gradient goes to the first maximum of each window (row-major
    /// order), as in torch. No parameters, no cache (the maximum is found
    /// again in `backward`). `network!` writes `MaxPool2d<K>` and fills in the
    /// image shape and the flat widths `IN = C·H·W`, `OUT = C·(H/K)·(W/K)`.
    MaxPool2d,
    Max
);

pool_layer!(
    /// Average pooling over non-overlapping `K × K` windows of each channel of
    /// a `C × H × W` image (CHW): `y[c][i][j] = (1/K²) Σ_{u, v < K} x[c][i·K + u][j·K + v]`,
    /// an output of `C × H/K × W/K`. As torch `nn.AvgPool2d(K)` (stride `K`).
    ///
    /// Backward: every input of a window gets `∂C/∂y / K²`. No parameters,
    /// no cache. `network!` writes `AvgPool2d<K>` and fills in the image shape
    /// and the flat widths.
    AvgPool2d,
    Avg
);
