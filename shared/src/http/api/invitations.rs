//! `POST /invitations/accept`: public, the invitation token being the credential.
use super::api_keys::CreatedApiKeyView;
use super::members::MemberView;
use super::wire::{body, created};
use crate::http::{ApiError, ApiRequest, ApiResponse, App};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AcceptedView<'a> {
    member: MemberView<'a>,
    api_key: CreatedApiKeyView<'a>,
}

pub(super) async fn accept(app: &App, req: &ApiRequest, now: DateTime<Utc>) -> Result<ApiResponse, ApiError> {
    let accepted = app.manage.accept_invitation(body(req)?, req.source_ip, now).await?;
    Ok(created(AcceptedView {
        member: MemberView::from(&accepted.user),
        api_key: CreatedApiKeyView::from(&accepted.key),
    }))
}
