use core::fmt;

use super::{Layer, LayerInfo};
use crate::activation::Activation;
use crate::arch::{Architecture, Part};
use crate::baked::ConstText;
use crate::init::Init;
use crate::kernel::conv::{col2im_add, im2col, to_channel_major, to_position_major, Geometry};
use crate::{kernel, Mode, Rng};

/// A 2-D convolution `a = f(z)` over a `C_IN × H × W` image (CHW, row-major,
/// torch order), with `C_OUT` kernels of `C_IN × K × K`, stride `S` and `P`
/// zeros of padding on every side:
///
/// `z[c][i][j] = b[c] + Σ_{ci, u, v} w[c][ci][u][v] · x[ci][i·S + u − P][j·S + v − P]`
///
/// (0 outside the image), an output of `C_OUT × HO × WO` with
/// `HO = (H + 2P − K) / S + 1`, `WO = (W + 2P − K) / S + 1`. As torch
/// `nn.Conv2d(C_IN, C_OUT, K, stride=S, padding=P)` followed by the activation.
///
/// `network!` writes `Conv2d<C_IN, C_OUT, K, Act, stride = S, padding = P>`
/// and fills in the image size `H × W` and the flat widths `IN = C_IN·H·W`,
/// `OUT = C_OUT·HO·WO` (stable Rust cannot compute array lengths from const
/// generics; [`Conv2d::SHAPES_AGREE`] checks the numbers at compile time).
///
/// Parameters in torch `state_dict` order: `weights[c][ci][u][v]`, then
/// `bias[c]`, then any parameter of the activation.
///
/// Computed as one matrix product per batch (im2col, then the kernels of
/// [`Dense`](crate::Dense)): the patches of every output position are kept
/// in the cache, `z = cols · Wᵀ + b`; backward `∂C/∂W = δᵀ cols`,
/// `∂C/∂b = Σ δ`, `∂C/∂x = col2im(δ W)`. `forward_one` (one sample, no cache)
/// is a direct convolution with no scratch beyond the output.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Conv2d<
    const C_IN: usize,
    const C_OUT: usize,
    const K: usize,
    A,
    const S: usize,
    const P: usize,
    const H: usize,
    const W: usize,
    const IN: usize,
    const OUT: usize,
> {
    /// `weights[c][ci][u][v]`: kernel `c`, input channel `ci`, row `u`, column `v`.
    pub weights: [[[[f32; K]; K]; C_IN]; C_OUT],
    /// `bias[c]` of output channel `c`.
    pub bias: [f32; C_OUT],
    /// The activation (zero-sized unless it has learned parameters).
    pub activation: A,
}

// SAFETY: repr(C) of f32 arrays and an `Activation` (f32 fields only), all
// with alignment 4 and sizes that are multiples of 4: no padding.
unsafe impl<
        const C_IN: usize,
        const C_OUT: usize,
        const K: usize,
        A: Activation,
        const S: usize,
        const P: usize,
        const H: usize,
        const W: usize,
        const IN: usize,
        const OUT: usize,
    > bytemuck::Zeroable for Conv2d<C_IN, C_OUT, K, A, S, P, H, W, IN, OUT>
{
}
unsafe impl<
        const C_IN: usize,
        const C_OUT: usize,
        const K: usize,
        A: Activation,
        const S: usize,
        const P: usize,
        const H: usize,
        const W: usize,
        const IN: usize,
        const OUT: usize,
    > bytemuck::Pod for Conv2d<C_IN, C_OUT, K, A, S, P, H, W, IN, OUT>
{
}

impl<
        const C_IN: usize,
        const C_OUT: usize,
        const K: usize,
        A: Activation,
        const S: usize,
        const P: usize,
        const H: usize,
        const W: usize,
        const IN: usize,
        const OUT: usize,
    > Conv2d<C_IN, C_OUT, K, A, S, P, H, W, IN, OUT>
{
    /// The window geometry.
    pub const GEOMETRY: Geometry = Geometry { channels: C_IN, height: H, width: W, kernel: K, stride: S, padding: P };
    /// Output height `(H + 2P − K) / S + 1`.
    pub const HO: usize = Self::GEOMETRY.out_height();
    /// Output width `(W + 2P − K) / S + 1`.
    pub const WO: usize = Self::GEOMETRY.out_width();
    /// Output positions per channel, `HO · WO`.
    const POSITIONS: usize = Self::HO * Self::WO;
    /// Values in one patch (one row of im2col), `C_IN · K · K`.
    const PATCH: usize = C_IN * K * K;

    /// Compile-time check that the generic arguments agree (`network!` checks
    /// them earlier with better messages; this guards types written by hand).
    pub const SHAPES_AGREE: () = {
        assert!(C_IN > 0 && C_OUT > 0 && K > 0 && S > 0, "Conv2d: channels, kernel and stride must be at least 1");
        assert!(K <= H + 2 * P && K <= W + 2 * P, "Conv2d: the kernel is larger than the padded input");
        assert!(IN == C_IN * H * W, "Conv2d: IN must be C_IN · H · W");
        assert!(
            OUT == C_OUT * ((H + 2 * P - K) / S + 1) * ((W + 2 * P - K) / S + 1),
            "Conv2d: OUT must be C_OUT · HO · WO"
        );
    };

    const STRIDE_TEXT: &'static [Part] = &[Part::Text(", stride = "), Part::Usize(S)];
    const PADDING_TEXT: &'static [Part] = &[Part::Text(", padding = "), Part::Usize(P)];

    fn weights_flat(&self) -> &[f32] {
        self.weights.as_flattened().as_flattened().as_flattened()
    }

    /// Writes `Conv2d<C_IN, C_OUT, K, Act>`, with `, stride = S` unless 1
    /// and `, padding = P` unless 0.
    pub fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        write!(f, "Conv2d<{C_IN}, {C_OUT}, {K}, ")?;
        A::describe(f)?;
        if S != 1 {
            write!(f, ", stride = {S}")?;
        }
        if P != 0 {
            write!(f, ", padding = {P}")?;
        }
        f.write_str(">")
    }
}

impl<
        const C_IN: usize,
        const C_OUT: usize,
        const K: usize,
        A: Activation,
        const S: usize,
        const P: usize,
        const H: usize,
        const W: usize,
        const IN: usize,
        const OUT: usize,
    > fmt::Debug for Conv2d<C_IN, C_OUT, K, A, S, P, H, W, IN, OUT>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Self::describe(f)
    }
}

// SAFETY: see the Pod impl.
unsafe impl<
        const C_IN: usize,
        const C_OUT: usize,
        const K: usize,
        A: Activation,
        const S: usize,
        const P: usize,
        const H: usize,
        const W: usize,
        const IN: usize,
        const OUT: usize,
    > Layer for Conv2d<C_IN, C_OUT, K, A, S, P, H, W, IN, OUT>
{
    const IN: usize = IN;
    const OUT: usize = OUT;
    /// The patches (im2col, `HO·WO × C_IN·K·K`), then the pre-activations `z` (CHW).
    const CACHE: usize = Self::POSITIONS * Self::PATCH + OUT;
    const ARCHITECTURE: ConstText = {
        let mut t = ConstText::EMPTY
            .str("Conv2d<")
            .usize(C_IN)
            .str(", ")
            .usize(C_OUT)
            .str(", ")
            .usize(K)
            .str(", ")
            .text(A::NAME);
        if S != 1 {
            t = t.str(", stride = ").usize(S);
        }
        if P != 0 {
            t = t.str(", padding = ").usize(P);
        }
        t.str(">")
    };
    const STRUCTURE: Architecture = Architecture::Layer(&[
        Part::Text("Conv2d<"),
        Part::Usize(C_IN),
        Part::Text(", "),
        Part::Usize(C_OUT),
        Part::Text(", "),
        Part::Usize(K),
        Part::Text(", "),
        Part::Parts(A::DESCRIPTION),
        Part::Parts(if S != 1 { Self::STRIDE_TEXT } else { &[] }),
        Part::Parts(if P != 0 { Self::PADDING_TEXT } else { &[] }),
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

    fn visit_shapes(f: &mut dyn FnMut(Option<[usize; 3]>)) {
        f(Some([C_OUT, Self::HO, Self::WO]))
    }

    fn init(&mut self, rng: &mut Rng) {
        self.init_with(A::DEFAULT_INIT, rng);
    }

    /// Fans as torch computes them for a convolution: `fan_in = C_IN·K·K`,
    /// `fan_out = C_OUT·K·K`.
    fn init_with(&mut self, weights: Init, rng: &mut Rng) {
        let w = self.weights.as_flattened_mut().as_flattened_mut().as_flattened_mut();
        weights.fill(w, C_IN * K * K, C_OUT * K * K, rng);
        self.bias.fill(0.0);
        self.activation.init();
    }

    fn visit_weights(offset: usize, f: &mut dyn FnMut(core::ops::Range<usize>)) {
        f(offset..offset + C_OUT * C_IN * K * K)
    }

    fn forward_one(&self, x: &[f32], y: &mut [f32]) {
        let () = Self::SHAPES_AGREE;
        let (ho, wo) = (Self::HO, Self::WO);
        let mut z = [0.0f32; OUT];
        for (c, zc) in z.chunks_exact_mut(Self::POSITIONS).enumerate() {
            zc.fill(self.bias[c]);
            for (ci, kernel) in self.weights[c].iter().enumerate() {
                let xc = &x[ci * H * W..][..H * W];
                for (u, row) in kernel.iter().enumerate() {
                    for (v, &w) in row.iter().enumerate() {
                        // The output columns `j` whose input column `j·S + v − P` is inside.
                        let j0 = P.saturating_sub(v).div_ceil(S);
                        let j1 = (W + P).saturating_sub(v).div_ceil(S).min(wo);
                        if j0 >= j1 {
                            continue;
                        }
                        for i in 0..ho {
                            let Some(ih) = (i * S + u).checked_sub(P).filter(|&ih| ih < H) else { continue };
                            let xr = &xc[ih * W..][..W];
                            let zr = &mut zc[i * wo..][j0..j1];
                            let first = j0 * S + v - P;
                            if S == 1 {
                                for (z, &x) in zr.iter_mut().zip(&xr[first..]) {
                                    *z += w * x;
                                }
                            } else {
                                for (z, &x) in zr.iter_mut().zip(xr[first..].iter().step_by(S)) {
                                    *z += w * x;
                                }
                            }
                        }
                    }
                }
            }
        }
        self.activation.forward(&z, &mut y[..OUT], OUT);
    }

    fn forward(&self, x: &[f32], y: &mut [f32], cache: &mut [f32], batch: usize, _mode: &mut Mode<'_>) {
        let () = Self::SHAPES_AGREE;
        let (cols, z) = cache.split_at_mut(batch * Self::POSITIONS * Self::PATCH);
        let z = &mut z[..batch * OUT];
        let y = &mut y[..batch * OUT];
        for (x, cols) in x.chunks_exact(IN).zip(cols.chunks_exact_mut(Self::POSITIONS * Self::PATCH)) {
            im2col::<K>(x, cols, &Self::GEOMETRY);
        }
        // Position-major products in `y` (all samples' patches are rows of one
        // matrix), then channel-major into `z`.
        kernel::dense_forward_layer(cols, self.weights_flat(), &self.bias, y, Self::PATCH, C_OUT);
        for (rows, z) in y.chunks_exact(OUT).zip(z.chunks_exact_mut(OUT)) {
            to_channel_major(rows, z, Self::POSITIONS, C_OUT);
        }
        self.activation.forward(z, y, OUT);
    }

    fn logits<'a>(&self, _x: &'a [f32], cache: &'a [f32], batch: usize) -> Option<&'a [f32]> {
        let start = batch * Self::POSITIONS * Self::PATCH;
        A::IS_SOFTMAX.then(|| &cache[start..start + batch * OUT])
    }

    /// Uses its cache as scratch: the patches become their gradients and `z`
    /// the position-major `δ`.
    fn backward(
        &self,
        _x: &[f32],
        y: &[f32],
        cache: &mut [f32],
        dy: &mut [f32],
        dx: Option<&mut [f32]>,
        grad: &mut Self,
        batch: usize,
        dy_is_logit_grad: bool,
    ) {
        let () = Self::SHAPES_AGREE;
        let (cols, z) = cache.split_at_mut(batch * Self::POSITIONS * Self::PATCH);
        let z = &mut z[..batch * OUT];
        let dz = &mut dy[..batch * OUT];
        if !dy_is_logit_grad {
            self.activation.backward(z, &y[..batch * OUT], dz, OUT, &mut grad.activation);
        }
        // δ position-major, into `z` (no longer needed).
        for (d, rows) in dz.chunks_exact(OUT).zip(z.chunks_exact_mut(OUT)) {
            to_position_major(d, rows, Self::POSITIONS, C_OUT);
        }
        let dw = grad.weights.as_flattened_mut().as_flattened_mut().as_flattened_mut();
        kernel::dense_backward_params(cols, z, dw, &mut grad.bias, Self::PATCH, C_OUT);
        if let Some(dx) = dx {
            // The gradients of the patches, into `cols` (no longer needed).
            kernel::dense_backward_input(z, self.weights_flat(), cols, Self::PATCH, C_OUT);
            let dx = &mut dx[..batch * IN];
            dx.fill(0.0);
            for (dx, cols) in dx.chunks_exact_mut(IN).zip(cols.chunks_exact(Self::POSITIONS * Self::PATCH)) {
                col2im_add::<K>(cols, dx, &Self::GEOMETRY);
            }
        }
    }
}
