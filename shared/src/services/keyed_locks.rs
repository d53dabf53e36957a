//! Striped async locks: serialise work on one key within this process, so concurrent
//! pings to one monitor queue instead of colliding on the store's version check.
use tokio::sync::{Mutex, MutexGuard};

pub struct KeyedLocks {
    stripes: Vec<Mutex<()>>,
}

impl KeyedLocks {
    pub fn new(stripes: usize) -> Self {
        Self { stripes: (0..stripes.max(1)).map(|_| Mutex::new(())).collect() }
    }

    /// `key` should already be well mixed (a hash); its first bytes pick the stripe.
    pub async fn lock(&self, key: &[u8]) -> MutexGuard<'_, ()> {
        let mut prefix = [0u8; 8];
        let n = key.len().min(8);
        prefix[..n].copy_from_slice(&key[..n]);
        let i = (u64::from_le_bytes(prefix) % self.stripes.len() as u64) as usize;
        self.stripes[i].lock().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn same_key_waits_other_key_does_not() {
        let locks = KeyedLocks::new(64);
        let held = locks.lock(&[1; 8]).await;
        let other = tokio::time::timeout(std::time::Duration::from_millis(50), locks.lock(&[2; 8])).await;
        assert!(other.is_ok(), "a different stripe is free");
        let same = tokio::time::timeout(std::time::Duration::from_millis(50), locks.lock(&[1; 8])).await;
        assert!(same.is_err(), "the same key must wait");
        drop(held);
    }
}
