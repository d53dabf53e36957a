//! The OpenAPI document of the management API.
use super::super::{ApiResponse, json};
use http::StatusCode;

pub fn document() -> ApiResponse {
    json(
        StatusCode::OK,
        &serde_json::json!({"openapi": "3.1.0", "info": {"title": "Tokiflow", "version": env!("CARGO_PKG_VERSION")}, "paths": {}}),
    )
}
