//! One arm per operation: read the request, call the service, shape the answer.
use super::super::query::Query;
use super::super::{ApiError, ApiRequest, ApiResponse, App, schedule};
use super::policy::Op;
use super::wire::{
    api_key_view, body, channel_view, created, created_api_key_view, event_view, invited_member_view, list,
    member_view, monitor_view, no_content, ok, page, page_params, run_view, test_result_view, value,
};
use super::wire::{saved_page_view, status_page_view, subscriber_view};
use crate::domain::ids::RunId;
use crate::domain::incident::{IncidentKind, IncidentStatus, Severity};
use crate::services::auth::Principal;
use crate::services::manage::page::{Paged, paginate};
use crate::services::manage::{IncidentFilter, incident_sort_key};
use bytes::Bytes;
use chrono::Utc;
use http::{HeaderValue, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// A query filter given as its wire name (`OPEN`, `fail`…), case-insensitive.
fn filter<T: DeserializeOwned>(q: &Query, name: &'static str) -> Result<Option<T>, ApiError> {
    q.get(name)
        .map(|raw| {
            serde_json::from_value::<T>(json!(raw.to_ascii_uppercase())).map_err(|_| {
                ApiError::bad_request(name, format!("unknown {name} {:?}", raw.chars().take(32).collect::<String>()))
            })
        })
        .transpose()
}

/// Listings sorted by id (ids sort by creation), paged by id.
fn by_id<T>(items: Vec<T>, id: impl Fn(&T) -> String, q: &Query) -> Result<Paged<T>, ApiError> {
    let p = page_params(q)?;
    Ok(paginate(items, id, p.limit, p.cursor.as_deref(), false))
}

pub async fn run(
    app: &App,
    op: Op,
    params: &[&str],
    caller: Option<&Principal>,
    req: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let now = Utc::now();
    let q = Query::parse(req.query.as_deref())?;
    let m = &app.manage;
    let param = |i: usize| params.get(i).copied().unwrap_or_default();
    let Some(who) = caller else {
        return match op {
            Op::SchedulePreview => schedule::preview(req, now),
            Op::OpenApi => Ok(super::openapi::document()),
            Op::AcceptInvitation => {
                let accepted = app.manage.accept_invitation(body(req)?, req.source_ip, now).await?;
                Ok(created(json!({
                    "member": member_view(&accepted.user),
                    "apiKey": created_api_key_view(&accepted.key),
                })))
            }
            _ => Err(ApiError::internal()),
        };
    };
    let org = &who.org;
    let publisher = app.publisher.as_deref();
    Ok(match op {
        Op::SchedulePreview | Op::OpenApi | Op::AcceptInvitation => return Err(ApiError::internal()),
        Op::ListMonitors => page(by_id(m.monitors(org).await?, |x| x.id.to_string(), &q)?, monitor_view),
        Op::CreateMonitor => {
            let made = m.create_monitor(org, body(req)?, now).await?;
            let mut v = monitor_view(&made.monitor);
            v["pingToken"] = json!(made.token.reveal());
            created(v)
        }
        Op::GetMonitor => ok(monitor_view(&m.monitor(org, param(0)).await?)),
        Op::UpdateMonitor => ok(monitor_view(&m.update_monitor(org, param(0), body(req)?, now).await?)),
        Op::DeleteMonitor => {
            m.delete_monitor(org, param(0)).await?;
            no_content()
        }
        Op::PauseMonitor => ok(monitor_view(&m.pause_monitor(org, param(0)).await?)),
        Op::ResumeMonitor => ok(monitor_view(&m.resume_monitor(org, param(0), now).await?)),
        Op::SetTags => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Tags {
                tags: Vec<String>,
            }
            let tags: Tags = body(req)?;
            ok(monitor_view(&m.set_tags(org, param(0), tags.tags, now).await?))
        }
        Op::ListRuns => {
            let p = page_params(&q)?;
            let before = p
                .cursor
                .as_deref()
                .map(|c| {
                    RunId::parse(c).ok_or_else(|| ApiError::bad_request("cursor", "not a cursor this API gave out"))
                })
                .transpose()?;
            let runs = m.runs(org, param(0), p.limit, before.as_ref()).await?;
            let mut items = Vec::with_capacity(runs.items.len());
            for run in &runs.items {
                items.push(run_view(run, m.output_url(run).await?));
            }
            page(Paged { items, next_cursor: runs.next.map(|r| r.to_string()) }, Value::clone)
        }
        Op::RunOutput => {
            let (_, output) = m.run_output(org, param(0), param(1)).await?;
            text(output)
        }
        Op::ListDependencies => {
            page(by_id(m.dependencies(org).await?, |d| format!("{}.{}", d.upstream, d.downstream), &q)?, value)
        }
        Op::AddDependency => created(value(&m.add_dependency(org, body(req)?).await?)),
        Op::RemoveDependency => {
            m.remove_dependency(org, param(0), param(1)).await?;
            no_content()
        }
        Op::ListIncidents => {
            let f = IncidentFilter {
                status: filter::<IncidentStatus>(&q, "status")?,
                kind: filter::<IncidentKind>(&q, "kind")?,
                severity: filter::<Severity>(&q, "severity")?,
                monitor: q.get("monitorId"),
            };
            let p = page_params(&q)?;
            page(paginate(m.incidents(org, &f).await?, incident_sort_key, p.limit, p.cursor.as_deref(), true), value)
        }
        Op::GetIncident => ok(value(&m.incident(org, param(0)).await?)),
        Op::AcknowledgeIncident => ok(value(&m.acknowledge_incident(org, param(0), now).await?)),
        Op::ResolveIncident => ok(value(&m.resolve_incident(org, param(0), now).await?)),
        Op::GetOrg => ok(value(org)),
        Op::UpdateOrg => ok(value(&m.update_org(who, body(req)?, req.source_ip).await?)),
        Op::ListMembers => page(by_id(m.members(org).await?, |u| u.id.to_string(), &q)?, member_view),
        Op::InviteMember => created(invited_member_view(&m.invite_member(who, body(req)?, now).await?)),
        Op::ReinviteMember => ok(invited_member_view(&m.reinvite_member(who, param(0), now).await?)),
        Op::UpdateMember => ok(member_view(&m.update_member(who, param(0), body(req)?).await?)),
        Op::RemoveMember => {
            m.remove_member(who, param(0)).await?;
            no_content()
        }
        Op::ListApiKeys => page(by_id(m.api_keys(org).await?, |k| k.id.to_string(), &q)?, api_key_view),
        Op::CreateApiKey => created(created_api_key_view(&m.create_api_key(who, body(req)?, now).await?)),
        Op::RevokeApiKey => ok(api_key_view(&m.revoke_api_key(who, param(0), now).await?)),
        Op::ListChannels => page(by_id(m.channels(org).await?, |c| c.id.to_string(), &q)?, |c| channel_view(c, who)),
        Op::CreateChannel => created(channel_view(&m.create_channel(org, body(req)?).await?, who)),
        Op::GetChannel => ok(channel_view(&m.channel(org, param(0)).await?, who)),
        Op::ReplaceChannel => ok(channel_view(&m.replace_channel(org, param(0), body(req)?).await?, who)),
        Op::DeleteChannel => {
            m.delete_channel(org, param(0)).await?;
            no_content()
        }
        Op::ListMaintenance => page(by_id(m.maintenance_windows(org).await?, |w| w.id.to_string(), &q)?, value),
        Op::CreateMaintenance => created(value(&m.create_maintenance(org, body(req)?).await?)),
        Op::GetMaintenance => ok(value(&m.maintenance_window(org, param(0)).await?)),
        Op::ReplaceMaintenance => ok(value(&m.replace_maintenance(org, param(0), body(req)?).await?)),
        Op::DeleteMaintenance => {
            m.delete_maintenance(org, param(0)).await?;
            no_content()
        }
        // Incident history and channel tests.
        Op::IncidentEvents => list(m.incident_events(org, param(0)).await?.iter().map(event_view)),
        Op::IncidentDeliveries => list(m.incident_deliveries(org, param(0)).await?.iter().map(value)),
        Op::TestChannel => {
            let channel = m.channel(org, param(0)).await?;
            let Some(tester) = &app.channel_tester else {
                tracing::error!("channel test asked of a process without transports");
                return Err(ApiError::internal());
            };
            ok(test_result_view(&tester.send(org, &channel, now).await))
        }
        Op::ListSubscribers | Op::DeleteSubscriber => return subscribers(app, op, org, param(0), param(1), &q).await,
        // Status pages: every write is published when the process publishes.
        Op::ListStatusPages => page(by_id(m.status_pages(org).await?, |p| p.id.to_string(), &q)?, status_page_view),
        Op::CreateStatusPage => created(saved_page_view(&m.create_status_page(org, body(req)?, publisher, now).await?)),
        Op::GetStatusPage => ok(status_page_view(&m.status_page(org, param(0)).await?)),
        Op::ReplaceStatusPage => {
            ok(saved_page_view(&m.replace_status_page(org, param(0), body(req)?, publisher, now).await?))
        }
        Op::ListStatusIncidents => {
            let mut items = m.status_incidents(org, param(0)).await?;
            items.sort_by_key(|i| std::cmp::Reverse(i.id.to_string()));
            let p = page_params(&q)?;
            page(paginate(items, |i| i.id.to_string(), p.limit, p.cursor.as_deref(), true), value)
        }
        Op::CreateStatusIncident => {
            created(value(&m.create_status_incident(org, param(0), body(req)?, publisher, now).await?))
        }
        Op::PostIncidentUpdate => {
            ok(value(&m.post_incident_update(org, param(0), param(1), body(req)?, publisher, now).await?))
        }
        Op::ListPageMaintenance => {
            let mut items = m.page_maintenance(org, param(0)).await?;
            items.sort_by_key(|x| x.id.to_string());
            page(by_id(items, |x| x.id.to_string(), &q)?, value)
        }
        Op::CreatePageMaintenance => {
            created(value(&m.create_page_maintenance(org, param(0), body(req)?, publisher, now).await?))
        }
    })
}

/// A status page's subscribers, for its org's admins: listed without their tokens'
/// hashes or webhook secrets, and removed.
async fn subscribers(
    app: &App,
    op: Op,
    org: &crate::domain::org::Org,
    page_id: &str,
    subscriber_id: &str,
    q: &Query,
) -> Result<ApiResponse, ApiError> {
    use crate::domain::ids::SubscriberId;
    let status_page = app.manage.status_page(org, page_id).await?;
    match op {
        Op::ListSubscribers => Ok(page(
            by_id(app.store.subscribers_of_page(&status_page.id).await?, |s| s.id.to_string(), q)?,
            subscriber_view,
        )),
        _ => {
            let id = SubscriberId::parse(subscriber_id).ok_or_else(|| ApiError::not_found("subscriber not found"))?;
            app.store
                .subscriber(&status_page.id, &id)
                .await?
                .ok_or_else(|| ApiError::not_found("subscriber not found"))?;
            app.store.delete_subscriber(&status_page.id, &id).await?;
            Ok(no_content())
        }
    }
}

fn text(body: Bytes) -> ApiResponse {
    let mut res = ApiResponse::new(body);
    *res.status_mut() = StatusCode::OK;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    // Job output is anyone's text: never let a browser guess it is HTML.
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}
