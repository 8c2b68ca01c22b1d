//! The CPU limit of a run, measured in the CPU time of the thread running it.
//!
//! A run executes on one thread from its store's creation to its report, so that thread's CPU
//! clock counts the guest's computation and the host's work on its behalf (lifting arguments,
//! parsing HTTP answers, masking logs), and not the time it waits. Reading the clock is a system
//! call (the vDSO serves only wall clocks), so it is read only by the run's epoch callback, on
//! the run's thread, at the ticks at which the guest is still computing: a run shorter than a
//! tick never reads it.
//!
//! The first reading takes the CPU time before it as at most one tick of computation (a tick
//! fires only while the guest runs, so it cannot have computed much longer without one; what
//! the host computed for it before is not counted). Where a thread's CPU clock cannot be read
//! (Windows), the limit is not enforced and the wall-clock limit bounds computation.

use std::time::{Duration, Instant};

/// The CPU time a run has used, read at its ticks.
#[derive(Debug)]
pub(crate) struct CpuMeter {
    started: Instant,
    tick: Duration,
    /// The thread's CPU time at the run's start, as estimated at the first reading.
    base: Option<Duration>,
}

impl CpuMeter {
    /// Starts measuring a run that began at `started` on the calling thread, read every `tick`.
    pub(crate) fn start(started: Instant, tick: Duration) -> Self {
        CpuMeter {
            started,
            tick,
            base: None,
        }
    }

    /// The CPU time the run has used so far, if the thread's clock can be read. Call it on the
    /// run's thread.
    pub(crate) fn used(&mut self) -> Option<Duration> {
        let now = thread_cpu_time()?;
        let base = *self
            .base
            .get_or_insert_with(|| now.saturating_sub(self.started.elapsed().min(self.tick)));
        Some(now.saturating_sub(base))
    }
}

/// The calling thread's CPU time.
#[cfg(unix)]
#[allow(unsafe_code)]
fn thread_cpu_time() -> Option<Duration> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid place for the result, and CLOCK_THREAD_CPUTIME_ID names the
    // calling thread's clock, which always exists.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    (status == 0).then(|| {
        Duration::new(
            u64::try_from(now.tv_sec).unwrap_or_default(),
            u32::try_from(now.tv_nsec).unwrap_or_default(),
        )
    })
}

#[cfg(not(unix))]
fn thread_cpu_time() -> Option<Duration> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn counts_computation_and_not_waiting() {
        let tick = Duration::from_millis(10);
        let mut meter = CpuMeter::start(Instant::now(), tick);
        std::thread::sleep(Duration::from_millis(200));
        // The first reading takes (at most) a tick before it as computation.
        let after_sleep = meter.used().expect("a unix thread clock");
        // Computation counts: spin until the meter shows 50 ms more (or give up after 10 s).
        let spin = Instant::now();
        let mut n = 0u64;
        while meter.used().expect("readable") < after_sleep + Duration::from_millis(50) {
            n = std::hint::black_box(n.wrapping_add(1));
            assert!(
                spin.elapsed() < Duration::from_secs(10),
                "10 s of spinning did not add 50 ms of CPU time"
            );
        }
        std::thread::sleep(Duration::from_millis(100));
        let after_second_sleep = meter.used().expect("readable");
        assert!(
            after_second_sleep < after_sleep + Duration::from_millis(80),
            "the second sleep counted: {after_second_sleep:?}"
        );
    }
}
