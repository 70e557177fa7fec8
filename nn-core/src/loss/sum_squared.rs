use super::Loss;

/// The textbook quadratic cost `C = ½ Σ_i (a_i − y_i)²`, summed over the
/// outputs (mean over the batch); `∂C/∂a_i = a_i − y_i`.
///
/// torch: `0.5 * ((a - y) ** 2).sum(1).mean()`, i.e. `0.5 * MSELoss(reduction='sum')`
/// divided by the batch size.
///
/// ```
/// use nn_core::{Loss, SumSquaredError};
/// // torch: 0.5 * ((tensor([1., 2.]) - tensor([0., 4.])) ** 2).sum() = 2.5
/// assert_eq!(SumSquaredError.loss(&[1.0, 2.0], &[0.0, 4.0]), 2.5);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SumSquaredError;

impl Loss for SumSquaredError {
    fn loss(&self, pred: &[f32], target: &[f32]) -> f32 {
        0.5 * pred.iter().zip(target).map(|(a, y)| (a - y) * (a - y)).sum::<f32>()
    }
    fn grad(&self, pred: &[f32], target: &[f32], grad: &mut [f32]) {
        for ((g, a), y) in grad.iter_mut().zip(pred).zip(target) {
            *g = a - y;
        }
    }
}
