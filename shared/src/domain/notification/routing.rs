//! Routing: which channels hear about an incident event, and when a still-open incident
//! is sent again.
//!
//! Opening and escalating go to the channels that subscribe to the monitor (by id or tag)
//! at or above their minimum severity, minus cascades (unless opted in) and anything under
//! maintenance. Acknowledging and resolving go to the channels that were told about the
//! incident, whatever their filters say now, so every alert that was raised is closed.
use crate::domain::channel::Channel;
use crate::domain::ids::ChannelId;
use crate::domain::incident::{Incident, IncidentStatus};
use crate::domain::incident_event::{IncidentChange, IncidentEvent};
use crate::domain::notification::NoticeKind;
use crate::domain::notification::record::DeliveryRecord;
use crate::domain::text::Slug;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What routing needs to know besides the event and the channels.
#[derive(Debug, Clone, Copy)]
pub struct RouteFacts<'a> {
    /// The tags of the incident's monitor.
    pub monitor_tags: &'a BTreeSet<Slug>,
    /// Whether a maintenance window covers the monitor now.
    pub in_maintenance: bool,
    /// The channels already sent an OPENED, ESCALATED or reminder message for this
    /// incident (from the delivery log). `None` when unknown: acknowledgements and
    /// resolutions then go wherever an opening would.
    pub told: Option<&'a BTreeSet<ChannelId>>,
}

/// Why a channel is not sent an event, for the delivery log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Skip {
    OtherOrg,
    NotSubscribed,
    BelowMinSeverity,
    /// A cascaded incident, and the channel has not opted in to those.
    Cascaded,
    Maintenance,
    /// A follow-up (acknowledged, resolved) of an incident this channel never heard of.
    NotTold,
}

/// Whether `channel` is sent `event`, and if not, why.
pub fn route(event: &IncidentEvent, channel: &Channel, facts: &RouteFacts) -> Result<(), Skip> {
    let incident = &event.incident;
    if channel.org_id != incident.org_id {
        return Err(Skip::OtherOrg);
    }
    match (event.change, facts.told) {
        (IncidentChange::Acknowledged | IncidentChange::Resolved, Some(told)) => {
            return if told.contains(&channel.id) { Ok(()) } else { Err(Skip::NotTold) };
        }
        (IncidentChange::Acknowledged | IncidentChange::Resolved, None) => {}
        (IncidentChange::Opened | IncidentChange::Escalated, _) if facts.in_maintenance => {
            return Err(Skip::Maintenance);
        }
        (IncidentChange::Opened | IncidentChange::Escalated, _) => {}
    }
    wants(incident, channel, facts.monitor_tags)
}

/// The filters a channel sets: monitors, tags, severity, cascades.
fn wants(incident: &Incident, channel: &Channel, monitor_tags: &BTreeSet<Slug>) -> Result<(), Skip> {
    let everything = channel.monitors.is_empty() && channel.tags.is_empty();
    let subscribed =
        everything || channel.monitors.contains(&incident.monitor_id) || !channel.tags.is_disjoint(monitor_tags);
    if !subscribed {
        return Err(Skip::NotSubscribed);
    }
    if incident.severity < channel.min_severity {
        return Err(Skip::BelowMinSeverity);
    }
    if incident.cascade_reason.is_some() && !channel.page_cascades {
        return Err(Skip::Cascaded);
    }
    Ok(())
}

/// The channels sent `event`, in the order given.
pub fn recipients<'c>(event: &IncidentEvent, channels: &'c [Channel], facts: &RouteFacts) -> Vec<&'c Channel> {
    channels.iter().filter(|c| route(event, c, facts).is_ok()).collect()
}

/// Whether a still-open incident is due to be sent to `channel` again: the channel asks
/// for re-alerts, nobody has acknowledged the incident, no maintenance covers it, the
/// channel would still be sent it, and the interval has passed since the last message.
pub fn realert_due(
    incident: &Incident,
    channel: &Channel,
    monitor_tags: &BTreeSet<Slug>,
    in_maintenance: bool,
    last_sent_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    let Some(interval) = channel.realert_after else {
        return false;
    };
    incident.status == IncidentStatus::Open
        && !in_maintenance
        && channel.org_id == incident.org_id
        && wants(incident, channel, monitor_tags).is_ok()
        && now - last_sent_at >= interval.duration()
}

/// The reminder `channel` is due for `incident` now, numbered from 1, read off the
/// incident's delivery log: only a channel that was told of the incident is reminded, the
/// interval runs from the last alert it was sent, and a reminder that failed is due again
/// under the same number (so its claim, not a second message, is what a retry finds).
pub fn reminder_due(
    incident: &Incident,
    channel: &Channel,
    monitor_tags: &BTreeSet<Slug>,
    in_maintenance: bool,
    log: &[DeliveryRecord],
    now: DateTime<Utc>,
) -> Option<u32> {
    let mine = || log.iter().filter(|r| r.channel_id == channel.id && r.incident_id == incident.id);
    let last_alert = mine().filter(|r| r.change.raises()).filter_map(DeliveryRecord::delivered_at).max()?;
    let reminded = mine().filter(|r| r.change == NoticeKind::Reminder && r.delivered_at().is_some()).count();
    let n = u32::try_from(reminded).ok()?.checked_add(1)?;
    realert_due(incident, channel, monitor_tags, in_maintenance, last_alert, now).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::channel::{ChannelTarget, RealertInterval};
    use crate::domain::ids::{MonitorId, OrgId};
    use crate::domain::incident::{IncidentKind, Severity};
    use crate::domain::org::Email;
    use crate::domain::text::Name;
    use chrono::Duration;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + Duration::seconds(s)
    }

    fn incident(org: &OrgId, severity: Severity) -> Incident {
        Incident::open(org.clone(), MonitorId::generate(), IncidentKind::Fail, severity, at(0))
    }

    fn channel(org: &OrgId, min: Severity) -> Channel {
        let to = Email::new("ops@example.com").unwrap();
        Channel::new(org.clone(), Name::new("ops").unwrap(), ChannelTarget::Email { to }, min)
    }

    fn tags(t: &[&str]) -> BTreeSet<Slug> {
        t.iter().map(|t| Slug::new(t).unwrap()).collect()
    }

    fn ev(change: IncidentChange, incident: &Incident) -> IncidentEvent {
        IncidentEvent { change, at: at(1), incident: incident.clone() }
    }

    fn facts(t: &BTreeSet<Slug>) -> RouteFacts<'_> {
        RouteFacts { monitor_tags: t, in_maintenance: false, told: None }
    }

    #[test]
    fn subscriptions_by_monitor_tag_and_severity() {
        let org = OrgId::generate();
        let inc = incident(&org, Severity::Medium);
        let prod = tags(&["prod", "db"]);
        let all = channel(&org, Severity::Low);
        let mut by_tag = channel(&org, Severity::Low);
        by_tag.tags = tags(&["db"]);
        let mut other_tag = channel(&org, Severity::Low);
        other_tag.tags = tags(&["web"]);
        let mut by_monitor = channel(&org, Severity::Low);
        by_monitor.monitors.insert(inc.monitor_id.clone());
        by_monitor.tags = tags(&["web"]);
        let high_only = channel(&org, Severity::High);
        let foreign = channel(&OrgId::generate(), Severity::Low);
        let channels = [all, by_tag, other_tag, by_monitor, high_only, foreign];

        let e = ev(IncidentChange::Opened, &inc);
        let f = facts(&prod);
        let why: Vec<_> = channels.iter().map(|c| route(&e, c, &f)).collect();
        assert_eq!(
            why,
            [Ok(()), Ok(()), Err(Skip::NotSubscribed), Ok(()), Err(Skip::BelowMinSeverity), Err(Skip::OtherOrg)]
        );
        let ids: Vec<_> = recipients(&e, &channels, &f).into_iter().map(|c| &c.id).collect();
        assert_eq!(ids, [&channels[0].id, &channels[1].id, &channels[3].id]);

        let mut worse = inc.clone();
        worse.severity = Severity::Critical;
        let escalated = ev(IncidentChange::Escalated, &worse);
        assert_eq!(route(&escalated, &channels[4], &f), Ok(()), "an escalation reaches channels it now qualifies for");
    }

    #[test]
    fn cascades_only_to_channels_that_opt_in() {
        let org = OrgId::generate();
        let mut inc = incident(&org, Severity::High);
        inc.cascade_reason = Some("upstream db is failing".into());
        let mut opted = channel(&org, Severity::Low);
        opted.page_cascades = true;
        let plain = channel(&org, Severity::Low);
        let t = tags(&[]);
        let e = ev(IncidentChange::Opened, &inc);
        assert_eq!(route(&e, &plain, &facts(&t)), Err(Skip::Cascaded));
        assert_eq!(route(&e, &opted, &facts(&t)), Ok(()));
    }

    #[test]
    fn maintenance_silences_openings_but_not_closings() {
        let org = OrgId::generate();
        let inc = incident(&org, Severity::High);
        let ch = channel(&org, Severity::Low);
        let t = tags(&[]);
        let quiet = RouteFacts { in_maintenance: true, ..facts(&t) };
        assert_eq!(route(&ev(IncidentChange::Opened, &inc), &ch, &quiet), Err(Skip::Maintenance));
        assert_eq!(route(&ev(IncidentChange::Escalated, &inc), &ch, &quiet), Err(Skip::Maintenance));
        assert_eq!(route(&ev(IncidentChange::Resolved, &inc), &ch, &quiet), Ok(()));
    }

    #[test]
    fn follow_ups_go_to_the_channels_told_whatever_their_filters() {
        let org = OrgId::generate();
        let inc = incident(&org, Severity::Low);
        let told_one = channel(&org, Severity::Critical); // filters changed since it was told
        let never_told = channel(&org, Severity::Low);
        let t = tags(&[]);
        let told: BTreeSet<_> = [told_one.id.clone()].into();
        let f = RouteFacts { told: Some(&told), in_maintenance: true, ..facts(&t) };
        for change in [IncidentChange::Acknowledged, IncidentChange::Resolved] {
            assert_eq!(route(&ev(change, &inc), &told_one, &f), Ok(()));
            assert_eq!(route(&ev(change, &inc), &never_told, &f), Err(Skip::NotTold));
        }
        let unknown = facts(&t);
        assert_eq!(route(&ev(IncidentChange::Resolved, &inc), &never_told, &unknown), Ok(()));
        assert_eq!(route(&ev(IncidentChange::Resolved, &inc), &told_one, &unknown), Err(Skip::BelowMinSeverity));
    }

    #[test]
    fn realerts_only_for_open_unacknowledged_incidents_after_the_interval() {
        let org = OrgId::generate();
        let mut inc = incident(&org, Severity::High);
        let mut ch = channel(&org, Severity::Low);
        let t = tags(&[]);
        let sent = at(1000);
        assert!(!realert_due(&inc, &ch, &t, false, sent, at(1_000_000)), "no interval, no re-alerts");
        ch.realert_after = Some(RealertInterval::new(Duration::hours(1)).unwrap());
        assert!(!realert_due(&inc, &ch, &t, false, sent, at(1000 + 3599)));
        assert!(realert_due(&inc, &ch, &t, false, sent, at(1000 + 3600)));
        assert!(!realert_due(&inc, &ch, &t, true, sent, at(1000 + 3600)), "maintenance");
        ch.min_severity = Severity::Critical;
        assert!(!realert_due(&inc, &ch, &t, false, sent, at(1000 + 3600)), "no longer wanted");
        ch.min_severity = Severity::Low;
        inc.acknowledge(at(2000)).unwrap();
        assert!(!realert_due(&inc, &ch, &t, false, sent, at(1000 + 3600)), "someone is on it");
    }

    #[test]
    fn reminders_are_numbered_from_the_log_and_spaced_from_the_last_alert() {
        use crate::conformance::store::delivery_of;
        use crate::domain::channel::ChannelKind;
        use crate::domain::notification::Notice;
        let org = OrgId::generate();
        let inc = incident(&org, Severity::High);
        let mut ch = channel(&org, Severity::Low);
        ch.realert_after = Some(RealertInterval::new(Duration::hours(1)).unwrap());
        let t = tags(&[]);
        let sent = |notice: &Notice, ok: bool, when: i64| {
            let claim = DeliveryRecord::claim(notice, &ch.id, ChannelKind::Slack, at(when));
            claim.clone().finish(delivery_of(&claim, ok, if ok { 200 } else { 500 }, at(when)))
        };
        let opened = IncidentEvent::opened(&inc);
        assert_eq!(reminder_due(&inc, &ch, &t, false, &[], at(100_000)), None, "never told, never reminded");
        let mut log = vec![sent(&Notice::from(&opened), false, 1000)];
        assert_eq!(reminder_due(&inc, &ch, &t, false, &log, at(100_000)), None, "the alert never arrived");
        log.push(sent(&Notice::from(&opened), true, 1000));
        assert_eq!(reminder_due(&inc, &ch, &t, false, &log, at(1000 + 3599)), None);
        assert_eq!(reminder_due(&inc, &ch, &t, false, &log, at(1000 + 3600)), Some(1));
        log.push(sent(&Notice::reminder(&inc, 1, at(4600)), false, 4600));
        assert_eq!(reminder_due(&inc, &ch, &t, false, &log, at(4700)), Some(1), "a failed reminder is due again");
        log.push(sent(&Notice::reminder(&inc, 1, at(4700)), true, 4700));
        assert_eq!(reminder_due(&inc, &ch, &t, false, &log, at(4700 + 3599)), None, "spaced from the reminder");
        assert_eq!(reminder_due(&inc, &ch, &t, false, &log, at(4700 + 3600)), Some(2));
        let mut other = ch.clone();
        other.id = ChannelId::generate();
        assert_eq!(reminder_due(&inc, &other, &t, false, &log, at(100_000)), None, "another channel's log");
    }
}
