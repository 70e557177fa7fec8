//! Reusable scratch memory for the allocating conveniences (`train_step`,
//! `loss_and_grad`'s workspace, `predict_batch`), so that a training loop
//! allocates only on its first step.
//!
//! With `std`, each thread keeps one `Vec<f32>` that grows to the largest
//! request (up to [`MAX_KEPT`] values; larger requests are allocated and
//! freed per call), and the AVX-512 forward kernel's packing buffer
//! ([`crate::kernel::reserve_packing`]). Without `std` (`alloc` only) every
//! call allocates.

use alloc::vec::Vec;

/// Largest scratch (in `f32` values, 64 MiB) that a thread keeps between calls.
#[cfg(feature = "std")]
pub(crate) const MAX_KEPT: usize = 16 << 20;

/// Number of independent scratch buffers per thread.
#[cfg(feature = "std")]
const SLOTS: usize = 2;

#[cfg(feature = "std")]
std::thread_local! {
    static SCRATCH: [core::cell::Cell<Vec<f32>>; SLOTS] =
        const { [core::cell::Cell::new(Vec::new()), core::cell::Cell::new(Vec::new())] };
}

/// Calls `f` with `n` values of scratch. Their contents are unspecified
/// (whatever an earlier call left): `f` must write before it reads.
pub(crate) fn with_scratch<R>(n: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    with_scratch_slot(0, n, f)
}

/// [`with_scratch`] on buffer `slot` (< 2) of the thread: slot 0 serves the
/// conveniences, slot 1 the per-chunk gradients of the `parallel` feature,
/// which run inside them.
pub(crate) fn with_scratch_slot<R>(slot: usize, n: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    #[cfg(not(feature = "std"))]
    let _ = slot;
    // Taken out of the thread-local while `f` runs, so a nested call (or a
    // panic in `f`) only costs an allocation, never a double borrow.
    #[cfg(feature = "std")]
    crate::kernel::reserve_packing();
    #[cfg(feature = "std")]
    let mut v = SCRATCH.try_with(|c| c[slot].take()).unwrap_or_default();
    #[cfg(not(feature = "std"))]
    let mut v = Vec::new();
    if v.len() < n {
        v.resize(n, 0.0);
    }
    let r = f(&mut v[..n]);
    #[cfg(feature = "std")]
    if v.len() <= MAX_KEPT {
        let _ = SCRATCH.try_with(|c| {
            let old = c[slot].take();
            // keep the larger of the two (a nested call may have put one back)
            c[slot].set(if old.len() > v.len() { old } else { v });
        });
    }
    r
}
