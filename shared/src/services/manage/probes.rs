//! Probe monitors: their settings as the API sends them (checked into a `ProbeSpec`,
//! each failure naming its field), and their history: checks, downtime windows, uptime
//! and debug sessions.
use super::monitors::MonitorInput;
use super::{ManageError, ManageService, invalid};
use crate::domain::ids::{CheckId, DebugSessionKey, DowntimeId};
use crate::domain::org::Org;
use crate::domain::probe::check::ProbeCheck;
use crate::domain::probe::debug::DebugSession;
use crate::domain::probe::downtime::{DowntimeWindow, MAX_NOTE_LEN};
use crate::domain::probe::spec::*;
use crate::domain::probe::uptime::{Tally, Uptime, UptimeWindow};
use crate::ports::store::{CheckQuery, MAX_PAGE, Page};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

/// What a header value reads as when it is a secret; sent back, the stored value stays.
pub const MASKED_HEADER: &str = "********";

/// `expect`: for http `status`, `keyword`, `keywordAbsent`; for dns `values`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpectInput {
    pub status: Option<Vec<StatusInput>>,
    pub keyword: Option<String>,
    pub keyword_absent: Option<String>,
    pub values: Option<Vec<String>>,
}

/// `200` or `"2xx"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum StatusInput {
    Code(u64),
    Class(String),
}

/// A count from outside, kept in range of u32 so the range check names it.
fn small(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn not_for(kind: MonitorKind, field: &'static str) -> ManageError {
    let k = serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    invalid(field, format!("{k} monitors do not take {field}"))
}

fn required(field: &'static str) -> ManageError {
    ManageError::Missing(field.into())
}

/// Headers the prober sets itself.
const RESERVED_HEADERS: &[&str] = &["host", "content-length", "transfer-encoding", "connection", "upgrade", "te"];

fn headers(
    given: &BTreeMap<String, String>,
    stored: &[(String, String)],
) -> Result<Vec<(String, String)>, ManageError> {
    if given.len() > MAX_HEADERS {
        return Err(invalid("headers", format!("at most {MAX_HEADERS} headers")));
    }
    given
        .iter()
        .map(|(name, value)| {
            let field = || format!("headers.{name}");
            let lower = name.to_ascii_lowercase();
            if http::HeaderName::from_bytes(lower.as_bytes()).is_err() || name.len() > 256 {
                return Err(invalid(field(), "is not a valid header name"));
            }
            if RESERVED_HEADERS.contains(&lower.as_str()) {
                return Err(invalid(field(), "is set by the probe itself"));
            }
            // The masked value of a secret header, sent back: keep what is stored.
            if value == MASKED_HEADER {
                return match stored.iter().find(|(n, _)| *n == lower) {
                    Some((_, v)) => Ok((lower, v.clone())),
                    None => Err(invalid(field(), "a masked value can only keep a stored header")),
                };
            }
            if value.len() > MAX_HEADER_LEN || http::HeaderValue::from_str(value).is_err() {
                return Err(invalid(field(), format!("must be visible ASCII, at most {MAX_HEADER_LEN} bytes")));
            }
            Ok((lower, value.clone()))
        })
        .collect()
}

fn status_matches(list: &[StatusInput]) -> Result<Vec<StatusMatch>, ManageError> {
    if list.len() > MAX_EXPECTED_VALUES {
        return Err(invalid("expect.status", format!("at most {MAX_EXPECTED_VALUES} entries")));
    }
    list.iter()
        .enumerate()
        .map(|(i, s)| {
            match s {
                StatusInput::Code(c) => u16::try_from(*c).ok().and_then(StatusMatch::code),
                StatusInput::Class(c) => StatusMatch::parse_class(c),
            }
            .ok_or_else(|| invalid(format!("expect.status[{i}]"), "must be a status 100-599 or a class like \"2xx\""))
        })
        .collect()
}

fn keyword(field: &'static str, k: &Option<String>) -> Result<Option<String>, ManageError> {
    match k {
        Some(k) if k.is_empty() || k.len() > MAX_KEYWORD_LEN => {
            Err(invalid(field, format!("must be 1 to {MAX_KEYWORD_LEN} bytes")))
        }
        k => Ok(k.clone()),
    }
}

fn probe_url(raw: &str) -> Result<url::Url, ManageError> {
    if raw.len() > MAX_URL_LEN {
        return Err(invalid("url", format!("at most {MAX_URL_LEN} characters")));
    }
    let url = url::Url::parse(raw).map_err(|e| invalid("url", format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("url", "must be an http:// or https:// URL with a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("url", "must not hold credentials; send an Authorization header instead"));
    }
    Ok(url)
}

fn host(raw: &str) -> Result<Host, ManageError> {
    Host::new(raw).map_err(|e| invalid("host", e))
}

fn resolver(raw: &str) -> Result<SocketAddr, ManageError> {
    raw.parse::<SocketAddr>()
        .or_else(|_| raw.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
        .map_err(|_| invalid("resolver", "must be an IP address, with an optional port (1.1.1.1 or 1.1.1.1:53)"))
}

fn http_probe(input: &MonitorInput, base: Option<&HttpProbe>) -> Result<HttpProbe, ManageError> {
    let expect = input.expect.clone().unwrap_or_default();
    if expect.values.is_some() {
        return Err(invalid("expect.values", "only dns monitors expect values"));
    }
    let url = match (&input.url, base) {
        (Some(u), _) => probe_url(u)?,
        (None, Some(b)) => b.url.clone(),
        (None, None) => return Err(required("url")),
    };
    let stored = base.map(|b| b.headers.as_slice()).unwrap_or_default();
    let body = match (&input.body, base) {
        (Some(b), _) => b.clone(),
        (None, Some(b)) => b.body.clone(),
        (None, None) => None,
    };
    if body.as_ref().is_some_and(|b| b.len() > MAX_REQUEST_BODY) {
        return Err(invalid("body", format!("at most {MAX_REQUEST_BODY} bytes")));
    }
    let redact_headers = match &input.redact_headers {
        Some(list) if list.len() > MAX_HEADERS => {
            return Err(invalid("redactHeaders", format!("at most {MAX_HEADERS} names")));
        }
        Some(list) => list.iter().map(|n| n.to_ascii_lowercase()).collect(),
        None => base.map(|b| b.redact_headers.clone()).unwrap_or_default(),
    };
    let base_expect = base.map(|b| b.expect.clone()).unwrap_or_default();
    let default_days = base.map_or(DEFAULT_CERT_EXPIRY_DAYS, |b| b.cert_expiry_days);
    Ok(HttpProbe {
        url,
        method: input.method.or(base.map(|b| b.method)).unwrap_or(HttpMethod::Get),
        headers: match &input.headers {
            Some(h) => headers(h, stored)?,
            None => stored.to_vec(),
        },
        body,
        expect: HttpExpect {
            status: match &expect.status {
                Some(s) => status_matches(s)?,
                None if input.expect.is_some() => Vec::new(),
                None => base_expect.status,
            },
            keyword: if input.expect.is_some() {
                keyword("expect.keyword", &expect.keyword)?
            } else {
                base_expect.keyword
            },
            keyword_absent: if input.expect.is_some() {
                keyword("expect.keywordAbsent", &expect.keyword_absent)?
            } else {
                base_expect.keyword_absent
            },
        },
        follow_redirects: input.follow_redirects.or(base.map(|b| b.follow_redirects)).unwrap_or(true),
        verify_tls: input.verify_tls.or(base.map(|b| b.verify_tls)).unwrap_or(true),
        cert_expiry_days: input.cert_expiry_days.map_or(default_days, small),
        redact_headers,
    })
}

fn port(input: &MonitorInput, base: Option<u16>) -> Result<u16, ManageError> {
    match (input.port, base) {
        (Some(p), _) => u16::try_from(p).ok().filter(|p| *p > 0).ok_or_else(|| invalid("port", "must be 1 to 65535")),
        (None, Some(p)) => Ok(p),
        (None, None) => Err(required("port")),
    }
}

fn dns_probe(input: &MonitorInput, base: Option<&DnsProbe>) -> Result<DnsProbe, ManageError> {
    let expect = input.expect.clone().unwrap_or_default();
    for (set, field) in [
        (expect.status.is_some(), "expect.status"),
        (expect.keyword.is_some(), "expect.keyword"),
        (expect.keyword_absent.is_some(), "expect.keywordAbsent"),
    ] {
        if set {
            return Err(invalid(field, "dns monitors expect only values"));
        }
    }
    let values = match (&expect.values, base) {
        (Some(v), _) => v.clone(),
        (None, Some(b)) if input.expect.is_none() => b.expect_values.clone(),
        _ => Vec::new(),
    };
    if values.len() > MAX_EXPECTED_VALUES || values.iter().any(|v| v.is_empty() || v.len() > 255) {
        return Err(invalid("expect.values", format!("at most {MAX_EXPECTED_VALUES} values of 1 to 255 characters")));
    }
    Ok(DnsProbe {
        host: match (&input.host, base) {
            (Some(h), _) => host(h)?,
            (None, Some(b)) => b.host.clone(),
            (None, None) => return Err(required("host")),
        },
        record_type: input.record_type.or(base.map(|b| b.record_type)).unwrap_or(RecordType::A),
        expect_values: values,
        resolver: match (&input.resolver, base) {
            (Some(Some(r)), _) => Some(resolver(r)?),
            (Some(None), _) => None,
            (None, b) => b.and_then(|b| b.resolver),
        },
    })
}

/// Each probe field of `input`: whether it is given, and the kinds that take it.
fn probe_fields(input: &MonitorInput) -> [(bool, &'static str, &'static [MonitorKind]); 17] {
    use MonitorKind::{Dns, Http, Tcp};
    const ALL: &[MonitorKind] = &[Http, Tcp, Dns];
    [
        (input.interval.is_some(), "interval", ALL),
        (input.timeout.is_some(), "timeout", ALL),
        (input.recovery_threshold.is_some(), "recoveryThreshold", ALL),
        (input.degraded_after_ms.is_some(), "degradedAfterMs", ALL),
        (input.url.is_some(), "url", &[Http]),
        (input.method.is_some(), "method", &[Http]),
        (input.headers.is_some(), "headers", &[Http]),
        (input.body.is_some(), "body", &[Http]),
        (input.expect.is_some(), "expect", &[Http, Dns]),
        (input.follow_redirects.is_some(), "followRedirects", &[Http]),
        (input.verify_tls.is_some(), "verifyTls", &[Http]),
        (input.cert_expiry_days.is_some(), "certExpiryDays", &[Http]),
        (input.redact_headers.is_some(), "redactHeaders", &[Http]),
        (input.host.is_some(), "host", &[Tcp, Dns]),
        (input.port.is_some(), "port", &[Tcp]),
        (input.record_type.is_some(), "recordType", &[Dns]),
        (input.resolver.is_some(), "resolver", &[Dns]),
    ]
}

/// The first probe field `input` gives that a monitor of `kind` does not take (every
/// one, for a heartbeat).
pub(super) fn misplaced_probe_field(input: &MonitorInput, kind: MonitorKind) -> Option<&'static str> {
    probe_fields(input).into_iter().find(|(given, _, kinds)| *given && !kinds.contains(&kind)).map(|(_, f, _)| f)
}

/// The probe settings of `input` for a monitor of `kind`, over `base` (the stored ones
/// when editing; absent fields keep them) or the defaults.
pub(super) fn probe_spec(
    kind: MonitorKind,
    input: &MonitorInput,
    base: Option<&ProbeSpec>,
) -> Result<ProbeSpec, ManageError> {
    if let Some(field) = misplaced_probe_field(input, kind) {
        return Err(not_for(kind, field));
    }
    let target = match (kind, base.map(|b| &b.target)) {
        (MonitorKind::Http, b) => ProbeTarget::Http(http_probe(input, b.and_then(ProbeTarget::as_http))?),
        (MonitorKind::Tcp, b) => {
            let base = b.and_then(ProbeTarget::as_tcp);
            ProbeTarget::Tcp(TcpProbe {
                host: match (&input.host, base) {
                    (Some(h), _) => host(h)?,
                    (None, Some(b)) => b.host.clone(),
                    (None, None) => return Err(required("host")),
                },
                port: port(input, base.map(|b| b.port))?,
            })
        }
        (MonitorKind::Dns, b) => ProbeTarget::Dns(dns_probe(input, b.and_then(ProbeTarget::as_dns))?),
        (MonitorKind::Heartbeat, _) => return Err(invalid("kind", "a heartbeat monitor has no probe")),
    };
    let spec = ProbeSpec {
        target,
        interval_secs: input
            .interval
            .map(small)
            .or(base.map(|b| b.interval_secs))
            .ok_or_else(|| required("interval"))?,
        timeout_ms: input.timeout.map(small).or(base.map(|b| b.timeout_ms)).unwrap_or(DEFAULT_TIMEOUT_MS),
        failure_threshold: input
            .failure_threshold
            .map(small)
            .or(base.map(|b| b.failure_threshold))
            .unwrap_or(DEFAULT_FAILURE_THRESHOLD),
        recovery_threshold: input
            .recovery_threshold
            .map(small)
            .or(base.map(|b| b.recovery_threshold))
            .unwrap_or(DEFAULT_RECOVERY_THRESHOLD),
        degraded_after_ms: match input.degraded_after_ms {
            Some(v) => v.map(small),
            None => base.and_then(|b| b.degraded_after_ms),
        },
    };
    spec.validate().map_err(|e| invalid(e.field, e.message))?;
    Ok(spec)
}

/// The filters of `GET /monitors/{id}/checks`.
#[derive(Debug, Clone, Default)]
pub struct CheckFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub status: Option<crate::domain::probe::check::CheckStatus>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// `PATCH /monitors/{id}/downtime/{windowId}`: absent keeps, `null` clears.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DowntimeNote {
    #[serde(default, deserialize_with = "super::monitors::some_or_null")]
    pub root_cause: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::monitors::some_or_null")]
    pub notes: Option<Option<String>>,
}

const DEFAULT_CHECKS_PAGE: usize = 50;

impl ManageService {
    /// A page of a probe monitor's checks, newest first, and how many match in all.
    pub async fn checks(
        &self,
        org: &Org,
        monitor: &str,
        filter: CheckFilter,
    ) -> Result<(Page<ProbeCheck, CheckId>, u64), ManageError> {
        let m = self.monitor(org, monitor).await?;
        let before = match filter.cursor.as_deref() {
            Some(c) => Some(CheckId::parse(c).ok_or_else(|| invalid("cursor", "is not a cursor of this listing"))?),
            None => None,
        };
        if filter.from.zip(filter.to).is_some_and(|(from, to)| from > to) {
            return Err(invalid("from", "must not be after to"));
        }
        let query = CheckQuery {
            from: filter.from,
            to: filter.to,
            status: filter.status,
            limit: filter.limit.unwrap_or(DEFAULT_CHECKS_PAGE).min(MAX_PAGE),
            before,
        };
        let page = self.store.checks(&m.id, &query).await?;
        let total = self.store.check_count(&m.id, &query).await?;
        Ok((page, total))
    }

    pub async fn downtime(&self, org: &Org, monitor: &str) -> Result<Vec<DowntimeWindow>, ManageError> {
        let m = self.monitor(org, monitor).await?;
        Ok(self.store.downtime_windows(&m.id).await?)
    }

    pub async fn annotate_downtime(
        &self,
        org: &Org,
        monitor: &str,
        window: &str,
        note: DowntimeNote,
    ) -> Result<DowntimeWindow, ManageError> {
        let m = self.monitor(org, monitor).await?;
        let id = DowntimeId::parse(window).ok_or(ManageError::NotFound("downtime window"))?;
        let current = self.store.downtime_window(&m.id, &id).await?.ok_or(ManageError::NotFound("downtime window"))?;
        let text = |field: &'static str, given: Option<Option<String>>, stored: Option<String>| match given {
            None => Ok(stored),
            Some(Some(t)) if t.len() > MAX_NOTE_LEN => Err(invalid(field, format!("at most {MAX_NOTE_LEN} bytes"))),
            Some(t) => Ok(t.filter(|t| !t.trim().is_empty())),
        };
        let root_cause = text("rootCause", note.root_cause, current.root_cause)?;
        let notes = text("notes", note.notes, current.notes)?;
        self.store.annotate_downtime(&m.id, &id, root_cause.as_deref(), notes.as_deref()).await?;
        self.store.downtime_window(&m.id, &id).await?.ok_or(ManageError::NotFound("downtime window"))
    }

    /// Uptime over the window: downtime from the windows; counts and latency from the
    /// checks for 24 hours, from daily rollups for longer windows.
    pub async fn uptime(
        &self,
        org: &Org,
        monitor: &str,
        window: UptimeWindow,
        now: DateTime<Utc>,
    ) -> Result<Uptime, ManageError> {
        let m = self.monitor(org, monitor).await?;
        let from = now - window.length();
        let downtime = self.store.downtime_windows(&m.id).await?;
        let tally = if window.from_checks() {
            let mut tally = Tally::default();
            let mut query = CheckQuery { from: Some(from), to: Some(now), status: None, limit: MAX_PAGE, before: None };
            loop {
                let page = self.store.checks(&m.id, &query).await?;
                let more = Tally::of_checks(&page.items);
                tally.checks += more.checks;
                tally.failed_checks += more.failed_checks;
                tally.latency.merge(&more.latency);
                match page.next {
                    Some(next) => query.before = Some(next),
                    None => break,
                }
            }
            tally
        } else {
            let rollups = self.store.rollups(&m.id, from.date_naive(), now.date_naive()).await?;
            Tally::of_rollups(&rollups)
        };
        Ok(Uptime::compute(window, now, m.created_at, &downtime, tally))
    }

    pub async fn debug_sessions(&self, org: &Org, monitor: &str) -> Result<Vec<DebugSession>, ManageError> {
        let m = self.monitor(org, monitor).await?;
        Ok(self.store.debug_sessions(&m.id, MAX_PAGE).await?)
    }

    pub async fn debug_session(&self, org: &Org, monitor: &str, key: &str) -> Result<DebugSession, ManageError> {
        let m = self.monitor(org, monitor).await?;
        let key = DebugSessionKey::parse(key).ok_or(ManageError::NotFound("debug session"))?;
        self.store.debug_session(&m.id, &key).await?.ok_or(ManageError::NotFound("debug session"))
    }
}
