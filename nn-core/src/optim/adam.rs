#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use super::Optimizer;

/// Adam (Kingma & Ba, 2015), as `torch.optim.Adam`.
///
/// With `g = ∇θ + λ·θ` (λ = `weight_decay`), at step `t = 1, 2, …`:
///
/// ```text
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// v̂ ← max(v̂, v)                     with amsgrad (the denominator then uses v̂)
/// θ ← θ − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
/// ```
///
/// The bias corrections `1 − βᵗ` are applied where torch applies them
/// (ε is added after dividing `√v` by `√(1 − β₂ᵗ)`), and computed in `f64`;
/// the division by `√(1 − β₂ᵗ)` is a multiplication by its reciprocal
/// (one division fewer per parameter: the update is divider-bound; it may
/// differ from torch's by an ulp of the denominator).
/// Defaults as torch: `betas` (0.9, 0.999), `eps` 1e-8, `weight_decay` 0,
/// `amsgrad` false (torch's default `lr` is 1e-3). State: `m`, `v`, and `v̂`
/// with amsgrad, one value per parameter each.
///
/// `decoupled_weight_decay(true)` turns it into [`AdamW`](crate::AdamW)
/// (torch's argument of the same name).
///
/// ```
/// use nn_core::{Adam, Optimizer};
/// // torch.optim.Adam([w], lr=0.1), w = 1, grads 0.5 then -0.25:
/// // w = 0.900000002, then 0.8733662987078463
/// let mut opt = Adam::new(0.1);
/// let (mut w, mut state) = ([1.0f32], [0.0f32; 2]);
/// opt.update(&mut w, &[0.5], &mut state);
/// assert!((w[0] - 0.9).abs() < 1e-6);
/// opt.update(&mut w, &[-0.25], &mut state);
/// assert!((w[0] - 0.873_366_3).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Adam {
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    weight_decay: f32,
    amsgrad: bool,
    decoupled: bool,
    steps: u64,
    #[cfg(feature = "alloc")]
    state: Vec<f32>,
}

impl Adam {
    /// Adam with learning rate `lr` (torch's default is 1e-3).
    pub fn new(lr: f32) -> Self {
        Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
            decoupled: false,
            steps: 0,
            #[cfg(feature = "alloc")]
            state: Vec::new(),
        }
    }
    /// Decay rates β₁, β₂ of the moment estimates (torch `betas`, default (0.9, 0.999)).
    pub fn betas(mut self, beta1: f32, beta2: f32) -> Self {
        self.beta1 = beta1;
        self.beta2 = beta2;
        self
    }
    /// ε added to the denominator (torch `eps`, default 1e-8).
    pub fn eps(mut self, eps: f32) -> Self {
        self.eps = eps;
        self
    }
    /// Weight decay λ (torch `weight_decay`, default 0): L2, added to the
    /// gradient `g = ∇θ + λθ`, unless [`decoupled_weight_decay`](Adam::decoupled_weight_decay).
    pub fn weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = weight_decay;
        self
    }
    /// The AMSGrad variant: normalize by the running maximum of `v` (torch `amsgrad`, default false).
    pub fn amsgrad(mut self, amsgrad: bool) -> Self {
        self.amsgrad = amsgrad;
        self
    }
    /// Decay the weights directly, `θ ← θ(1 − ηλ)`, instead of adding `λθ`
    /// to the gradient: AdamW (torch `decoupled_weight_decay`, default false).
    pub fn decoupled_weight_decay(mut self, decoupled: bool) -> Self {
        self.decoupled = decoupled;
        self
    }
}

/// The Adam update shared by [`Adam`] and [`AdamW`](crate::AdamW), step `t ≥ 1`.
#[allow(clippy::too_many_arguments)]
pub(super) fn adam_update(
    params: &mut [f32],
    grads: &[f32],
    state: &mut [f32],
    t: u64,
    lr: f32,
    (beta1, beta2): (f32, f32),
    eps: f32,
    weight_decay: f32,
    decoupled: bool,
    amsgrad: bool,
) {
    let n = params.len();
    let (m, rest) = state.split_at_mut(n);
    let (v, rest) = rest.split_at_mut(n);
    let v_max = &mut rest[..if amsgrad { n } else { 0 }];
    let bias_correction1 = 1.0 - libm::pow(f64::from(beta1), t as f64);
    let bias_correction2 = 1.0 - libm::pow(f64::from(beta2), t as f64);
    let step_size = (f64::from(lr) / bias_correction1) as f32;
    let inv_bias_correction2_sqrt = (1.0 / libm::sqrt(bias_correction2)) as f32;
    let (l2, decay) = if decoupled { (0.0, 1.0 - lr * weight_decay) } else { (weight_decay, 1.0) };
    let c = AdamStep { step_size, inv_bias_correction2_sqrt, eps, beta1, beta2, l2, decay, decoupled, amsgrad };
    let apply = |params: &mut [f32], grads: &[f32], m: &mut [f32], v: &mut [f32], v_max: &mut [f32]| {
        // on each thread that runs a part (see `subnormal`)
        let _flush = crate::subnormal::FlushToZero::new();
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if crate::kernel::active() == crate::kernel::Kernels::Avx512 {
            // SAFETY: the AVX-512 kernels are only chosen where the CPU has AVX-512F.
            return unsafe { adam_elements_avx512(&c, params, grads, m, v, v_max) };
        }
        adam_elements(&c, params, grads, m, v, v_max)
    };
    #[cfg(feature = "parallel")]
    if n >= crate::parallel::PARALLEL_MIN_PARAMS && crate::parallel::team::joins_pay() {
        // element by element: the same bits however the slices are split
        #[allow(clippy::type_complexity)]
        fn split<F: Fn(&mut [f32], &[f32], &mut [f32], &mut [f32], &mut [f32]) + Sync>(
            f: &F,
            (p, g, m, v, vm): (&mut [f32], &[f32], &mut [f32], &mut [f32], &mut [f32]),
        ) {
            if p.len() < crate::parallel::PARALLEL_MIN_PARAMS {
                return f(p, g, m, v, vm);
            }
            let h = p.len() / 2;
            let (p, p2) = p.split_at_mut(h);
            let (m, m2) = m.split_at_mut(h);
            let (v, v2) = v.split_at_mut(h);
            let (vm, vm2) = vm.split_at_mut(h.min(vm.len()));
            let (g, g2) = g.split_at(h.min(g.len()));
            crate::parallel::team::join(|| split(f, (p, g, m, v, vm)), || split(f, (p2, g2, m2, v2, vm2)));
        }
        return split(&apply, (params, grads, m, v, v_max));
    }
    apply(params, grads, m, v, v_max);
}

/// The constants of one Adam step.
struct AdamStep {
    step_size: f32,
    inv_bias_correction2_sqrt: f32,
    eps: f32,
    beta1: f32,
    beta2: f32,
    l2: f32,
    decay: f32,
    decoupled: bool,
    amsgrad: bool,
}

/// The Adam arithmetic, element by element. The branches are hoisted out of
/// the loops so that they vectorize; every operation (no fused multiply-add,
/// a correctly rounded square root and division) rounds the same way at any
/// vector width, so [`adam_elements_avx512`] and the builds without std give
/// the same bits.
#[inline(always)]
fn adam_elements(c: &AdamStep, params: &mut [f32], grads: &[f32], m: &mut [f32], v: &mut [f32], v_max: &mut [f32]) {
    let moments = |p: &mut f32, g: f32, m: &mut f32, v: &mut f32| {
        if c.decoupled {
            *p *= c.decay;
        }
        let g = g + c.l2 * *p;
        *m += (1.0 - c.beta1) * (g - *m);
        *v = c.beta2 * *v + (1.0 - c.beta2) * g * g;
    };
    let step = |p: &mut f32, m: f32, v_hat: f32| {
        *p -= c.step_size * m / (crate::math::sqrtf(v_hat) * c.inv_bias_correction2_sqrt + c.eps);
    };
    if c.amsgrad {
        for ((((p, &g), m), v), v_max) in params.iter_mut().zip(grads).zip(m).zip(v.iter_mut()).zip(v_max) {
            moments(p, g, m, v);
            *v_max = v_max.max(*v);
            step(p, *m, *v_max);
        }
    } else {
        for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(m.iter_mut()).zip(v.iter_mut()) {
            moments(p, g, m, v);
            step(p, *m, *v);
        }
    }
}

/// [`adam_elements`] compiled for AVX-512 (16 parameters per instruction;
/// the same bits).
///
/// # Safety
/// The CPU has AVX-512F.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f")]
unsafe fn adam_elements_avx512(
    c: &AdamStep,
    params: &mut [f32],
    grads: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    v_max: &mut [f32],
) {
    adam_elements(c, params, grads, m, v, v_max)
}

impl Optimizer for Adam {
    fn state_len(&self, params: usize) -> usize {
        params * if self.amsgrad { 3 } else { 2 }
    }

    fn update(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32]) {
        self.steps += 1;
        adam_update(
            params,
            grads,
            state,
            self.steps,
            self.lr,
            (self.beta1, self.beta2),
            self.eps,
            self.weight_decay,
            self.decoupled,
            self.amsgrad,
        );
    }

    fn learning_rate(&self) -> f32 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
    }
    super::scalar_fields!(lr: F32, beta1: F32, beta2: F32, eps: F32, weight_decay: F32, amsgrad: Bool, decoupled: Bool, steps: U64);
    #[cfg(feature = "alloc")]
    fn owned_state(&mut self) -> &mut Vec<f32> {
        &mut self.state
    }
}

#[cfg(all(test, feature = "std", target_arch = "x86_64"))]
mod tests {
    use std::vec::Vec;

    use super::{adam_elements, adam_elements_avx512, AdamStep};

    /// [`kernel`](crate::kernel)'s test values in [-1, 1], times `scale`.
    fn data(n: usize, seed: u32, scale: f32) -> Vec<f32> {
        crate::kernel::x86_tests::data(n, seed).iter().map(|v| v * scale).collect()
    }

    /// The AVX-512 build of the element loop gives the plain loop's bits, on
    /// a length that leaves a remainder at every vector width, for Adam,
    /// AdamW and AMSGrad.
    #[test]
    fn avx512_adam_gives_the_same_bits() {
        if !std::is_x86_feature_detected!("avx512f") {
            std::eprintln!("no AVX-512F on this CPU: skipped");
            return;
        }
        let n = 1003;
        for (decoupled, amsgrad, l2) in
            [(false, false, 0.0), (false, false, 0.01), (true, false, 0.0), (false, true, 0.0)]
        {
            let c = AdamStep {
                step_size: 1.3e-3,
                inv_bias_correction2_sqrt: 3.7,
                eps: 1e-8,
                beta1: 0.9,
                beta2: 0.999,
                l2,
                decay: if decoupled { 0.99 } else { 1.0 },
                decoupled,
                amsgrad,
            };
            let run = |wide: bool| {
                let (mut p, g) = (data(n, 1, 1.0), data(n, 2, 0.1));
                let (mut m, mut v) = (data(n, 3, 0.01), data(n, 4, 1e-4).iter().map(|v| v.abs()).collect::<Vec<_>>());
                let mut v_max = if amsgrad { v.iter().map(|v| v * 1.5).collect() } else { Vec::new() };
                if wide {
                    // SAFETY: AVX-512F was detected above.
                    unsafe { adam_elements_avx512(&c, &mut p, &g, &mut m, &mut v, &mut v_max) };
                } else {
                    adam_elements(&c, &mut p, &g, &mut m, &mut v, &mut v_max);
                }
                [p, m, v, v_max].concat().iter().map(|x| x.to_bits()).collect::<Vec<u32>>()
            };
            assert_eq!(run(true), run(false), "decoupled {decoupled}, amsgrad {amsgrad}, l2 {l2}");
        }
    }
}
