use core::fmt;

use super::{Layer, LayerInfo};
use crate::arch::Architecture;
use crate::baked::ConstText;
use crate::init::Init;
use crate::{Mode, Rng};

/// Two layers in sequence, itself a layer: `Chain<A, Chain<B, C>>` is the
/// network `A → B → C`. `network!` builds these for you.
///
/// Layout (`#[repr(C)]`): the parameters of `first`, then those of `rest`,
/// which is the PyTorch `nn.Sequential` `state_dict` order.
///
/// Cache of a batch: `first`'s output, a scratch row for its gradient, then
/// the caches of `first` and `rest`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Chain<A, B> {
    /// The first layer.
    pub first: A,
    /// The layers after it.
    pub rest: B,
}

// SAFETY: repr(C) of two layers (f32 only, alignment 4, no padding).
unsafe impl<A: Layer, B: Layer> bytemuck::Zeroable for Chain<A, B> {}
unsafe impl<A: Layer, B: Layer> bytemuck::Pod for Chain<A, B> {}

impl<A: Layer, B: Layer> fmt::Debug for Chain<A, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        Self::visit(&mut |info| {
            list.entry(&info);
        });
        list.finish()
    }
}

impl<A: Layer, B: Layer> Chain<A, B> {
    /// Compile-time check that the widths meet, evaluated when the chain's code
    /// is generated (`network!` reports mismatches earlier, with both layers named;
    /// this guards chains written by hand).
    const WIDTHS_MATCH: () = assert!(
        A::OUT == B::IN,
        "layer widths do not match: a layer's input width differs from the previous layer's output width"
    );

    #[allow(clippy::type_complexity)]
    fn split_cache(cache: &mut [f32], batch: usize) -> (&mut [f32], &mut [f32], &mut [f32], &mut [f32]) {
        let (mid, rest) = cache.split_at_mut(batch * A::OUT);
        let (dmid, rest) = rest.split_at_mut(batch * A::OUT);
        let (ca, cb) = rest.split_at_mut(batch * A::CACHE);
        (mid, dmid, ca, cb)
    }
}

// SAFETY: see the Pod impl.
unsafe impl<A: Layer, B: Layer> Layer for Chain<A, B> {
    const IN: usize = A::IN;
    const OUT: usize = B::OUT;
    const CACHE: usize = 2 * A::OUT + A::CACHE + B::CACHE;
    const DEPTH: usize = A::DEPTH + B::DEPTH;
    const STATE: usize = A::STATE + B::STATE;
    const SPLIT_BY_UNITS: bool = A::SPLIT_BY_UNITS && B::SPLIT_BY_UNITS;
    const ARCHITECTURE: ConstText = A::ARCHITECTURE.str(", ").text(B::ARCHITECTURE);
    const STRUCTURE: Architecture = Architecture::Chain(&A::STRUCTURE, &B::STRUCTURE);
    type Input = A::Input;
    type Output = B::Output;

    fn visit(f: &mut dyn FnMut(LayerInfo)) {
        A::visit(f);
        B::visit(f);
    }

    fn visit_shapes(f: &mut dyn FnMut(Option<[usize; 3]>)) {
        A::visit_shapes(f);
        B::visit_shapes(f);
    }

    fn init(&mut self, rng: &mut Rng) {
        self.first.init(rng);
        self.rest.init(rng);
    }

    fn init_with(&mut self, weights: Init, rng: &mut Rng) {
        self.first.init_with(weights, rng);
        self.rest.init_with(weights, rng);
    }

    fn visit_weights(offset: usize, f: &mut dyn FnMut(core::ops::Range<usize>)) {
        A::visit_weights(offset, f);
        B::visit_weights(offset + core::mem::size_of::<A>() / 4, f);
    }

    fn visit_state(offset: usize, f: &mut dyn FnMut(core::ops::Range<usize>)) {
        A::visit_state(offset, f);
        B::visit_state(offset + core::mem::size_of::<A>() / 4, f);
    }

    fn visit_outputs(y: &[f32], cache: &[f32], batch: usize, f: &mut dyn FnMut(&[f32])) {
        let mid = &cache[..batch * A::OUT];
        let ca = &cache[2 * batch * A::OUT..batch * (2 * A::OUT + A::CACHE)];
        let cb = &cache[batch * (2 * A::OUT + A::CACHE)..];
        A::visit_outputs(mid, ca, batch, f);
        B::visit_outputs(y, cb, batch, f);
    }

    fn forward_one(&self, x: &[f32], y: &mut [f32]) {
        let () = Self::WIDTHS_MATCH;
        let mut mid: A::Output = bytemuck::Zeroable::zeroed();
        self.first.forward_one(x, mid.as_mut());
        self.rest.forward_one(mid.as_ref(), y);
    }

    fn forward(&self, x: &[f32], y: &mut [f32], cache: &mut [f32], batch: usize, mode: &mut Mode<'_>) {
        let () = Self::WIDTHS_MATCH;
        let (mid, _, ca, cb) = Self::split_cache(cache, batch);
        self.first.forward(x, mid, ca, batch, mode);
        self.rest.forward(mid, y, cb, batch, mode);
    }

    fn logits<'a>(&self, _x: &'a [f32], cache: &'a [f32], batch: usize) -> Option<&'a [f32]> {
        let mid = &cache[..batch * A::OUT];
        let cb = &cache[batch * (2 * A::OUT + A::CACHE)..];
        self.rest.logits(mid, cb, batch)
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
        let () = Self::WIDTHS_MATCH;
        let (mid, dmid, ca, cb) = Self::split_cache(cache, batch);
        if dx.is_none() && core::mem::size_of::<A>() == 0 {
            // `first` has no parameters and nobody asks for `∂C/∂x`: nothing
            // needs `∂C/∂mid` (an `Input<C, H, W>` or `Dropout` in front of a
            // convolution saves the convolution's input gradient).
            self.rest.backward(mid, y, cb, dy, None, &mut grad.rest, batch, dy_is_logit_grad);
            return;
        }
        self.rest.backward(mid, y, cb, dy, Some(dmid), &mut grad.rest, batch, dy_is_logit_grad);
        self.first.backward(x, mid, ca, dmid, dx, &mut grad.first, batch, false);
    }
}
