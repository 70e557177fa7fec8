use core::fmt;

use super::{Layer, LayerInfo};
use crate::activation::Activation;
use crate::arch::Architecture;
use crate::baked::ConstText;
use crate::{Mode, Rng};

/// An activation used as its own layer of width `N` (`ReLU` between two
/// layers in `network!`). Its only parameters are the activation's own (the
/// slope of a standalone [`PReLU`](crate::PReLU)).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ActivationLayer<const N: usize, A> {
    /// The activation.
    pub activation: A,
}

// SAFETY: repr(C) wrapper of an `Activation` (f32 fields only).
unsafe impl<const N: usize, A: Activation> bytemuck::Zeroable for ActivationLayer<N, A> {}
unsafe impl<const N: usize, A: Activation> bytemuck::Pod for ActivationLayer<N, A> {}

impl<const N: usize, A: Activation> fmt::Debug for ActivationLayer<N, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        A::describe(f)
    }
}

// SAFETY: see the Pod impl.
unsafe impl<const N: usize, A: Activation> Layer for ActivationLayer<N, A> {
    const IN: usize = N;
    const OUT: usize = N;
    const CACHE: usize = 0;
    const SPLIT_BY_UNITS: bool = true;
    const ARCHITECTURE: ConstText = A::NAME;
    const STRUCTURE: Architecture = Architecture::Layer(A::DESCRIPTION);
    type Input = [f32; N];
    type Output = [f32; N];

    fn visit(f: &mut dyn FnMut(LayerInfo)) {
        f(LayerInfo { describe: A::describe, inputs: N, outputs: N, params: core::mem::size_of::<A>() / 4, state: 0 })
    }

    fn init(&mut self, _rng: &mut Rng) {
        self.activation.init();
    }

    fn forward_one(&self, x: &[f32], y: &mut [f32]) {
        self.activation.forward(&x[..N], &mut y[..N], N);
    }

    fn forward(&self, x: &[f32], y: &mut [f32], _cache: &mut [f32], batch: usize, _mode: &mut Mode<'_>) {
        self.activation.forward(&x[..batch * N], &mut y[..batch * N], N);
    }

    fn logits<'a>(&self, x: &'a [f32], _cache: &'a [f32], batch: usize) -> Option<&'a [f32]> {
        A::IS_SOFTMAX.then(|| &x[..batch * N])
    }

    fn backward(
        &self,
        x: &[f32],
        y: &[f32],
        _cache: &mut [f32],
        dy: &mut [f32],
        dx: Option<&mut [f32]>,
        grad: &mut Self,
        batch: usize,
        dy_is_logit_grad: bool,
    ) {
        let d = &mut dy[..batch * N];
        if !dy_is_logit_grad {
            self.activation.backward(&x[..batch * N], &y[..batch * N], d, N, &mut grad.activation);
        }
        if let Some(dx) = dx {
            dx[..batch * N].copy_from_slice(d);
        }
    }
}
