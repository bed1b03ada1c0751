//! Time for the runtime. The pure core takes `now` as a parameter; the engine gets it from a
//! [`Clock`], so tests drive the scheduler with a [`ManualClock`] and never sleep.
//!
//! The system clock waits with a Linux `timerfd` on `CLOCK_REALTIME` set to an *absolute* wall
//! time, with `TFD_TIMER_CANCEL_ON_SET`. Two things follow, and both matter for digests:
//! - the wait counts time spent suspended (tokio's timers use the monotonic clock, which stops
//!   during suspend, so a 13:00 digest would fire at 13:00 plus the nap);
//! - the kernel wakes the waiter when the wall clock is set (an NTP step, the user changing the
//!   time), so the scheduler re-plans at once. No polling loop. Some machines step their clock
//!   by a few milliseconds many times a second (virtual machines keeping in time with their
//!   host): a change smaller than [`JUMP`] is not worth re-planning, so the timer is armed
//!   again and the wait goes on.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::watch;

/// Why a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The deadline passed.
    Deadline,
    /// The wall clock jumped (resume from suspend, time change): re-plan.
    ClockChanged,
}

pub type WaitFuture = Pin<Box<dyn Future<Output = Wake> + Send>>;

/// A source of the current time that can also wait for a wall-clock instant.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    fn now(&self) -> DateTime<Utc>;
    /// Resolves at `deadline` (wall time), or earlier with [`Wake::ClockChanged`].
    fn sleep_until(&self, deadline: DateTime<Utc>) -> WaitFuture;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    // The one place Lull reads the wall clock.
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> WaitFuture {
        Box::pin(async move {
            match timerfd_wait(deadline).await {
                Ok(wake) => wake,
                Err(e) => {
                    // Without a timerfd (not Linux, or a sandbox forbidding it), fall back to the
                    // monotonic timer for at most a minute, then let the caller re-plan.
                    tracing::debug!(error = %e, "timerfd unavailable; using a bounded monotonic sleep");
                    let wait = (deadline - SystemClock.now()).clamp(Duration::zero(), Duration::minutes(1));
                    tokio::time::sleep(wait.to_std().unwrap_or_default()).await;
                    if SystemClock.now() >= deadline { Wake::Deadline } else { Wake::ClockChanged }
                }
            }
        })
    }
}

/// The smallest change of the wall clock reported as [`Wake::ClockChanged`].
pub const JUMP: std::time::Duration = std::time::Duration::from_secs(1);

/// The wall clock minus the time since boot (suspend included): it moves only when the wall
/// clock is set.
#[cfg(target_os = "linux")]
fn wall_offset() -> i128 {
    use rustix::time::{ClockId, clock_gettime};
    let ns = |t: rustix::time::Timespec| i128::from(t.tv_sec) * 1_000_000_000 + i128::from(t.tv_nsec);
    ns(clock_gettime(ClockId::Realtime)) - ns(clock_gettime(ClockId::Boottime))
}

#[cfg(target_os = "linux")]
async fn timerfd_wait(deadline: DateTime<Utc>) -> std::io::Result<Wake> {
    use rustix::time::{Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec, timerfd_create, timerfd_settime};
    use tokio::io::unix::AsyncFd;

    let fd = timerfd_create(TimerfdClockId::Realtime, TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC)?;
    // A deadline in the past fires at once; the epoch itself would disarm the timer.
    let ms = deadline.timestamp_millis().max(1);
    let spec = Itimerspec {
        it_interval: Timespec { tv_sec: 0, tv_nsec: 0 },
        it_value: Timespec { tv_sec: ms.div_euclid(1000), tv_nsec: ms.rem_euclid(1000) * 1_000_000 },
    };
    let arm = |fd: &rustix::fd::OwnedFd| timerfd_settime(fd, TimerfdTimerFlags::ABSTIME | TimerfdTimerFlags::CANCEL_ON_SET, &spec);
    let armed_at = wall_offset();
    arm(&fd)?;
    // SAFETY: `fd` is an `OwnedFd` that the `AsyncFd` owns from here on; nothing else closes
    // or replaces the descriptor while it is registered.
    #[allow(unsafe_code)]
    let fd = unsafe { AsyncFd::register(fd) }.map_err(|e| e.into_parts().1)?;
    loop {
        let mut guard = fd.readable().await?;
        let mut buf = [0u8; 8];
        match rustix::io::read(fd.get_ref(), &mut buf) {
            Ok(_) => return Ok(Wake::Deadline),
            Err(rustix::io::Errno::CANCELED) => {
                if (wall_offset() - armed_at).unsigned_abs() >= JUMP.as_nanos() {
                    return Ok(Wake::ClockChanged);
                }
                // A small step: the same absolute deadline, armed again.
                arm(fd.get_ref())?;
                guard.clear_ready();
            }
            Err(rustix::io::Errno::AGAIN) => guard.clear_ready(),
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(not(target_os = "linux"))]
async fn timerfd_wait(_deadline: DateTime<Utc>) -> std::io::Result<Wake> {
    Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "timerfd is Linux-only"))
}

/// A clock that moves only when told to; for tests and replays. Setting it wakes every waiter
/// whose deadline passed, and a jump of more than a minute is reported as
/// [`Wake::ClockChanged`], as the system clock reports a resume.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
    changes: watch::Sender<(DateTime<Utc>, u64)>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock { now: Mutex::new(start), changes: watch::channel((start, 0)).0 }
    }

    /// Moves the clock to `t` (forwards or backwards).
    pub fn set(&self, t: DateTime<Utc>) {
        let previous = {
            let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::replace(&mut *now, t)
        };
        let jumped = (t - previous).abs() > Duration::minutes(1);
        self.changes.send_modify(|(at, jumps)| {
            *at = t;
            if jumped {
                *jumps += 1;
            }
        });
    }

    pub fn advance(&self, by: Duration) {
        self.set(self.now() + by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> WaitFuture {
        let mut rx = self.changes.subscribe();
        Box::pin(async move {
            let jumps_at_start = rx.borrow().1;
            loop {
                let (now, jumps) = *rx.borrow_and_update();
                if now >= deadline {
                    return Wake::Deadline;
                }
                if jumps != jumps_at_start {
                    return Wake::ClockChanged;
                }
                if rx.changed().await.is_err() {
                    // The clock is gone; nothing will ever move it again.
                    std::future::pending::<()>().await;
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn system_clock_wakes_at_an_absolute_wall_time() {
        let start = std::time::Instant::now();
        let wake = SystemClock.sleep_until(SystemClock.now() + Duration::milliseconds(150)).await;
        assert_eq!(wake, Wake::Deadline);
        assert!(start.elapsed() >= std::time::Duration::from_millis(140), "woke after {:?}", start.elapsed());
        // A deadline in the past resolves at once.
        assert_eq!(SystemClock.sleep_until(SystemClock.now() - Duration::hours(1)).await, Wake::Deadline);
    }

    #[tokio::test]
    async fn manual_clock_wakes_on_deadline_and_reports_jumps() {
        let t0 = DateTime::parse_from_rfc3339("2026-11-24T12:59:00Z").expect("t").with_timezone(&Utc);
        let clock = std::sync::Arc::new(ManualClock::new(t0));
        let waiter = tokio::spawn({
            let clock = clock.clone();
            async move { clock.sleep_until(t0 + Duration::seconds(60)).await }
        });
        tokio::task::yield_now().await;
        clock.advance(Duration::seconds(30));
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        clock.advance(Duration::seconds(30));
        assert_eq!(waiter.await.expect("join"), Wake::Deadline);

        let waiter = tokio::spawn({
            let clock = clock.clone();
            async move { clock.sleep_until(t0 + Duration::days(3)).await }
        });
        tokio::task::yield_now().await;
        clock.advance(Duration::hours(5)); // "resume from suspend"
        assert_eq!(waiter.await.expect("join"), Wake::ClockChanged);
    }
}
