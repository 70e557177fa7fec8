//! Fork-join on two threads that answers in microseconds: the calling
//! thread and one helper thread that spins while a [`region`] is open.
//!
//! `rayon::join` from a thread outside rayon's pool hands both halves to the
//! pool and puts the caller to sleep, and a pool worker with nothing to do
//! goes to sleep too; waking a sleeping thread took 50–150 µs on the 2-core
//! virtual machines this was measured on, per join. A training step has
//! about eight joins (forward, backward, the gradient sum, Adam, the batch
//! gather, the gradient zeroing), each of a few hundred µs of work, so on
//! two threads the step was no faster than on one. In a region, [`join`]
//! instead posts its second half to a single slot that the helper polls,
//! runs the first half itself, and then takes the second half back if the
//! helper has not started it (so a region never waits for the helper), or
//! spins until the helper is done. The helper keeps polling for
//! [`LINGER`] after a region closes, so that consecutive `train_step` calls
//! find it awake.
//!
//! Used only when rayon's pool has exactly two threads (this crate's target;
//! with more, [`join`] is `rayon::join`, whose work stealing uses them all).
//! Nested joins inside a half run their halves one after the other. The
//! halves do the same arithmetic wherever they run, so results are the same
//! bits as with `rayon::join`.

use core::cell::{Cell, UnsafeCell};
use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::boxed::Box;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long the helper keeps polling after a region closes.
pub const LINGER: Duration = Duration::from_millis(2);

/// The slot is empty.
const EMPTY: u8 = 0;
/// A job is posted and nobody runs it yet.
const POSTED: u8 = 1;
/// The helper runs the job.
const TAKEN: u8 = 2;
/// The helper finished the job.
const DONE: u8 = 3;

/// A type-erased job: a pointer to the poster's `FnMut` on its stack.
struct Job(*mut (dyn FnMut() + Send));

/// The helper thread and its one-job slot.
struct Helper {
    /// Whether a region is open (the helper spins while it is, and for [`LINGER`] after).
    open: AtomicBool,
    /// Whether some thread owns the helper (one region at a time).
    owned: AtomicBool,
    state: AtomicU8,
    job: UnsafeCell<Option<Job>>,
    /// A panic of the job, for the poster to resume.
    panic: UnsafeCell<Option<Box<dyn core::any::Any + Send>>>,
    thread: OnceLock<std::thread::Thread>,
}

// SAFETY: `job` and `panic` are handed over through `state` (written before
// a Release store, read after an Acquire load by the other side only), and
// the job behind the pointer is `Send`.
unsafe impl Sync for Helper {}

std::thread_local! {
    /// Whether this thread owns the helper (is in a region).
    static OWNER: Cell<bool> = const { Cell::new(false) };
    /// Whether this thread is the helper.
    static IS_HELPER: Cell<bool> = const { Cell::new(false) };
}

/// The helper, started on first use (its thread and this static are the
/// only allocations).
fn helper() -> Option<&'static Helper> {
    static HELPER: OnceLock<Option<&'static Helper>> = OnceLock::new();
    *HELPER.get_or_init(|| {
        let h: &'static Helper = Box::leak(Box::new(Helper {
            open: AtomicBool::new(false),
            owned: AtomicBool::new(false),
            state: AtomicU8::new(EMPTY),
            job: UnsafeCell::new(None),
            panic: UnsafeCell::new(None),
            thread: OnceLock::new(),
        }));
        let t = std::thread::Builder::new().name("nn-team".into()).spawn(move || serve(h)).ok()?;
        let _ = h.thread.set(t.thread().clone());
        Some(h)
    })
}

/// The helper's loop: park while no region is open; poll the slot while one
/// is, and for [`LINGER`] after. (Never inlined, so that a profile tells
/// the helper's waiting from its work: `benches/profile.py`.)
#[inline(never)]
fn serve(h: &'static Helper) {
    IS_HELPER.with(|c| c.set(true));
    loop {
        while !h.open.load(Ordering::Acquire) {
            std::thread::park();
        }
        let mut closed_at: Option<Instant> = None;
        loop {
            if h.state.load(Ordering::Acquire) == POSTED
                && h.state.compare_exchange(POSTED, TAKEN, Ordering::Acquire, Ordering::Relaxed).is_ok()
            {
                // SAFETY: POSTED → TAKEN gave this thread the job; the poster
                // keeps it alive until it sees DONE.
                let job = unsafe { (*h.job.get()).take() }.expect("a posted job");
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    // SAFETY: the poster's closure, called once, while the poster waits.
                    unsafe { (*job.0)() }
                }));
                if let Err(payload) = result {
                    // SAFETY: written before the Release store of DONE, read after it.
                    unsafe { *h.panic.get() = Some(payload) };
                }
                h.state.store(DONE, Ordering::Release);
                closed_at = None;
                continue;
            }
            if h.open.load(Ordering::Acquire) {
                closed_at = None;
            } else {
                let since = *closed_at.get_or_insert_with(Instant::now);
                if since.elapsed() >= LINGER {
                    break;
                }
            }
            core::hint::spin_loop();
        }
    }
}

/// An open region (see the [module docs](self)): while it lives, [`join`]
/// on this thread shares its work with the helper thread. Closed on drop
/// (also when unwinding); bound to the thread that opened it.
pub struct Region {
    helper: &'static Helper,
    /// Not `Send`: the region belongs to the thread that opened it.
    _thread: core::marker::PhantomData<*const ()>,
}

impl Region {
    /// Opens a region, when rayon's pool has two threads, this thread is
    /// not already in one, and no other thread holds the helper; `None`
    /// otherwise (joins then use `rayon::join`, or run in turn on the helper).
    pub fn open() -> Option<Region> {
        if OWNER.with(Cell::get) || IS_HELPER.with(Cell::get) || rayon::current_num_threads() != 2 {
            return None;
        }
        let helper = helper()?;
        helper.owned.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).ok()?;
        OWNER.with(|c| c.set(true));
        helper.open.store(true, Ordering::Release);
        if let Some(t) = helper.thread.get() {
            t.unpark();
        }
        Some(Region { helper, _thread: core::marker::PhantomData })
    }

    /// [`Region::open`] if a batch of `batch` samples is split over threads
    /// ([`chunks_for`](super::chunks_for)), else `None`.
    pub fn open_for(batch: usize) -> Option<Region> {
        if super::chunks_for(batch) > 1 {
            Region::open()
        } else {
            None
        }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        OWNER.with(|c| c.set(false));
        self.helper.open.store(false, Ordering::Release);
        self.helper.owned.store(false, Ordering::Release);
    }
}

/// Whether this thread has a [`Region`] open (its joins then take
/// microseconds).
pub fn in_region() -> bool {
    OWNER.with(Cell::get)
}

/// Whether a [`join`] on this thread is worth it for a few tens of
/// microseconds of work: in a [`Region`], or with a pool of more than two
/// threads (whose `rayon::join` the module docs describe); on a pool of two
/// threads outside a region, a join wakes a sleeping worker (50–150 µs).
pub fn joins_pay() -> bool {
    in_region() || rayon::current_num_threads() > 2
}

/// Runs `f` in a [`Region`] (when one can be opened; otherwise just runs `f`).
pub fn region<R>(f: impl FnOnce() -> R) -> R {
    let _region = Region::open();
    f()
}

/// `(a(), b())`, in parallel where possible: in a [`region`], on this thread
/// and the helper; on the helper, one after the other; elsewhere
/// `rayon::join`.
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    if IS_HELPER.with(Cell::get) {
        return (a(), b());
    }
    if !OWNER.with(Cell::get) {
        return rayon::join(a, b);
    }
    let h = helper().expect("a region has a helper");
    if h.state.load(Ordering::Relaxed) != EMPTY {
        // a join inside the first half of another: one after the other
        return (a(), b());
    }
    let mut b = Some(b);
    let mut rb: Option<RB> = None;
    let mut call = || rb = Some((b.take().expect("called once"))());
    let erased: *mut (dyn FnMut() + Send + '_) = &mut call;
    // SAFETY: the pointer does not outlive this function: before returning
    // (or unwinding, see `Reclaim`), this thread either takes the job back
    // (POSTED → EMPTY) or waits for DONE.
    let erased: *mut (dyn FnMut() + Send + 'static) = unsafe { core::mem::transmute(erased) };
    // SAFETY: the slot is EMPTY and only this thread (the owner) posts.
    unsafe { *h.job.get() = Some(Job(erased)) };
    h.state.store(POSTED, Ordering::Release);

    /// Takes the job back or waits for it: also when `a` panics, so that the
    /// helper never runs a job whose frame is gone.
    struct Reclaim(&'static Helper, bool);
    impl Reclaim {
        /// `true` if the helper ran (or runs) the job, after waiting for it.
        /// (Never inlined, so that a profile tells this thread's waiting
        /// from its work: `benches/profile.py`.)
        #[inline(never)]
        fn finish(&mut self) -> bool {
            self.1 = true;
            let h = self.0;
            if h.state.compare_exchange(POSTED, EMPTY, Ordering::Acquire, Ordering::Relaxed).is_ok() {
                // SAFETY: POSTED → EMPTY gave the job back to this thread.
                unsafe { (*h.job.get()) = None };
                return false;
            }
            while h.state.load(Ordering::Acquire) != DONE {
                core::hint::spin_loop();
            }
            true
        }
    }
    impl Drop for Reclaim {
        fn drop(&mut self) {
            if !self.1 {
                if self.finish() {
                    // SAFETY: read after the Acquire load of DONE (a panic of
                    // the second half while the first unwinds: dropped).
                    drop(unsafe { (*self.0.panic.get()).take() });
                }
                self.0.state.store(EMPTY, Ordering::Release);
            }
        }
    }
    let mut reclaim = Reclaim(h, false);
    let ra = a();
    let helped = reclaim.finish();
    if helped {
        // SAFETY: read after the Acquire load of DONE.
        let panic = unsafe { (*h.panic.get()).take() };
        h.state.store(EMPTY, Ordering::Release);
        if let Some(payload) = panic {
            std::panic::resume_unwind(payload);
        }
    } else {
        call();
    }
    (ra, rb.expect("the second half ran"))
}

#[cfg(test)]
mod tests {
    use super::{join, region};

    fn fib(n: u64) -> u64 {
        if n < 2 {
            return n;
        }
        let (a, b) = join(|| fib(n - 1), || fib(n - 2));
        a + b
    }

    /// Joins in and out of a region, nested, on a pool of two threads (the
    /// helper) and of three (`rayon::join`), give the plain results.
    #[test]
    fn joins_give_the_results() {
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            // `install` runs this on a worker: regions there use the helper too
            pool.install(|| {
                assert_eq!(fib(20), 6765);
                let sums = region(|| (0..200u64).map(|i| fib(10 + i % 8)).sum::<u64>());
                assert_eq!(
                    sums,
                    (0..200u64).map(|i| [55u64, 89, 144, 233, 377, 610, 987, 1597][(i % 8) as usize]).sum::<u64>()
                );
                assert_eq!(region(|| region(|| fib(15))), 610);
            });
        }
    }

    /// A panic in either half reaches the caller, and the region works after it.
    #[test]
    fn panics_propagate() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        pool.install(|| {
            for side in [0, 1] {
                let r = std::panic::catch_unwind(|| {
                    region(|| {
                        join(
                            || {
                                assert!(side != 0, "first half");
                                std::thread::sleep(std::time::Duration::from_millis(5));
                            },
                            || assert!(side != 1, "second half"),
                        )
                    })
                });
                assert!(r.is_err());
                assert_eq!(region(|| fib(12)), 144);
            }
        });
    }
}
