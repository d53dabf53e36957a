//! Query-string reading: the first value of each named parameter, bounded in size.
use super::ApiError;

/// Longer query strings are refused rather than parsed.
pub const MAX_QUERY: usize = 4096;

pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let raw = raw.unwrap_or("");
        if raw.len() > MAX_QUERY {
            return Err(ApiError::bad_request("query", format!("query string must be at most {MAX_QUERY} bytes")));
        }
        Ok(Self(form_urlencoded::parse(raw.as_bytes()).into_owned().collect()))
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    /// Every value of a repeated parameter, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }
}
