//! The CPU limit of runs, measured in the CPU time of the threads running them, by the epoch
//! thread rather than by the runs themselves.
//!
//! A run executes on one thread from its store's creation to its report, so that thread's CPU
//! clock counts the guest's computation and the host's work on its behalf (lifting arguments,
//! parsing HTTP answers, masking logs), and not the time it waits. Reading a CPU clock is a
//! system call (the vDSO serves only wall clocks); two per run were 3% of a run on loopback.
//! So each run registers a [`CpuWatch`] on the runtime's [`CpuBoard`], and the epoch thread,
//! at every tick, reads the clocks of the runs in progress and flags those over their limit;
//! the run's epoch callback stops it when flagged. A run shorter than a tick is never read.
//!
//! The first reading of a run takes all the wall time since its start as CPU time (at most a
//! tick: the board is read every tick), so the limit is checked to within a tick or two.
//!
//! On Linux a thread's CPU clock can be read from another thread; elsewhere the wall time
//! since the run's start stands in for it (a stricter limit: waits count too).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The CPU clock of one thread, readable from any thread.
#[derive(Debug, Clone, Copy)]
struct ThreadClock(#[cfg(target_os = "linux")] libc::clockid_t);

impl ThreadClock {
    /// The calling thread's clock.
    #[cfg(target_os = "linux")]
    #[allow(unsafe_code)]
    fn current() -> Option<Self> {
        let mut clock: libc::clockid_t = 0;
        // SAFETY: `pthread_self` is always valid for the calling thread, and `clock` is a
        // valid place for the result.
        let status = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock) };
        (status == 0).then_some(ThreadClock(clock))
    }

    #[cfg(not(target_os = "linux"))]
    fn current() -> Option<Self> {
        None
    }

    /// The thread's CPU time so far (none if it cannot be read, e.g. the thread has ended).
    #[cfg(target_os = "linux")]
    #[allow(unsafe_code)]
    fn read(self) -> Option<Duration> {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `now` is a valid place for the result; an invalid clock is an error return.
        let status = unsafe { libc::clock_gettime(self.0, &mut now) };
        (status == 0).then(|| {
            Duration::new(
                u64::try_from(now.tv_sec).unwrap_or_default(),
                u32::try_from(now.tv_nsec).unwrap_or_default(),
            )
        })
    }

    #[cfg(not(target_os = "linux"))]
    fn read(self) -> Option<Duration> {
        None
    }
}

/// One run's CPU time, as the epoch thread sees it.
#[derive(Debug)]
pub(crate) struct CpuWatch {
    clock: Option<ThreadClock>,
    started: Instant,
    limit: Duration,
    /// The thread's CPU time at the run's start, as estimated at the first reading.
    base: Mutex<Option<Duration>>,
    over: AtomicBool,
}

impl CpuWatch {
    /// Whether the run has used more than its limit (as of the latest tick).
    pub(crate) fn over(&self) -> bool {
        self.over.load(Ordering::Relaxed)
    }

    /// Reads the run's CPU time (or the wall time where there is no thread clock) and flags the
    /// run if it is over its limit.
    fn check(&self) {
        let since_start = self.started.elapsed();
        let used = match self.clock.and_then(ThreadClock::read) {
            Some(now) => {
                let mut base = self.base.lock().unwrap_or_else(PoisonError::into_inner);
                let base = *base.get_or_insert_with(|| now.saturating_sub(since_start));
                now.saturating_sub(base)
            }
            None => since_start,
        };
        if used > self.limit {
            self.over.store(true, Ordering::Relaxed);
        }
    }
}

/// The runs in progress of one runtime.
#[derive(Debug, Default)]
pub(crate) struct CpuBoard {
    watches: Mutex<Vec<Arc<CpuWatch>>>,
}

impl CpuBoard {
    /// Registers a run executing on the calling thread, with `limit`; it is watched until the
    /// returned guard is dropped.
    pub(crate) fn watch(self: &Arc<Self>, limit: Duration) -> CpuGuard {
        let watch = Arc::new(CpuWatch {
            clock: ThreadClock::current(),
            started: Instant::now(),
            limit,
            base: Mutex::new(None),
            over: AtomicBool::new(false),
        });
        self.lock().push(Arc::clone(&watch));
        CpuGuard {
            board: Arc::clone(self),
            watch,
        }
    }

    /// Checks every run in progress (the epoch thread, every tick).
    pub(crate) fn tick(&self) {
        for watch in self.lock().iter() {
            watch.check();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<CpuWatch>>> {
        self.watches.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A run's registration on a [`CpuBoard`]; dropping it ends the watch.
#[derive(Debug)]
pub(crate) struct CpuGuard {
    board: Arc<CpuBoard>,
    watch: Arc<CpuWatch>,
}

impl CpuGuard {
    /// The run's watch, for its epoch callback.
    pub(crate) fn watch(&self) -> Arc<CpuWatch> {
        Arc::clone(&self.watch)
    }
}

impl Drop for CpuGuard {
    fn drop(&mut self) {
        self.board.lock().retain(|w| !Arc::ptr_eq(w, &self.watch));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ticks the board every 5 ms until `done` or 2 s have passed.
    fn tick_until(board: &CpuBoard, done: impl Fn() -> bool) {
        let started = Instant::now();
        while !done() && started.elapsed() < Duration::from_secs(2) {
            board.tick();
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn a_computing_run_is_flagged_and_a_waiting_one_is_not() {
        let board = Arc::new(CpuBoard::default());
        let (watch_tx, watch_rx) = std::sync::mpsc::channel();
        let spinner = {
            let board = Arc::clone(&board);
            std::thread::spawn(move || {
                let guard = board.watch(Duration::from_millis(30));
                let watch = guard.watch();
                watch_tx.send(guard.watch()).unwrap();
                // Compute until flagged (or 5 s).
                let started = Instant::now();
                let mut n = 0u64;
                while !watch.over() && started.elapsed() < Duration::from_secs(5) {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
                watch.over()
            })
        };
        let spinning = watch_rx.recv().unwrap();
        tick_until(&board, || spinning.over());
        assert!(spinner.join().unwrap(), "30 ms of computation was never flagged");

        let sleeper = {
            let board = Arc::clone(&board);
            std::thread::spawn(move || {
                let guard = board.watch(Duration::from_millis(30));
                std::thread::sleep(Duration::from_millis(300));
                guard.watch().over()
            })
        };
        let started = Instant::now();
        tick_until(&board, || started.elapsed() > Duration::from_millis(350));
        let flagged = sleeper.join().unwrap();
        if cfg!(target_os = "linux") {
            assert!(!flagged, "300 ms asleep counted as CPU time");
        }
        assert!(board.lock().is_empty(), "ended runs are no longer watched");
    }
}
