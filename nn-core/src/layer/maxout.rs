use core::fmt;

use super::{Layer, LayerInfo};
use crate::arch::{Architecture, Part};
use crate::baked::ConstText;
use crate::init::Init;
use crate::{kernel, Mode, Rng};

/// A maxout layer (Goodfellow et al. 2013): unit `o` is the maximum of `K`
/// affine pieces of the input,
///
/// ```text
/// z[o][k] = Σ_i weights[o][k][i] · x[i] + bias[o][k]      a[o] = max_k z[o][k]
/// ```
///
/// It is its own activation (no `Act` argument). Written `Maxout<IN, OUT, K>`
/// in `network!`.
///
/// Parameters: `weights[o][k][i]`, then `bias[o][k]`. Flat, that is the
/// weight `[OUT·K][IN]` and bias `[OUT·K]` of a torch `nn.Linear(IN, OUT·K)`
/// whose outputs are grouped in *consecutive* runs of `K`: unit `o` takes the
/// maximum of the Linear's outputs `o·K .. o·K + K`, i.e.
/// `linear(x).view(-1, OUT, K).amax(-1)` (the reference implementation in
/// `tests/reference/layers.py`).
///
/// Backpropagation: the gradient flows only through the piece that won
/// (the first maximum on ties, as `torch.max(dim)` reports it): with
/// `k* = argmax_k z[o][k]`, `∂C/∂z[o][k*] = ∂C/∂a[o]` and 0 for the other pieces.
///
/// Default init: Xavier (Glorot) uniform with fan-in `IN` and fan-out
/// `OUT·K` (the fans of the Linear), biases 0.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Maxout<const IN: usize, const OUT: usize, const K: usize> {
    /// `weights[o][k][i]`: from input `i` to piece `k` of unit `o`.
    pub weights: [[[f32; IN]; K]; OUT],
    /// `bias[o][k]` of piece `k` of unit `o`.
    pub bias: [[f32; K]; OUT],
}

// SAFETY: repr(C) of f32 arrays: alignment 4, no padding.
unsafe impl<const IN: usize, const OUT: usize, const K: usize> bytemuck::Zeroable for Maxout<IN, OUT, K> {}
unsafe impl<const IN: usize, const OUT: usize, const K: usize> bytemuck::Pod for Maxout<IN, OUT, K> {}

impl<const IN: usize, const OUT: usize, const K: usize> Maxout<IN, OUT, K> {
    /// `K = 0` has no pieces to take the maximum of (`network!` reports it earlier).
    const PIECES: () = assert!(K > 0, "Maxout needs at least one piece (K > 0)");

    /// Writes `Maxout<IN, OUT, K>`.
    pub fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        write!(f, "Maxout<{IN}, {OUT}, {K}>")
    }

    fn weights_flat(&self) -> &[f32] {
        self.weights.as_flattened().as_flattened()
    }

    /// `a[o] = max_k z[o][k]` for each row, and the winning `k` (as `f32`) into `arg`.
    fn max_pieces(z: &[f32], a: &mut [f32], mut arg: Option<&mut [f32]>) {
        for (s, (z, a)) in z.chunks_exact(K).zip(a.iter_mut()).enumerate() {
            let mut best = 0;
            for k in 1..K {
                // `>`: the first maximum wins, as torch.max(dim) (NaN never wins, except alone).
                if z[k] > z[best] {
                    best = k;
                }
            }
            *a = z[best];
            if let Some(arg) = arg.as_deref_mut() {
                arg[s] = best as f32;
            }
        }
    }
}

impl<const IN: usize, const OUT: usize, const K: usize> fmt::Debug for Maxout<IN, OUT, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Self::describe(f)
    }
}

// SAFETY: see the Pod impl.
unsafe impl<const IN: usize, const OUT: usize, const K: usize> Layer for Maxout<IN, OUT, K> {
    const IN: usize = IN;
    const OUT: usize = OUT;
    /// The pieces `z` (`OUT·K`, reused as their gradient in `backward`),
    /// then the index of the winning piece of each unit (`OUT`).
    const CACHE: usize = OUT * K + OUT;
    const ARCHITECTURE: ConstText =
        ConstText::EMPTY.str("Maxout<").usize(IN).str(", ").usize(OUT).str(", ").usize(K).str(">");
    const STRUCTURE: Architecture = Architecture::Layer(&[
        Part::Text("Maxout<"),
        Part::Usize(IN),
        Part::Text(", "),
        Part::Usize(OUT),
        Part::Text(", "),
        Part::Usize(K),
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
        self.init_with(Init::XavierUniform, rng);
    }

    fn init_with(&mut self, weights: Init, rng: &mut Rng) {
        weights.fill(self.weights.as_flattened_mut().as_flattened_mut(), IN, OUT * K, rng);
        self.bias.as_flattened_mut().fill(0.0);
    }

    fn visit_weights(offset: usize, f: &mut dyn FnMut(core::ops::Range<usize>)) {
        f(offset..offset + IN * OUT * K)
    }

    fn forward_one(&self, x: &[f32], y: &mut [f32]) {
        let () = Self::PIECES;
        let mut z = [[0.0f32; K]; OUT];
        kernel::dense_forward(x, self.weights_flat(), self.bias.as_flattened(), z.as_flattened_mut(), IN, OUT * K);
        Self::max_pieces(z.as_flattened(), &mut y[..OUT], None);
    }

    fn forward(&self, x: &[f32], y: &mut [f32], cache: &mut [f32], batch: usize, _mode: &mut Mode<'_>) {
        let () = Self::PIECES;
        let (z, arg) = cache[..batch * (OUT * K + OUT)].split_at_mut(batch * OUT * K);
        kernel::dense_forward_layer(x, self.weights_flat(), self.bias.as_flattened(), z, IN, OUT * K);
        Self::max_pieces(z, &mut y[..batch * OUT], Some(arg));
    }

    fn backward(
        &self,
        x: &[f32],
        _y: &[f32],
        cache: &mut [f32],
        dy: &mut [f32],
        dx: Option<&mut [f32]>,
        grad: &mut Self,
        batch: usize,
        _dy_is_logit_grad: bool,
    ) {
        let (dz, arg) = cache[..batch * (OUT * K + OUT)].split_at_mut(batch * OUT * K);
        // The gradient of the pieces: ∂C/∂a at the winner, 0 elsewhere.
        dz.fill(0.0);
        for ((dz, &arg), &dy) in dz.chunks_exact_mut(K).zip(arg.iter()).zip(&dy[..batch * OUT]) {
            dz[arg as usize] = dy;
        }
        let (dw, db) = (grad.weights.as_flattened_mut().as_flattened_mut(), grad.bias.as_flattened_mut());
        kernel::dense_backward_params(x, dz, dw, db, IN, OUT * K);
        if let Some(dx) = dx {
            kernel::dense_backward_input(dz, self.weights_flat(), &mut dx[..batch * IN], IN, OUT * K);
        }
    }
}
