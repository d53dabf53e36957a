//! JSON in and out: request bodies read with the field at fault named (and a view's
//! read-only fields accepted back), query parameters, pages and lists of views.
use super::super::query::Query;
use super::super::{ApiError, ApiRequest, ApiResponse, json};
use crate::services::manage::pagination::{DEFAULT_LIMIT, MAX_PAGE, Page, valid_cursor};
use http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

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

/// `body`, for a write that takes back what a read answered: the view's read-only fields
/// (`id`, `createdAt`, a computed `status`…, as paths like `components[].status`) are
/// accepted and ignored; any other unknown field is still refused.
pub fn body_accepting<T: DeserializeOwned>(req: &ApiRequest, read_only: &[&str]) -> Result<T, ApiError> {
    let mut value: Value = body(req)?;
    for path in read_only {
        remove_path(&mut value, path);
    }
    from_value(value)
}

/// A body already read as JSON, as `T`, the field at fault named.
fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        ApiError::bad_request(field_of(&path, &message), message)
    })
}

/// Removes the field at `path` (`a.b`, `list[].field`) wherever it is present.
fn remove_path(value: &mut Value, path: &str) {
    let (head, rest) = path.split_once('.').map_or((path, None), |(h, r)| (h, Some(r)));
    match (head.strip_suffix("[]"), rest) {
        (Some(list), Some(rest)) => {
            if let Some(Value::Array(items)) = value.get_mut(list) {
                items.iter_mut().for_each(|item| remove_path(item, rest));
            }
        }
        (None, Some(rest)) => {
            if let Some(inner) = value.get_mut(head) {
                remove_path(inner, rest);
            }
        }
        (_, None) => {
            if let Value::Object(map) = value {
                map.remove(head);
            }
        }
    }
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
        Some(raw) => raw.parse::<usize>().ok().filter(|n| (1..=MAX_PAGE).contains(n)).ok_or_else(|| {
            ApiError::bad_request("limit", format!("limit must be a whole number from 1 to {MAX_PAGE}"))
        })?,
    };
    let cursor = q.get("cursor");
    if cursor.as_deref().is_some_and(|c| !valid_cursor(c)) {
        return Err(ApiError::bad_request("cursor", "not a cursor this API gave out"));
    }
    Ok(PageParams { limit, cursor })
}

/// `{"items": […], "nextCursor": … | null}`, each item shown through `view`.
pub fn page<'p, T, V: Serialize>(paged: &'p Page<T>, view: impl Fn(&'p T) -> V) -> ApiResponse {
    let items: Vec<V> = paged.items.iter().map(view).collect();
    json(StatusCode::OK, &serde_json::json!({ "items": items, "nextCursor": paged.next }))
}

pub fn ok(view: impl Serialize) -> ApiResponse {
    json(StatusCode::OK, &view)
}

pub fn created(view: impl Serialize) -> ApiResponse {
    json(StatusCode::CREATED, &view)
}

pub fn no_content() -> ApiResponse {
    let mut res = ApiResponse::new(bytes::Bytes::new());
    *res.status_mut() = StatusCode::NO_CONTENT;
    res
}

/// `{"items": […]}`: a whole, short list (an incident's events or deliveries), not paged.
pub fn list<V: Serialize>(items: impl Iterator<Item = V>) -> ApiResponse {
    json(StatusCode::OK, &serde_json::json!({ "items": items.collect::<Vec<_>>() }))
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
