use core::fmt;

use super::{Layer, LayerInfo, Plain};
use crate::activation::Activation;
use crate::arch::{Architecture, Part};
use crate::baked::ConstText;
use crate::init::Init;
use crate::{kernel, Identity, Mode, Rng};

/// A fully connected layer `a = f(W x + b)` with `W` of `OUT × IN`.
///
/// Parameters in PyTorch `nn.Linear` order: `weights[o][i]` (row `o` holds the
/// weights into unit `o`), then `bias[o]`, then any parameter of the
/// activation (the slope of [`PReLU`](crate::PReLU)).
///
/// Backpropagation, for a batch: `δ = ∂C/∂a ⊙ f'(z)`, `∂C/∂W = δᵀ x`,
/// `∂C/∂b = Σ δ`, `∂C/∂x = δ W`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Dense<const IN: usize, const OUT: usize, A = Identity> {
    /// `weights[o][i]`: from input `i` to unit `o`.
    pub weights: [[f32; IN]; OUT],
    /// `bias[o]` of unit `o`.
    pub bias: [f32; OUT],
    /// The activation (zero-sized unless it has learned parameters).
    pub activation: A,
}

// SAFETY: repr(C) of f32 arrays and an `Activation` (f32 fields only), all
// with alignment 4 and sizes that are multiples of 4: no padding.
unsafe impl<const IN: usize, const OUT: usize, A: Activation> bytemuck::Zeroable for Dense<IN, OUT, A> {}
unsafe impl<const IN: usize, const OUT: usize, A: Activation> bytemuck::Pod for Dense<IN, OUT, A> {}

impl<const IN: usize, const OUT: usize, A: Activation> Dense<IN, OUT, A> {
    fn weights_flat(&self) -> &[f32] {
        self.weights.as_flattened()
    }

    /// Writes `Dense<IN, OUT, Act>`.
    pub fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        write!(f, "Dense<{IN}, {OUT}, ")?;
        A::describe(f)?;
        f.write_str(">")
    }
}

impl<const IN: usize, const OUT: usize, A: Activation> fmt::Debug for Dense<IN, OUT, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Self::describe(f)
    }
}

// SAFETY: see the Pod impl.
unsafe impl<const IN: usize, const OUT: usize, A: Activation> Layer for Dense<IN, OUT, A> {
    const IN: usize = IN;
    const OUT: usize = OUT;
    /// The pre-activations `z`.
    const CACHE: usize = OUT;
    const SPLIT_BY_UNITS: bool = true;
    const ARCHITECTURE: ConstText =
        ConstText::EMPTY.str("Dense<").usize(IN).str(", ").usize(OUT).str(", ").text(A::NAME).str(">");
    const STRUCTURE: Architecture = Architecture::Layer(&[
        Part::Text("Dense<"),
        Part::Usize(IN),
        Part::Text(", "),
        Part::Usize(OUT),
        Part::Text(", "),
        Part::Parts(A::DESCRIPTION),
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
        A::DEFAULT_INIT.fill(self.weights.as_flattened_mut(), IN, OUT, rng);
        self.bias.fill(0.0);
        self.activation.init();
    }

    fn init_with(&mut self, weights: Init, rng: &mut Rng) {
        weights.fill(self.weights.as_flattened_mut(), IN, OUT, rng);
        self.bias.fill(0.0);
        self.activation.init();
    }

    fn visit_weights(offset: usize, f: &mut dyn FnMut(core::ops::Range<usize>)) {
        f(offset..offset + IN * OUT)
    }

    fn forward_one(&self, x: &[f32], y: &mut [f32]) {
        if let Some(f) = A::EPILOGUE {
            kernel::dense_forward_one(&x[..IN], self.weights_flat(), &self.bias, &mut y[..OUT], f);
            return;
        }
        let mut z = [0.0f32; OUT];
        kernel::dense_forward(x, self.weights_flat(), &self.bias, &mut z, IN, OUT);
        self.activation.forward(&z, y, OUT);
    }

    fn forward(&self, x: &[f32], y: &mut [f32], cache: &mut [f32], batch: usize, _mode: &mut Mode<'_>) {
        let z = &mut cache[..batch * OUT];
        let (y, act) = (&mut y[..batch * OUT], Plain(&self.activation));
        // the activation on the rows of each piece of a split by samples
        let on_rows = |z: &[f32], y: &mut [f32]| act.get().forward(z, y, OUT);
        if kernel::dense_forward_layer_then(x, self.weights_flat(), &self.bias, z, (IN, OUT), y, &on_rows) {
            return;
        }
        let z = &*z;
        super::split_rows_of(OUT, batch, y, &|first, y| {
            act.get().forward(&z[first * OUT..first * OUT + y.len()], y, OUT)
        });
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
        let z = &cache[..batch * OUT];
        let dz = &mut dy[..batch * OUT];
        if !dy_is_logit_grad {
            if core::mem::size_of::<A>() == 0 {
                // no parameters to sum into: rows on their own
                let act = Plain(&self.activation);
                super::split_rows_of(OUT, batch, dz, &|first, dz| {
                    let rows = first * OUT..first * OUT + dz.len();
                    act.get().backward(&z[rows.clone()], &y[rows], dz, OUT, &mut A::zeroed());
                });
            } else {
                self.activation.backward(z, y, dz, OUT, &mut grad.activation);
            }
        }
        let (w, dx) = (self.weights_flat(), dx.map(|dx| &mut dx[..batch * IN]));
        kernel::dense_backward(x, dz, w, grad.weights.as_flattened_mut(), &mut grad.bias, dx, IN, OUT);
    }
}
