//! Cascades: the first upstream monitor of a monitor that is already failing, whose
//! trouble a downstream incident is likely an echo of.
use crate::domain::incident::IncidentKind;
use crate::domain::missed::UpstreamTrouble;
use crate::domain::monitor::Monitor;
use crate::ports::store::{ConfigStore, IncidentStore, MonitorStore, StoreError};

/// The kinds of incident that mean an upstream monitor is failing.
const FAILING: [IncidentKind; 4] = [IncidentKind::Missed, IncidentKind::Fail, IncidentKind::Late, IncidentKind::Down];

/// The first upstream monitor of `m` with an open MISSED, FAIL, LATE or DOWN incident.
pub async fn upstream_trouble<S: ?Sized + MonitorStore + ConfigStore + IncidentStore>(
    store: &S,
    m: &Monitor,
) -> Result<Option<UpstreamTrouble>, StoreError> {
    let deps = store.dependencies_of_org(&m.org_id).await?;
    for dep in deps.iter().filter(|d| d.downstream == m.id) {
        let Some(up) = store.monitor(&dep.upstream).await? else { continue };
        let failing = FAILING.into_iter().find_map(|k| up.open_incidents.get(&k).map(|id| (k, id.clone())));
        if let Some((kind, incident_id)) = failing {
            let since = store.incident(&incident_id).await?.map(|i| i.opened_at).unwrap_or(up.created_at);
            return Ok(Some(UpstreamTrouble { monitor_name: up.name.to_string(), kind, since }));
        }
    }
    Ok(None)
}
