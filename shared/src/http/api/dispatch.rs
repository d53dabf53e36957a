//! From an operation of the route table to its handler: one line each. The handlers live
//! in a module per resource and get what they read through `Call`.
use super::super::query::Query;
use super::super::{ApiError, ApiRequest, ApiResponse, App};
use super::call::Call;
use super::policy::Op;
use super::{api_keys, channels, dependencies, incidents, maintenance, members, monitors, org, runs};
use super::{invitations, probes, status_pages, subscribers};
use crate::services::auth::Principal;
use chrono::Utc;

pub async fn run(
    app: &App,
    op: Op,
    params: &[&str],
    caller: Option<&Principal>,
    req: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let now = Utc::now();
    let Some(who) = caller else {
        return match op {
            Op::SchedulePreview => super::super::schedule::preview(req, now),
            Op::OpenApi => Ok(super::openapi::document()),
            Op::AcceptInvitation => invitations::accept(app, req, now).await,
            _ => Err(ApiError::internal()),
        };
    };
    let call = Call { app, who, params, req, query: Query::parse(req.query.as_deref())?, now };
    let c = &call;
    match op {
        Op::SchedulePreview | Op::OpenApi | Op::AcceptInvitation => Err(ApiError::internal()),
        Op::ListMonitors => monitors::list(c).await,
        Op::CreateMonitor => monitors::create(c).await,
        Op::GetMonitor => monitors::get(c).await,
        Op::UpdateMonitor => monitors::update(c).await,
        Op::DeleteMonitor => monitors::delete(c).await,
        Op::PauseMonitor => monitors::pause(c).await,
        Op::ResumeMonitor => monitors::resume(c).await,
        Op::SetTags => monitors::set_tags(c).await,
        Op::ListRuns => runs::list(c).await,
        Op::RunOutput => runs::output(c).await,
        Op::ListChecks => probes::checks(c).await,
        Op::ListDowntime => probes::downtime(c).await,
        Op::AnnotateDowntime => probes::annotate_downtime(c).await,
        Op::GetUptime => probes::uptime(c).await,
        Op::ListDebugSessions => probes::debug_sessions(c).await,
        Op::StartDebugSession => probes::start_debug_session(c).await,
        Op::GetDebugSession => probes::debug_session(c).await,
        Op::ListDependencies => dependencies::list(c).await,
        Op::AddDependency => dependencies::add(c).await,
        Op::RemoveDependency => dependencies::remove(c).await,
        Op::ListIncidents => incidents::list(c).await,
        Op::GetIncident => incidents::get(c).await,
        Op::AcknowledgeIncident => incidents::acknowledge(c).await,
        Op::ResolveIncident => incidents::resolve(c).await,
        Op::IncidentEvents => incidents::events(c).await,
        Op::IncidentDeliveries => incidents::deliveries(c).await,
        Op::GetOrg => org::get(c).await,
        Op::UpdateOrg => org::update(c).await,
        Op::ListMembers => members::list(c).await,
        Op::InviteMember => members::invite(c).await,
        Op::ReinviteMember => members::reinvite(c).await,
        Op::UpdateMember => members::update(c).await,
        Op::RemoveMember => members::remove(c).await,
        Op::ListApiKeys => api_keys::list(c).await,
        Op::CreateApiKey => api_keys::create(c).await,
        Op::RevokeApiKey => api_keys::revoke(c).await,
        Op::ListChannels => channels::list(c).await,
        Op::CreateChannel => channels::create(c).await,
        Op::GetChannel => channels::get(c).await,
        Op::ReplaceChannel => channels::replace(c).await,
        Op::DeleteChannel => channels::delete(c).await,
        Op::TestChannel => channels::test(c).await,
        Op::ListMaintenance => maintenance::list(c).await,
        Op::CreateMaintenance => maintenance::create(c).await,
        Op::GetMaintenance => maintenance::get(c).await,
        Op::ReplaceMaintenance => maintenance::replace(c).await,
        Op::DeleteMaintenance => maintenance::delete(c).await,
        Op::ListSubscribers => subscribers::list(c).await,
        Op::DeleteSubscriber => subscribers::delete(c).await,
        Op::ListStatusPages => status_pages::list(c).await,
        Op::CreateStatusPage => status_pages::create(c).await,
        Op::GetStatusPage => status_pages::get(c).await,
        Op::ReplaceStatusPage => status_pages::replace(c).await,
        Op::ListStatusIncidents => status_pages::list_incidents(c).await,
        Op::CreateStatusIncident => status_pages::create_incident(c).await,
        Op::PostIncidentUpdate => status_pages::post_incident_update(c).await,
        Op::ListPageMaintenance => status_pages::list_maintenance(c).await,
        Op::CreatePageMaintenance => status_pages::create_maintenance(c).await,
    }
}
