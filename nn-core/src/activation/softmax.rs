use core::fmt;

use super::Activation;
use crate::baked::ConstText;

/// The softmax over each row, `a_i = e^(z_i) / Σ_j e^(z_j)`, computed as
/// `e^(z_i − max z)` so that no logit overflows.
///
/// Its Jacobian is `∂a_i/∂z_j = a_i (δ_ij − a_j)`, so backward computes
/// `∂C/∂z_i = a_i (∂C/∂a_i − Σ_j a_j ∂C/∂a_j)`. Followed by
/// [`CrossEntropy`](crate::CrossEntropy) the product collapses to `a − y`,
/// which the network uses directly (see [`Loss::softmax_loss_and_grad`](crate::Loss::softmax_loss_and_grad)).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Softmax;

unsafe impl bytemuck::Zeroable for Softmax {}
unsafe impl bytemuck::Pod for Softmax {}

/// `a_i = z_i − max z` for one row.
fn shift_row(z: &[f32], a: &mut [f32]) {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for (a, &z) in a.iter_mut().zip(z) {
        *a = z - max;
    }
}

/// `a_i ← a_i / Σ_j a_j` (the sum in order, then one reciprocal).
fn normalize_row(a: &mut [f32]) {
    let mut sum = 0.0;
    for &a in a.iter() {
        sum += a;
    }
    let inv = 1.0 / sum;
    for a in a.iter_mut() {
        *a *= inv;
    }
}

/// `d ← a ⊙ (d − ⟨a, d⟩)` for one row: the softmax Jacobian-vector product.
pub(crate) fn softmax_backward_row(a: &[f32], d: &mut [f32]) {
    let dot: f32 = a.iter().zip(d.iter()).map(|(a, d)| a * d).sum();
    for (d, &a) in d.iter_mut().zip(a) {
        *d = a * (*d - dot);
    }
}

// SAFETY: zero-sized.
unsafe impl Activation for Softmax {
    const DESCRIPTION: &'static [crate::arch::Part] = &[crate::arch::Part::Text("Softmax")];
    const IS_SOFTMAX: bool = true;
    const NAME: ConstText = ConstText::EMPTY.str("Softmax");
    fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        f.write_str("Softmax")
    }
    fn forward(&self, z: &[f32], a: &mut [f32], width: usize) {
        // all rows' exponentials in one pass (8 lanes at a time with AVX2)
        let n = z.len() / width.max(1) * width;
        for (z, a) in z.chunks_exact(width).zip(a.chunks_exact_mut(width)) {
            shift_row(z, a);
        }
        crate::kernel::exp_in_place(&mut a[..n]);
        for a in a[..n].chunks_exact_mut(width) {
            normalize_row(a);
        }
    }
    fn backward(&self, _z: &[f32], a: &[f32], d: &mut [f32], width: usize, _grad: &mut Self) {
        for (a, d) in a.chunks_exact(width).zip(d.chunks_exact_mut(width)) {
            softmax_backward_row(a, d);
        }
    }
}
