//! No input reaches a panic: property tests that send arbitrary and mutated input to the
//! ping routes, the cron and RRULE parsers (and what expands them), the schedule preview,
//! every write route of the management API and the public subscription routes. Every
//! answer is below 500, and every search ends.
#[path = "api/harness.rs"]
mod harness;

use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use harness::Env;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::Config;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::IpAddr;
use tokiflow_shared::domain::ids::{MonitorId, OrgId, StatusPageId};
use tokiflow_shared::domain::maintenance::{MaintenanceWindow, Recurrence, maintenance_until};
use tokiflow_shared::domain::org::Role;
use tokiflow_shared::domain::schedule::Schedule;
use tokiflow_shared::domain::status_page::maintenance::PageMaintenance;
use tokiflow_shared::domain::text::Name;
use tokiflow_shared::http::ApiRequest;
use tokiflow_shared::http::api::policy::{Access, ROUTES};

// ---------------------------------------------------------------------------------------
// Running: one runtime and one app per property; failures are kept as `#[test]`s below,
// not in files.

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, max_shrink_iters: 512, ..Config::default() }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// What a request may get back: a success, or the client's fault. Never a server error.
fn acceptable(status: StatusCode) -> bool {
    status.is_success() || status.is_client_error() || status == StatusCode::NOT_MODIFIED
}

struct Sent {
    method: Method,
    path_and_query: String,
    key: Option<String>,
    headers: Vec<(header::HeaderName, HeaderValue)>,
    body: Vec<u8>,
    body_size: Option<u64>,
    source_ip: Option<IpAddr>,
}

impl Sent {
    fn new(method: Method, path_and_query: impl Into<String>, key: Option<&str>, body: Vec<u8>) -> Self {
        Self {
            method,
            path_and_query: path_and_query.into(),
            key: key.map(str::to_owned),
            headers: Vec::new(),
            body,
            body_size: None,
            source_ip: Some("127.0.0.1".parse().unwrap()),
        }
    }

    fn request(&self) -> ApiRequest {
        let (path, query) = match self.path_and_query.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (self.path_and_query.clone(), None),
        };
        let mut headers = HeaderMap::new();
        if let Some(k) = &self.key {
            headers.insert(header::AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {k}")).unwrap());
        }
        for (name, value) in &self.headers {
            headers.append(name.clone(), value.clone());
        }
        let body = Bytes::from(self.body.clone());
        ApiRequest {
            method: self.method.clone(),
            path,
            query,
            headers,
            body_size: self.body_size.unwrap_or(body.len() as u64),
            body,
            source_ip: self.source_ip,
        }
    }

    fn describe(&self, status: StatusCode, answer: &[u8]) -> String {
        let body = String::from_utf8_lossy(&self.body);
        let body: String = body.chars().take(600).collect();
        let answer: String = String::from_utf8_lossy(answer).chars().take(400).collect();
        format!("{} {} with {body:?} answered {status}: {answer}", self.method, self.path_and_query)
    }
}

async fn send(env: &Env, sent: &Sent) -> Result<(), String> {
    let res = env.app.handle(sent.request()).await;
    if acceptable(res.status()) { Ok(()) } else { Err(sent.describe(res.status(), res.body())) }
}

// ---------------------------------------------------------------------------------------
// Strategies for untrusted text.

/// Characters that break naive code: controls, NUL, bidi overrides and isolates,
/// zero-width and combining marks, astral characters, and every separator the parsers use.
const NASTY: &[char] = &[
    '\0',
    '\t',
    '\n',
    '\r',
    '\u{7}',
    '\u{1b}',
    '\u{7f}',
    '\u{85}',
    '\u{a0}',
    '\u{200b}',
    '\u{200d}',
    '\u{202e}',
    '\u{2066}',
    '\u{2069}',
    '\u{2028}',
    '\u{feff}',
    '\u{fffd}',
    '\u{ffff}',
    '\u{10ffff}',
    '\u{1f600}',
    '\u{301}',
    'é',
    'ß',
    'İ',
    '"',
    '\'',
    '\\',
    '/',
    '%',
    '&',
    '=',
    ';',
    ',',
    '#',
    '?',
    '+',
    '<',
    '>',
    ' ',
    '*',
    '-',
    '.',
    '_',
    ':',
    '@',
    '0',
    '1',
    '9',
    'a',
    'L',
    'W',
    'Z',
];

/// Numbers at and past every integer limit, and things that almost are numbers.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "7",
    "59",
    "60",
    "255",
    "256",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "-2147483649",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "99999999999999999999999999999999999999999999999999999999999999999999999999999999",
    "1e308",
    "1e309",
    "-1e309",
    "1.7976931348623157e308",
    "5e-324",
    "1e-400",
    "0.5",
    "-0.0",
    "NaN",
    "inf",
    "-inf",
    "0x10",
    "1_000",
    "+1",
    " 1",
    "1.0",
    ".5",
    "00000000000000000000001",
    "\u{663}",
    "\u{ff11}",
];

/// The numbers above that are JSON numbers (some still out of every range).
const JSON_NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "255",
    "256",
    "65535",
    "65536",
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "1e308",
    "1e309",
    "-1e309",
    "1.7976931348623157e308",
    "5e-324",
    "1e-400",
    "-0.0",
    "0.5",
    "1.0",
    "1E2",
];

fn nasty_char() -> impl Strategy<Value = char> + Clone {
    prop_oneof![3 => select(NASTY), 1 => any::<char>()]
}

fn short_nasty() -> BoxedStrategy<String> {
    prop::collection::vec(nasty_char(), 0..24).prop_map(String::from_iter).boxed()
}

/// Up to 100 KB of a repeated pattern.
fn long_string() -> BoxedStrategy<String> {
    (prop::collection::vec(nasty_char(), 1..6), 1..100_000usize)
        .prop_map(|(pattern, bytes)| {
            let unit: String = pattern.into_iter().collect();
            let mut s = unit.repeat(bytes / unit.len() + 1);
            let mut cut = bytes.min(s.len());
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s
        })
        .boxed()
}

fn nasty_string() -> BoxedStrategy<String> {
    prop_oneof![
        6 => short_nasty(),
        2 => select(NUMBERS).prop_map(str::to_owned),
        1 => long_string(),
    ]
    .boxed()
}

/// Well-formed or not, short or long, as it would appear in a URL: percent-encoded, or
/// raw with broken escapes.
fn url_text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => nasty_string().prop_map(|s| form_urlencoded::byte_serialize(s.as_bytes()).collect()),
        1 => select(&["%", "%2", "%zz", "%00", "%C3%28", "%ED%A0%80", "%FF%FE", "+", "%2F", "%25", "a%"][..])
            .prop_map(str::to_owned),
        1 => prop::collection::vec(select(&['a', '%', '2', 'F', '+', '&', '=', '0', '9'][..]), 0..40)
            .prop_map(String::from_iter),
    ]
    .boxed()
}

/// `a=b&c=d…` from named pairs, or raw text.
fn query(names: &'static [&'static str], values: BoxedStrategy<String>) -> BoxedStrategy<Option<String>> {
    let name = prop_oneof![4 => select(names).prop_map(str::to_owned), 1 => url_text()];
    let pairs = prop::collection::vec((name, values), 0..6).prop_map(|pairs| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &pairs {
            q.append_pair(k, v);
        }
        q.finish()
    });
    prop_oneof![1 => Just(None), 6 => pairs.prop_map(Some), 1 => url_text().prop_map(Some)].boxed()
}

// ---------------------------------------------------------------------------------------
// JSON with numbers as written (so `1e309` and `-0` can be sent), nested at will.

#[derive(Debug, Clone)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => out.push_str(n),
            J::Str(s) => out.push_str(&serde_json::to_string(s).unwrap()),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            J::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(k).unwrap());
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// Every field name of the request bodies, so random objects get past `deny_unknown_fields`.
const FIELDS: &[&str] = &[
    "name",
    "schedule",
    "kind",
    "seconds",
    "expr",
    "tz",
    "grace",
    "severity",
    "tags",
    "maxRuntime",
    "enabled",
    "upstream",
    "downstream",
    "ipAllowlist",
    "retentionDays",
    "email",
    "role",
    "token",
    "keyName",
    "scopes",
    "target",
    "to",
    "url",
    "secret",
    "routingKey",
    "phone",
    "minSeverity",
    "monitors",
    "pageCascades",
    "realertAfterSecs",
    "startsAt",
    "endsAt",
    "recurrence",
    "timeZone",
    "monitorIds",
    "slug",
    "description",
    "visibility",
    "rotateToken",
    "theme",
    "brandColour",
    "logoUrl",
    "faviconUrl",
    "customDomain",
    "components",
    "id",
    "position",
    "service",
    "impact",
    "body",
    "state",
    "componentIds",
    "autoStatus",
    "webhookUrl",
    "slackWebhookUrl",
    "events",
];

fn json_number() -> BoxedStrategy<String> {
    prop_oneof![
        4 => select(JSON_NUMBERS).prop_map(str::to_owned),
        2 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| serde_json::to_string(&f).unwrap()),
        1 => select(NUMBERS).prop_map(str::to_owned),
    ]
    .boxed()
}

fn json_leaf() -> BoxedStrategy<J> {
    prop_oneof![
        1 => Just(J::Null),
        1 => any::<bool>().prop_map(J::Bool),
        3 => json_number().prop_map(J::Num),
        4 => nasty_string().prop_map(J::Str),
        1 => select(FIELDS).prop_map(|f| J::Str(f.to_owned())),
        1 => select(&["MEMBER", "OWNER", "EMAIL", "WEBHOOK", "cron", "interval", "PUBLIC", "PRIVATE", "MINOR",
            "RESOLVED", "operational", "outage", "HIGH", "monitors:read", "2030-01-01T00:00:00Z",
            "+275760-09-13T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
            "FREQ=SECONDLY", "Europe/Riga", "* * * * *", "#zzzzzz", "0.0.0.0/0", "::/0"][..])
            .prop_map(|s| J::Str(s.to_owned())),
    ]
    .boxed()
}

/// A value nested `depth` levels deep, in arrays and objects as `shape`'s bits say.
fn deep() -> BoxedStrategy<J> {
    (1..300usize, any::<u64>(), json_leaf())
        .prop_map(|(depth, shape, leaf)| {
            (0..depth).fold(leaf, |inner, level| {
                if (shape >> (level % 64)) & 1 == 1 {
                    J::Arr(vec![inner])
                } else {
                    J::Obj(vec![(FIELDS[level % FIELDS.len()].to_owned(), inner)])
                }
            })
        })
        .boxed()
}

fn json_value() -> BoxedStrategy<J> {
    let key = prop_oneof![3 => select(FIELDS).prop_map(str::to_owned), 1 => short_nasty()];
    let tree = json_leaf().prop_recursive(6, 48, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(J::Arr),
            prop::collection::vec((key.clone(), inner), 0..6).prop_map(J::Obj),
        ]
    });
    prop_oneof![8 => tree, 1 => deep()].boxed()
}

/// A request body: mostly a JSON object of known field names, sometimes any JSON, any
/// bytes, or JSON cut short.
fn any_body() -> BoxedStrategy<Vec<u8>> {
    let object = prop::collection::vec((select(FIELDS).prop_map(str::to_owned), json_value()), 0..6)
        .prop_map(|fields| J::Obj(fields).text().into_bytes());
    prop_oneof![
        6 => object,
        2 => json_value().prop_map(|j| j.text().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..256),
        1 => (json_value(), any::<Index>()).prop_map(|(j, cut)| {
            let text = j.text().into_bytes();
            let at = cut.index(text.len() + 1);
            text[..at].to_vec()
        }),
        1 => select(&["", "   ", "\u{feff}{}", "{}", "[]", "null", "{\"name\":\"\\ud800\"}", "{\"a\":1}{}",
            "{\"name\":\"x\",\"name\":\"y\"}", "1e999999"][..]).prop_map(|s| s.as_bytes().to_vec()),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------
// Cron and RRULE inputs.

fn cron_atom() -> BoxedStrategy<String> {
    prop_oneof![
        // Small numbers fit every field; larger ones fit some.
        6 => (1u64..8).prop_map(|n| n.to_string()),
        3 => (0u64..62).prop_map(|n| n.to_string()),
        1 => select(&["*", "?", "L", "LW", "W", "15W", "LW5", "L-3"][..]).prop_map(str::to_owned),
        1 => select(NUMBERS).prop_filter("one field", |n| !n.contains(' ')).prop_map(str::to_owned),
        2 => select(&["MON", "sun", "Sat", "Jan", "dec", "FEB", "FOO", "M"][..]).prop_map(str::to_owned),
        1 => (0u64..10).prop_map(|d| format!("{d}L")),
        1 => (0u64..10, 0u64..8).prop_map(|(d, n)| format!("{d}#{n}")),
        1 => short_nasty(),
    ]
    .boxed()
}

fn cron_term() -> BoxedStrategy<String> {
    prop_oneof![
        3 => cron_atom(),
        2 => (cron_atom(), cron_atom()).prop_map(|(a, b)| format!("{a}-{b}")),
        2 => (cron_atom(), cron_atom()).prop_map(|(a, b)| format!("{a}/{b}")),
        1 => (cron_atom(), cron_atom(), cron_atom()).prop_map(|(a, b, c)| format!("{a}-{b}/{c}")),
    ]
    .boxed()
}

fn cron_field() -> BoxedStrategy<String> {
    prop::collection::vec(cron_term(), 1..3).prop_map(|terms| terms.join(",")).boxed()
}

fn cron_expr() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::collection::vec(cron_field(), 5).prop_map(|f| f.join(" ")),
        // The usual shapes with one field replaced, which parse far more often.
        8 => (0..5usize, cron_field()).prop_map(|(i, field)| {
            let mut f = ["*/15", "0-23/2", "*", "*", "MON-FRI"];
            f[i] = &field;
            f.join(" ")
        }),
        1 => prop::collection::vec(cron_field(), 0..8).prop_map(|f| f.join(" \t")),
        1 => nasty_string(),
        1 => select(&["@daily", "@reboot", "", " ", "* * * * * *", "0 0 31 2 *", "0 0 30 2 *", "0 0 */100 * MON#4",
            "45 */3 * * *", "*/30 0-23/2 * * *", "0 0 L 2 *", "0 0 LW * *", "59 23 31 12 7L", "0 0 29 2 0#5"][..])
            .prop_map(str::to_owned),
    ]
    .boxed()
}

fn time_zone() -> BoxedStrategy<String> {
    prop_oneof![
        6 => select(chrono_tz::TZ_VARIANTS.as_slice()).prop_map(|tz| tz.name().to_owned()),
        1 => select(&["UTC", "utc", "Etc/GMT+14", "Etc/GMT-14", "EST5EDT", "Pacific/Chatham", "America/St_Johns",
            "Australia/Lord_Howe", "Asia/Kathmandu", "Africa/Monrovia", "Europe/Dublin", "America/Sao_Paulo",
            "../../etc/passwd", "Europe/", ""][..])
            .prop_map(str::to_owned),
        1 => short_nasty(),
    ]
    .boxed()
}

fn any_time() -> BoxedStrategy<DateTime<Utc>> {
    let min = DateTime::<Utc>::MIN_UTC.timestamp();
    let max = DateTime::<Utc>::MAX_UTC.timestamp();
    prop_oneof![
        // 1900 to 2200, where schedules are used.
        6 => (-2_208_988_800i64..7_258_118_400, 0u32..1_000_000_000),
        2 => (min..=max, 0u32..2_000_000_000),
        1 => select(vec![(min, 0u32), (max, 999_999_999), (0, 0), (253_402_300_799, 999_999_999)]),
    ]
    .prop_map(|(secs, nanos)| DateTime::from_timestamp(secs, nanos).unwrap_or(DateTime::<Utc>::MIN_UTC))
    .boxed()
}

/// A moment a server would read from its clock.
fn clock_time() -> BoxedStrategy<DateTime<Utc>> {
    (0i64..7_258_118_400).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap()).boxed()
}

const FREQS: &[&str] =
    &["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY", "daily", "SOMETIMES"];

fn rrule_number() -> BoxedStrategy<String> {
    prop_oneof![3 => (-400i64..400).prop_map(|n| n.to_string()), 1 => select(NUMBERS).prop_map(str::to_owned)].boxed()
}

fn rrule_list(name: &'static str) -> BoxedStrategy<String> {
    prop::collection::vec(rrule_number(), 1..4).prop_map(move |v| format!("{name}={}", v.join(","))).boxed()
}

fn rrule_part() -> BoxedStrategy<String> {
    let day = (prop_oneof![Just(String::new()), rrule_number()], select(&["MO", "TU", "SU", "FR", "XX", ""][..]))
        .prop_map(|(n, d)| format!("{n}{d}"));
    prop_oneof![
        1 => select(FREQS).prop_map(|f| format!("FREQ={f}")),
        2 => rrule_number().prop_map(|n| format!("INTERVAL={n}")),
        2 => rrule_number().prop_map(|n| format!("COUNT={n}")),
        2 => select(&["99991231T235959Z", "00010101T000000Z", "20300101T000000Z", "20300101", "19700101T000000",
            "20261231T235959Z", "+100000101T000000Z", "20300230T000000Z", "garbage", ""][..])
            .prop_map(|u| format!("UNTIL={u}")),
        2 => rrule_list("BYSETPOS"),
        1 => rrule_list("BYMONTHDAY"),
        1 => rrule_list("BYYEARDAY"),
        1 => rrule_list("BYWEEKNO"),
        1 => rrule_list("BYMONTH"),
        1 => rrule_list("BYHOUR"),
        1 => rrule_list("BYMINUTE"),
        1 => rrule_list("BYSECOND"),
        1 => rrule_list("BYEASTER"),
        2 => prop::collection::vec(day, 1..4).prop_map(|d| format!("BYDAY={}", d.join(","))),
        1 => select(&["MO", "SU", "XX"][..]).prop_map(|d| format!("WKST={d}")),
        1 => short_nasty(),
    ]
    .boxed()
}

fn rrule() -> BoxedStrategy<String> {
    prop_oneof![
        8 => (select(&["", "RRULE:", " ", "rrule:"][..]), select(FREQS), prop::collection::vec(rrule_part(), 0..4))
            .prop_map(|(prefix, freq, parts)| {
                let mut all = vec![format!("FREQ={freq}")];
                all.extend(parts);
                format!("{prefix}{}", all.join(";"))
            }),
        1 => nasty_string(),
        1 => select(&["FREQ=SECONDLY", "FREQ=MINUTELY;INTERVAL=1", "FREQ=SECONDLY;BYSETPOS=-1",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=DAILY;COUNT=4294967296", "FREQ=WEEKLY;INTERVAL=0",
            "FREQ=MONTHLY;BYDAY=5FR;BYSETPOS=366", "FREQ=YEARLY;BYWEEKNO=53;BYDAY=SU;UNTIL=99991231T235959Z",
            "FREQ=DAILY\nRRULE:FREQ=SECONDLY", "FREQ=DAILY;FREQ=SECONDLY"][..])
            .prop_map(str::to_owned),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------
// Pure parsers.

#[test]
fn any_cron_expression_and_zone_parses_or_is_refused_and_its_search_ends() {
    proptest!(config(512), |(expr in cron_expr(), tz in time_zone(), from in any_time())| {
        check_cron(&expr, &tz, from)?;
    });
}

fn check_cron(expr: &str, tz: &str, from: DateTime<Utc>) -> Result<(), TestCaseError> {
    let Ok(schedule) = Schedule::cron(expr, tz) else {
        return Ok(());
    };
    // What is stored is read back, or every read of the monitor would fail.
    let stored = serde_json::to_string(&schedule).unwrap();
    prop_assert_eq!(serde_json::from_str::<Schedule>(&stored).ok(), Some(schedule.clone()), "{}", stored);
    let times = schedule.preview(from, 5);
    if let Some(first) = times.first() {
        prop_assert!(*first > from, "{expr:?} in {tz} after {from}: {first}");
    }
    prop_assert!(times.windows(2).all(|w| w[0] < w[1]), "{expr:?} in {tz} after {from}: {times:?}");
    Ok(())
}

#[test]
fn any_interval_schedule_answers_from_any_time() {
    proptest!(config(128), |(secs in prop_oneof![any::<u64>(), 0..100_000u64], from in any_time())| {
        if let Ok(s) = Schedule::interval(secs) {
            let times = s.preview(from, 3);
            prop_assert!(times.windows(2).all(|w| w[0] < w[1]));
        }
    });
}

#[test]
fn any_rrule_parses_or_is_refused_and_its_expansion_ends() {
    let start = prop_oneof![3 => clock_time(), 1 => any_time()];
    let length = prop_oneof![3 => 1i64..8 * 24 * 3600, 1 => -3600i64..3600 * 24 * 9];
    proptest!(
        config(64),
        |(rule in rrule(), tz in select(chrono_tz::TZ_VARIANTS.as_slice()), starts_at in start, len in length,
          now in clock_time())| {
            check_rrule(&rule, tz, starts_at, len, now);
        }
    );
}

fn check_rrule(rule: &str, tz: chrono_tz::Tz, starts_at: DateTime<Utc>, len: i64, now: DateTime<Utc>) {
    let Ok(recurrence) = Recurrence::parse(rule) else {
        return;
    };
    let Some(ends_at) = starts_at.checked_add_signed(Duration::seconds(len)) else {
        return;
    };
    let org = OrgId::generate();
    let Ok(window) =
        MaintenanceWindow::new(org, Name::new("w").unwrap(), starts_at, ends_at, Some(recurrence), tz, vec![])
    else {
        return;
    };
    let _ = window.covering(now);
    let _ = window.next_start_after(now);
    let _ = maintenance_until(std::slice::from_ref(&window), &MonitorId::generate(), now);
    let announced = PageMaintenance::new(StatusPageId::generate(), window, vec![], None, now);
    let occurrence = announced.occurrence_at(now);
    assert!(occurrence.starts_at < occurrence.ends_at, "{rule:?}: {occurrence:?}");
}

// ---------------------------------------------------------------------------------------
// A world to send requests into: one of each resource, with the bodies that made them.

struct World {
    ids: BTreeMap<&'static str, String>,
    key: String,
    ping_tokens: Vec<String>,
    /// Per write route (method and pattern), a body it accepts.
    bodies: BTreeMap<(String, &'static str), Value>,
}

async fn post(env: &Env, key: &str, path: &str, body: &Value) -> Value {
    let res = env.post(path, key, &body.to_string()).await;
    assert!(res.status.is_success(), "POST {path}: {} {:?}", res.status, res.body);
    res.json()
}

async fn world(env: &Env) -> World {
    let key = env.owner_key().await;
    let k = key.as_str();
    let monitor_body = json!({"name": "backup", "schedule": {"kind": "cron", "expr": "*/5 * * * *", "tz": "Europe/Riga"},
        "grace": 60, "severity": "HIGH", "tags": ["db"], "maxRuntime": 600});
    let monitor = post(env, k, "/api/v1/monitors", &monitor_body).await;
    let other =
        post(env, k, "/api/v1/monitors", &json!({"name": "db", "schedule": {"kind": "interval", "seconds": 60}})).await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let ping_tokens = [&monitor, &other].iter().map(|m| m["pingToken"].as_str().unwrap().to_owned()).collect();
    // A failed run opens an incident.
    let fail = Sent::new(Method::POST, format!("/ping/{}/fail", monitor["pingToken"].as_str().unwrap()), None, vec![]);
    assert_eq!(env.app.handle(fail.request()).await.status(), StatusCode::OK);
    let incident_id = env.get("/api/v1/incidents", k).await.json()["items"][0]["id"].as_str().unwrap().to_owned();

    let channel_body = json!({"name": "ops", "target": {"kind": "EMAIL", "to": "ops@example.com"},
        "minSeverity": "HIGH", "tags": ["db"], "monitors": [id(&monitor)], "pageCascades": false,
        "realertAfterSecs": 3600});
    let channel = post(env, k, "/api/v1/channels", &channel_body).await;
    let maintenance_body = json!({"name": "patch", "startsAt": "2030-01-01T00:00:00Z",
        "endsAt": "2030-01-01T01:00:00Z", "recurrence": "FREQ=WEEKLY;BYDAY=SU", "timeZone": "Europe/Riga",
        "monitorIds": [id(&monitor)]});
    let window = post(env, k, "/api/v1/maintenance", &maintenance_body).await;
    let page_body = json!({"name": "Status", "slug": "status", "visibility": "PUBLIC", "description": "All of it",
        "customDomain": "status.example.com", "theme": {"brandColour": "#112233"},
        "components": [{"name": "API", "monitorIds": [id(&monitor)], "position": 1}]});
    let page = post(env, k, "/api/v1/status-pages", &page_body).await;
    let page_id = id(&page);
    let component = page["components"][0]["id"].as_str().unwrap().to_owned();
    let incident_body = json!({"name": "Slow", "impact": "MINOR", "body": "Looking",
        "components": {component.clone(): "partial_outage"}});
    let status_incident = post(env, k, &format!("/api/v1/status-pages/{page_id}/incidents"), &incident_body).await;
    // One invitation to accept, another to send again (which changes its token).
    let invitation = post(env, k, "/api/v1/members", &json!({"email": "new@example.com", "role": "MEMBER"})).await;
    let invitation = invitation["invitation"]["token"].as_str().unwrap().to_owned();
    let invited = post(env, k, "/api/v1/members", &json!({"email": "again@example.com", "role": "MEMBER"})).await;

    let (probe, downtime, session) = env.probe_gone_down(k, json!({"Authorization": "Bearer x"})).await;
    let ids = BTreeMap::from([
        ("monitorId", id(&monitor)),
        ("probeId", probe),
        ("downtimeId", downtime),
        ("sessionKey", session),
        ("incidentId", incident_id),
        ("channelId", id(&channel)),
        ("windowId", id(&window)),
        ("pageId", page_id.clone()),
        ("statusIncidentId", id(&status_incident)),
        ("componentId", component.clone()),
        ("userId", env.user(Role::Member).id.to_string()),
        ("invitedId", id(&invited)),
    ]);
    let read = async |path: String| env.get(&path, k).await.json();
    let with_slug = |mut body: Value, slug: &str| {
        body["slug"] = json!(slug);
        body["customDomain"] = Value::Null;
        body
    };
    let (post_, put, patch) = (Method::POST.to_string(), Method::PUT.to_string(), Method::PATCH.to_string());
    let bodies = BTreeMap::from([
        ((post_.clone(), "/api/v1/monitors"), monitor_body),
        ((patch.clone(), "/api/v1/monitors/{monitorId}"), read(format!("/api/v1/monitors/{}", id(&monitor))).await),
        ((post_.clone(), "/api/v1/monitors/{monitorId}/pause"), json!({})),
        ((post_.clone(), "/api/v1/monitors/{monitorId}/resume"), json!({})),
        ((put.clone(), "/api/v1/monitors/{monitorId}/tags"), json!({"tags": ["db", "nightly"]})),
        (
            (patch.clone(), "/api/v1/monitors/{monitorId}/downtime/{downtimeId}"),
            json!({"rootCause": "a bad deploy", "notes": "rolled back"}),
        ),
        ((post_.clone(), "/api/v1/monitors/{monitorId}/debug-sessions"), json!({})),
        ((post_.clone(), "/api/v1/dependencies"), json!({"upstream": id(&other), "downstream": id(&monitor)})),
        ((post_.clone(), "/api/v1/incidents/{incidentId}/acknowledge"), json!({})),
        ((post_.clone(), "/api/v1/incidents/{incidentId}/resolve"), json!({})),
        ((patch.clone(), "/api/v1/org"), read("/api/v1/org".to_owned()).await),
        ((post_.clone(), "/api/v1/members"), json!({"email": "other@example.com", "role": "VIEWER"})),
        ((patch.clone(), "/api/v1/members/{userId}"), json!({"role": "ADMIN"})),
        ((post_.clone(), "/api/v1/members/{userId}/invitation"), json!({})),
        ((post_.clone(), "/api/v1/invitations/accept"), json!({"token": invitation, "keyName": "laptop"})),
        ((post_.clone(), "/api/v1/api-keys"), json!({"name": "ci", "scopes": ["monitors:read", "incidents:read"]})),
        ((post_.clone(), "/api/v1/channels"), channel_body),
        ((put.clone(), "/api/v1/channels/{channelId}"), read(format!("/api/v1/channels/{}", id(&channel))).await),
        ((post_.clone(), "/api/v1/channels/{channelId}/test"), json!({})),
        ((post_.clone(), "/api/v1/maintenance"), maintenance_body),
        ((put.clone(), "/api/v1/maintenance/{windowId}"), read(format!("/api/v1/maintenance/{}", id(&window))).await),
        ((post_.clone(), "/api/v1/status-pages"), with_slug(page_body, "second")),
        ((put.clone(), "/api/v1/status-pages/{pageId}"), read(format!("/api/v1/status-pages/{page_id}")).await),
        ((post_.clone(), "/api/v1/status-pages/{pageId}/incidents"), incident_body),
        (
            (post_.clone(), "/api/v1/status-pages/{pageId}/incidents/{incidentId}/updates"),
            json!({"state": "MONITORING", "body": "Fixed, watching", "components": {component.clone(): "operational"}}),
        ),
        (
            (post_.clone(), "/api/v1/status-pages/{pageId}/maintenance"),
            json!({"name": "db", "startsAt": "2030-01-01T00:00:00Z", "endsAt": "2030-01-01T01:00:00Z",
                   "recurrence": "FREQ=MONTHLY;BYDAY=1SU", "timeZone": "Europe/Riga", "componentIds": [component],
                   "description": "Upgrade", "autoStatus": true}),
        ),
    ]);
    World { ids, key, ping_tokens, bodies }
}

/// The write routes of the table: method, pattern and whether a key is needed.
fn write_routes() -> Vec<(Method, &'static str, bool)> {
    ROUTES
        .iter()
        .filter(|r| matches!(r.method, Method::POST | Method::PUT | Method::PATCH))
        .map(|r| (r.method.clone(), r.path, matches!(r.access, Access::Key(..))))
        .collect()
}

impl World {
    /// `pattern` with its parameters filled with the world's ids.
    fn path(&self, pattern: &str) -> String {
        let mut path = pattern.to_owned();
        if harness::is_probe_history(pattern) {
            path = path.replace("{monitorId}", &self.ids["probeId"]);
        }
        if pattern.contains("/status-pages/{pageId}/incidents/") {
            path = path.replace("{incidentId}", &self.ids["statusIncidentId"]);
        }
        if pattern.ends_with("/invitation") {
            path = path.replace("{userId}", &self.ids["invitedId"]);
        }
        for (name, id) in &self.ids {
            path = path.replace(&format!("{{{name}}}"), id);
        }
        path
    }

    /// `pattern` with its parameters filled with `segments` (ids of nothing, or junk).
    fn path_with(pattern: &str, segments: &[String]) -> String {
        let mut n = 0;
        pattern
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    n += 1;
                    segments[(n - 1) % segments.len()].clone()
                } else {
                    seg.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }
}

fn path_segment() -> BoxedStrategy<String> {
    prop_oneof![
        2 => Just(()).prop_map(|_| MonitorId::generate().to_string()),
        1 => select(&["mon_", "sp_nope", "0", "-1", "..", "%2e%2e", "a%2Fb", ""][..]).prop_map(str::to_owned),
        1 => url_text(),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------
// The management API's bodies.

/// Where in a JSON value a field or element is.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    At(usize),
}

fn paths(v: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        Value::Object(map) => {
            for (k, inner) in map {
                here.push(Step::Key(k.clone()));
                out.push(here.clone());
                paths(inner, here, out);
                here.pop();
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                here.push(Step::At(i));
                out.push(here.clone());
                paths(inner, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at<'v>(v: &'v mut Value, path: &[Step]) -> &'v mut Value {
    path.iter().fold(v, |v, step| match step {
        Step::Key(k) => &mut v[k.as_str()],
        Step::At(i) => &mut v[*i],
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    /// The field or element becomes this value.
    Replace(J),
    /// The field or element is left out.
    Remove,
    /// A field is added next to it.
    Add(String, J),
}

/// `base` with the field at `which` (of all its fields and elements) changed.
fn mutate(base: &Value, which: Index, mutation: &Mutation) -> String {
    const HOLE: &str = "\u{0}hole\u{0}";
    let mut all = Vec::new();
    paths(base, &mut Vec::new(), &mut all);
    let mut v = base.clone();
    if all.is_empty() {
        return match mutation {
            Mutation::Replace(j) => j.text(),
            Mutation::Remove => String::new(),
            Mutation::Add(k, j) => J::Obj(vec![(k.clone(), j.clone())]).text(),
        };
    }
    let path = &all[which.index(all.len())];
    let (parent, last) = path.split_at(path.len() - 1);
    let hole = serde_json::to_string(HOLE).unwrap();
    match mutation {
        Mutation::Replace(j) => {
            *at(&mut v, path) = json!(HOLE);
            return v.to_string().replacen(&hole, &j.text(), 1);
        }
        Mutation::Remove => match (at(&mut v, parent), &last[0]) {
            (Value::Object(map), Step::Key(k)) => {
                map.remove(k);
            }
            (Value::Array(items), Step::At(i)) => {
                items.remove(*i);
            }
            _ => {}
        },
        Mutation::Add(k, j) => {
            if let Value::Object(map) = at(&mut v, parent) {
                map.insert(k.clone(), json!(HOLE));
                return v.to_string().replacen(&hole, &j.text(), 1);
            }
        }
    }
    v.to_string()
}

/// The values most likely to be mishandled where a valid one stood.
fn extreme() -> BoxedStrategy<J> {
    prop_oneof![
        4 => json_number().prop_map(J::Num),
        3 => nasty_string().prop_map(J::Str),
        1 => long_string().prop_map(J::Str),
        1 => Just(J::Null),
        1 => any::<bool>().prop_map(J::Bool),
        1 => Just(J::Arr(vec![])),
        1 => Just(J::Obj(vec![])),
        1 => deep(),
        1 => json_value(),
        1 => prop::collection::vec(json_leaf(), 0..300).prop_map(J::Arr),
    ]
    .boxed()
}

fn mutation() -> BoxedStrategy<Mutation> {
    prop_oneof![
        6 => extreme().prop_map(Mutation::Replace),
        1 => Just(Mutation::Remove),
        1 => (prop_oneof![select(FIELDS).prop_map(str::to_owned), short_nasty()], extreme())
            .prop_map(|(k, j)| Mutation::Add(k, j)),
    ]
    .boxed()
}

/// An app on the embedded adapters, through the local composition root (which also takes
/// status page subscriptions).
async fn env() -> Env {
    Env::new().await
}

/// Each route's valid body is accepted: the mutations start from something that works.
async fn valid_bodies_are_accepted(env: &Env, world: &World) {
    for (method, pattern, keyed) in write_routes() {
        let body = world.bodies.get(&(method.to_string(), pattern));
        let body = body.unwrap_or_else(|| panic!("no valid body for {method} {pattern}: add one to `world`"));
        let key = keyed.then_some(world.key.as_str());
        let sent = Sent::new(method.clone(), world.path(pattern), key, body.to_string().into_bytes());
        let res = env.app.handle(sent.request()).await;
        assert!(res.status().is_success(), "{}", sent.describe(res.status(), res.body()));
    }
}

#[test]
fn every_write_route_answers_any_body_below_500() {
    let rt = runtime();
    let env = rt.block_on(env());
    let world = rt.block_on(world(&env));
    let routes = write_routes();
    let ids = prop_oneof![3 => Just(None), 1 => prop::collection::vec(path_segment(), 1..3).prop_map(Some)];
    proptest!(config(256), |(route in select(routes), segments in ids, body in any_body())| {
        let (method, pattern, keyed) = route;
        let path = segments.map_or_else(|| world.path(pattern), |s| World::path_with(pattern, &s));
        let sent = Sent::new(method, path, keyed.then_some(world.key.as_str()), body);
        rt.block_on(send(&env, &sent)).map_err(TestCaseError::fail)?;
    });
}

#[test]
fn every_write_route_answers_a_valid_body_with_one_field_changed_below_500() {
    let rt = runtime();
    let env = rt.block_on(env());
    let world = rt.block_on(world(&env));
    rt.block_on(valid_bodies_are_accepted(&env, &world));
    let routes = write_routes();
    proptest!(config(256), |(route in select(routes), which in any::<Index>(), change in mutation())| {
        let (method, pattern, keyed) = route;
        let body = mutate(&world.bodies[&(method.to_string(), pattern)], which, &change);
        let sent = Sent::new(method, world.path(pattern), keyed.then_some(world.key.as_str()), body.into_bytes());
        rt.block_on(send(&env, &sent)).map_err(TestCaseError::fail)?;
    });
}

#[test]
fn maintenance_routes_answer_any_recurrence_zone_and_time_below_500() {
    let rt = runtime();
    let env = rt.block_on(env());
    let world = rt.block_on(world(&env));
    let time = prop_oneof![
        3 => clock_time().prop_map(|t| t.to_rfc3339()),
        1 => any_time().prop_map(|t| t.to_rfc3339()),
        1 => select(&["0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2030-01-01T00:00:00+23:59",
            "2030-02-30T00:00:00Z", "1970-01-01T00:00:00Z"][..]).prop_map(str::to_owned),
    ];
    let length = prop_oneof![3 => 1i64..8 * 24 * 3600, 1 => -3600i64..3600 * 24 * 9];
    let pattern = select(&["/api/v1/maintenance", "/api/v1/status-pages/{pageId}/maintenance"][..]);
    proptest!(
        config(48),
        |(rule in rrule(), tz in time_zone(), starts_at in time, len in length, pattern in pattern)| {
            let ends_at = DateTime::parse_from_rfc3339(&starts_at)
                .ok()
                .and_then(|t| t.checked_add_signed(Duration::seconds(len)))
                .map_or_else(|| starts_at.clone(), |t| t.to_rfc3339());
            let mut body = json!({"name": "w", "startsAt": starts_at, "endsAt": ends_at, "recurrence": rule,
                "timeZone": tz});
            if pattern.contains("{pageId}") {
                body["componentIds"] = json!([world.ids["componentId"]]);
            }
            let sent = Sent::new(Method::POST, world.path(pattern), Some(&world.key), body.to_string().into_bytes());
            rt.block_on(send(&env, &sent)).map_err(TestCaseError::fail)?;
            // What was stored is read back and expanded: the list and the page that shows it.
            let list = if pattern.contains("{pageId}") { pattern } else { "/api/v1/maintenance" };
            for path in [world.path(list), "/status/status".to_owned(), "/status/status/api/v2/summary.json".to_owned()] {
                let read = Sent::new(Method::GET, path, Some(&world.key), vec![]);
                rt.block_on(send(&env, &read)).map_err(TestCaseError::fail)?;
            }
        }
    );
}

// ---------------------------------------------------------------------------------------
// The public routes: pings, the schedule preview, subscriptions.

fn method() -> BoxedStrategy<Method> {
    prop_oneof![
        12 => select(vec![Method::GET, Method::HEAD, Method::POST]),
        1 => select(vec![Method::PUT, Method::DELETE, Method::PATCH, Method::OPTIONS, Method::TRACE, Method::CONNECT]),
        1 => "[A-Z]{1,12}".prop_map(|m| Method::from_bytes(m.as_bytes()).unwrap()),
    ]
    .boxed()
}

/// Bytes a header value may hold (visible ASCII, tab, and obs-text).
fn header_value() -> BoxedStrategy<HeaderValue> {
    let byte = prop_oneof![3 => 0x20u8..0x7f, 1 => 0x80u8..=0xff, 1 => Just(b'\t')];
    prop_oneof![
        4 => prop::collection::vec(byte, 0..64),
        1 => (0x20u8..0x7f, 0..20_000usize).prop_map(|(b, n)| vec![b; n]),
    ]
    .prop_map(|bytes| HeaderValue::from_bytes(&bytes).unwrap())
    .boxed()
}

fn ping_body() -> BoxedStrategy<(Vec<u8>, Option<u64>)> {
    let body = prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..128),
        1 => nasty_string().prop_map(String::into_bytes),
        1 => (any::<u8>(), 0..1_100_000usize).prop_map(|(b, n)| vec![b; n]),
    ];
    let size = prop_oneof![4 => Just(None), 1 => any::<u64>().prop_map(Some), 1 => Just(Some(u64::MAX))];
    (body, size).boxed()
}

fn ip() -> BoxedStrategy<Option<IpAddr>> {
    prop_oneof![
        Just(None),
        any::<[u8; 4]>().prop_map(|b| Some(IpAddr::from(b))),
        any::<[u8; 16]>().prop_map(|b| Some(IpAddr::from(b)))
    ]
    .boxed()
}

#[test]
fn every_ping_answers_below_500() {
    let rt = runtime();
    let env = rt.block_on(env());
    let world = rt.block_on(world(&env));
    let token = prop_oneof![
        4 => select(world.ping_tokens.clone()),
        1 => Just(()).prop_map(|_| MonitorId::generate().to_string()),
        1 => url_text(),
    ];
    let suffix = prop_oneof![
        4 => select(&["", "/", "/start", "/fail", "/log", "/0", "/1", "/255", "/256", "/999", "/-1", "/START",
            "/start/", "/start/x", "/%73tart", "//", "/0000", "/00000000000000000001", "/18446744073709551616"][..])
            .prop_map(str::to_owned),
        1 => select(NUMBERS).prop_map(|n| format!("/{}", form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>())),
        1 => url_text().prop_map(|s| format!("/{s}")),
    ];
    let value = prop_oneof![
        4 => select(&["success", "fail", "start", "log", "FAIL", "Start", "0", "1", "255", "256", "critical", "low",
            "urgent", "abc-1", "a.b_c-9", "", "a b", "é"][..]).prop_map(str::to_owned),
        2 => nasty_string(),
        1 => (select(&['a', '-', '.', '_', '9'][..]), 60..70usize).prop_map(|(c, n)| std::iter::repeat_n(c, n).collect()),
    ]
    .boxed();
    let q = query(&["state", "exitCode", "severity", "rid"], value);
    let headers = prop::collection::vec(
        (select(vec![header::USER_AGENT, header::CONTENT_TYPE, header::HOST, header::AUTHORIZATION]), header_value()),
        0..3,
    );
    proptest!(
        config(256),
        |(method in method(), token in token, suffix in suffix, q in q, headers in headers, body in ping_body(), ip in ip())| {
            let path = match q {
                Some(q) => format!("/ping/{token}{suffix}?{q}"),
                None => format!("/ping/{token}{suffix}"),
            };
            let mut sent = Sent::new(method, path, None, body.0);
            sent.body_size = body.1;
            sent.headers = headers;
            sent.source_ip = ip;
            let head = sent.method == Method::HEAD;
            let res = rt.block_on(env.app.handle(sent.request()));
            prop_assert!(acceptable(res.status()), "{}", sent.describe(res.status(), res.body()));
            prop_assert!(!head || res.body().is_empty());
            let res = rt.block_on(env.app.handle_pings(sent.request()));
            prop_assert!(acceptable(res.status()), "pings only: {}", sent.describe(res.status(), res.body()));
        }
    );
}

#[test]
fn the_schedule_preview_answers_any_query_below_500() {
    let rt = runtime();
    let env = rt.block_on(Env::new());
    let value = prop_oneof![
        3 => cron_expr(),
        2 => time_zone(),
        2 => select(&["60", "0", "1", "31622400", "31622401", "100", "101", "5", "2026-03-29T00:00:00Z",
            "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "2026-03-29T01:30:00+14:00", "2026-02-30T00:00:00Z"][..])
            .prop_map(str::to_owned),
        1 => select(NUMBERS).prop_map(str::to_owned),
        1 => nasty_string(),
    ]
    .boxed();
    let q = query(&["cron", "tz", "interval", "count", "from"], value);
    // Each parameter once, mostly well-formed: the search itself runs.
    let count = prop_oneof![3 => (1..=100u32).prop_map(|n| n.to_string()), 1 => nasty_string()];
    let from = prop_oneof![3 => any_time().prop_map(|t| t.to_rfc3339()), 1 => nasty_string()];
    let each = (cron_expr(), prop::option::of(time_zone()), prop::option::of(count), prop::option::of(from)).prop_map(
        |(cron, tz, count, from)| {
            let mut q = form_urlencoded::Serializer::new(String::new());
            q.append_pair("cron", &cron);
            for (name, value) in [("tz", tz), ("count", count), ("from", from)] {
                if let Some(v) = value {
                    q.append_pair(name, &v);
                }
            }
            Some(q.finish())
        },
    );
    let q = prop_oneof![1 => q, 2 => each];
    proptest!(config(256), |(q in q, method in method())| {
        let path = match q {
            Some(q) => format!("/api/v1/schedule/preview?{q}"),
            None => "/api/v1/schedule/preview".to_owned(),
        };
        let sent = Sent::new(method, path, None, vec![]);
        rt.block_on(send(&env, &sent)).map_err(TestCaseError::fail)?;
    });
}

#[test]
fn the_subscription_routes_answer_anything_below_500() {
    let rt = runtime();
    let env = rt.block_on(env());
    let world = rt.block_on(world(&env));
    let component = world.ids["componentId"].clone();
    let valid = json!({"email": "reader@example.com", "components": [component], "events": ["outage", "resolved"]});
    let body = prop_oneof![
        2 => any_body().prop_map(|b| (b, false)),
        3 => (any::<Index>(), mutation()).prop_map(move |(which, m)| (mutate(&valid, which, &m).into_bytes(), false)),
        1 => query(&["email", "webhookUrl", "slackWebhookUrl", "components", "events"], nasty_string())
            .prop_map(|q| (q.unwrap_or_default().into_bytes(), true)),
    ];
    let place = prop_oneof![
        3 => select(&["/subscribe", "/subscribe/verify", "/unsubscribe"][..]).prop_map(str::to_owned),
        1 => url_text().prop_map(|s| format!("/{s}")),
    ];
    let token = prop_oneof![
        2 => Just(None),
        2 => url_text().prop_map(Some),
        1 => select(&["a.b.c", "", "%00", "sub_x.y"][..]).prop_map(|t| Some(t.to_owned())),
    ];
    proptest!(
        config(192),
        |(method in method(), on_domain in any::<bool>(), place in place, token in token, body in body)| {
            let (bytes, form) = body;
            let mut path = if on_domain { place } else { format!("/status/status{place}") };
            if let Some(t) = token {
                path = format!("{path}?token={t}");
            }
            let mut sent = Sent::new(method, path, None, bytes);
            if on_domain {
                sent.headers.push((header::HOST, HeaderValue::from_static("status.example.com")));
                sent.headers.push((header::HeaderName::from_static("x-tokiflow-host"), HeaderValue::from_static("status.example.com")));
            }
            if form {
                sent.headers.push((header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded")));
            }
            rt.block_on(send(&env, &sent)).map_err(TestCaseError::fail)?;
        }
    );
}

// ---------------------------------------------------------------------------------------
// What the properties found, kept as plain cases.

/// chrono panicked placing the earliest time it can hold in a zone east of UTC.
#[test]
fn a_cron_search_from_the_earliest_time_answers() {
    let s = Schedule::cron("0 0 */100 * MON#4", "Pacific/Guam").unwrap();
    assert_eq!(s.next_after(DateTime::<Utc>::MIN_UTC), None);
    let s = Schedule::cron("* * * * *", "America/New_York").unwrap();
    assert_eq!(s.next_after(DateTime::<Utc>::MIN_UTC), None);
    assert!(s.next_after("0000-01-01T00:00:00Z".parse().unwrap()).is_some());
}

/// Occurrences were walked from the first one without bound: a window repeating every
/// second since 2020 took hours to check (in the API's answer, the status page, the
/// missed check).
#[test]
fn a_dense_rule_started_long_ago_is_expanded_in_bounded_work() {
    let now: DateTime<Utc> = "2026-06-01T12:00:00Z".parse().unwrap();
    for rule in ["FREQ=SECONDLY", "FREQ=MINUTELY;BYSECOND=0,30", "FREQ=HOURLY;BYMINUTE=0,10,20;BYSECOND=0,1,2"] {
        let starts_at = "2020-01-01T00:00:00Z".parse().unwrap();
        let w = MaintenanceWindow::new(
            OrgId::generate(),
            Name::new("w").unwrap(),
            starts_at,
            starts_at + Duration::seconds(1),
            Some(Recurrence::parse(rule).unwrap()),
            chrono_tz::Tz::UTC,
            vec![],
        )
        .unwrap();
        let _ = w.covering(now);
        let _ = w.next_start_after(now);
        let page = PageMaintenance::new(StatusPageId::generate(), w, vec![], None, now);
        let _ = page.occurrence_at(now);
    }
    // Within the bound, rules still cover what they name.
    let starts_at = "2026-06-01T00:00:00Z".parse().unwrap();
    let w = MaintenanceWindow::new(
        OrgId::generate(),
        Name::new("w").unwrap(),
        starts_at,
        starts_at + Duration::seconds(30),
        Some(Recurrence::parse("FREQ=MINUTELY").unwrap()),
        chrono_tz::Tz::UTC,
        vec![],
    )
    .unwrap();
    assert_eq!(w.covering(now + Duration::seconds(10)), Some(now + Duration::seconds(30)));
    assert_eq!(w.next_start_after(now), Some(now + Duration::minutes(1)));
}
