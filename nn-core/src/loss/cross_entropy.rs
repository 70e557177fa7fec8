use super::Loss;

/// Cross-entropy `C = −Σ_k y_k ln a_k`, summed over the classes, with
/// one-hot or probability rows `y`.
///
/// On a [`Softmax`](crate::Softmax) output it is computed from the logits `z`
/// as `C = Σ_k y_k (logsumexp(z) − z_k)`, which equals torch
/// `CrossEntropyLoss()` on `z` (finite even for logits of ±1000), and its
/// gradient is the fused `∂C/∂z = a·Σy − y` (`a − y` for one-hot targets).
/// On other outputs `a` is clamped to the smallest positive `f32` before the
/// logarithm, so the loss stays finite.
///
/// ```
/// use nn_core::{CrossEntropy, Loss};
/// // torch: F.cross_entropy(tensor([[2., 1., 0.]]), tensor([0])) = 0.407606
/// let z = [2.0, 1.0, 0.0];
/// let mut p = [0.0; 3];
/// let mut g = [0.0; 3];
/// nn_core::Softmax.forward(&z, &mut p, 3);
/// let c = CrossEntropy.softmax_loss_and_grad(&z, &p, &[1.0, 0.0, 0.0], &mut g);
/// assert!((c - 0.407606).abs() < 1e-6);
/// # use nn_core::Activation;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CrossEntropy;

/// `max(a, f32::MIN_POSITIVE)`, except that NaN stays NaN (`f32::max` would
/// return `MIN_POSITIVE` and turn a NaN prediction into a finite loss).
#[inline]
fn clamp_positive(a: f32) -> f32 {
    if a < f32::MIN_POSITIVE {
        f32::MIN_POSITIVE
    } else {
        a
    }
}

impl Loss for CrossEntropy {
    fn loss(&self, pred: &[f32], target: &[f32]) -> f32 {
        -pred
            .iter()
            .zip(target)
            .filter(|(_, &y)| y != 0.0)
            .map(|(&a, &y)| y * libm::logf(clamp_positive(a)))
            .sum::<f32>()
    }
    fn grad(&self, pred: &[f32], target: &[f32], grad: &mut [f32]) {
        for ((g, &a), &y) in grad.iter_mut().zip(pred).zip(target) {
            *g = if y == 0.0 { 0.0 } else { -y / clamp_positive(a) };
        }
    }
    fn softmax_loss_and_grad(&self, logits: &[f32], probs: &[f32], target: &[f32], grad: &mut [f32]) -> f32 {
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        // Σ e^(z_j − max), in order, the exponentials 64 at a time
        let mut sum_exp = 0.0f32;
        let mut buf = [0.0f32; 64];
        for chunk in logits.chunks(buf.len()) {
            let e = &mut buf[..chunk.len()];
            for (e, &z) in e.iter_mut().zip(chunk) {
                *e = z - max;
            }
            crate::kernel::exp_in_place(e);
            for &e in e.iter() {
                sum_exp += e;
            }
        }
        fused_row(logits, probs, target, grad, max, sum_exp)
    }

    fn softmax_loss_and_grad_rows(
        &self,
        z: &[f32],
        p: &[f32],
        t: &[f32],
        g: &mut [f32],
        width: usize,
        total: &mut f32,
    ) {
        each_row(z, p, t, g, width, |_, l| *total += l)
    }
    fn softmax_loss_and_grad_each(
        &self,
        z: &[f32],
        p: &[f32],
        t: &[f32],
        g: &mut [f32],
        width: usize,
        losses: &mut [f32],
    ) {
        each_row(z, p, t, g, width, |k, l| losses[k] = l)
    }
}

/// The fused softmax and cross-entropy of each row, row `k`'s loss to
/// `row_loss(k, loss)` in row order. Many rows' exponentials in one pass
/// ([`rows_at_once`]) pay where they are taken 8 at a time (AVX2);
/// elsewhere (bare metal: `libm::expf` on each value) row by row, with the
/// smaller stack buffer of one row.
fn each_row(z: &[f32], p: &[f32], t: &[f32], g: &mut [f32], width: usize, row_loss: impl FnMut(usize, f32)) {
    if cfg!(all(feature = "std", target_arch = "x86_64")) && width > 0 && width <= ROWS_VALUES {
        rows_at_once(z, p, t, g, width, row_loss)
    } else {
        super::one_by_one(&CrossEntropy, z, p, t, g, width, row_loss)
    }
}

/// Values of the rows whose exponentials [`rows_at_once`] takes in one pass.
const ROWS_VALUES: usize = 1024;

/// `softmax_loss_and_grad_rows` for rows of at most [`ROWS_VALUES`] values:
/// the exponentials of as many rows as fit in one pass (a call per row of
/// 10 cost more than the exponentials), then each row as
/// `softmax_loss_and_grad` does: the same values summed in the same order,
/// so the same bits. Row `k`'s loss goes to `row_loss(k, loss)`, in row
/// order.
fn rows_at_once(z: &[f32], p: &[f32], t: &[f32], g: &mut [f32], width: usize, mut row_loss: impl FnMut(usize, f32)) {
    let row_max = |z: &[f32]| z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut buf = [0.0f32; ROWS_VALUES];
    let rows = ROWS_VALUES / width;
    let n = z.len() / width * width;
    let groups = z[..n].chunks(rows * width).zip(p.chunks(rows * width)).zip(t.chunks(rows * width));
    let mut k = 0;
    for (((z, p), t), g) in groups.zip(g.chunks_mut(rows * width)) {
        let e = &mut buf[..z.len()];
        for (e, z) in e.chunks_exact_mut(width).zip(z.chunks_exact(width)) {
            let max = row_max(z);
            for (e, &z) in e.iter_mut().zip(z) {
                *e = z - max;
            }
        }
        crate::kernel::exp_in_place(e);
        let rows = e.chunks_exact(width).zip(z.chunks_exact(width)).zip(p.chunks_exact(width));
        for (((e, z), p), (t, g)) in rows.zip(t.chunks_exact(width).zip(g.chunks_exact_mut(width))) {
            let mut sum_exp = 0.0f32;
            for &e in e {
                sum_exp += e;
            }
            row_loss(k, fused_row(z, p, t, g, row_max(z), sum_exp));
            k += 1;
        }
    }
}

/// The loss and gradient of a row of logits `z` with `max` and
/// `sum_exp = Σ e^(z_j − max)` known.
#[inline]
fn fused_row(logits: &[f32], probs: &[f32], target: &[f32], grad: &mut [f32], max: f32, sum_exp: f32) -> f32 {
    // logsumexp(z) − z_k = (max − z_k) + ln Σ e^(z_j − max). Never form
    // `max + ln Σ` first: next to logits of ±1000 it would keep only ~4
    // decimals of the logarithm (an error of 3e-5 in a loss of ln 2).
    let log_sum = libm::logf(sum_exp);
    let mut loss = 0.0;
    let mut y_sum = 0.0;
    for (&z, &y) in logits.iter().zip(target) {
        if y != 0.0 {
            loss += y * ((max - z) + log_sum);
        }
        y_sum += y;
    }
    for ((g, &p), &y) in grad.iter_mut().zip(probs).zip(target) {
        *g = p * y_sum - y;
    }
    loss
}

#[cfg(test)]
mod tests {
    use std::vec::Vec;

    use super::CrossEntropy;
    use crate::{Activation, Loss, Softmax};

    /// The batched rows (summed, and each row's loss) give the bits of the
    /// row-by-row loss and gradient, for widths below, at and above what one
    /// pass holds, batches spanning several passes, logits of ±1000 and soft
    /// targets.
    #[test]
    fn rows_at_once_give_the_bits_of_one_row_at_a_time() {
        let mut r = crate::rng(3);
        for width in [1usize, 3, 10, 100, 1000, 1024, 1025] {
            for batch in [1usize, 2, 103, 257] {
                let n = width * batch;
                let scale = if width == 3 { 1000.0 } else { 8.0 };
                let z: Vec<f32> = (0..n).map(|_| (r.uniform() - 0.5) * scale).collect();
                let t: Vec<f32> =
                    (0..n).map(|i| if i % width == i / width % width { 0.75 } else { 0.25 / width as f32 }).collect();
                let mut p = std::vec![0.0f32; n];
                Softmax.forward(&z, &mut p, width);
                let (mut g1, mut g2) = (std::vec![f32::NAN; n], std::vec![f32::NAN; n]);
                let mut one = 0.0f32;
                let mut each_one = std::vec![0.0f32; batch];
                for (k, each) in each_one.iter_mut().enumerate() {
                    let row = k * width..(k + 1) * width;
                    *each = CrossEntropy.softmax_loss_and_grad(
                        &z[row.clone()],
                        &p[row.clone()],
                        &t[row.clone()],
                        &mut g1[row],
                    );
                    one += *each;
                }
                let mut all = 0.0f32;
                CrossEntropy.softmax_loss_and_grad_rows(&z, &p, &t, &mut g2, width, &mut all);
                assert_eq!(all.to_bits(), one.to_bits(), "loss, width {width}, batch {batch}");
                assert!(
                    g1.iter().zip(&g2).all(|(a, b)| a.to_bits() == b.to_bits()),
                    "gradient, width {width}, batch {batch}"
                );
                assert!(all.is_finite());
                let (mut g3, mut each) = (std::vec![f32::NAN; n], std::vec![f32::NAN; batch]);
                CrossEntropy.softmax_loss_and_grad_each(&z, &p, &t, &mut g3, width, &mut each);
                assert!(each.iter().zip(&each_one).all(|(a, b)| a.to_bits() == b.to_bits()), "losses, width {width}");
                assert!(g1.iter().zip(&g3).all(|(a, b)| a.to_bits() == b.to_bits()), "gradient of each, width {width}");
            }
        }
    }
}
