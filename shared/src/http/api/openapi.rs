//! The OpenAPI 3.1 document, generated from the policy table: every route, its method,
//! path parameters, security and error answers come from `ROUTES`, so the document
//! cannot miss a route or disagree about who may call it. Bodies are JSON Schemas
//! written next to the operations that read and write them.
use super::super::{ApiResponse, json};
use super::policy::{Access, Op, ROUTES};
use http::StatusCode;
use serde_json::{Map, Value, json};
use std::sync::OnceLock;

/// The request body schema of an operation, if it reads one.
fn request_body(op: Op) -> Option<&'static str> {
    Some(match op {
        Op::CreateMonitor => "CreateMonitor",
        Op::UpdateMonitor => "UpdateMonitor",
        Op::SetTags => "Tags",
        Op::AddDependency => "Dependency",
        Op::UpdateOrg => "UpdateOrg",
        Op::InviteMember => "InviteMember",
        Op::UpdateMember => "UpdateMember",
        Op::AcceptInvitation => "AcceptInvitation",
        Op::CreateApiKey => "CreateApiKey",
        Op::CreateChannel | Op::ReplaceChannel => "ChannelInput",
        Op::CreateMaintenance | Op::ReplaceMaintenance => "MaintenanceInput",
        Op::CreateStatusPage | Op::ReplaceStatusPage => "StatusPageInput",
        Op::CreateStatusIncident => "StatusIncidentInput",
        Op::PostIncidentUpdate => "IncidentUpdateInput",
        Op::CreatePageMaintenance => "PageMaintenanceInput",
        Op::AnnotateDowntime => "DowntimeNote",
        _ => return None,
    })
}

/// The success status and the schema of its body (None: no body).
fn success(op: Op) -> (u16, Option<Value>) {
    let r = |name: &str| Some(json!({ "$ref": format!("#/components/schemas/{name}") }));
    let page = |name: &str| {
        Some(json!({
            "type": "object",
            "required": ["items", "nextCursor"],
            "properties": {
                "items": { "type": "array", "items": { "$ref": format!("#/components/schemas/{name}") } },
                "nextCursor": { "type": ["string", "null"] }
            }
        }))
    };
    let list = |name: &str| {
        Some(json!({
            "type": "object",
            "required": ["items"],
            "properties": {
                "items": { "type": "array", "items": { "$ref": format!("#/components/schemas/{name}") } }
            }
        }))
    };
    use Op::*;
    match op {
        SchedulePreview => (200, r("Preview")),
        OpenApi => (200, Some(json!({ "type": "object" }))),
        ListMonitors => (200, page("Monitor")),
        CreateMonitor => (201, r("CreatedMonitor")),
        GetMonitor | UpdateMonitor | PauseMonitor | ResumeMonitor | SetTags => (200, r("Monitor")),
        DeleteMonitor | RemoveDependency | RemoveMember | DeleteChannel | DeleteMaintenance => (204, None),
        ListRuns => (200, page("Run")),
        RunOutput => (200, Some(json!({ "type": "string" }))),
        ListChecks => (
            200,
            Some(json!({
                "type": "object",
                "required": ["items", "nextCursor", "total"],
                "properties": {
                    "items": { "type": "array", "items": { "$ref": "#/components/schemas/Check" } },
                    "nextCursor": { "type": ["string", "null"] },
                    "total": { "type": "integer" }
                }
            })),
        ),
        ListDowntime => (200, list("DowntimeWindow")),
        AnnotateDowntime => (200, r("DowntimeWindow")),
        GetUptime => (200, r("Uptime")),
        ListDebugSessions => (200, list("DebugSession")),
        StartDebugSession => (201, r("DebugSession")),
        GetDebugSession => (200, r("DebugSession")),
        ListDependencies => (200, page("DependencyOut")),
        AddDependency => (201, r("DependencyOut")),
        ListIncidents => (200, page("Incident")),
        GetIncident | AcknowledgeIncident | ResolveIncident => (200, r("Incident")),
        GetOrg | UpdateOrg => (200, r("Org")),
        ListMembers => (200, page("Member")),
        InviteMember => (201, r("InvitedMember")),
        ReinviteMember => (200, r("InvitedMember")),
        AcceptInvitation => (201, r("AcceptedInvitation")),
        UpdateMember => (200, r("Member")),
        ListApiKeys => (200, page("ApiKey")),
        CreateApiKey => (201, r("CreatedApiKey")),
        RevokeApiKey => (200, r("ApiKey")),
        ListChannels => (200, page("Channel")),
        CreateChannel => (201, r("Channel")),
        GetChannel | ReplaceChannel => (200, r("Channel")),
        ListMaintenance => (200, page("MaintenanceWindow")),
        CreateMaintenance => (201, r("MaintenanceWindow")),
        GetMaintenance | ReplaceMaintenance => (200, r("MaintenanceWindow")),
        // Incident history and channel tests.
        IncidentEvents => (200, list("IncidentEvent")),
        IncidentDeliveries => (200, list("Delivery")),
        TestChannel => (200, r("ChannelTestResult")),
        ListSubscribers => (200, page("Subscriber")),
        DeleteSubscriber => (204, None),
        ListStatusPages => (200, page("StatusPage")),
        CreateStatusPage => (201, r("SavedStatusPage")),
        GetStatusPage => (200, r("StatusPage")),
        ReplaceStatusPage => (200, r("SavedStatusPage")),
        ListStatusIncidents => (200, page("StatusIncident")),
        CreateStatusIncident => (201, r("StatusIncident")),
        PostIncidentUpdate => (200, r("StatusIncident")),
        ListPageMaintenance => (200, page("PageMaintenance")),
        CreatePageMaintenance => (201, r("PageMaintenance")),
    }
}

fn query_params(op: Op) -> Vec<(&'static str, Value)> {
    let string = json!({ "type": "string" });
    let mut params = match op {
        Op::SchedulePreview => vec![
            ("cron", string.clone()),
            ("tz", string.clone()),
            ("interval", json!({ "type": "integer" })),
            ("count", json!({ "type": "integer" })),
            ("from", json!({ "type": "string", "format": "date-time" })),
        ],
        Op::ListIncidents => vec![
            ("status", json!({ "type": "string", "enum": ["OPEN", "ACKNOWLEDGED", "RESOLVED"] })),
            (
                "kind",
                json!({ "type": "string", "enum": ["MISSED", "LATE", "FAIL", "DEGRADED", "DOWN", "CERT_EXPIRY"] }),
            ),
            ("severity", json!({ "type": "string", "enum": ["LOW", "MEDIUM", "HIGH", "CRITICAL"] })),
            ("monitorId", string.clone()),
        ],
        Op::ListChecks => vec![
            ("from", json!({ "type": "string", "format": "date-time" })),
            ("to", json!({ "type": "string", "format": "date-time" })),
            ("status", json!({ "type": "string", "enum": ["UP", "DOWN", "DEGRADED", "UNKNOWN"] })),
        ],
        Op::GetUptime => vec![("window", json!({ "type": "string", "enum": ["24h", "7d", "30d", "90d"] }))],
        _ => vec![],
    };
    let listing = matches!(
        op,
        Op::ListMonitors
            | Op::ListRuns
            | Op::ListChecks
            | Op::ListDependencies
            | Op::ListIncidents
            | Op::ListMembers
            | Op::ListApiKeys
            | Op::ListChannels
            | Op::ListMaintenance
            | Op::ListSubscribers
            | Op::ListStatusPages
            | Op::ListStatusIncidents
            | Op::ListPageMaintenance
    );
    if listing {
        params.push(("limit", json!({ "type": "integer", "minimum": 1, "maximum": 200 })));
        params.push(("cursor", json!({ "type": "string", "pattern": "^[A-Za-z0-9_.-]{1,128}$" })));
    }
    params
}

fn operation(op: Op, path: &str, access: Access) -> Value {
    let mut parameters: Vec<Value> = path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    parameters.extend(
        query_params(op)
            .into_iter()
            .map(|(name, schema)| json!({ "name": name, "in": "query", "required": false, "schema": schema })),
    );

    let error = json!({ "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let mut responses = Map::new();
    let (status, schema) = success(op);
    let content_type = if op == Op::RunOutput { "text/plain" } else { "application/json" };
    let mut ok = json!({ "description": "success" });
    if let Some(schema) = schema {
        ok["content"] = json!({ content_type: { "schema": schema } });
    }
    responses.insert(status.to_string(), ok);
    let mut errors = vec![(400, "bad request: the field is named"), (413, "body too large")];
    if op == Op::AcceptInvitation {
        errors.extend([
            (403, "the org does not allow requests from this address"),
            (404, "no such invitation (forged, used up or replaced)"),
            (422, "the invitation has expired, or a field breaks a rule"),
        ]);
    }
    if let Access::Key(..) = access {
        errors.extend([
            (401, "missing or invalid API key, or one used from outside the org's allowlist"),
            (403, "the key lacks the scope, or its owner the role"),
            (404, "not found"),
            (409, "conflicts with the current state"),
            (422, "breaks a rule: the field is named"),
            (429, "rate limited: see Retry-After"),
            (503, "too much contention on one item; retry"),
        ]);
    }
    for (code, description) in errors {
        let mut e = error.clone();
        e["description"] = json!(description);
        responses.insert(code.to_string(), e);
    }
    let mut o = json!({
        "operationId": op_id(op),
        "parameters": parameters,
        "responses": responses,
    });
    match access {
        Access::Public => o["security"] = json!([]),
        Access::Key(scope, role) => {
            let scope = serde_json::to_value(scope).unwrap_or_default();
            o["description"] = json!(format!(
                "Needs an API key with scope `{}` whose owner is {role:?} or above.",
                scope.as_str().unwrap_or_default()
            ));
        }
    }
    if let Some(body) = request_body(op) {
        o["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{body}") } } }
        });
    }
    o
}

/// `ListMonitors` → `listMonitors`.
fn op_id(op: Op) -> String {
    let name = format!("{op:?}");
    let mut chars = name.chars();
    chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default()
}

fn build() -> Value {
    let mut paths = Map::new();
    for r in ROUTES {
        let entry = paths.entry(r.path).or_insert_with(|| json!({}));
        let method = r.method.as_str().to_ascii_lowercase();
        entry[method.as_str()] = operation(r.op, r.path, r.access);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Tokiflow management API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Monitors, runs, incidents (with their events and delivery log), the org, its members, API keys, channels (with test sends), maintenance windows and status pages (with their incidents and maintenance). Authenticate with `Authorization: Bearer tf_…`."
        },
        "security": [{ "apiKey": [] }],
        "paths": paths,
        "components": { "securitySchemes": { "apiKey": { "type": "http", "scheme": "bearer" } }, "schemas": with_subscriber(all_schemas()) },
    })
}

/// A status page's subscriber, as the admin routes show it.
fn with_subscriber(mut schemas: Value) -> Value {
    let events = json!({ "type": "array", "items": { "type": "string", "enum": ["degraded", "outage", "maintenance", "resolved"] } });
    schemas["Subscriber"] = json!({ "type": "object", "required": ["id", "pageId", "target", "events", "createdAt"], "properties": {
        "id": { "type": "string" }, "pageId": { "type": "string" },
        "target": { "type": "object", "required": ["kind"], "properties": { "kind": { "type": "string", "enum": ["EMAIL", "WEBHOOK", "SLACK"] } } },
        "components": { "type": "array", "items": { "type": "string" } }, "events": events,
        "createdAt": { "type": "string", "format": "date-time" }, "verifiedAt": { "type": "string", "format": "date-time" } } });
    schemas
}

fn all_schemas() -> Value {
    let mut all = schemas();
    for more in [history_schemas(), status_page_schemas(), probe_schemas()] {
        if let (Value::Object(all), Value::Object(more)) = (&mut all, more) {
            all.extend(more);
        }
    }
    with_read_only(all)
}

/// The inputs that take back what a read answered: the view's read-only fields are
/// documented on them as `readOnly` (accepted and ignored).
fn with_read_only(mut schemas: Value) -> Value {
    use super::{channels, maintenance, members, monitors, org, probes, status_pages};
    let inputs: [(&str, &[&str]); 7] = [
        ("DowntimeNote", probes::DOWNTIME_READ_ONLY),
        ("UpdateMonitor", monitors::READ_ONLY),
        ("UpdateOrg", org::READ_ONLY),
        ("UpdateMember", members::READ_ONLY),
        ("ChannelInput", channels::READ_ONLY),
        ("MaintenanceInput", maintenance::READ_ONLY),
        ("StatusPageInput", status_pages::READ_ONLY),
    ];
    for (schema, fields) in inputs {
        for field in fields.iter().filter(|f| !f.contains('.')) {
            schemas[schema]["properties"][*field] =
                json!({ "readOnly": true, "description": "Read-only: accepted back and ignored." });
        }
    }
    schemas
}

/// Adds `more`'s properties to `props`.
fn extend(props: &mut Value, more: &Value) {
    if let (Value::Object(props), Value::Object(more)) = (props, more) {
        props.extend(more.clone());
    }
}

fn with(more: &Value, mut props: Value) -> Value {
    extend(&mut props, more);
    props
}

fn schemas() -> Value {
    let name = json!({ "type": "string", "minLength": 1, "maxLength": 120 });
    let tag = json!({ "type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$" });
    let seconds = json!({ "type": "integer", "minimum": 0, "maximum": 2_592_000 });
    let time = json!({ "type": "string", "format": "date-time" });
    let opt_time = json!({ "type": ["string", "null"], "format": "date-time" });
    let severity = json!({ "type": "string", "enum": ["LOW", "MEDIUM", "HIGH", "CRITICAL"] });
    let role = json!({ "type": "string", "enum": ["VIEWER", "MEMBER", "ADMIN", "OWNER"] });
    let scope = json!({ "type": "string", "enum": ["monitors:read", "monitors:write", "incidents:read", "incidents:write", "channels:read", "channels:write", "status_pages:read", "status_pages:write", "org:admin"] });
    let id = json!({ "type": "string" });
    let url = json!({ "type": "string", "format": "uri", "maxLength": 2048 });
    let target = json!({ "oneOf": [
        { "type": "object", "required": ["kind", "to"], "properties": { "kind": { "const": "EMAIL" }, "to": { "type": "string", "format": "email" } } },
        { "type": "object", "required": ["kind", "phone"], "properties": { "kind": { "const": "SMS" }, "phone": { "type": "string", "pattern": "^\\+[1-9][0-9]{7,14}$" } } },
        { "type": "object", "required": ["kind", "webhookUrl"], "properties": { "kind": { "enum": ["SLACK", "TEAMS"] }, "webhookUrl": url } },
        { "type": "object", "required": ["kind", "routingKey"], "properties": { "kind": { "const": "PAGERDUTY" }, "routingKey": { "type": "string", "pattern": "^[A-Za-z0-9]{32}$" } } },
        { "type": "object", "required": ["kind", "url", "secret"], "properties": { "kind": { "const": "WEBHOOK" }, "url": url, "secret": { "type": "string", "minLength": 16, "maxLength": 128 } } }
    ]});
    let monitor_props = json!({
        "id": id, "orgId": id, "name": { "type": "string" }, "schedule": { "$ref": "#/components/schemas/Schedule" },
        "grace": { "type": "integer" }, "enabled": { "type": "boolean" },
        "status": { "type": "string", "enum": ["NEW", "UP", "LATE", "DOWN", "DEGRADED", "PAUSED"] },
        "severity": severity, "tags": { "type": "array", "items": { "type": "string" } },
        "maxRuntime": { "type": "integer" }, "createdAt": time, "lastPingAt": opt_time, "lastStartAt": opt_time,
        "nextExpectedAt": opt_time, "pingCount": { "type": "integer" }, "openIncidents": { "type": "object" }
    });
    let mut monitor_props = monitor_props;
    let probe = probe_props();
    extend(&mut monitor_props, &probe);
    monitor_props["lastCheckedAt"] = opt_time.clone();
    monitor_props["nextCheckAt"] = opt_time.clone();
    let mut created_props = monitor_props.clone();
    created_props["pingToken"] = json!({ "type": "string" });
    let key_props = json!({
        "id": id, "orgId": id, "name": { "type": "string" }, "createdBy": id,
        "scopes": { "type": "array", "items": scope }, "createdAt": time, "revokedAt": time
    });
    let mut created_key_props = key_props.clone();
    created_key_props["secret"] = json!({ "type": "string", "pattern": "^tf_" });
    json!({
        "Error": { "type": "object", "required": ["error"], "properties": { "error": {
            "type": "object", "required": ["code", "message"],
            "properties": { "code": { "type": "string" }, "message": { "type": "string" }, "field": { "type": "string" } } } } },
        "Schedule": { "oneOf": [
            { "type": "object", "required": ["kind", "seconds"], "additionalProperties": false,
              "properties": { "kind": { "const": "interval" }, "seconds": { "type": "integer", "minimum": 1, "maximum": 31_622_400 } } },
            { "type": "object", "required": ["kind", "expr", "tz"], "additionalProperties": false,
              "properties": { "kind": { "const": "cron" }, "expr": { "type": "string" }, "tz": { "type": "string" } } } ] },
        "CreateMonitor": { "type": "object", "required": ["name"], "additionalProperties": false,
            "description": "A heartbeat (the default kind) needs `schedule`; an http, tcp or dns probe needs `interval` and its target.",
            "properties": with(&probe, json!({
            "name": name, "schedule": { "$ref": "#/components/schemas/Schedule" }, "grace": seconds, "severity": severity,
            "tags": { "type": "array", "items": tag, "maxItems": 20 }, "maxRuntime": { "type": "integer", "minimum": 1, "maximum": 2_592_000 },
            "enabled": { "type": "boolean" },
            "token": { "type": "string", "pattern": "^[A-Za-z0-9_-]{16,128}$", "description": "Heartbeats: an existing ping token to keep (a Healthchecks check's UUID)." } })) },
        "UpdateMonitor": { "type": "object", "additionalProperties": false, "properties": with(&probe, json!({
            "name": name, "schedule": { "$ref": "#/components/schemas/Schedule" }, "grace": seconds, "severity": severity,
            "tags": { "type": "array", "items": tag, "maxItems": 20 },
            "maxRuntime": { "type": ["integer", "null"], "minimum": 1, "maximum": 2_592_000 }, "enabled": { "type": "boolean" } })) },
        "Tags": { "type": "object", "required": ["tags"], "additionalProperties": false, "properties": { "tags": { "type": "array", "items": tag, "maxItems": 20 } } },
        "Dependency": { "type": "object", "required": ["upstream", "downstream"], "additionalProperties": false, "properties": { "upstream": id, "downstream": id } },
        "DependencyOut": { "type": "object", "required": ["orgId", "upstream", "downstream"], "properties": { "orgId": id, "upstream": id, "downstream": id } },
        "UpdateOrg": { "type": "object", "additionalProperties": false, "properties": {
            "name": name, "ipAllowlist": { "type": "array", "items": { "type": "string" }, "maxItems": 100 },
            "retentionDays": { "type": "integer", "minimum": 1, "maximum": 3650 } } },
        "InviteMember": { "type": "object", "required": ["email", "role"], "additionalProperties": false, "properties": { "email": { "type": "string", "format": "email" }, "role": role } },
        "UpdateMember": { "type": "object", "required": ["role"], "additionalProperties": false, "properties": { "role": role } },
        "CreateApiKey": { "type": "object", "required": ["name", "scopes"], "additionalProperties": false, "properties": {
            "name": name, "scopes": { "type": "array", "items": scope, "minItems": 1, "uniqueItems": true } } },
        "ChannelInput": { "type": "object", "required": ["name", "target"], "additionalProperties": false, "properties": {
            "name": name, "target": target, "minSeverity": severity, "tags": { "type": "array", "items": tag, "maxItems": 100 },
            "monitors": { "type": "array", "items": id, "maxItems": 100 }, "pageCascades": { "type": "boolean" },
            "realertAfterSecs": { "type": "integer", "minimum": 300, "maximum": 604_800 } } },
        "MaintenanceInput": { "type": "object", "required": ["name", "startsAt", "endsAt"], "additionalProperties": false, "properties": {
            "name": name, "startsAt": time, "endsAt": time, "recurrence": { "type": "string", "maxLength": 512 },
            "timeZone": { "type": "string" }, "monitorIds": { "type": "array", "items": id, "maxItems": 100 } } },
        "Monitor": { "type": "object", "required": ["id", "name", "status", "schedule"], "properties": monitor_props },
        "CreatedMonitor": { "type": "object", "required": ["id", "name", "status", "schedule", "pingToken"], "properties": created_props },
        "Run": { "type": "object", "required": ["id", "monitorId", "state", "receivedAt", "output"], "properties": {
            "id": id, "monitorId": id, "state": { "type": "string", "enum": ["START", "SUCCESS", "FAIL", "LOG"] },
            "exitCode": { "type": "integer" }, "receivedAt": time, "durationMs": { "type": "integer" },
            "output": { "type": "object", "properties": { "preview": { "type": "string" }, "size": { "type": "integer" }, "truncated": { "type": "boolean" } } },
            "outputUrl": { "type": "string", "format": "uri", "description": "The full output, when it was stored apart (over 8 KB): in AWS a presigned S3 URL valid for 5 minutes, needing no key; on the local server the output route, called with the API key." },
            "sourceIp": { "type": "string" }, "userAgent": { "type": "string" },
            "method": { "type": "string", "enum": ["GET", "HEAD", "POST"] }, "scheme": { "type": "string", "enum": ["http", "https"] },
            "forwardedFor": { "type": "string", "description": "The first X-Forwarded-For address, port removed." } } },
        "Incident": { "type": "object", "required": ["id", "monitorId", "kind", "severity", "status", "openedAt"], "properties": {
            "id": id, "orgId": id, "monitorId": id, "kind": { "type": "string", "enum": ["MISSED", "LATE", "FAIL", "DEGRADED", "DOWN", "CERT_EXPIRY"] },
            "severity": severity, "status": { "type": "string", "enum": ["OPEN", "ACKNOWLEDGED", "RESOLVED"] },
            "openedAt": time, "acknowledgedAt": time, "resolvedAt": time, "summary": { "type": "string" }, "cascadeReason": { "type": "string" } } },
        "Org": { "type": "object", "required": ["id", "name", "ipAllowlist", "retentionDays"], "properties": {
            "id": id, "name": { "type": "string" }, "ipAllowlist": { "type": "array", "items": { "type": "string" } },
            "retentionDays": { "type": "integer" }, "createdAt": time } },
        "Member": { "type": "object", "required": ["id", "email", "role"], "properties": { "id": id, "orgId": id, "email": { "type": "string" }, "role": role, "createdAt": time,
            "invitationExpiresAt": { "type": ["string", "null"], "format": "date-time", "description": "Set while the member has an invitation not yet accepted." } } },
        "InvitedMember": { "type": "object", "required": ["id", "email", "role", "invitation"], "properties": { "id": id, "orgId": id, "email": { "type": "string" }, "role": role, "createdAt": time,
            "invitationExpiresAt": time,
            "invitation": { "type": "object", "required": ["token", "expiresAt"], "properties": {
                "token": { "type": "string", "description": "Shown once: give it to the member, who accepts it at POST /api/v1/invitations/accept for their first API key." },
                "expiresAt": time } } } },
        "AcceptInvitation": { "type": "object", "required": ["token"], "additionalProperties": false, "properties": {
            "token": { "type": "string", "maxLength": 256 }, "keyName": name } },
        "AcceptedInvitation": { "type": "object", "required": ["member", "apiKey"], "properties": {
            "member": { "$ref": "#/components/schemas/Member" }, "apiKey": { "$ref": "#/components/schemas/CreatedApiKey" } } },
        "ApiKey": { "type": "object", "required": ["id", "name", "scopes"], "properties": key_props },
        "CreatedApiKey": { "type": "object", "required": ["id", "name", "scopes", "secret"], "properties": created_key_props },
        "Channel": { "type": "object", "required": ["id", "name", "target", "minSeverity"], "properties": {
            "id": id, "orgId": id, "name": { "type": "string" },
            "target": { "type": "object", "required": ["kind"], "description": "A webhook's secret reads as ********; sent back so, it keeps the stored secret." },
            "minSeverity": severity, "tags": { "type": "array", "items": { "type": "string" } },
            "monitors": { "type": "array", "items": id }, "pageCascades": { "type": "boolean" }, "realertAfterSecs": { "type": "integer" } } },
        "MaintenanceWindow": { "type": "object", "required": ["id", "name", "startsAt", "endsAt"], "properties": {
            "id": id, "orgId": id, "name": { "type": "string" }, "startsAt": time, "endsAt": time, "recurrence": { "type": "string" },
            "timeZone": { "type": "string" }, "monitorIds": { "type": "array", "items": id } } },
        "Preview": { "type": "object", "required": ["next"], "properties": { "next": { "type": "array", "items": time } } }
    })
}

/// The schemas of incident history and channel tests.
/// What a probe monitor takes beside the common fields (`kind` says which apply).
fn probe_props() -> Value {
    json!({
        "kind": { "type": "string", "enum": ["heartbeat", "http", "tcp", "dns"] },
        "interval": { "type": "integer", "minimum": 10, "maximum": 86_400, "description": "Probes: seconds between checks." },
        "timeout": { "type": "integer", "minimum": 100, "maximum": 60_000, "description": "Probes: milliseconds (default 10000)." },
        "failureThreshold": { "type": "integer", "minimum": 1, "maximum": 100, "description": "Probes: failed checks in a row before DOWN. Heartbeats: failed runs in a row before FAIL." },
        "recoveryThreshold": { "type": "integer", "minimum": 1, "maximum": 100 },
        "degradedAfterMs": { "type": ["integer", "null"], "minimum": 1, "maximum": 60_000 },
        "url": { "type": "string", "format": "uri", "maxLength": 2048 },
        "method": { "type": "string", "enum": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] },
        "headers": { "type": "object", "additionalProperties": { "type": "string" }, "maxProperties": 32,
            "description": "Secret headers' values read back as ********; sent back, the stored value stays." },
        "body": { "type": ["string", "null"], "maxLength": 16_384 },
        "expect": { "type": "object", "additionalProperties": false, "properties": {
            "status": { "type": "array", "maxItems": 32, "items": { "oneOf": [
                { "type": "integer", "minimum": 100, "maximum": 599 }, { "type": "string", "pattern": "^[1-5]xx$" } ] } },
            "keyword": { "type": "string", "minLength": 1, "maxLength": 1024 },
            "keywordAbsent": { "type": "string", "minLength": 1, "maxLength": 1024 },
            "values": { "type": "array", "maxItems": 32, "items": { "type": "string", "minLength": 1, "maxLength": 255 } } } },
        "followRedirects": { "type": "boolean" },
        "verifyTls": { "type": "boolean" },
        "certExpiryDays": { "type": "integer", "minimum": 0, "maximum": 365 },
        "redactHeaders": { "type": "array", "maxItems": 32, "items": { "type": "string" } },
        "host": { "type": "string", "minLength": 1, "maxLength": 253 },
        "port": { "type": "integer", "minimum": 1, "maximum": 65_535 },
        "recordType": { "type": "string", "enum": ["A", "AAAA", "CNAME", "MX", "TXT", "NS"] },
        "resolver": { "type": ["string", "null"] }
    })
}

/// Probe monitors' checks, downtime windows, uptime and debug sessions.
fn probe_schemas() -> Value {
    let ms = json!({ "type": ["number", "null"] });
    let opt_time = json!({ "type": ["string", "null"], "format": "date-time" });
    let status = json!({ "type": "string", "enum": ["UP", "DOWN", "DEGRADED", "UNKNOWN"] });
    let opt_text = json!({ "type": ["string", "null"], "maxLength": 4000 });
    let headers = json!({ "type": "object", "additionalProperties": { "type": "string" } });
    json!({
        "Check": { "type": "object", "required": ["id", "checkedAt", "status", "httpStatus", "method", "responseTimeMs",
            "dnsMs", "connectMs", "tlsMs", "ttfbMs", "error", "location"], "properties": {
            "id": { "type": "string" }, "checkedAt": { "type": "string", "format": "date-time" }, "status": status,
            "httpStatus": { "type": ["integer", "null"] }, "method": { "type": ["string", "null"] },
            "responseTimeMs": ms, "dnsMs": ms, "connectMs": ms, "tlsMs": ms, "ttfbMs": ms,
            "error": { "type": ["string", "null"] }, "location": { "type": "string" } } },
        "DowntimeWindow": { "type": "object", "required": ["id", "startedAt", "endedAt", "durationSeconds", "initialStatus",
            "recoveryStatus", "affectedChecks", "rootCause", "notes"], "properties": {
            "id": { "type": "string" }, "monitorId": { "type": "string" }, "startedAt": { "type": "string", "format": "date-time" },
            "endedAt": opt_time, "durationSeconds": { "type": "integer" }, "initialStatus": status,
            "recoveryStatus": { "type": ["string", "null"] }, "affectedChecks": { "type": "integer" },
            "rootCause": opt_text, "notes": opt_text } },
        "DowntimeNote": { "type": "object", "additionalProperties": false, "properties": {
            "rootCause": opt_text, "notes": opt_text } },
        "Uptime": { "type": "object", "required": ["window", "uptimePercent", "downtimeSeconds", "checks", "failedChecks",
            "p50Ms", "p95Ms"], "properties": {
            "window": { "type": "string", "enum": ["24h", "7d", "30d", "90d"] }, "uptimePercent": { "type": "number" },
            "downtimeSeconds": { "type": "integer" }, "checks": { "type": "integer" }, "failedChecks": { "type": "integer" },
            "p50Ms": { "type": ["integer", "null"] }, "p95Ms": { "type": ["integer", "null"] } } },
        "DebugSession": { "type": "object", "required": ["sessionKey", "startedAt", "completedAt", "success", "errorMessage",
            "userAgent", "events"], "properties": {
            "sessionKey": { "type": "string" }, "monitorId": { "type": "string" },
            "trigger": { "type": "string", "enum": ["DOWN", "MANUAL"] },
            "startedAt": { "type": "string", "format": "date-time" }, "completedAt": { "type": "string", "format": "date-time" },
            "success": { "type": "boolean" }, "errorMessage": { "type": ["string", "null"] }, "userAgent": { "type": "string" },
            "events": { "type": "array", "items": { "type": "object", "required": ["type", "url", "timestamp"], "properties": {
                "type": { "type": "string", "enum": ["REQUEST", "RESPONSE", "REDIRECT", "ERROR", "TIMEOUT"] },
                "url": { "type": "string" }, "method": { "type": ["string", "null"] }, "statusCode": { "type": ["integer", "null"] },
                "requestHeaders": headers, "responseHeaders": headers,
                "requestPayload": { "type": ["string", "null"] }, "responsePayload": { "type": ["string", "null"] },
                "timestamp": { "type": "string", "format": "date-time" }, "durationMs": ms,
                "error": { "type": ["string", "null"] } } } } } }
    })
}

fn history_schemas() -> Value {
    let id = json!({ "type": "string" });
    let time = json!({ "type": "string", "format": "date-time" });
    let severity = json!({ "type": "string", "enum": ["LOW", "MEDIUM", "HIGH", "CRITICAL"] });
    let change = json!({ "type": "string", "enum": ["OPENED", "ESCALATED", "ACKNOWLEDGED", "RESOLVED"] });
    let notice =
        json!({ "type": "string", "enum": ["OPENED", "ESCALATED", "ACKNOWLEDGED", "RESOLVED", "REMINDER", "TEST"] });
    let incident_status = json!({ "type": "string", "enum": ["OPEN", "ACKNOWLEDGED", "RESOLVED"] });
    let channel_kind = json!({ "type": "string", "enum": ["EMAIL", "SMS", "SLACK", "TEAMS", "PAGERDUTY", "WEBHOOK"] });
    let attempt = json!({ "type": "object", "required": ["startedAt", "elapsedMs"], "properties": {
        "startedAt": time, "elapsedMs": { "type": "integer", "minimum": 0 }, "status": { "type": "integer" }, "error": { "type": "string" } } });
    json!({
        "IncidentEvent": { "type": "object", "required": ["change", "at", "severity", "status"], "properties": {
            "change": change, "at": time, "severity": severity, "status": incident_status } },
        "DeliveryAttempt": attempt,
        "Delivery": { "type": "object", "required": ["eventKey", "change", "incidentId", "channelId", "channelKind", "status", "startedAt"], "properties": {
            "eventKey": { "type": "string" }, "change": notice, "incidentId": id, "channelId": id, "channelKind": channel_kind,
            "status": { "type": "string", "enum": ["IN_FLIGHT", "DELIVERED", "FAILED"] },
            "attempts": { "type": "array", "items": { "$ref": "#/components/schemas/DeliveryAttempt" } },
            "startedAt": time, "finishedAt": time } },
        "ChannelTestResult": { "type": "object", "required": ["noticeId", "channelId", "channelKind", "outcome", "delivered", "status", "error", "attempts", "startedAt", "finishedAt"], "properties": {
            "noticeId": { "type": "string" }, "channelId": id, "channelKind": channel_kind,
            "outcome": { "type": "string", "enum": ["DELIVERED", "FAILED"] }, "delivered": { "type": "boolean" },
            "status": { "type": ["integer", "null"], "description": "the receiver's HTTP status (webhooks only)" },
            "error": { "type": ["string", "null"] },
            "attempts": { "type": "array", "items": { "$ref": "#/components/schemas/DeliveryAttempt" } },
            "startedAt": time, "finishedAt": time } }
    })
}

/// The schemas of status pages, their incidents and maintenance.
fn status_page_schemas() -> Value {
    let id = json!({ "type": "string" });
    let ids = |max: u32| json!({ "type": "array", "items": { "type": "string" }, "maxItems": max });
    let time = json!({ "type": "string", "format": "date-time" });
    let name = json!({ "type": "string", "minLength": 1, "maxLength": 120 });
    let slug = json!({ "type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$" });
    let text = |max: u32| json!({ "type": "string", "maxLength": max });
    let url = json!({ "type": "string", "format": "uri", "pattern": "^https?://[^/?#]+", "maxLength": 2048 });
    let body = json!({ "type": "string", "minLength": 1, "maxLength": 4096 });
    let host = json!({ "type": "string", "maxLength": 253, "pattern": "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$" });
    let component_status = json!({ "type": "string", "enum": ["operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"] });
    let statuses = json!({ "type": "object", "additionalProperties": component_status, "maxProperties": 200 });
    let state = json!({ "type": "string", "enum": ["INVESTIGATING", "IDENTIFIED", "MONITORING", "RESOLVED"] });
    let impact = json!({ "type": "string", "enum": ["MINOR", "MAJOR", "CRITICAL"] });
    let theme = json!({ "type": "object", "properties": { "brandColour": { "type": "string", "pattern": "^#[0-9a-fA-F]{6}$" }, "logoUrl": url, "faviconUrl": url } });
    let mut theme_input = theme.clone();
    theme_input["additionalProperties"] = json!(false);
    let page_props = json!({
        "id": id, "orgId": id, "name": { "type": "string" }, "description": { "type": "string" }, "slug": { "type": "string" },
        "visibility": { "type": "string", "enum": ["PUBLIC", "PRIVATE"] },
        "theme": theme, "customDomain": { "type": "string" },
        "components": { "type": "array", "items": { "type": "object", "required": ["id", "name", "position", "monitorIds", "status"], "properties": {
            "id": id, "name": { "type": "string" }, "position": { "type": "integer" }, "monitorIds": ids(100),
            "service": { "type": "string" }, "description": { "type": "string" }, "status": component_status } } }
    });
    let mut saved_props = page_props.clone();
    saved_props["accessToken"] = json!({ "type": "string", "description": "A private page's access token, when this write made one: shown only here." });
    let page_required = json!(["id", "orgId", "name", "slug", "visibility", "theme", "components"]);
    json!({
        "StatusPageInput": { "type": "object", "required": ["name", "slug"], "additionalProperties": false, "properties": {
            "name": name, "slug": slug, "description": text(2000),
            "visibility": { "type": "string", "enum": ["PUBLIC", "PRIVATE"] },
            "rotateToken": { "type": "boolean", "description": "A private page keeps its token across replaces unless this is true." },
            "theme": theme_input, "customDomain": host,
            "components": { "type": "array", "maxItems": 200, "items": { "type": "object", "required": ["name"], "additionalProperties": false, "properties": {
                "id": { "type": "string", "description": "An existing component of the page, to keep it." }, "name": name,
                "position": { "type": "integer", "minimum": 0, "maximum": 65535 }, "monitorIds": ids(100),
                "service": slug, "description": text(2000),
                "status": { "readOnly": true, "description": "Computed: accepted back and ignored." } } } } } },
        "StatusPage": { "type": "object", "required": page_required, "properties": page_props },
        "SavedStatusPage": { "type": "object", "required": page_required, "properties": saved_props },
        "StatusIncidentInput": { "type": "object", "required": ["name", "impact", "body"], "additionalProperties": false, "properties": {
            "name": name, "impact": impact, "body": body,
            "state": { "type": "string", "enum": ["INVESTIGATING", "IDENTIFIED", "MONITORING"] }, "components": statuses } },
        "IncidentUpdateInput": { "type": "object", "required": ["state", "body"], "additionalProperties": false, "properties": {
            "state": state, "body": body, "components": statuses } },
        "StatusIncident": { "type": "object", "required": ["id", "pageId", "name", "impact", "state", "createdAt", "affected", "updates"], "properties": {
            "id": id, "pageId": id, "name": { "type": "string" }, "impact": impact, "state": state, "createdAt": time, "affected": statuses,
            "updates": { "type": "array", "items": { "type": "object", "required": ["id", "state", "body", "at"], "properties": {
                "id": id, "state": state, "body": { "type": "string" }, "at": time,
                "changes": { "type": "array", "items": { "type": "object", "required": ["componentId", "oldStatus", "newStatus"], "properties": {
                    "componentId": id, "oldStatus": component_status, "newStatus": component_status } } } } } } } },
        "PageMaintenanceInput": { "type": "object", "required": ["name", "startsAt", "endsAt"], "additionalProperties": false, "properties": {
            "name": name, "startsAt": time, "endsAt": time, "recurrence": { "type": "string", "maxLength": 512 },
            "timeZone": { "type": "string" }, "componentIds": ids(200), "description": body, "autoStatus": { "type": "boolean" } } },
        "PageMaintenance": { "type": "object", "required": ["id", "pageId", "window", "componentIds", "autoStatus", "createdAt"], "properties": {
            "id": id, "pageId": id, "window": { "$ref": "#/components/schemas/MaintenanceWindow" }, "componentIds": ids(200),
            "description": { "type": "string" }, "autoStatus": { "type": "boolean" }, "createdAt": time, "cancelledAt": time } }
    })
}

/// Built once: the document depends only on the code.
pub fn document() -> ApiResponse {
    static DOC: OnceLock<Value> = OnceLock::new();
    json(StatusCode::OK, DOC.get_or_init(build))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_documented_with_its_errors() {
        let doc = build();
        for r in ROUTES {
            let op = &doc["paths"][r.path][r.method.as_str().to_ascii_lowercase()];
            assert!(op.is_object(), "{} {} missing", r.method, r.path);
            if let Access::Key(..) = r.access {
                for code in ["401", "403", "429"] {
                    assert!(op["responses"][code].is_object(), "{} {} lacks {code}", r.method, r.path);
                }
            }
        }
        // Every $ref resolves.
        let text = doc.to_string();
        for part in text.split("#/components/schemas/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(doc["components"]["schemas"][name].is_object(), "dangling $ref {name}");
        }
    }
}
