use core::fmt;

use rand::RngCore;

use super::{Dense, Layer, LayerInfo};
use crate::activation::{write_float, Activation};
use crate::arch::{Architecture, Part};
use crate::baked::ConstText;
use crate::init::Init;
use crate::{kernel, Mode, Rng};

/// DropConnect (Wan et al. 2013) on the weights of a [`Dense`] layer, written
/// `DropConnect<Dense<IN, OUT, Act>, P>` in `network!`:
///
/// ```text
/// training:  a = f((W ⊙ M) x + b),  M[o][i] = 0 with probability P, else 1 / (1 − P)
/// predict:   a = f(W x + b)
/// ```
///
/// Inverted scaling, as [`Dropout`](crate::Dropout): the expected masked
/// weight is `W`, so `predict` (and [`Mode::Eval`]) is the plain `Dense`
/// (the mean-field inference of the paper, not its Gaussian sampling).
/// Biases are not dropped.
///
/// **One mask per batch** (per forward pass), shared by its samples: the
/// paper draws one per sample, which costs a matrix of `OUT × IN` random
/// numbers per sample; per batch is the usual practical choice. The mask is
/// not stored: a seed drawn from the training generator is kept in the
/// cache and each `M[o][i]` is a hash of (seed, `o·IN + i`), so forward and
/// backward see the same mask without an `OUT × IN` buffer (no allocation).
/// With the `parallel` feature, a batch split over threads draws one mask
/// per chunk (each chunk has its own generator, see `nn::parallel`).
/// The masked product is computed row by row (one masked row of `W` on the
/// stack at a time, the scalar kernels' dot and axpy), not by the GEMM
/// kernels, so training is slower than a `Dense`: 784-128(ReLU)-10 with Adam,
/// batch 64, one core, measured 16.5k samples/s with `DropConnect` on the
/// first layer against 63k with `Dense`. `predict` and [`Mode::Eval`] use the
/// kernels, as `Dense` does.
///
/// Backpropagation with `W' = W ⊙ M`: `δ = ∂C/∂a ⊙ f'(z)`,
/// `∂C/∂W = M ⊙ (δᵀ x)`, `∂C/∂b = Σ δ`, `∂C/∂x = δ W'`.
///
/// Parameters: those of the `Dense` (`weights`, `bias`, activation), in the
/// same order, so a trained `DropConnect<Dense<…>, P>` loads into the `Dense`.
/// `P` holds the bits of the `f32` probability (`network!` writes them).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct DropConnect<const IN: usize, const OUT: usize, A, const P: u32> {
    /// The layer whose weights are dropped.
    pub dense: Dense<IN, OUT, A>,
}

// SAFETY: repr(C) wrapper of a `Dense` (f32 only, no padding).
unsafe impl<const IN: usize, const OUT: usize, A: Activation, const P: u32> bytemuck::Zeroable
    for DropConnect<IN, OUT, A, P>
{
}
unsafe impl<const IN: usize, const OUT: usize, A: Activation, const P: u32> bytemuck::Pod
    for DropConnect<IN, OUT, A, P>
{
}

/// Cache slots after the pre-activations: whether a mask was used, and the seed.
const MASK_SLOTS: usize = 3;

impl<const IN: usize, const OUT: usize, A: Activation, const P: u32> DropConnect<IN, OUT, A, P> {
    /// The probability of dropping a weight.
    pub const P: f32 = f32::from_bits(P);

    /// Writes `DropConnect<Dense<IN, OUT, Act>, P>`.
    pub fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        f.write_str("DropConnect<")?;
        Dense::<IN, OUT, A>::describe(f)?;
        f.write_str(", ")?;
        write_float(f, Self::P)?;
        f.write_str(">")
    }

    /// Whether weight `index` (`o·IN + i`) is kept under the mask of `seed`:
    /// a SplitMix64 hash of both, its top 24 bits compared with `P`.
    #[inline]
    pub fn keeps(seed: u64, index: usize) -> bool {
        let mut z = seed.wrapping_add((index as u64).wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let u = (z >> 40) as f32 * (1.0 / (1u64 << 24) as f32);
        u >= Self::P
    }

    /// Row `o` of the mask `M` (0 or `1/(1 − P)`) into `mask`, and of `W ⊙ M` into `row`.
    #[inline]
    fn masked_row(&self, seed: u64, o: usize, mask: &mut [f32; IN], row: &mut [f32; IN]) {
        let keep = 1.0 / (1.0 - Self::P);
        for (i, m) in mask.iter_mut().enumerate() {
            *m = if Self::keeps(seed, o * IN + i) { keep } else { 0.0 };
        }
        for ((r, &w), &m) in row.iter_mut().zip(&self.dense.weights[o]).zip(mask.iter()) {
            *r = w * m;
        }
    }

    fn seed_of(slots: &[f32]) -> Option<u64> {
        (slots[0] != 0.0).then(|| u64::from(slots[1].to_bits()) | u64::from(slots[2].to_bits()) << 32)
    }
}

impl<const IN: usize, const OUT: usize, A: Activation, const P: u32> fmt::Debug for DropConnect<IN, OUT, A, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Self::describe(f)
    }
}

// SAFETY: see the Pod impl.
unsafe impl<const IN: usize, const OUT: usize, A: Activation, const P: u32> Layer for DropConnect<IN, OUT, A, P> {
    const IN: usize = IN;
    const OUT: usize = OUT;
    /// The pre-activations `z` (`OUT`), then (in the first row's spare room
    /// of a batch, which has `batch · (OUT + 3)` values) a flag and the seed of
    /// the mask.
    const CACHE: usize = OUT + MASK_SLOTS;
    const ARCHITECTURE: ConstText = ConstText::EMPTY
        .str("DropConnect<")
        .text(<Dense<IN, OUT, A> as Layer>::ARCHITECTURE)
        .str(", ")
        .float(Self::P)
        .str(">");
    const STRUCTURE: Architecture = Architecture::Layer(&[
        Part::Text("DropConnect<"),
        Part::Text("Dense<"),
        Part::Usize(IN),
        Part::Text(", "),
        Part::Usize(OUT),
        Part::Text(", "),
        Part::Parts(A::DESCRIPTION),
        Part::Text(">, "),
        Part::Float(Self::P),
        Part::Text(">"),
    ]);
    type Input = [f32; IN];
    type Output = [f32; OUT];

    fn visit(f: &mut dyn FnMut(LayerInfo)) {
        f(LayerInfo {
            describe: Self::describe,
            inputs: IN,
            outputs: OUT,
            params: core::mem::size_of::<Self>() / 4,
            state: 0,
        })
    }

    fn init(&mut self, rng: &mut Rng) {
        self.dense.init(rng);
    }

    fn init_with(&mut self, weights: Init, rng: &mut Rng) {
        self.dense.init_with(weights, rng);
    }

    fn visit_weights(offset: usize, f: &mut dyn FnMut(core::ops::Range<usize>)) {
        <Dense<IN, OUT, A> as Layer>::visit_weights(offset, f)
    }

    fn forward_one(&self, x: &[f32], y: &mut [f32]) {
        self.dense.forward_one(x, y);
    }

    fn forward(&self, x: &[f32], y: &mut [f32], cache: &mut [f32], batch: usize, mode: &mut Mode<'_>) {
        let (z, slots) = cache[..batch * (OUT + MASK_SLOTS)].split_at_mut(batch * OUT);
        let seed = match mode {
            Mode::Train(rng) if Self::P > 0.0 => Some(rng.next_u64()),
            _ => None,
        };
        slots[0] = f32::from(u8::from(seed.is_some()));
        let Some(seed) = seed else {
            kernel::dense_forward_layer(x, self.dense.weights.as_flattened(), &self.dense.bias, z, IN, OUT);
            self.dense.activation.forward(z, y, OUT);
            return;
        };
        slots[1] = f32::from_bits(seed as u32);
        slots[2] = f32::from_bits((seed >> 32) as u32);
        let (mut mask, mut row) = ([0.0f32; IN], [0.0f32; IN]);
        for o in 0..OUT {
            self.masked_row(seed, o, &mut mask, &mut row);
            for (x, z) in x[..batch * IN].chunks_exact(IN).zip(z.chunks_exact_mut(OUT)) {
                z[o] = self.dense.bias[o] + kernel::scalar::dot(&row, x);
            }
        }
        self.dense.activation.forward(z, y, OUT);
    }

    fn logits<'a>(&self, _x: &'a [f32], cache: &'a [f32], batch: usize) -> Option<&'a [f32]> {
        A::IS_SOFTMAX.then(|| &cache[..batch * OUT])
    }

    fn backward(
        &self,
        x: &[f32],
        y: &[f32],
        cache: &mut [f32],
        dy: &mut [f32],
        dx: Option<&mut [f32]>,
        grad: &mut Self,
        batch: usize,
        dy_is_logit_grad: bool,
    ) {
        let (z, slots) = cache[..batch * (OUT + MASK_SLOTS)].split_at_mut(batch * OUT);
        let dz = &mut dy[..batch * OUT];
        if !dy_is_logit_grad {
            self.dense.activation.backward(z, y, dz, OUT, &mut grad.dense.activation);
        }
        let Some(seed) = Self::seed_of(slots) else {
            let g = &mut grad.dense;
            kernel::dense_backward_params(x, dz, g.weights.as_flattened_mut(), &mut g.bias, IN, OUT);
            if let Some(dx) = dx {
                kernel::dense_backward_input(dz, self.dense.weights.as_flattened(), &mut dx[..batch * IN], IN, OUT);
            }
            return;
        };
        let x = &x[..batch * IN];
        let mut dx = dx.map(|dx| {
            let dx = &mut dx[..batch * IN];
            dx.fill(0.0);
            dx
        });
        let (mut mask, mut row, mut dw) = ([0.0f32; IN], [0.0f32; IN], [0.0f32; IN]);
        for o in 0..OUT {
            self.masked_row(seed, o, &mut mask, &mut row);
            // ∂C/∂W'[o] = Σ_s δ[s][o] x[s], then through the mask; ∂C/∂x[s] += δ[s][o] W'[o].
            dw.fill(0.0);
            let mut db = 0.0;
            for (s, (x, dz)) in x.chunks_exact(IN).zip(dz.chunks_exact(OUT)).enumerate() {
                let d = dz[o];
                db += d;
                kernel::scalar::axpy(d, x, &mut dw);
                if let Some(dx) = dx.as_deref_mut() {
                    kernel::scalar::axpy(d, &row, &mut dx[s * IN..(s + 1) * IN]);
                }
            }
            grad.dense.bias[o] += db;
            for ((g, &d), &m) in grad.dense.weights[o].iter_mut().zip(&dw).zip(&mask) {
                *g += d * m;
            }
        }
    }
}
