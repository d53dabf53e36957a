//! The one table of the management API: every route, the operation it runs, and who may
//! call it (the key's scope AND its owner's minimum role). Routing and authorisation
//! both read it, and the tests walk it, so a route cannot exist without a policy.
use crate::domain::org::{Role, Scope};
use http::Method;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    SchedulePreview,
    OpenApi,
    ListMonitors,
    CreateMonitor,
    GetMonitor,
    UpdateMonitor,
    DeleteMonitor,
    PauseMonitor,
    ResumeMonitor,
    SetTags,
    ListRuns,
    RunOutput,
    // Probe monitors' history.
    ListChecks,
    ListDowntime,
    AnnotateDowntime,
    GetUptime,
    ListDebugSessions,
    StartDebugSession,
    GetDebugSession,
    ListDependencies,
    AddDependency,
    RemoveDependency,
    ListIncidents,
    GetIncident,
    AcknowledgeIncident,
    ResolveIncident,
    GetOrg,
    UpdateOrg,
    ListMembers,
    InviteMember,
    UpdateMember,
    RemoveMember,
    ReinviteMember,
    AcceptInvitation,
    ListApiKeys,
    CreateApiKey,
    RevokeApiKey,
    ListChannels,
    CreateChannel,
    GetChannel,
    ReplaceChannel,
    DeleteChannel,
    ListMaintenance,
    CreateMaintenance,
    GetMaintenance,
    ReplaceMaintenance,
    DeleteMaintenance,
    // Incident history and channel tests.
    IncidentEvents,
    IncidentDeliveries,
    TestChannel,
    // Status page subscribers.
    ListSubscribers,
    DeleteSubscriber,
    // Status pages, their incidents and maintenance.
    ListStatusPages,
    CreateStatusPage,
    GetStatusPage,
    ReplaceStatusPage,
    ListStatusIncidents,
    CreateStatusIncident,
    PostIncidentUpdate,
    ListPageMaintenance,
    CreatePageMaintenance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No key needed: reads that reveal nothing about any org.
    Public,
    /// An API key with this scope, whose owner has at least this role.
    Key(Scope, Role),
}

#[derive(Debug)]
pub struct Route {
    pub method: Method,
    /// `{name}` matches one path segment.
    pub path: &'static str,
    pub op: Op,
    pub access: Access,
}

const fn route(method: Method, path: &'static str, op: Op, access: Access) -> Route {
    Route { method, path, op, access }
}

use Access::{Key, Public};
use Role::{Admin, Member, Owner, Viewer};
use Scope::*;

/// VIEWER reads; MEMBER manages monitors (with their dependencies and maintenance) and
/// incidents; ADMIN also channels and API keys (and status pages, whose routes live
/// with them); OWNER also members and org settings.
pub static ROUTES: &[Route] = &[
    route(Method::GET, "/api/v1/schedule/preview", Op::SchedulePreview, Public),
    route(Method::GET, "/api/v1/openapi.json", Op::OpenApi, Public),
    route(Method::GET, "/api/v1/monitors", Op::ListMonitors, Key(MonitorsRead, Viewer)),
    route(Method::POST, "/api/v1/monitors", Op::CreateMonitor, Key(MonitorsWrite, Member)),
    route(Method::GET, "/api/v1/monitors/{monitorId}", Op::GetMonitor, Key(MonitorsRead, Viewer)),
    route(Method::PATCH, "/api/v1/monitors/{monitorId}", Op::UpdateMonitor, Key(MonitorsWrite, Member)),
    route(Method::DELETE, "/api/v1/monitors/{monitorId}", Op::DeleteMonitor, Key(MonitorsWrite, Member)),
    route(Method::POST, "/api/v1/monitors/{monitorId}/pause", Op::PauseMonitor, Key(MonitorsWrite, Member)),
    route(Method::POST, "/api/v1/monitors/{monitorId}/resume", Op::ResumeMonitor, Key(MonitorsWrite, Member)),
    route(Method::PUT, "/api/v1/monitors/{monitorId}/tags", Op::SetTags, Key(MonitorsWrite, Member)),
    route(Method::GET, "/api/v1/monitors/{monitorId}/runs", Op::ListRuns, Key(MonitorsRead, Viewer)),
    route(Method::GET, "/api/v1/monitors/{monitorId}/runs/{runId}/output", Op::RunOutput, Key(MonitorsRead, Viewer)),
    route(Method::GET, "/api/v1/monitors/{monitorId}/checks", Op::ListChecks, Key(MonitorsRead, Viewer)),
    route(Method::GET, "/api/v1/monitors/{monitorId}/downtime", Op::ListDowntime, Key(MonitorsRead, Viewer)),
    route(
        Method::PATCH,
        "/api/v1/monitors/{monitorId}/downtime/{downtimeId}",
        Op::AnnotateDowntime,
        Key(MonitorsWrite, Member),
    ),
    route(Method::GET, "/api/v1/monitors/{monitorId}/uptime", Op::GetUptime, Key(MonitorsRead, Viewer)),
    route(Method::GET, "/api/v1/monitors/{monitorId}/debug-sessions", Op::ListDebugSessions, Key(MonitorsRead, Viewer)),
    route(
        Method::POST,
        "/api/v1/monitors/{monitorId}/debug-sessions",
        Op::StartDebugSession,
        Key(MonitorsWrite, Member),
    ),
    route(
        Method::GET,
        "/api/v1/monitors/{monitorId}/debug-sessions/{sessionKey}",
        Op::GetDebugSession,
        Key(MonitorsRead, Viewer),
    ),
    route(Method::GET, "/api/v1/dependencies", Op::ListDependencies, Key(MonitorsRead, Viewer)),
    route(Method::POST, "/api/v1/dependencies", Op::AddDependency, Key(MonitorsWrite, Member)),
    route(
        Method::DELETE,
        "/api/v1/dependencies/{upstream}/{downstream}",
        Op::RemoveDependency,
        Key(MonitorsWrite, Member),
    ),
    route(Method::GET, "/api/v1/incidents", Op::ListIncidents, Key(IncidentsRead, Viewer)),
    route(Method::GET, "/api/v1/incidents/{incidentId}", Op::GetIncident, Key(IncidentsRead, Viewer)),
    route(
        Method::POST,
        "/api/v1/incidents/{incidentId}/acknowledge",
        Op::AcknowledgeIncident,
        Key(IncidentsWrite, Member),
    ),
    route(Method::POST, "/api/v1/incidents/{incidentId}/resolve", Op::ResolveIncident, Key(IncidentsWrite, Member)),
    route(Method::GET, "/api/v1/org", Op::GetOrg, Key(OrgAdmin, Viewer)),
    route(Method::PATCH, "/api/v1/org", Op::UpdateOrg, Key(OrgAdmin, Owner)),
    route(Method::GET, "/api/v1/members", Op::ListMembers, Key(OrgAdmin, Viewer)),
    route(Method::POST, "/api/v1/members", Op::InviteMember, Key(OrgAdmin, Owner)),
    route(Method::PATCH, "/api/v1/members/{userId}", Op::UpdateMember, Key(OrgAdmin, Owner)),
    route(Method::DELETE, "/api/v1/members/{userId}", Op::RemoveMember, Key(OrgAdmin, Owner)),
    route(Method::POST, "/api/v1/members/{userId}/invitation", Op::ReinviteMember, Key(OrgAdmin, Owner)),
    // The invitation token is the credential: it gives the member their first key.
    route(Method::POST, "/api/v1/invitations/accept", Op::AcceptInvitation, Public),
    route(Method::GET, "/api/v1/api-keys", Op::ListApiKeys, Key(OrgAdmin, Admin)),
    route(Method::POST, "/api/v1/api-keys", Op::CreateApiKey, Key(OrgAdmin, Admin)),
    route(Method::DELETE, "/api/v1/api-keys/{keyId}", Op::RevokeApiKey, Key(OrgAdmin, Admin)),
    route(Method::GET, "/api/v1/channels", Op::ListChannels, Key(ChannelsRead, Viewer)),
    route(Method::POST, "/api/v1/channels", Op::CreateChannel, Key(ChannelsWrite, Admin)),
    route(Method::GET, "/api/v1/channels/{channelId}", Op::GetChannel, Key(ChannelsRead, Viewer)),
    route(Method::PUT, "/api/v1/channels/{channelId}", Op::ReplaceChannel, Key(ChannelsWrite, Admin)),
    route(Method::DELETE, "/api/v1/channels/{channelId}", Op::DeleteChannel, Key(ChannelsWrite, Admin)),
    route(Method::GET, "/api/v1/maintenance", Op::ListMaintenance, Key(MonitorsRead, Viewer)),
    route(Method::POST, "/api/v1/maintenance", Op::CreateMaintenance, Key(MonitorsWrite, Member)),
    route(Method::GET, "/api/v1/maintenance/{windowId}", Op::GetMaintenance, Key(MonitorsRead, Viewer)),
    route(Method::PUT, "/api/v1/maintenance/{windowId}", Op::ReplaceMaintenance, Key(MonitorsWrite, Member)),
    route(Method::DELETE, "/api/v1/maintenance/{windowId}", Op::DeleteMaintenance, Key(MonitorsWrite, Member)),
    // Incident history and channel tests: read like the incident, test like a channel write.
    route(Method::GET, "/api/v1/incidents/{incidentId}/events", Op::IncidentEvents, Key(IncidentsRead, Viewer)),
    route(Method::GET, "/api/v1/incidents/{incidentId}/deliveries", Op::IncidentDeliveries, Key(IncidentsRead, Viewer)),
    route(Method::POST, "/api/v1/channels/{channelId}/test", Op::TestChannel, Key(ChannelsWrite, Admin)),
    // Status page subscribers: the people and systems outside the org an admin answers for.
    route(Method::GET, "/api/v1/status-pages/{pageId}/subscribers", Op::ListSubscribers, Key(StatusPagesWrite, Admin)),
    route(
        Method::DELETE,
        "/api/v1/status-pages/{pageId}/subscribers/{subscriberId}",
        Op::DeleteSubscriber,
        Key(StatusPagesWrite, Admin),
    ),
    // Status pages: VIEWER reads; ADMIN writes what the org's customers are shown.
    route(Method::GET, "/api/v1/status-pages", Op::ListStatusPages, Key(StatusPagesRead, Viewer)),
    route(Method::POST, "/api/v1/status-pages", Op::CreateStatusPage, Key(StatusPagesWrite, Admin)),
    route(Method::GET, "/api/v1/status-pages/{pageId}", Op::GetStatusPage, Key(StatusPagesRead, Viewer)),
    route(Method::PUT, "/api/v1/status-pages/{pageId}", Op::ReplaceStatusPage, Key(StatusPagesWrite, Admin)),
    route(
        Method::GET,
        "/api/v1/status-pages/{pageId}/incidents",
        Op::ListStatusIncidents,
        Key(StatusPagesRead, Viewer),
    ),
    route(
        Method::POST,
        "/api/v1/status-pages/{pageId}/incidents",
        Op::CreateStatusIncident,
        Key(StatusPagesWrite, Admin),
    ),
    route(
        Method::POST,
        "/api/v1/status-pages/{pageId}/incidents/{incidentId}/updates",
        Op::PostIncidentUpdate,
        Key(StatusPagesWrite, Admin),
    ),
    route(
        Method::GET,
        "/api/v1/status-pages/{pageId}/maintenance",
        Op::ListPageMaintenance,
        Key(StatusPagesRead, Viewer),
    ),
    route(
        Method::POST,
        "/api/v1/status-pages/{pageId}/maintenance",
        Op::CreatePageMaintenance,
        Key(StatusPagesWrite, Admin),
    ),
];

/// The path's parameters, in order, if `path` has the shape of `pattern`.
pub fn match_path<'p>(pattern: &str, path: &'p str) -> Option<Vec<&'p str>> {
    let (mut pat, mut got) = (pattern.split('/'), path.split('/'));
    let mut params = Vec::new();
    loop {
        match (pat.next(), got.next()) {
            (None, None) => return Some(params),
            (Some(p), Some(g)) if p.starts_with('{') => {
                if g.is_empty() {
                    return None;
                }
                params.push(g);
            }
            (Some(p), Some(g)) if p == g => {}
            _ => return None,
        }
    }
}

/// What a request path and method resolve to.
pub enum Resolved<'p> {
    Found(&'static Route, Vec<&'p str>),
    /// The path exists, with these methods.
    WrongMethod(String),
    NotFound,
}

pub fn resolve<'p>(method: &Method, path: &'p str) -> Resolved<'p> {
    let method = if method == Method::HEAD { &Method::GET } else { method };
    let mut allowed: Vec<&str> = Vec::new();
    for r in ROUTES {
        if let Some(params) = match_path(r.path, path) {
            if r.method == *method {
                return Resolved::Found(r, params);
            }
            allowed.push(r.method.as_str());
            if r.method == Method::GET {
                allowed.push("HEAD");
            }
        }
    }
    if allowed.is_empty() { Resolved::NotFound } else { Resolved::WrongMethod(allowed.join(", ")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_segments() {
        assert_eq!(match_path("/api/v1/monitors/{id}/pause", "/api/v1/monitors/mon_1/pause"), Some(vec!["mon_1"]));
        assert_eq!(match_path("/api/v1/monitors/{id}", "/api/v1/monitors/"), None);
        assert_eq!(match_path("/api/v1/monitors/{id}", "/api/v1/monitors/a/b"), None);
        assert_eq!(match_path("/api/v1/monitors", "/api/v1/monitors"), Some(vec![]));
    }

    /// The scopes a member's first key gets (`Scope::for_role`) are the ones their role
    /// can use on some route, by this table.
    #[test]
    fn scope_ladder_matches_the_route_table() {
        for scope in Scope::ALL {
            let least = ROUTES
                .iter()
                .filter_map(|r| match r.access {
                    Key(s, role) if s == scope => Some(role),
                    _ => None,
                })
                .min();
            assert_eq!(least, Some(scope.least_role()), "{scope:?}");
        }
    }

    #[test]
    fn every_route_is_unique_and_resolves_to_itself() {
        for r in ROUTES {
            let path = r.path.replace("{", "x").replace("}", "");
            match resolve(&r.method, &path) {
                Resolved::Found(found, _) => assert_eq!(found.op, r.op, "{} {}", r.method, r.path),
                _ => panic!("{} {} does not resolve", r.method, r.path),
            }
        }
        assert!(
            matches!(resolve(&Method::PUT, "/api/v1/monitors"), Resolved::WrongMethod(m) if m == "GET, HEAD, POST")
        );
    }
}
