//! Monitors: their items (version-guarded), token items and org listing.
use super::calls::{Cond, OnFail, Q, Write, delete_write, delete_write_if, put_write};
use super::runs::run_item;
use super::{DynamoStore, Item, PingItemBytes, attr, backend, config_key, from_item, item_bytes, n, org_pk, s, to_doc};
use crate::domain::ids::{MonitorId, OrgId, RunId};
use crate::domain::monitor::{Monitor, PingOutcome};
use crate::domain::secret::SecretHash;
use crate::ports::store::*;
use async_trait::async_trait;
use std::collections::HashMap;

pub(super) fn monitor_key(id: &MonitorId) -> Item {
    HashMap::from([("pk".into(), s(format!("MON#{id}")))])
}

pub(super) fn token_key(hash: &SecretHash) -> Item {
    HashMap::from([("pk".into(), s(format!("TOKEN#{}", hash.to_hex())))])
}

/// The monitor item. `last_run` names the ping that wrote it, so a write retried after it
/// had already landed can recognise itself (see `put_versioned`).
pub(super) fn monitor_item(m: &Monitor, last_run: Option<&RunId>) -> Result<Item, StoreError> {
    let mut item = monitor_key(&m.id);
    item.insert("version".into(), n(m.version));
    item.insert("doc".into(), to_doc(m)?);
    if let Some(run) = last_run {
        item.insert("lastRunId".into(), s(run.as_str()));
    }
    Ok(item)
}

pub(super) fn token_item(m: &Monitor) -> Item {
    let mut item = token_key(&m.token_hash);
    item.insert("monitorId".into(), s(m.id.as_str()));
    item
}

/// The items a plain ping writes, measured as DynamoDB bills them.
pub fn ping_item_bytes(outcome: &PingOutcome) -> Result<PingItemBytes, StoreError> {
    Ok(PingItemBytes {
        monitor: item_bytes(&monitor_item(&outcome.monitor, Some(&outcome.run.id))?),
        run: item_bytes(&run_item(&outcome.run)?),
    })
}

impl DynamoStore {
    pub(super) fn versioned_write(&self, item: Item, expected_version: u64) -> Result<Write, StoreError> {
        put_write(
            &self.t.monitors,
            item,
            Some(Cond::new("version = :v", OnFail::Conflict).value(":v", n(expected_version))),
        )
    }
}

#[async_trait]
impl MonitorStore for DynamoStore {
    async fn create_monitor(&self, m: &Monitor) -> Result<(), StoreError> {
        let writes = vec![
            put_write(&self.t.monitors, monitor_item(m, None)?, Some(Cond::absent(OnFail::Exists("monitor"))))?,
            put_write(&self.t.monitors, token_item(m), Some(Cond::absent(OnFail::Exists("monitor token"))))?,
            // The org's list of monitors: consistent, unlike an index.
            put_write(
                &self.t.config,
                config_key(org_pk(&m.org_id), format!("MON#{}", m.id)),
                Some(Cond::absent(OnFail::Exists("monitor"))),
            )?,
        ];
        self.transact("create_monitor", writes).await
    }

    async fn monitor(&self, id: &MonitorId) -> Result<Option<Monitor>, StoreError> {
        self.get_doc("monitor", &self.t.monitors, monitor_key(id)).await
    }

    /// Two eventually consistent reads (0.5 RCU each for items up to 4 KB): see the module
    /// comment for why that is safe.
    async fn monitor_by_token(&self, token_hash: &SecretHash) -> Result<Option<Monitor>, StoreError> {
        let Some(token) = self.get("monitor_by_token", &self.t.monitors, token_key(token_hash), false).await? else {
            return Ok(None);
        };
        let id = MonitorId::parse(attr(&token, "monitorId")?)
            .ok_or_else(|| backend("token item has a malformed monitorId"))?;
        let item = self.get("monitor_by_token", &self.t.monitors, monitor_key(&id), false).await?;
        // A stale read may still show a rotated token: only the monitor's own hash counts.
        match item.as_ref().map(from_item::<Monitor>).transpose()? {
            Some(m) if &m.token_hash == token_hash => Ok(Some(m)),
            _ => Ok(None),
        }
    }

    async fn monitors_of_org(&self, org: &OrgId) -> Result<Vec<Monitor>, StoreError> {
        let q = Q {
            table: &self.t.config,
            index: None,
            condition: "pk = :pk AND begins_with(sk, :prefix)",
            values: vec![(":pk", s(org_pk(org))), (":prefix", s("MON#"))],
            newest_first: false,
            limit: None,
        };
        let members = self.query("monitors_of_org", q).await?;
        let keys = members
            .iter()
            .map(|m| attr(m, "sk").map(|sk| HashMap::from([("pk".to_owned(), s(sk))])))
            .collect::<Result<Vec<_>, _>>()?;
        let mut monitors: Vec<Monitor> = self
            .batch_get("monitors_of_org", &self.t.monitors, keys)
            .await?
            .iter()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        monitors.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(monitors)
    }

    async fn update_monitor(&self, m: &Monitor, expected_version: u64) -> Result<(), StoreError> {
        // Read first, only to learn whether the token moves (an API edit, not the ping path).
        let Some(current) = self.get_doc::<Monitor>("update_monitor", &self.t.monitors, monitor_key(&m.id)).await?
        else {
            return Err(StoreError::Conflict);
        };
        if current.version != expected_version {
            return Err(StoreError::Conflict);
        }
        if current.token_hash == m.token_hash {
            return self.put_versioned("update_monitor", monitor_item(m, None)?, expected_version).await;
        }
        let writes = vec![
            self.versioned_write(monitor_item(m, None)?, expected_version)?,
            delete_write(&self.t.monitors, token_key(&current.token_hash))?,
            put_write(&self.t.monitors, token_item(m), Some(Cond::absent(OnFail::Exists("monitor token"))))?,
        ];
        self.transact("update_monitor.rotate_token", writes).await
    }

    async fn delete_monitor(&self, m: &Monitor, expected_version: u64) -> Result<(), StoreError> {
        let writes = vec![
            delete_write_if(
                &self.t.monitors,
                monitor_key(&m.id),
                Some(Cond::new("version = :v", OnFail::Conflict).value(":v", n(expected_version))),
            )?,
            delete_write(&self.t.monitors, token_key(&m.token_hash))?,
            delete_write(&self.t.config, config_key(org_pk(&m.org_id), format!("MON#{}", m.id)))?,
        ];
        self.transact("delete_monitor", writes).await
    }
}
