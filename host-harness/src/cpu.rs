//! The CPU time of the calling thread, which the CPU limit of a run is measured in.
//!
//! A run executes on one thread from its store's creation to its report, so that thread's CPU
//! clock counts the guest's computation and the host's work on its behalf (lifting arguments,
//! parsing HTTP answers, masking logs), and not the time it waits.

use std::time::Duration;

/// Measures the CPU time the calling thread has used since [`CpuStopwatch::start`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct CpuStopwatch {
    started: Duration,
}

impl CpuStopwatch {
    /// Starts measuring. Read [`CpuStopwatch::elapsed`] on the same thread.
    pub(crate) fn start() -> Self {
        CpuStopwatch {
            started: thread_cpu_time(),
        }
    }

    /// The CPU time the calling thread has used since the start.
    pub(crate) fn elapsed(&self) -> Duration {
        thread_cpu_time().saturating_sub(self.started)
    }
}

#[cfg(unix)]
fn thread_cpu_time() -> Duration {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or_default(),
        u32::try_from(now.tv_nsec).unwrap_or_default(),
    )
}

/// Elsewhere, wall-clock time stands in for it (a stricter limit: waits count too).
#[cfg(not(unix))]
fn thread_cpu_time() -> Duration {
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    ORIGIN.get_or_init(std::time::Instant::now).elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_computation_and_not_sleep() {
        let watch = CpuStopwatch::start();
        std::thread::sleep(Duration::from_millis(200));
        let after_sleep = watch.elapsed();
        if cfg!(unix) {
            assert!(
                after_sleep < Duration::from_millis(100),
                "a sleep counted: {after_sleep:?}"
            );
        }
        // Computation counts: spin until the clock shows 50 ms more (or give up after 10 s).
        let spin = std::time::Instant::now();
        let mut n = 0u64;
        while watch.elapsed() < after_sleep + Duration::from_millis(50) {
            n = std::hint::black_box(n.wrapping_add(1));
            assert!(
                spin.elapsed() < Duration::from_secs(10),
                "10 s of spinning did not add 50 ms of CPU time"
            );
        }
    }
}
