//! The management API under `/api/v1`: resolve the route in the policy table, check the
//! caller (key, address, rate, scope and role), then call the handler of the operation,
//! in a module per resource. Handlers only translate between HTTP and the services in
//! `services::manage`: each reads an explicit input type and answers an explicit view
//! (nothing of a domain value reaches the wire unlisted).
mod api_keys;
mod call;
mod channels;
mod dependencies;
mod dispatch;
mod incidents;
mod invitations;
mod maintenance;
mod members;
mod monitors;
pub mod openapi;
mod org;
pub mod policy;
mod probes;
mod runs;
mod status_pages;
mod subscribers;
pub(crate) mod wire;

use super::{ApiError, ApiRequest, ApiResponse, App};
use crate::services::auth::{AuthError, authenticate};
use http::header;
use policy::{Access, Resolved, resolve};

pub async fn handle(app: &App, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let (route, params) = match resolve(&req.method, &req.path) {
        Resolved::Found(route, params) => (route, params),
        Resolved::WrongMethod(allow) => return Err(ApiError::method_not_allowed(&allow)),
        Resolved::NotFound => return Err(ApiError::not_found("no such route")),
    };
    let caller = match route.access {
        Access::Public => None,
        Access::Key(scope, role) => {
            let authorization = req.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
            let caller = authenticate(app.store.as_ref(), authorization, req.source_ip).await.map_err(auth_error)?;
            app.rate_limiter.check(&caller.key.id).map_err(ApiError::rate_limited)?;
            if !caller.may(scope, role) {
                tracing::info!(key_id = %caller.key.id, op = ?route.op, "forbidden by policy");
                return Err(ApiError::forbidden(format!(
                    "needs scope {} and role {:?} or above",
                    serde_json::to_string(&scope).unwrap_or_default().trim_matches('"'),
                    role
                )));
            }
            Some(caller)
        }
    };
    dispatch::run(app, route.op, &params, caller.as_ref(), req).await
}

fn auth_error(e: AuthError) -> ApiError {
    match e {
        AuthError::Missing | AuthError::Invalid => ApiError::unauthorized(e.to_string()),
        // From outside the org's allowlist a valid key answers as an invalid one: a 403
        // would tell whoever holds a leaked key that it works (the log says which).
        AuthError::AddressNotAllowed => ApiError::unauthorized(AuthError::Invalid.to_string()),
        AuthError::Store(e) => e.into(),
    }
}
