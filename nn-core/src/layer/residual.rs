use core::fmt;

use super::mask::MaskKey;
use super::{Layer, LayerInfo};
use crate::activation::write_float;
use crate::arch::{Architecture, Part};
use crate::baked::ConstText;
use crate::init::Init;
use crate::{Mode, Rng};

/// A residual block `y = x + F(x)` around a branch `F` of layers whose
/// output width equals its input width, written `Residual<L1, L2, …>` in
/// `network!` (the branch `L1 → L2 → …`, a [`Chain`](crate::Chain) of them),
/// with stochastic depth (Huang et al. 2016) as
/// `Residual<StochasticDepth<P>, L1, L2, …>`.
///
/// Stochastic depth follows torchvision's `stochastic_depth(mode="row")`:
/// while training, the branch of each sample is dropped with probability
/// `P` and the kept branches are scaled by `1 / (1 − P)`,
///
/// ```text
/// training:  y = x + m · F(x),   m = 0 with probability P, else 1 / (1 − P), per sample
/// predict:   y = x + F(x)
/// ```
///
/// so `predict` needs no rescaling (the paper instead keeps `m ∈ {0, 1}` in
/// training and uses `x + (1 − P) · F(x)` at test: the same expectation,
/// with the scale moved to training time, as [`Dropout`](crate::Dropout)
/// does). `P` holds the bits of the `f32` probability; 0 is a plain residual
/// block. A dropped branch is still computed (the batch stays one GEMM);
/// its gradient is then 0.
///
/// Backpropagation: `∂C/∂x = ∂C/∂y + J_Fᵀ (m · ∂C/∂y)`; the branch's
/// parameters get the gradient of `m · F`.
///
/// Parameters: those of the branch, in order (torch: a module whose
/// `branch` is an `nn.Sequential` of the layers).
///
/// Cache of a batch: the branch output `F(x)`, a scratch for its gradient,
/// the mask `m` of each sample, then the branch's cache.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Residual<F, const P: u32> {
    /// The branch `F`.
    pub branch: F,
}

// SAFETY: repr(C) wrapper of a layer (f32 only, no padding).
unsafe impl<F: Layer, const P: u32> bytemuck::Zeroable for Residual<F, P> {}
unsafe impl<F: Layer, const P: u32> bytemuck::Pod for Residual<F, P> {}

impl<F: Layer, const P: u32> Residual<F, P> {
    /// The probability of dropping the branch of a sample while training.
    pub const P: f32 = f32::from_bits(P);

    /// Compile-time check that the branch keeps the width (`network!` reports
    /// it earlier, naming the layer; this guards hand-written types and
    /// widths given as `const` names).
    const SAME_WIDTH: () =
        assert!(F::IN == F::OUT, "the branch of a Residual must give as many values as it takes (x + F(x))");

    /// Writes `Residual<StochasticDepth<P>, L1, L2>` (without `StochasticDepth` when `P` is 0).
    pub fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        f.write_str("Residual<")?;
        if P != 0 {
            f.write_str("StochasticDepth<")?;
            write_float(f, Self::P)?;
            f.write_str(">, ")?;
        }
        let mut result = Ok(());
        let mut first = true;
        F::visit(&mut |info| {
            if !first {
                result = result.and_then(|()| f.write_str(", "));
            }
            first = false;
            result = result.and_then(|()| (info.describe)(f));
        });
        result?;
        f.write_str(">")
    }

    #[allow(clippy::type_complexity)]
    fn split_cache(cache: &mut [f32], batch: usize) -> (&mut [f32], &mut [f32], &mut [f32], &mut [f32]) {
        let n = batch * F::OUT;
        let (fy, rest) = cache.split_at_mut(n);
        let (dfy, rest) = rest.split_at_mut(n);
        let (mask, cf) = rest.split_at_mut(batch);
        (fy, dfy, mask, &mut cf[..batch * F::CACHE])
    }
}

impl<F: Layer, const P: u32> fmt::Debug for Residual<F, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Self::describe(f)
    }
}

// SAFETY: see the Pod impl.
unsafe impl<F: Layer, const P: u32> Layer for Residual<F, P> {
    const IN: usize = F::IN;
    const OUT: usize = F::IN;
    const CACHE: usize = 2 * F::OUT + 1 + F::CACHE;
    const STATE: usize = F::STATE;
    const SPLIT_BY_UNITS: bool = F::SPLIT_BY_UNITS;
    const ARCHITECTURE: ConstText = if P == 0 {
        ConstText::EMPTY.str("Residual<").text(F::ARCHITECTURE).str(">")
    } else {
        ConstText::EMPTY.str("Residual<StochasticDepth<").float(Self::P).str(">, ").text(F::ARCHITECTURE).str(">")
    };
    const STRUCTURE: Architecture = if P == 0 {
        Architecture::Layer(&[Part::Text("Residual<"), Part::Nested(&F::STRUCTURE), Part::Text(">")])
    } else {
        Architecture::Layer(&[
            Part::Text("Residual<StochasticDepth<"),
            Part::Float(Self::P),
            Part::Text(">, "),
            Part::Nested(&F::STRUCTURE),
            Part::Text(">"),
        ])
    };
    type Input = F::Input;
    type Output = F::Input;

    fn visit(f: &mut dyn FnMut(LayerInfo)) {
        f(LayerInfo {
            describe: Self::describe,
            inputs: F::IN,
            outputs: F::IN,
            params: core::mem::size_of::<Self>() / 4 - F::STATE,
            state: F::STATE,
        })
    }

    fn visit_state(offset: usize, f: &mut dyn FnMut(core::ops::Range<usize>)) {
        F::visit_state(offset, f);
    }

    fn init(&mut self, rng: &mut Rng) {
        self.branch.init(rng);
    }

    fn init_with(&mut self, weights: Init, rng: &mut Rng) {
        self.branch.init_with(weights, rng);
    }

    fn visit_weights(offset: usize, f: &mut dyn FnMut(core::ops::Range<usize>)) {
        F::visit_weights(offset, f);
    }

    fn forward_one(&self, x: &[f32], y: &mut [f32]) {
        let () = Self::SAME_WIDTH;
        let mut fy: F::Output = bytemuck::Zeroable::zeroed();
        self.branch.forward_one(x, fy.as_mut());
        for ((y, &x), &fy) in y[..F::IN].iter_mut().zip(&x[..F::IN]).zip(fy.as_ref()) {
            *y = x + fy;
        }
    }

    fn forward(&self, x: &[f32], y: &mut [f32], cache: &mut [f32], batch: usize, mode: &mut Mode<'_>) {
        let () = Self::SAME_WIDTH;
        let n = F::IN;
        let (fy, _, mask, cf) = Self::split_cache(cache, batch);
        self.branch.forward(x, fy, cf, batch, mode);
        match mode {
            Mode::Train(rng) if Self::P > 0.0 => MaskKey::draw(rng, Self::P).fill(mask, 0),
            _ => mask.fill(1.0),
        }
        let rows = y[..batch * n].chunks_exact_mut(n).zip(x[..batch * n].chunks_exact(n)).zip(fy.chunks_exact(n));
        for (((y, x), fy), &m) in rows.zip(mask.iter()) {
            for ((y, &x), &fy) in y.iter_mut().zip(x).zip(fy) {
                *y = x + m * fy;
            }
        }
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
        let () = Self::SAME_WIDTH;
        let n = F::IN;
        let (fy, dfy, mask, cf) = Self::split_cache(cache, batch);
        let dy = &dy[..batch * n];
        for ((dfy, dy), &m) in dfy.chunks_exact_mut(n).zip(dy.chunks_exact(n)).zip(mask.iter()) {
            for (d, &g) in dfy.iter_mut().zip(dy) {
                *d = m * g;
            }
        }
        match dx {
            Some(dx) => {
                let dx = &mut dx[..batch * n];
                self.branch.backward(x, fy, cf, dfy, Some(&mut *dx), &mut grad.branch, batch, false);
                for (dx, &g) in dx.iter_mut().zip(dy) {
                    *dx += g;
                }
            }
            None => self.branch.backward(x, fy, cf, dfy, None, &mut grad.branch, batch, false),
        }
    }
}
