use super::Loss;

/// Mean absolute error `C = (1/n) Σ_i |a_i − y_i|` over the `n` outputs
/// (torch `L1Loss()`, mean reduction; mean over the batch).
///
/// `∂C/∂a_i = sign(a_i − y_i)/n`, with the subgradient 0 where `a_i = y_i`
/// (as torch, whose `sign(0)` is 0).
///
/// ```
/// use nn_core::{Loss, Mae};
/// // torch: F.l1_loss(tensor([1., 2., 3., -1.]), tensor([1.5, 2., 1., 1.])) = 1.125
/// let (a, y) = ([1.0, 2.0, 3.0, -1.0], [1.5, 2.0, 1.0, 1.0]);
/// assert_eq!(Mae.loss(&a, &y), 1.125);
/// let mut g = [0.0; 4];
/// Mae.grad(&a, &y, &mut g);
/// assert_eq!(g, [-0.25, 0.0, 0.25, -0.25]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Mae;

/// `sign(x)` with `sign(0) = 0` (torch's `sign`; `f32::signum(0.0)` is 1).
#[inline]
pub(crate) fn sign(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

impl Loss for Mae {
    fn loss(&self, pred: &[f32], target: &[f32]) -> f32 {
        let sum: f32 = pred.iter().zip(target).map(|(a, y)| (a - y).abs()).sum();
        sum / pred.len() as f32
    }
    fn grad(&self, pred: &[f32], target: &[f32], grad: &mut [f32]) {
        let k = 1.0 / pred.len() as f32;
        for ((g, a), y) in grad.iter_mut().zip(pred).zip(target) {
            *g = k * sign(a - y);
        }
    }
}
