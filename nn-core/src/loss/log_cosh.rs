use super::Loss;

/// The log-cosh loss `C = (1/n) Σ_i ln cosh(a_i − y_i)`, averaged over the
/// `n` outputs (and over the batch); `∂C/∂a_i = tanh(a_i − y_i)/n`.
///
/// Like [`Mse`](crate::Mse)/2 for small errors and [`Mae`](crate::Mae) − ln 2
/// for large ones. torch has no module for it; the reference is
/// `(|e| + log1p(exp(−2|e|)) − ln 2).mean()` with `e = a − y`.
///
/// Computed without overflow: `cosh` overflows `f32` beyond |e| ≈ 89, so for
/// `|e| ≥ 1` the loss is `|e| + ln(1 + e^(−2|e|)) − ln 2` (finite for errors
/// of ±1000), and for `|e| < 1` it is `ln(1 + 2 sinh²(e/2))`, which keeps full
/// relative precision for tiny errors (where the first form cancels).
///
/// ```
/// use nn_core::{LogCosh, Loss};
/// // torch (stable form above): e = [-0.5, 0, 2, -2] gives 0.69253
/// let (a, y) = ([1.0, 2.0, 3.0, -1.0], [1.5, 2.0, 1.0, 1.0]);
/// assert!((LogCosh.loss(&a, &y) - 0.692530).abs() < 1e-6);
/// // large errors stay finite: ln cosh(1000) = 1000 − ln 2
/// assert!((LogCosh.loss(&[1000.0], &[0.0]) - 999.306853).abs() < 1e-3);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LogCosh;

/// `ln cosh(e)` without overflow or cancellation.
#[inline]
pub(crate) fn log_cosh(e: f32) -> f32 {
    let a = e.abs();
    if a < 1.0 {
        let s = libm::sinhf(0.5 * a);
        libm::log1pf(2.0 * s * s)
    } else {
        a + libm::log1pf(libm::expf(-2.0 * a)) - core::f32::consts::LN_2
    }
}

impl Loss for LogCosh {
    fn loss(&self, pred: &[f32], target: &[f32]) -> f32 {
        let sum: f32 = pred.iter().zip(target).map(|(a, y)| log_cosh(a - y)).sum();
        sum / pred.len() as f32
    }
    fn grad(&self, pred: &[f32], target: &[f32], grad: &mut [f32]) {
        let k = 1.0 / pred.len() as f32;
        for ((g, a), y) in grad.iter_mut().zip(pred).zip(target) {
            *g = k * libm::tanhf(a - y);
        }
    }
}
