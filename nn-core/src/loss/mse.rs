use super::Loss;

/// Mean squared error `C = (1/n) Σ_i (a_i − y_i)²` over the `n` outputs
/// (torch `MSELoss()`, mean reduction); `∂C/∂a_i = 2(a_i − y_i)/n`.
///
/// ```
/// use nn_core::{Loss, Mse};
/// // torch: F.mse_loss(tensor([1., 2.]), tensor([0., 4.])) = 2.5
/// assert_eq!(Mse.loss(&[1.0, 2.0], &[0.0, 4.0]), 2.5);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Mse;

impl Loss for Mse {
    fn loss(&self, pred: &[f32], target: &[f32]) -> f32 {
        let sum: f32 = pred.iter().zip(target).map(|(a, y)| (a - y) * (a - y)).sum();
        sum / pred.len() as f32
    }
    fn grad(&self, pred: &[f32], target: &[f32], grad: &mut [f32]) {
        let k = 2.0 / pred.len() as f32;
        for ((g, a), y) in grad.iter_mut().zip(pred).zip(target) {
            *g = k * (a - y);
        }
    }
}
