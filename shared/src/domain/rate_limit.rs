//! A token bucket: a burst of `capacity` requests, refilled at `per_second`. Pure: the
//! caller passes the time, in seconds on any monotonic scale.

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub capacity: f64,
    pub per_second: f64,
}

impl Default for RateLimit {
    /// Generous for people and scripts, a brake on runaway loops.
    fn default() -> Self {
        Self { capacity: 120.0, per_second: 20.0 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenBucket {
    tokens: f64,
    at: f64,
}

impl TokenBucket {
    pub fn full(limit: &RateLimit, now: f64) -> Self {
        Self { tokens: limit.capacity, at: now }
    }

    /// Takes one token, or says in how many whole seconds one will be there.
    pub fn take(&mut self, limit: &RateLimit, now: f64) -> Result<(), u64> {
        let elapsed = (now - self.at).max(0.0);
        self.tokens = (self.tokens + elapsed * limit.per_second).min(limit.capacity);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err((((1.0 - self.tokens) / limit.per_second).ceil() as u64).max(1))
        }
    }

    /// Whether the bucket has refilled completely by `now` (so forgetting it changes nothing).
    pub fn is_full(&self, limit: &RateLimit, now: f64) -> bool {
        self.tokens + (now - self.at).max(0.0) * limit.per_second >= limit.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill() {
        let limit = RateLimit { capacity: 3.0, per_second: 0.5 };
        let mut b = TokenBucket::full(&limit, 0.0);
        assert!(b.take(&limit, 0.0).is_ok() && b.take(&limit, 0.0).is_ok() && b.take(&limit, 0.0).is_ok());
        assert_eq!(b.take(&limit, 0.0), Err(2), "one token takes 2 s at 0.5/s");
        assert_eq!(b.take(&limit, 1.0), Err(1));
        assert!(b.take(&limit, 2.0).is_ok());
        assert!(!b.is_full(&limit, 2.0));
        assert!(b.is_full(&limit, 8.0));
    }
}
