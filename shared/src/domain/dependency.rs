//! Dependencies between monitors: a downstream job that fails because its upstream
//! already failed is a cascade, not news.
use super::ids::{MonitorId, OrgId};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DependencyError {
    #[error("a monitor cannot depend on itself")]
    SelfDependency,
    #[error("this dependency would create a cycle")]
    Cycle,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorDependency {
    pub org_id: OrgId,
    pub upstream: MonitorId,
    pub downstream: MonitorId,
}

impl MonitorDependency {
    /// Validates the new edge against the org's existing ones: no self-edge, no cycle.
    pub fn new(
        org_id: OrgId,
        upstream: MonitorId,
        downstream: MonitorId,
        existing: &[MonitorDependency],
    ) -> Result<Self, DependencyError> {
        if upstream == downstream {
            return Err(DependencyError::SelfDependency);
        }
        // The new edge closes a cycle exactly when `downstream` is already an ancestor
        // of `upstream`: walk the upstream edges from `upstream` looking for it.
        let mut ups: HashMap<&MonitorId, Vec<&MonitorId>> = HashMap::new();
        for d in existing {
            ups.entry(&d.downstream).or_default().push(&d.upstream);
        }
        let mut stack = vec![&upstream];
        let mut seen = HashSet::new();
        while let Some(m) = stack.pop() {
            if m == &downstream {
                return Err(DependencyError::Cycle);
            }
            if seen.insert(m) {
                stack.extend(ups.get(m).into_iter().flatten().copied());
            }
        }
        Ok(Self { org_id, upstream, downstream })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_self_and_cycles() {
        let org = OrgId::generate();
        let (a, b, c) = (MonitorId::generate(), MonitorId::generate(), MonitorId::generate());
        assert_eq!(
            MonitorDependency::new(org.clone(), a.clone(), a.clone(), &[]),
            Err(DependencyError::SelfDependency)
        );
        let ab = MonitorDependency::new(org.clone(), a.clone(), b.clone(), &[]).unwrap();
        let bc = MonitorDependency::new(org.clone(), b.clone(), c.clone(), std::slice::from_ref(&ab)).unwrap();
        let edges = [ab, bc];
        assert_eq!(MonitorDependency::new(org.clone(), c.clone(), a.clone(), &edges), Err(DependencyError::Cycle));
        assert!(MonitorDependency::new(org, a, c, &edges).is_ok(), "a shortcut is not a cycle");
    }
}
