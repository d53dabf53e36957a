//! The scheduler port in-process, for the local binary: timers in memory, woken at the
//! earliest one. Timers are persistent because each monitor records `armed_for` in the
//! store: `restore` re-arms them all on start, and overdue ones fire at once.
use crate::domain::ids::MonitorId;
use crate::ports::scheduler::{Scheduler, SchedulerError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

#[derive(Default)]
struct Timers {
    by_time: BTreeSet<(DateTime<Utc>, MonitorId)>,
    by_monitor: HashMap<MonitorId, DateTime<Utc>>,
}

impl Timers {
    fn remove(&mut self, monitor: &MonitorId) {
        if let Some(at) = self.by_monitor.remove(monitor) {
            self.by_time.remove(&(at, monitor.clone()));
        }
    }

    /// Inserts; says whether the earliest timer changed (the runner must re-plan).
    fn insert(&mut self, monitor: &MonitorId, at: DateTime<Utc>) -> bool {
        self.remove(monitor);
        self.by_monitor.insert(monitor.clone(), at);
        self.by_time.insert((at, monitor.clone()));
        self.by_time.first().is_some_and(|(first, m)| *first == at && m == monitor)
    }
}

#[derive(Default)]
pub struct TimerScheduler {
    timers: Mutex<Timers>,
    changed: Notify,
}

impl TimerScheduler {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn armed(&self) -> usize {
        self.timers.lock().expect("timers").by_monitor.len()
    }

    pub fn armed_at(&self, monitor: &MonitorId) -> Option<DateTime<Utc>> {
        self.timers.lock().expect("timers").by_monitor.get(monitor).copied()
    }

    /// Re-arms the given timers (each monitor's recorded `armed_for`); returns how many.
    pub fn restore(&self, armed: impl IntoIterator<Item = (MonitorId, DateTime<Utc>)>) -> usize {
        let mut timers = self.timers.lock().expect("timers");
        let before = timers.by_monitor.len();
        for (monitor, at) in armed {
            timers.insert(&monitor, at);
        }
        let restored = timers.by_monitor.len() - before;
        drop(timers);
        self.changed.notify_one();
        restored
    }

    /// Fires due timers forever: each is removed, then `fire(monitor, at)` runs on its own task.
    pub async fn run<F, Fut>(self: Arc<Self>, fire: F)
    where
        F: Fn(MonitorId, DateTime<Utc>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        loop {
            let next = self.timers.lock().expect("timers").by_time.first().cloned();
            match next {
                None => self.changed.notified().await,
                Some((at, monitor)) => {
                    let wait = (at - Utc::now()).to_std().unwrap_or_default();
                    if wait.is_zero() {
                        let mut timers = self.timers.lock().expect("timers");
                        // Still the same timer (it may have been re-armed meanwhile)?
                        if timers.by_monitor.get(&monitor) == Some(&at) {
                            timers.remove(&monitor);
                            drop(timers);
                            tokio::spawn(fire(monitor, at));
                        }
                        continue;
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = self.changed.notified() => {}
                    }
                }
            }
        }
    }
}

#[async_trait]
impl Scheduler for TimerScheduler {
    async fn arm(&self, monitor: &MonitorId, at: DateTime<Utc>) -> Result<(), SchedulerError> {
        if self.timers.lock().expect("timers").insert(monitor, at) {
            self.changed.notify_one();
        }
        Ok(())
    }

    async fn disarm(&self, monitor: &MonitorId) -> Result<(), SchedulerError> {
        self.timers.lock().expect("timers").remove(monitor);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use tokio::sync::mpsc;

    #[tokio::test]
    async fn fires_in_deadline_order_and_honours_re_arming() {
        let s = Arc::new(TimerScheduler::new());
        let (a, b, c) = (MonitorId::generate(), MonitorId::generate(), MonitorId::generate());
        let now = Utc::now();
        s.arm(&a, now + Duration::milliseconds(120)).await.unwrap();
        s.arm(&b, now + Duration::milliseconds(40)).await.unwrap();
        s.arm(&c, now + Duration::milliseconds(80)).await.unwrap();
        s.disarm(&c).await.unwrap();
        // Re-arming replaces: b moves after a.
        s.arm(&b, now + Duration::milliseconds(160)).await.unwrap();
        assert_eq!(s.armed(), 2);
        let (tx, mut rx) = mpsc::unbounded_channel();
        tokio::spawn(s.clone().run(move |m, at| {
            let tx = tx.clone();
            async move {
                tx.send((m, at, Utc::now())).unwrap();
            }
        }));
        let (first, at1, fired1) = rx.recv().await.unwrap();
        let (second, _, _) = rx.recv().await.unwrap();
        assert_eq!((first, second), (a.clone(), b.clone()));
        assert!(fired1 >= at1, "never early");
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(150), rx.recv()).await.is_err(),
            "c was disarmed"
        );
        assert_eq!(s.armed(), 0);
    }

    #[tokio::test]
    async fn an_earlier_timer_armed_while_waiting_wakes_the_runner() {
        let s = Arc::new(TimerScheduler::new());
        let (late, soon) = (MonitorId::generate(), MonitorId::generate());
        s.arm(&late, Utc::now() + Duration::seconds(3600)).await.unwrap();
        let (tx, mut rx) = mpsc::unbounded_channel();
        tokio::spawn(s.clone().run(move |m, _| {
            let tx = tx.clone();
            async move {
                tx.send(m).unwrap();
            }
        }));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        s.arm(&soon, Utc::now() + Duration::milliseconds(10)).await.unwrap();
        let fired = tokio::time::timeout(std::time::Duration::from_secs(2), rx.recv()).await.unwrap();
        assert_eq!(fired, Some(soon));
    }
}
