//! JSON in and out: request bodies read with the field at fault named, query parameters,
//! pages, and the public views of stored values (without hashes and internals).
use super::super::query::Query;
use super::super::{ApiError, ApiRequest, ApiResponse, json};
use crate::domain::channel::Channel;
use crate::domain::incident_event::IncidentEvent;
use crate::domain::monitor::Monitor;
use crate::domain::notification::delivery::Delivery;
use crate::domain::org::{ApiKey, User};
use crate::domain::run::Run;
use crate::services::manage::page::{DEFAULT_LIMIT, MAX_LIMIT, Paged, valid_cursor};
use http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

/// Reads the body as `T`; a syntax error names `body`, a missing, unknown or mistyped
/// field names its JSON path (`schedule.seconds`, `tags[2]`).
pub fn body<T: DeserializeOwned>(req: &ApiRequest) -> Result<T, ApiError> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("body", "expected a JSON object"));
    }
    let mut de = serde_json::Deserializer::from_slice(&req.body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        // A cut-off body is the body's fault; anything else is where the parser stood
        // (serde_json calls a value of the wrong kind for an enum a syntax error).
        let field = if inner.is_eof() { "body".to_owned() } else { field_of(&path, &message) };
        ApiError::bad_request(field, message)
    })?;
    de.end().map_err(|e| ApiError::bad_request("body", e.to_string()))?;
    Ok(value)
}

/// serde reports a missing or unknown field at its parent's path, naming it in the message.
fn field_of(path: &str, message: &str) -> String {
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|p| message.strip_prefix(p))
        .and_then(|rest| rest.split('`').next());
    let parent = if path == "." { "" } else { path };
    match (named, parent) {
        // Unknown fields are already on the path.
        (Some(name), p) if p == name || p.ends_with(&format!(".{name}")) => p.to_owned(),
        (Some(name), "") => name.to_owned(),
        (Some(name), parent) => format!("{parent}.{name}"),
        (None, "") => "body".to_owned(),
        (None, parent) => parent.to_owned(),
    }
}

pub struct PageParams {
    pub limit: usize,
    pub cursor: Option<String>,
}

pub fn page_params(q: &Query) -> Result<PageParams, ApiError> {
    let limit = match q.get("limit") {
        None => DEFAULT_LIMIT,
        Some(raw) => raw.parse::<usize>().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
            ApiError::bad_request("limit", format!("limit must be a whole number from 1 to {MAX_LIMIT}"))
        })?,
    };
    let cursor = q.get("cursor");
    if cursor.as_deref().is_some_and(|c| !valid_cursor(c)) {
        return Err(ApiError::bad_request("cursor", "not a cursor this API gave out"));
    }
    Ok(PageParams { limit, cursor })
}

/// `{"items": […], "nextCursor": … | null}`.
pub fn page<T>(paged: Paged<T>, view: impl Fn(&T) -> Value) -> ApiResponse {
    let items: Vec<Value> = paged.items.iter().map(view).collect();
    json(StatusCode::OK, &serde_json::json!({ "items": items, "nextCursor": paged.next_cursor }))
}

pub fn ok(v: Value) -> ApiResponse {
    json(StatusCode::OK, &v)
}

pub fn created(v: Value) -> ApiResponse {
    json(StatusCode::CREATED, &v)
}

pub fn no_content() -> ApiResponse {
    let mut res = ApiResponse::new(bytes::Bytes::new());
    *res.status_mut() = StatusCode::NO_CONTENT;
    res
}

pub fn value(v: &impl Serialize) -> Value {
    serde_json::to_value(v).expect("domain values serialise")
}

fn without(mut v: Value, fields: &[&str]) -> Value {
    if let Value::Object(map) = &mut v {
        for f in fields {
            map.remove(*f);
        }
    }
    v
}

/// The monitor without its token hash and the bookkeeping only the state machine needs.
pub fn monitor_view(m: &Monitor) -> Value {
    without(value(m), &["tokenHash", "openStarts", "armedFor", "version", "recentDurationsMs"])
}

/// A member as the API shows them: never their invitation's hash.
pub fn member_view(u: &User) -> Value {
    serde_json::json!({
        "id": u.id,
        "orgId": u.org_id,
        "email": u.email,
        "role": u.role,
        "createdAt": u.created_at,
        "invitationExpiresAt": u.invitation.as_ref().map(|i| i.expires_at),
    })
}

/// A member with the invitation token shown this once.
pub fn invited_member_view(invited: &crate::services::manage::InvitedMember) -> Value {
    let mut v = member_view(&invited.user);
    v["invitation"] = serde_json::json!({
        "token": invited.token.reveal(),
        "expiresAt": invited.user.invitation.as_ref().map(|i| i.expires_at),
    });
    v
}

/// A new key with its secret, shown this once.
pub fn created_api_key_view(made: &crate::services::manage::CreatedApiKey) -> Value {
    let mut v = api_key_view(&made.key);
    v["secret"] = Value::String(made.secret.reveal().to_owned());
    v
}

pub fn api_key_view(k: &ApiKey) -> Value {
    without(value(k), &["keyHash"])
}

/// A webhook's signing secret is write-only; below ADMIN (who may change a channel) its
/// target's addresses and keys show only their last four characters.
pub fn channel_view(c: &Channel, caller: &crate::services::auth::Principal) -> Value {
    let mut v = value(c);
    if let Some(secret) = v.pointer_mut("/target/secret") {
        *secret = Value::String("********".into());
    }
    if caller.user.role < crate::domain::org::Role::Admin
        && let Some(Value::Object(target)) = v.get_mut("target")
    {
        for (name, field) in target.iter_mut() {
            if let (false, Value::String(text)) = (name == "kind", &*field) {
                *field = Value::String(last_four(text));
            }
        }
    }
    v
}

fn last_four(s: &str) -> String {
    let tail: Vec<char> = s.chars().rev().take(4).collect();
    format!("…{}", tail.into_iter().rev().collect::<String>())
}

// Incident history, run output URLs and channel tests.

/// `{"items": […]}`: a whole, short list (an incident's events or deliveries), not paged.
pub fn list(items: impl Iterator<Item = Value>) -> ApiResponse {
    json(StatusCode::OK, &serde_json::json!({ "items": items.collect::<Vec<_>>() }))
}

/// One change of an incident: what, when, and the severity and status it left.
pub fn event_view(e: &IncidentEvent) -> Value {
    serde_json::json!({
        "change": e.change,
        "at": e.at,
        "severity": e.incident.severity,
        "status": e.incident.status,
    })
}

/// A run, with `outputUrl` when its full output is stored apart (and without the key of
/// where: storage detail).
pub fn run_view(run: &Run, output_url: Option<Url>) -> Value {
    let mut v = value(run);
    if let Some(output) = v.get_mut("output") {
        *output = without(output.take(), &["blobKey"]);
    }
    if let Some(url) = output_url {
        v["outputUrl"] = Value::String(url.into());
    }
    v
}

/// What a channel test came to: the delivery (no URL or secret is in it), with its last
/// status code and error lifted out.
pub fn test_result_view(d: &Delivery) -> Value {
    let mut v = value(d);
    v["delivered"] = Value::Bool(d.delivered());
    v["status"] = serde_json::json!(d.last_status());
    v["error"] = serde_json::json!(d.last_error());
    v
}

/// A subscriber as an admin sees it: where, what and whether confirmed; no token hashes,
/// no webhook secret.
pub fn subscriber_view(s: &crate::domain::status_page::subscriber::Subscriber) -> Value {
    let mut v = value(s);
    if let Some(o) = v.as_object_mut() {
        o.remove("verifyHash");
        o.remove("unsubscribeHashes");
    }
    if let Some(secret) = v.pointer_mut("/target/secret") {
        *secret = Value::String("********".into());
    }
    v
}

/// A status page without its access token's hash (a private page shows only its kind).
pub fn status_page_view(p: &crate::domain::status_page::StatusPage) -> Value {
    let mut v = value(p);
    if let Some(Value::Object(visibility)) = v.get_mut("visibility") {
        visibility.remove("tokenHash");
    }
    v
}

/// A page just saved: with `accessToken` when this write made one (shown only here).
pub fn saved_page_view(saved: &crate::services::manage::SavedStatusPage) -> Value {
    let mut v = status_page_view(&saved.page);
    if let Some(token) = &saved.token {
        v["accessToken"] = Value::String(token.reveal().to_owned());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_from_serde_errors() {
        assert_eq!(field_of(".", "missing field `name`"), "name");
        assert_eq!(field_of("schedule", "missing field `seconds`"), "schedule.seconds");
        assert_eq!(field_of("nmae", "unknown field `nmae`, expected one of …"), "nmae");
        assert_eq!(field_of("schedule.x", "unknown field `x`, expected one of …"), "schedule.x");
        assert_eq!(field_of("grace", "invalid type: string \"x\", expected u64"), "grace");
        assert_eq!(field_of(".", "invalid type: integer, expected a map"), "body");
    }
}
