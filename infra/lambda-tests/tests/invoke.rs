//! Every sample event in `events/`, sent to the real functions under `cargo lambda watch`,
//! against DynamoDB Local and moto: the answers, and what was stored.
use chrono::{Duration, Utc};
use tokiflow_lambda_tests::{Backends, EVENTS_MONITOR, EVENTS_ORG, EVENTS_TOKEN, Receiver, Watch};
use tokiflow_shared::domain::channel::{Channel, ChannelTarget, SigningSecret, WebhookUrl};
use tokiflow_shared::domain::ids::{MonitorId, OrgId};
use tokiflow_shared::domain::incident::{Incident, IncidentKind, Severity};
use tokiflow_shared::domain::monitor::MonitorStatus;
use tokiflow_shared::domain::org::Org;
use tokiflow_shared::domain::run::RunState;
use tokiflow_shared::domain::secret::PingToken;
use tokiflow_shared::domain::text::Name;
use tokiflow_shared::ports::store::{ConfigStore, IncidentStore, MonitorStore, OrgStore, RunStore};

fn status(answer: &serde_json::Value) -> u64 {
    answer["statusCode"].as_u64().unwrap_or_else(|| panic!("no statusCode in {answer}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_functions_answer_every_sample_event() {
    let b = Backends::create("lambda-tests-").await;
    let token = PingToken::from_untrusted(EVENTS_TOKEN).unwrap();
    let pinged = b.monitor(None, &token, Utc::now()).await;
    // A monitor created long ago and never pinged: its deadline has passed.
    let silent = b.monitor(Some(EVENTS_MONITOR), &PingToken::generate(), Utc::now() - Duration::hours(1)).await;
    let watch = Watch::start(&b.env);

    let expected: &[(&str, u64, Option<RunState>)] = &[
        ("ping-success.json", 200, Some(RunState::Success)),
        ("ping-head.json", 200, Some(RunState::Success)),
        ("ping-start.json", 200, Some(RunState::Start)),
        ("ping-finish-rid.json", 200, Some(RunState::Success)),
        ("ping-fail.json", 200, Some(RunState::Fail)),
        ("ping-log.json", 200, Some(RunState::Log)),
        ("ping-exit-code.json", 200, Some(RunState::Fail)),
        ("ping-query-state.json", 200, Some(RunState::Fail)),
        ("ping-post-output.json", 200, Some(RunState::Success)),
        ("ping-unknown-token.json", 404, None),
        ("ping-bad-exit-code.json", 400, None),
        ("ping-bad-severity.json", 400, None),
    ];
    let mut recorded = 0;
    for (event, want, state) in expected {
        let answer = watch.invoke("ping-ingest", event);
        assert_eq!(status(&answer), *want, "{event}: {answer}");
        if let Some(state) = state {
            recorded += 1;
            let latest = b.store.runs(&pinged.id, 1, None).await.unwrap().items.remove(0);
            assert_eq!(latest.state, *state, "{event}");
            assert_eq!(latest.source_ip, Some("203.0.113.7".parse().unwrap()), "{event}");
        } else {
            // Refusals in Healthchecks' plain text ("not found", "invalid url format", …).
            let body = answer["body"].as_str().unwrap();
            assert!(body == "not found" || body.starts_with("invalid "), "{event}: {body:?}");
        }
    }
    assert_eq!(b.store.run_count(&pinged.id).await.unwrap(), recorded);
    let after = b.store.monitor(&pinged.id).await.unwrap().unwrap();
    assert_eq!(after.status, MonitorStatus::Up, "the last ping was a success");
    assert!(after.durations.p50_ms.is_some(), "start and rid-matched finish gave a duration");
    let fail = b.store.incidents_of_monitor(&pinged.id).await.unwrap();
    assert_eq!(fail.len(), 1, "one FAIL incident, resolved by the success");
    assert_eq!((fail[0].kind, fail[0].severity), (IncidentKind::Fail, Severity::Critical));

    let answer = watch.invoke("missed-check", "missed-check.json");
    assert_eq!(answer["status"], "checked", "{answer}");
    let missed = b.store.incidents_of_monitor(&silent.id).await.unwrap();
    assert_eq!(missed.len(), 1);
    assert_eq!(missed[0].kind, IncidentKind::Missed);
    // Delivered twice (at least once): still one incident.
    watch.invoke("missed-check", "missed-check.json");
    assert_eq!(b.store.incidents_of_monitor(&silent.id).await.unwrap().len(), 1);
    assert_eq!(watch.invoke("missed-check", "missed-check-unknown-monitor.json")["status"], "gone");

    // The sample stream batch: an incident item (skipped), its OPENED and RESOLVED events.
    let org = Org { id: OrgId::parse(EVENTS_ORG).unwrap(), ..Org::new(Name::new("Stream").unwrap(), Utc::now()) };
    b.store.create_org(&org).await.unwrap();
    let receiver = Receiver::start().await;
    let target =
        ChannelTarget::Webhook { url: WebhookUrl::new(&receiver.url).unwrap(), secret: SigningSecret::generate() };
    b.store
        .put_channel(&Channel::new(org.id.clone(), Name::new("hook").unwrap(), target, Severity::Low))
        .await
        .unwrap();
    let slug = status_page_of_the_stream_org(&b, &org).await;
    for _ in 0..2 {
        // Delivered twice (a retried batch): each event reaches the receiver once.
        let answer = watch.invoke("incident-notifier", "incident-stream.json");
        assert_eq!(answer, serde_json::json!({"batchItemFailures": []}));
    }
    let types: Vec<_> = receiver.received().iter().map(|b| b["type"].as_str().unwrap_or_default().to_owned()).collect();
    assert_eq!(types, ["incident.opened", "incident.resolved"]);
    reminder_sweep(&b, &watch, &missed[0], &receiver).await;
    // The notifier published the page showing the monitor: its MISSED incident (from the
    // missed check above) is open, HIGH: a partial outage, in the bucket.
    let summary =
        tokiflow_shared::ports::static_site::SitePath::new(&format!("status/{slug}/api/v2/summary.json")).unwrap();
    let (body, content_type, cache_control) =
        b.status_site.get(&summary).await.unwrap().expect("summary.json published");
    let summary: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(summary["components"][0]["status"], "partial_outage", "{summary}");
    assert_eq!(summary["page"]["url"], format!("https://status.tokiflow.example/status/{slug}"));
    assert_eq!(content_type.as_deref(), Some("application/json"));
    assert!(cache_control.unwrap_or_default().contains("stale-if-error"));
    status_page_events(&b, &watch).await;

    let answer = watch.invoke("retention-sweep", "retention-sweep.json");
    assert!(answer["orgs"].as_u64().unwrap() >= 3, "{answer}");
    assert_eq!(answer["runsDeleted"], 0, "nothing is old enough");
}

/// The scheduled `{"sweep": "reminders"}`: the silent monitor's MISSED incident, whose
/// opening reached a channel with a re-alert interval an hour ago, is sent once more.
async fn reminder_sweep(b: &Backends, watch: &Watch, incident: &Incident, receiver: &Receiver) {
    use tokiflow_shared::domain::channel::RealertInterval;
    use tokiflow_shared::domain::incident_event::IncidentEvent;
    use tokiflow_shared::domain::notification::Notice;
    use tokiflow_shared::domain::notification::delivery::{Delivery, DeliveryOutcome};
    use tokiflow_shared::domain::notification::record::DeliveryRecord;
    use tokiflow_shared::ports::store::DeliveryStore;
    let target =
        ChannelTarget::Webhook { url: WebhookUrl::new(&receiver.url).unwrap(), secret: SigningSecret::generate() };
    let mut channel = Channel::new(incident.org_id.clone(), Name::new("pager").unwrap(), target, Severity::Low);
    channel.realert_after = Some(RealertInterval::try_from(600).unwrap());
    b.store.put_channel(&channel).await.unwrap();
    let an_hour_ago = Utc::now() - Duration::hours(1);
    let opened = IncidentEvent::opened(incident);
    let claim = DeliveryRecord::claim(&Notice::from(&opened), &channel.id, channel.target.kind(), an_hour_ago);
    assert!(b.store.claim_delivery(&claim, Duration::minutes(5)).await.unwrap());
    let sent = Delivery {
        notice_id: claim.event_key.clone(),
        channel_id: channel.id.clone(),
        channel_kind: claim.channel_kind,
        outcome: DeliveryOutcome::Delivered,
        attempts: vec![],
        started_at: an_hour_ago,
        finished_at: an_hour_ago,
    };
    b.store.finish_delivery(&claim.finish(sent)).await.unwrap();
    let before = receiver.received().len();
    let answer = watch.invoke("incident-notifier", "reminder-sweep.json");
    assert_eq!(answer, serde_json::json!({"delivered": 1, "failed": 0}));
    let received = receiver.received();
    assert_eq!(received.len(), before + 1);
    assert_eq!(received[before]["type"], "incident.reminder", "{}", received[before]);
    let again = watch.invoke("incident-notifier", "reminder-sweep.json");
    assert_eq!(again, serde_json::json!({"delivered": 0, "failed": 0}), "the next sweep finds nothing due");
}

/// A public page of the stream's org whose one component shows `EVENTS_MONITOR`; its slug.
async fn status_page_of_the_stream_org(b: &Backends, org: &Org) -> String {
    use tokiflow_shared::domain::status_page::{Component, StatusPage};
    use tokiflow_shared::domain::text::Slug;
    let mut page =
        StatusPage::new(org.id.clone(), Name::new("Stream status").unwrap(), Slug::new("stream-status").unwrap());
    page.components =
        vec![Component::new(Name::new("Nightly").unwrap(), 0, vec![MonitorId::parse(EVENTS_MONITOR).unwrap()])];
    b.store.put_status_page(&page).await.unwrap();
    page.slug.to_string()
}

/// The `status-page` function on a page with one active status incident.
async fn status_page_events(b: &Backends, watch: &Watch) {
    use std::collections::BTreeMap;
    use tokiflow_shared::domain::status_page::incident::{Impact, StatusIncident, UpdateBody};
    use tokiflow_shared::domain::status_page::{Component, ComponentStatus, StatusPage};
    use tokiflow_shared::domain::text::Slug;
    use tokiflow_shared::ports::store::{ConfigStore, StatusStore};

    let org = Org::new(Name::new("Status events").unwrap(), Utc::now());
    b.store.create_org(&org).await.unwrap();
    let api = Component::new(Name::new("API").unwrap(), 0, vec![]);
    let mut page = StatusPage::new(org.id, Name::new("Events status").unwrap(), Slug::new("events-status").unwrap());
    page.components = vec![api.clone()];
    b.store.put_status_page(&page).await.unwrap();
    let incident = StatusIncident::open(
        page.id.clone(),
        Name::new("API errors").unwrap(),
        Impact::Major,
        UpdateBody::new("Investigating").unwrap(),
        BTreeMap::from([(api.id, ComponentStatus::MajorOutage)]),
        Utc::now(),
    );
    b.store.put_status_incident(&incident).await.unwrap();

    let html = watch.invoke("status-page", "status-page-html.json");
    assert_eq!(status(&html), 200, "{html}");
    assert!(html["body"].as_str().unwrap().contains("Major System Outage"), "{html}");
    let summary = watch.invoke("status-page", "status-page-summary.json");
    assert_eq!(status(&summary), 200, "{summary}");
    let body: serde_json::Value = serde_json::from_str(summary["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["status"]["indicator"], "critical");
    assert_eq!(body["incidents"][0]["name"], "API errors");
    assert!(summary["headers"]["etag"].is_string(), "{summary}");
    assert_eq!(status(&watch.invoke("status-page", "status-page-unknown.json")), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_function_answers_its_sample_events() {
    use tokiflow_shared::domain::ids::ApiKeyId;
    use tokiflow_shared::domain::org::{ApiKey, Email, Role, Scope, User};
    use tokiflow_shared::domain::secret::ApiKeySecret;
    let b = Backends::create("lambda-api-").await;
    let watch = Watch::start(&b.env);

    // On the empty tables, the bootstrap function makes the first owner once.
    let first = watch.invoke("bootstrap", "bootstrap.json");
    let first_key = ApiKeySecret::from_untrusted(first["apiKey"].as_str().expect("the key is answered")).unwrap();
    assert!(first_key.reveal().starts_with("tf_"), "{first}");
    let stored = b.store.api_key_by_hash(&first_key.hash()).await.unwrap().expect("the key is in DynamoDB");
    assert_eq!(stored.created_by.as_str(), first["ownerId"].as_str().unwrap());
    assert_eq!(stored.scopes.len(), Scope::ALL.len(), "the owner's first key holds every scope");
    let bootstrapped = b.store.users_of_org(&stored.org_id).await.unwrap();
    assert_eq!(
        (bootstrapped.len(), bootstrapped[0].role, bootstrapped[0].email.as_str()),
        (1, Role::Owner, "ops@acme.test")
    );
    let again = watch.try_invoke("bootstrap", "bootstrap.json").expect_err("a second bootstrap is refused");
    assert!(again.contains("already has an organisation"), "{again}");
    assert_eq!(b.store.orgs().await.unwrap().len(), 1, "the refusal made nothing");

    let org = Org::new(Name::new("Lambda API").unwrap(), Utc::now());
    b.store.create_org(&org).await.unwrap();
    let owner = User::new(org.id.clone(), Email::new("owner@example.com").unwrap(), Role::Owner, Utc::now());
    b.store.create_user(&owner).await.unwrap();
    let secret = ApiKeySecret::from_untrusted("tf_sampleApiKeyForEvents00000").unwrap();
    let key = ApiKey {
        id: ApiKeyId::generate(),
        org_id: org.id.clone(),
        name: Name::new("events").unwrap(),
        created_by: owner.id,
        key_hash: secret.hash(),
        scopes: [Scope::MonitorsRead, Scope::MonitorsWrite, Scope::IncidentsRead].into_iter().collect(),
        created_at: Utc::now(),
        revoked_at: None,
    };
    b.store.create_api_key(&key).await.unwrap();

    let body = |answer: &serde_json::Value| -> serde_json::Value {
        serde_json::from_str(answer["body"].as_str().unwrap()).unwrap()
    };
    let created = watch.invoke("api", "api-create-monitor.json");
    assert_eq!(status(&created), 201, "{created}");
    let id = MonitorId::parse(body(&created)["id"].as_str().unwrap()).unwrap();
    let stored = b.store.monitor(&id).await.unwrap().expect("created in DynamoDB");
    assert_eq!(stored.armed_for, stored.deadline(), "the missed check was armed (EventBridge Scheduler in moto)");
    let listed = watch.invoke("api", "api-list-monitors.json");
    assert_eq!(status(&listed), 200, "{listed}");
    assert_eq!(body(&listed)["items"][0]["name"], "created by event");
    let refused = watch.invoke("api", "api-no-key.json");
    assert_eq!(status(&refused), 401, "{refused}");
    let bad = watch.invoke("api", "api-bad-monitor.json");
    assert_eq!((status(&bad), body(&bad)["error"]["field"].as_str()), (400, Some("schedule")), "{bad}");
    assert_eq!(b.store.monitors_of_org(&org.id).await.unwrap().len(), 1, "the refused create stored nothing");

    // An incident's events, read back from DynamoDB by the function.
    let mut incident = tokiflow_shared::domain::incident::Incident::open(
        org.id.clone(),
        id,
        IncidentKind::Fail,
        Severity::High,
        Utc::now(),
    );
    incident.id = tokiflow_shared::domain::ids::IncidentId::parse("inc_0195f3c0a0c07c9e8d7f6a5b4c3d2e1f").unwrap();
    b.store.put_incident(&incident).await.unwrap();
    let events = watch.invoke("api", "api-incident-events.json");
    assert_eq!(status(&events), 200, "{events}");
    assert_eq!(body(&events)["items"][0]["change"], "OPENED", "{events}");
}
