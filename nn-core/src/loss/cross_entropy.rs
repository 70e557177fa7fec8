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
}
