//! Login throttling: too many failed attempts for one account or from one address lock further
//! attempts for a while. Counting happens in the database so several app servers share it.

/// How far back failed attempts count.
pub const WINDOW_MINUTES: i64 = 15;
/// Failed attempts allowed per account inside the window.
pub const MAX_FAILURES_PER_ACCOUNT: u64 = 5;
/// Failed attempts allowed per client address inside the window (an office shares one address).
pub const MAX_FAILURES_PER_ADDRESS: u64 = 20;

/// Returns how many minutes the caller must wait, or `None` when an attempt may proceed.
/// `minutes_since_oldest` is the age of the oldest counted failure, so the lock lifts when it
/// leaves the window.
pub fn lockout_minutes(account_failures: u64, address_failures: u64, minutes_since_oldest: i64) -> Option<i64> {
    let locked = account_failures >= MAX_FAILURES_PER_ACCOUNT || address_failures >= MAX_FAILURES_PER_ADDRESS;
    locked.then(|| (WINDOW_MINUTES - minutes_since_oldest.clamp(0, WINDOW_MINUTES)).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_the_limits_attempts_proceed() {
        assert_eq!(lockout_minutes(0, 0, 0), None);
        assert_eq!(lockout_minutes(MAX_FAILURES_PER_ACCOUNT - 1, MAX_FAILURES_PER_ADDRESS - 1, 3), None);
    }

    #[test]
    fn reaching_either_limit_locks_until_the_oldest_failure_leaves_the_window() {
        assert_eq!(lockout_minutes(MAX_FAILURES_PER_ACCOUNT, 0, 0), Some(15));
        assert_eq!(lockout_minutes(0, MAX_FAILURES_PER_ADDRESS, 10), Some(5));
        assert_eq!(lockout_minutes(9, 0, 15), Some(1));
        assert_eq!(lockout_minutes(9, 0, -3), Some(15));
    }
}
