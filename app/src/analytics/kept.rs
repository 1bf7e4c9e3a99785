//! Figures a server keeps between requests: computed once, given again while still fresh. Each
//! value carries a stamp taken when its computation began (a time, or the version of the data it
//! was read from), and the keeper's freshness test decides from the stamp alone.
use crate::error::AppResult;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Mutex;

#[derive(Debug)]
pub struct Kept<K, S, V> {
    /// At most this many values; past it, an arbitrary one makes room (all of them share one
    /// freshness rule, so none is worth more than another).
    limit: usize,
    entries: Mutex<HashMap<K, (S, V)>>,
}

impl<K: Eq + Hash, S, V: Clone> Kept<K, S, V> {
    pub fn new(limit: usize) -> Self {
        Kept {
            limit: limit.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<K, (S, V)>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The kept value for `key` if `is_fresh` accepts its stamp, or else `compute`'s, kept with
    /// `stamp` unless it failed. The stamp must be taken before `compute` reads anything, so a
    /// change arriving during the computation makes the value stale rather than hiding it. Two
    /// requests arriving together may both compute: cheaper than one waiting on a lock across a
    /// query.
    pub async fn get_or_compute<F: Future<Output = AppResult<V>>>(
        &self,
        key: K,
        stamp: S,
        is_fresh: impl Fn(&S) -> bool,
        compute: impl FnOnce() -> F,
    ) -> AppResult<V> {
        if let Some((_, value)) = self.entries().get(&key).filter(|(kept, _)| is_fresh(kept)) {
            return Ok(value.clone());
        }
        let value = compute().await?;
        let mut entries = self.entries();
        entries.retain(|_, (kept, _)| is_fresh(kept));
        let mut over = (entries.len() + 1).saturating_sub(self.limit);
        entries.retain(|_, _| {
            let keep = over == 0;
            over = over.saturating_sub(1);
            keep
        });
        entries.insert(key, (stamp, value.clone()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn run<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn a_value_is_computed_again_only_when_its_stamp_is_stale_and_the_limit_holds() {
        let kept: Kept<&str, u32, u32> = Kept::new(2);
        let computed = Cell::new(0);
        let get = |key, version: u32| {
            let computed = &computed;
            let kept = &kept;
            async move {
                kept.get_or_compute(
                    key,
                    version,
                    |stamp| *stamp == version,
                    || async move {
                        computed.set(computed.get() + 1);
                        Ok(computed.get())
                    },
                )
                .await
                .unwrap()
            }
        };
        run(async {
            assert_eq!(get("a", 1).await, 1);
            assert_eq!(get("a", 1).await, 1, "kept");
            assert_eq!(get("a", 2).await, 2, "the data changed");
            assert_eq!(get("b", 2).await, 3);
            assert_eq!(get("c", 2).await, 4, "past the limit one value makes room");
            assert_eq!(kept.entries().len(), 2);
            assert_eq!(get("c", 2).await, 4);
            assert_eq!(get("d", 3).await, 5);
            assert_eq!(
                kept.entries().len(),
                1,
                "stale values are dropped when a new one is kept"
            );
        });
    }

    #[test]
    fn a_failed_computation_is_not_kept() {
        let kept: Kept<u8, u8, u8> = Kept::new(4);
        run(async {
            assert!(kept
                .get_or_compute(
                    1,
                    0,
                    |_| true,
                    || async { Err(crate::error::AppError::NotFound) }
                )
                .await
                .is_err());
            assert_eq!(
                kept.get_or_compute(1, 0, |_| true, || async { Ok(7) })
                    .await
                    .unwrap(),
                7
            );
        });
    }
}
