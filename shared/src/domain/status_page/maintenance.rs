//! Maintenance announced on a page: a maintenance window (once or recurring by RRULE,
//! see `domain::maintenance`) over some components, with its state at any moment.
use super::incident::UpdateBody;
use crate::domain::ids::{ComponentId, PageMaintenanceId, StatusPageId};
use crate::domain::maintenance::MaintenanceWindow;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MaintenanceState {
    Scheduled,
    InProgress,
    Completed,
    Cancelled,
}

impl MaintenanceState {
    /// Statuspage's wire name (it has no "cancelled": cancelled maintenance is not listed).
    pub fn code(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Scheduled => "Scheduled",
            Self::InProgress => "In progress",
            Self::Completed => "Completed",
            Self::Cancelled => "Cancelled",
        }
    }
}

/// One occurrence of the window, and what state it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub state: MaintenanceState,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageMaintenance {
    pub id: PageMaintenanceId,
    pub page_id: StatusPageId,
    /// When, and how it recurs; its `monitor_ids` are the linked monitors of the
    /// components, so missed checks are suppressed for exactly what is announced.
    pub window: MaintenanceWindow,
    pub component_ids: Vec<ComponentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<UpdateBody>,
    /// Set the components to "under maintenance" while an occurrence is in progress.
    #[serde(default = "yes")]
    pub auto_status: bool,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<DateTime<Utc>>,
}

fn yes() -> bool {
    true
}

impl PageMaintenance {
    pub fn new(
        page_id: StatusPageId,
        window: MaintenanceWindow,
        component_ids: Vec<ComponentId>,
        description: Option<UpdateBody>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: PageMaintenanceId::generate(),
            page_id,
            window,
            component_ids,
            description,
            auto_status: true,
            created_at: now,
            cancelled_at: None,
        }
    }

    pub fn cancel(&mut self, now: DateTime<Utc>) {
        self.cancelled_at.get_or_insert(now);
    }

    fn length(&self) -> chrono::Duration {
        self.window.ends_at - self.window.starts_at
    }

    /// The occurrence that matters at `now`: the one in progress, else the next one,
    /// else the first (completed, or cancelled).
    pub fn occurrence_at(&self, now: DateTime<Utc>) -> Occurrence {
        let len = self.length();
        let first = Occurrence {
            state: MaintenanceState::Completed,
            starts_at: self.window.starts_at,
            ends_at: self.window.ends_at,
        };
        if self.cancelled_at.is_some_and(|c| c <= now) {
            return Occurrence { state: MaintenanceState::Cancelled, ..first };
        }
        if let Some(ends_at) = self.window.covering(now) {
            return Occurrence { state: MaintenanceState::InProgress, starts_at: ends_at - len, ends_at };
        }
        if now < self.window.starts_at {
            return Occurrence { state: MaintenanceState::Scheduled, ..first };
        }
        match self.window.next_start_after(now) {
            Some(starts_at) => Occurrence { state: MaintenanceState::Scheduled, starts_at, ends_at: starts_at + len },
            None => first,
        }
    }

    pub fn covers(&self, component: &ComponentId) -> bool {
        self.component_ids.contains(component)
    }

    /// Whether it currently sets `component` under maintenance.
    pub fn holds(&self, component: &ComponentId, now: DateTime<Utc>) -> bool {
        self.auto_status && self.covers(component) && self.occurrence_at(now).state == MaintenanceState::InProgress
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::OrgId;
    use crate::domain::maintenance::Recurrence;
    use crate::domain::text::Name;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn maintenance(start: &str, end: &str, rule: Option<&str>, tz: &str) -> PageMaintenance {
        let window = MaintenanceWindow::new(
            OrgId::generate(),
            Name::new("Database upgrade").unwrap(),
            t(start),
            t(end),
            rule.map(|r| Recurrence::parse(r).unwrap()),
            tz.parse().unwrap(),
            vec![],
        )
        .unwrap();
        PageMaintenance::new(
            StatusPageId::generate(),
            window,
            vec![ComponentId::generate()],
            None,
            t("2026-01-01T00:00:00Z"),
        )
    }

    #[test]
    fn one_off_goes_scheduled_in_progress_completed() {
        let m = maintenance("2026-02-01T22:00:00Z", "2026-02-01T23:00:00Z", None, "UTC");
        let c = m.component_ids[0].clone();
        let at = |s| m.occurrence_at(t(s));
        assert_eq!(at("2026-02-01T21:59:59Z").state, MaintenanceState::Scheduled);
        assert!(!m.holds(&c, t("2026-02-01T21:59:59Z")));
        let running = at("2026-02-01T22:30:00Z");
        assert_eq!(running.state, MaintenanceState::InProgress);
        assert_eq!((running.starts_at, running.ends_at), (t("2026-02-01T22:00:00Z"), t("2026-02-01T23:00:00Z")));
        assert!(m.holds(&c, t("2026-02-01T22:30:00Z")));
        assert!(!m.holds(&ComponentId::generate(), t("2026-02-01T22:30:00Z")), "only its components");
        assert_eq!(at("2026-02-01T23:00:00Z").state, MaintenanceState::Completed);
    }

    #[test]
    fn weekly_rule_expands_to_the_next_occurrence_in_local_time() {
        // Saturdays 23:00-01:00 in New York; DST starts on Sunday 2026-03-08.
        let m = maintenance(
            "2026-03-01T04:00:00Z",
            "2026-03-01T06:00:00Z",
            Some("FREQ=WEEKLY;BYDAY=SA;COUNT=3"),
            "America/New_York",
        );
        let next = m.occurrence_at(t("2026-03-02T00:00:00Z"));
        assert_eq!(next.state, MaintenanceState::Scheduled);
        // 23:00 EDT is 03:00 UTC after the switch: the wall-clock time is kept.
        assert_eq!(next.starts_at, t("2026-03-08T04:00:00Z"), "Sat 7 Mar 23:00 EST");
        let third = m.occurrence_at(t("2026-03-09T00:00:00Z"));
        assert_eq!(third.starts_at, t("2026-03-15T03:00:00Z"), "Sat 14 Mar 23:00 EDT");
        assert_eq!(m.occurrence_at(t("2026-03-15T04:00:00Z")).state, MaintenanceState::InProgress);
        let done = m.occurrence_at(t("2026-03-16T00:00:00Z"));
        assert_eq!(done.state, MaintenanceState::Completed, "COUNT=3 ends the rule");
    }

    #[test]
    fn cancelled_stays_cancelled() {
        let mut m = maintenance("2026-02-01T22:00:00Z", "2026-02-01T23:00:00Z", Some("FREQ=DAILY"), "UTC");
        m.cancel(t("2026-02-01T10:00:00Z"));
        assert_eq!(m.occurrence_at(t("2026-02-01T09:00:00Z")).state, MaintenanceState::Scheduled);
        assert_eq!(m.occurrence_at(t("2026-02-01T22:30:00Z")).state, MaintenanceState::Cancelled);
        assert!(!m.holds(&m.component_ids[0].clone(), t("2026-02-01T22:30:00Z")));
    }
}
