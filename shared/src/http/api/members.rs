//! `/members`: the people of the org, their roles and invitations.
use super::call::{Call, by_id};
use super::wire::{created, no_content, ok, page};
use crate::domain::ids::{OrgId, UserId};
use crate::domain::org::{Email, Role, User};
use crate::http::{ApiError, ApiResponse};
use crate::services::manage::{InvitedMember, UpdateMember};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A member as the API shows them: never their invitation's hash.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberView<'a> {
    id: &'a UserId,
    org_id: &'a OrgId,
    email: &'a Email,
    role: Role,
    created_at: DateTime<Utc>,
    invitation_expires_at: Option<DateTime<Utc>>,
}

impl<'a> From<&'a User> for MemberView<'a> {
    fn from(u: &'a User) -> Self {
        Self {
            id: &u.id,
            org_id: &u.org_id,
            email: &u.email,
            role: u.role,
            created_at: u.created_at,
            invitation_expires_at: u.invitation.as_ref().map(|i| i.expires_at),
        }
    }
}

/// What `PATCH` takes back from a `MemberView` and ignores.
pub const READ_ONLY: &[&str] = &["id", "orgId", "email", "createdAt", "invitationExpiresAt"];

/// A member with the invitation token shown this once.
#[derive(Serialize)]
struct InvitedMemberView<'a> {
    #[serde(flatten)]
    member: MemberView<'a>,
    invitation: InvitationView,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InvitationView {
    token: String,
    expires_at: Option<DateTime<Utc>>,
}

impl<'a> From<&'a InvitedMember> for InvitedMemberView<'a> {
    fn from(i: &'a InvitedMember) -> Self {
        Self {
            member: MemberView::from(&i.user),
            invitation: InvitationView {
                token: i.token.reveal(),
                expires_at: i.user.invitation.as_ref().map(|i| i.expires_at),
            },
        }
    }
}

pub(super) async fn list(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let members = c.manage().members(c.org()).await?;
    Ok(page(&by_id(c, members, |u| u.id.to_string())?, MemberView::from))
}

pub(super) async fn invite(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(created(InvitedMemberView::from(&c.manage().invite_member(c.who, c.body()?, c.now).await?)))
}

pub(super) async fn reinvite(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(ok(InvitedMemberView::from(&c.manage().reinvite_member(c.who, c.param(0), c.now).await?)))
}

pub(super) async fn update(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let edit: UpdateMember = c.body_accepting(READ_ONLY)?;
    Ok(ok(MemberView::from(&c.manage().update_member(c.who, c.param(0), edit).await?)))
}

pub(super) async fn remove(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    c.manage().remove_member(c.who, c.param(0)).await?;
    Ok(no_content())
}
