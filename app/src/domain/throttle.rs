//! Login throttling: too many failed attempts for one account or from one address lock further
//! attempts for a while. Counting happens in the database so several app servers share it.

/// How far back failed attempts count.
pub const WINDOW_MINUTES: i64 = 15;
/// Failed attempts allowed per account inside the window.
pub const MAX_FAILURES_PER_ACCOUNT: u64 = 5;
/// Failed attempts allowed per client address inside the window (an office shares one address).
pub const MAX_FAILURES_PER_ADDRESS: u64 = 20;

/// The longest an account is slowed down: failures from elsewhere delay its sign-ins, never lock it.
pub const MAX_ACCOUNT_DELAY_SECONDS: u64 = 30;

/// What happens to a sign-in attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Refused without checking the password, for this many minutes.
    Refused { retry_after_minutes: i64 },
    /// Checked after waiting this many seconds.
    Proceed { delay_seconds: u64 },
}

/// Failed attempts counted inside the window, before this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    /// For this account from this address.
    pub pair: u64,
    /// From this address, for any account.
    pub address: u64,
    /// For this account, from any address.
    pub account: u64,
}

/// Only the account and address together are locked (5 failures), and an address (20 failures,
/// an office shares one); the account alone is slowed down, doubling from one second after its
/// fifth failure up to [`MAX_ACCOUNT_DELAY_SECONDS`]. So nobody can keep an owner out of their
/// account from another machine. `minutes_since_oldest` is the age of the oldest counted failure,
/// so a lock lifts when it leaves the window.
pub fn verdict(failures: Failures, minutes_since_oldest: i64) -> Verdict {
    if failures.pair >= MAX_FAILURES_PER_ACCOUNT || failures.address >= MAX_FAILURES_PER_ADDRESS {
        return Verdict::Refused {
            retry_after_minutes: (WINDOW_MINUTES - minutes_since_oldest.clamp(0, WINDOW_MINUTES))
                .max(1),
        };
    }
    let beyond = failures
        .account
        .saturating_sub(MAX_FAILURES_PER_ACCOUNT - 1);
    let delay_seconds = if beyond == 0 {
        0
    } else {
        1u64.checked_shl((beyond - 1).min(16) as u32)
            .unwrap_or(u64::MAX)
            .min(MAX_ACCOUNT_DELAY_SECONDS)
    };
    Verdict::Proceed { delay_seconds }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn failures(pair: u64, address: u64, account: u64) -> Failures {
        Failures {
            pair,
            address,
            account,
        }
    }

    #[test]
    fn below_the_limits_attempts_proceed_at_once() {
        assert_eq!(
            verdict(failures(0, 0, 0), 0),
            Verdict::Proceed { delay_seconds: 0 }
        );
        assert_eq!(
            verdict(failures(4, 19, 4), 3),
            Verdict::Proceed { delay_seconds: 0 }
        );
    }

    #[test]
    fn the_pair_or_the_address_is_locked_until_the_oldest_failure_leaves_the_window() {
        assert_eq!(
            verdict(failures(5, 5, 5), 0),
            Verdict::Refused {
                retry_after_minutes: 15
            }
        );
        assert_eq!(
            verdict(failures(0, 20, 0), 10),
            Verdict::Refused {
                retry_after_minutes: 5
            }
        );
        assert_eq!(
            verdict(failures(9, 9, 9), 15),
            Verdict::Refused {
                retry_after_minutes: 1
            }
        );
        assert_eq!(
            verdict(failures(9, 9, 9), -3),
            Verdict::Refused {
                retry_after_minutes: 15
            }
        );
    }

    #[test]
    fn an_account_attacked_from_elsewhere_is_slowed_never_locked() {
        assert_eq!(
            verdict(failures(0, 0, 5), 0),
            Verdict::Proceed { delay_seconds: 1 }
        );
        assert_eq!(
            verdict(failures(0, 0, 6), 0),
            Verdict::Proceed { delay_seconds: 2 }
        );
        assert_eq!(
            verdict(failures(0, 0, 9), 0),
            Verdict::Proceed { delay_seconds: 16 }
        );
        assert_eq!(
            verdict(failures(0, 0, 10), 0),
            Verdict::Proceed { delay_seconds: 30 }
        );
        assert_eq!(
            verdict(failures(0, 0, 1_000_000), 0),
            Verdict::Proceed { delay_seconds: 30 }
        );
    }

    proptest! {
        /// Whatever others did, an address with no failures is never refused for an account and
        /// waits at most the cap.
        #[test]
        fn a_clean_address_always_gets_in(account in 0u64..10_000_000, minutes in -100i64..100) {
            match verdict(failures(0, 0, account), minutes) {
                Verdict::Proceed { delay_seconds } => prop_assert!(delay_seconds <= MAX_ACCOUNT_DELAY_SECONDS),
                Verdict::Refused { .. } => prop_assert!(false, "refused"),
            }
        }
    }
}
