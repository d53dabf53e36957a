//! Optimistic concurrency: re-read and retry a write that found the item changed since
//! it was read (`StoreError::Conflict`), a bounded number of times.
use crate::ports::store::StoreError;
use std::future::Future;

/// How many times one change is attempted before its conflict is reported. Within one
/// process keyed locks keep writers apart; conflicts come from other processes (another
/// Lambda instance, a ping racing an edit), so a few attempts settle nearly all of them.
pub const MAX_ATTEMPTS: u32 = 10;

/// An error that may be a store conflict, so the attempt that met it can be retried.
pub trait MayConflict {
    fn is_conflict(&self) -> bool;
}

impl MayConflict for StoreError {
    fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict)
    }
}

/// Runs `attempt` (given its number, from 1) until it ends in anything but a conflict, at
/// most `MAX_ATTEMPTS` times; then the last conflict is the answer. Each attempt must
/// re-read what it writes: the retry is the point where the newer version is picked up.
/// (A closure returning a future rather than an async closure: the futures of async
/// closures called through a generic bound are not yet provably `Send`.)
pub async fn retry_on_conflict<T, E, Fut>(mut attempt: impl FnMut(u32) -> Fut) -> Result<T, E>
where
    E: MayConflict,
    Fut: Future<Output = Result<T, E>>,
{
    let mut n = 1;
    loop {
        match attempt(n).await {
            Err(e) if e.is_conflict() && n < MAX_ATTEMPTS => {
                tracing::debug!(attempt = n, "changed concurrently; retrying");
                n += 1;
            }
            done => return done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn retries_conflicts_only_and_gives_up_after_the_limit() {
        let mut calls = 0;
        let settled = retry_on_conflict(|n| {
            calls += 1;
            async move { if n < 3 { Err(StoreError::Conflict) } else { Ok(n) } }
        })
        .await;
        assert_eq!((settled.unwrap(), calls), (3, 3));

        let mut calls = 0;
        let stuck: Result<(), _> = retry_on_conflict(|_| {
            calls += 1;
            async { Err(StoreError::Conflict) }
        })
        .await;
        assert!(matches!(stuck, Err(StoreError::Conflict)));
        assert_eq!(calls, MAX_ATTEMPTS);

        let mut calls = 0;
        let failed: Result<(), _> = retry_on_conflict(|_| {
            calls += 1;
            async { Err(StoreError::NotFound("monitor")) }
        })
        .await;
        assert!(matches!(failed, Err(StoreError::NotFound(_))));
        assert_eq!(calls, 1, "other errors are not retried");
    }
}
