//! Newtype identifiers, so a monitor id can never be passed where an incident id belongs.
use serde::{Deserialize, Serialize};
use std::fmt;

/// Ids are a short type prefix plus a UUIDv7, so they sort by creation time.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn generate() -> Self {
                Self(format!("{}_{}", $prefix, uuid::Uuid::now_v7().simple()))
            }

            /// Accepts only what `generate` could have produced.
            pub fn parse(s: &str) -> Option<Self> {
                let rest = s.strip_prefix($prefix)?.strip_prefix('_')?;
                (rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
                    .then(|| Self(s.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(OrgId, "org");
id_type!(UserId, "usr");
id_type!(ApiKeyId, "key");
id_type!(MonitorId, "mon");
id_type!(RunId, "run");

impl RunId {
    /// An id whose time part is `at`, so a run recorded late (e.g. replayed history)
    /// still sorts by when it happened.
    pub fn generate_at(at: chrono::DateTime<chrono::Utc>) -> Self {
        let ts = uuid::Timestamp::from_unix(uuid::NoContext, at.timestamp() as u64, at.timestamp_subsec_nanos());
        Self(format!("{}_{}", Self::PREFIX, uuid::Uuid::new_v7(ts).simple()))
    }

    /// A string that sorts after every run id from before `at` and before every one
    /// from `at` on: the key bound for "runs older than".
    pub fn time_bound(at: chrono::DateTime<chrono::Utc>) -> String {
        format!("{}_{:012x}", Self::PREFIX, at.timestamp_millis().max(0))
    }
}
id_type!(IncidentId, "inc");

impl ApiKeyId {
    /// An id fixed by a secret's hash (its first 16 bytes), for a key that may be made
    /// at most once from that secret.
    pub fn derived_from(hash: &crate::domain::secret::SecretHash) -> Self {
        Self(format!("{}_{}", Self::PREFIX, hex::encode(&hash.as_bytes()[..16])))
    }
}
id_type!(ChannelId, "chn");
id_type!(MaintenanceId, "mnt");
id_type!(StatusPageId, "sp");
id_type!(ComponentId, "cmp");
id_type!(StatusIncidentId, "sin");
id_type!(IncidentUpdateId, "upd");
id_type!(PageMaintenanceId, "pmt");
id_type!(SubscriberId, "sub");
id_type!(
    /// One probe check; time-ordered like runs.
    CheckId,
    "chk"
);
id_type!(DowntimeId, "dtw");
id_type!(
    /// A debug session's key (`sessionKey` on the wire).
    DebugSessionKey,
    "dbg"
);

impl CheckId {
    /// An id whose time part is `at`, so checks sort by when they ran.
    pub fn generate_at(at: chrono::DateTime<chrono::Utc>) -> Self {
        let ts = uuid::Timestamp::from_unix(uuid::NoContext, at.timestamp() as u64, at.timestamp_subsec_nanos());
        Self(format!("{}_{}", Self::PREFIX, uuid::Uuid::new_v7(ts).simple()))
    }

    /// Sorts after every check id from before `at` and before every one from `at` on.
    pub fn time_bound(at: chrono::DateTime<chrono::Utc>) -> String {
        format!("{}_{:012x}", Self::PREFIX, at.timestamp_millis().max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_back_and_sort_by_creation() {
        let a = MonitorId::generate();
        let b = MonitorId::generate();
        assert_eq!(MonitorId::parse(a.as_str()), Some(a.clone()));
        assert!(a < b);
    }

    #[test]
    fn run_ids_sort_by_their_time_and_the_bound_splits_them() {
        let t0: chrono::DateTime<chrono::Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let old = RunId::generate_at(t0);
        let new = RunId::generate_at(t0 + chrono::Duration::milliseconds(1));
        assert!(old < new);
        assert_eq!(RunId::parse(old.as_str()), Some(old.clone()));
        let bound = RunId::time_bound(t0 + chrono::Duration::milliseconds(1));
        assert!(old.as_str() < bound.as_str() && bound.as_str() < new.as_str());
    }

    #[test]
    fn parse_rejects_foreign_prefixes_and_garbage() {
        let run = RunId::generate();
        assert_eq!(MonitorId::parse(run.as_str()), None);
        assert_eq!(MonitorId::parse("mon_xyz"), None);
        assert_eq!(MonitorId::parse(""), None);
    }
}
