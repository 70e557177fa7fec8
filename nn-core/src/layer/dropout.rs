use core::fmt;

use super::mask::MaskKey;
use super::{Layer, LayerInfo};
use crate::activation::write_float;
use crate::arch::{Architecture, Part};
use crate::baked::ConstText;
use crate::{Mode, Rng};

/// Inverted dropout on `N` values: while training, each value is zeroed with
/// probability `P` and the survivors are scaled by `1 / (1 − P)`, so that
/// `predict` (where dropout is the identity) sees the same expected activation.
/// As torch `nn.Dropout(p)`; the mask of a forward pass comes from one
/// value of the caller's generator (see `layer::mask`), and is the same bits
/// however the batch is split over threads.
///
/// `P` holds the bits of the `f32` probability; `network!` writes
/// `Dropout<0.5>` for you. No parameters.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Dropout<const N: usize, const P: u32>;

// SAFETY: zero-sized.
unsafe impl<const N: usize, const P: u32> bytemuck::Zeroable for Dropout<N, P> {}
unsafe impl<const N: usize, const P: u32> bytemuck::Pod for Dropout<N, P> {}

impl<const N: usize, const P: u32> Dropout<N, P> {
    /// The probability of dropping a value.
    pub const P: f32 = f32::from_bits(P);

    /// Writes `Dropout<P>`.
    pub fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        f.write_str("Dropout<")?;
        write_float(f, Self::P)?;
        f.write_str(">")
    }
}

impl<const N: usize, const P: u32> fmt::Debug for Dropout<N, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Self::describe(f)
    }
}

// SAFETY: zero-sized.
unsafe impl<const N: usize, const P: u32> Layer for Dropout<N, P> {
    const IN: usize = N;
    const OUT: usize = N;
    /// The mask: 0 or 1/(1 − P) per value.
    const CACHE: usize = N;
    const SPLIT_BY_UNITS: bool = true;
    const ARCHITECTURE: ConstText = ConstText::EMPTY.str("Dropout<").float(Self::P).str(">");
    const STRUCTURE: Architecture =
        Architecture::Layer(&[Part::Text("Dropout<"), Part::Float(Self::P), Part::Text(">")]);
    type Input = [f32; N];
    type Output = [f32; N];

    fn visit(f: &mut dyn FnMut(LayerInfo)) {
        f(LayerInfo { describe: Self::describe, inputs: N, outputs: N, params: 0, state: 0 })
    }

    fn init(&mut self, _rng: &mut Rng) {}

    fn forward_one(&self, x: &[f32], y: &mut [f32]) {
        y[..N].copy_from_slice(&x[..N]);
    }

    fn forward(&self, x: &[f32], y: &mut [f32], cache: &mut [f32], batch: usize, mode: &mut Mode<'_>) {
        let n = batch * N;
        let key = match mode {
            Mode::Train(rng) if Self::P > 0.0 => Some(MaskKey::draw(rng, Self::P)),
            _ => None,
        };
        // rows of the batch, on the threads in a training batch split by units
        super::split_rows(N, batch, &mut y[..n], &mut cache[..n], &|first, y, mask| {
            match key {
                Some(key) => key.fill(mask, first * N),
                None => mask.fill(1.0),
            }
            for ((y, &x), &m) in y.iter_mut().zip(&x[first * N..]).zip(mask.iter()) {
                *y = x * m;
            }
        });
    }

    fn backward(
        &self,
        _x: &[f32],
        _y: &[f32],
        cache: &mut [f32],
        dy: &mut [f32],
        dx: Option<&mut [f32]>,
        _grad: &mut Self,
        batch: usize,
        _dy_is_logit_grad: bool,
    ) {
        if let Some(dx) = dx {
            let n = batch * N;
            let (dy, mask) = (&dy[..n], &cache[..n]);
            super::split_rows_of(N, batch, &mut dx[..n], &|first, dx| {
                let at = first * N;
                for ((dx, &dy), &m) in dx.iter_mut().zip(&dy[at..]).zip(&mask[at..]) {
                    *dx = dy * m;
                }
            });
        }
    }
}
