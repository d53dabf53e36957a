//! Notification channels: where an org's incidents are sent.
use super::{MAX_LIST, ManageError, ManageService, invalid};
use crate::domain::channel::{Channel, ChannelTarget, RealertInterval};
use crate::domain::ids::ChannelId;
use crate::domain::incident::Severity;
use crate::domain::org::Org;
use crate::domain::text::{Name, Slug};
use serde::Deserialize;

/// Create and replace take the whole channel.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChannelInput {
    pub name: String,
    pub target: ChannelTarget,
    #[serde(default)]
    pub min_severity: Option<Severity>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Monitors the channel subscribes to by id (with `tags`; neither means all).
    #[serde(default)]
    pub monitors: Vec<String>,
    /// Whether cascaded incidents (downstream of a known failure) are sent too.
    #[serde(default)]
    pub page_cascades: bool,
    /// Re-alert interval in seconds for still-open incidents (300 to 604800).
    #[serde(default)]
    pub realert_after_secs: Option<i64>,
}

impl ManageService {
    async fn channel_from(&self, org: &Org, id: ChannelId, input: ChannelInput) -> Result<Channel, ManageError> {
        if input.tags.len() > MAX_LIST {
            return Err(invalid("tags", format!("at most {MAX_LIST} tags")));
        }
        let monitors = self.org_monitor_ids(org, "monitors", &input.monitors).await?.into_iter().collect();
        let realert_after = input
            .realert_after_secs
            .map(|secs| RealertInterval::try_from(secs).map_err(|e| invalid("realertAfterSecs", e)))
            .transpose()?;
        let tags = input
            .tags
            .iter()
            .enumerate()
            .map(|(i, t)| Slug::new(t).map_err(|e| invalid(format!("tags[{i}]"), e)))
            .collect::<Result<_, _>>()?;
        Ok(Channel {
            id,
            org_id: org.id.clone(),
            name: Name::new(&input.name).map_err(|e| invalid("name", e))?,
            target: input.target,
            min_severity: input.min_severity.unwrap_or(Severity::Low),
            tags,
            monitors,
            page_cascades: input.page_cascades,
            realert_after,
        })
    }

    pub async fn channels(&self, org: &Org) -> Result<Vec<Channel>, ManageError> {
        Ok(self.store.channels_of_org(&org.id).await?)
    }

    pub async fn channel(&self, org: &Org, id: &str) -> Result<Channel, ManageError> {
        let id = ChannelId::parse(id).ok_or(ManageError::NotFound("channel"))?;
        self.store.channel(&org.id, &id).await?.ok_or(ManageError::NotFound("channel"))
    }

    pub async fn create_channel(&self, org: &Org, input: ChannelInput) -> Result<Channel, ManageError> {
        let ch = self.channel_from(org, ChannelId::generate(), input).await?;
        self.store.put_channel(&ch).await?;
        Ok(ch)
    }

    pub async fn replace_channel(&self, org: &Org, id: &str, input: ChannelInput) -> Result<Channel, ManageError> {
        let existing = self.channel(org, id).await?;
        let ch = self.channel_from(org, existing.id, input).await?;
        self.store.put_channel(&ch).await?;
        Ok(ch)
    }

    pub async fn delete_channel(&self, org: &Org, id: &str) -> Result<(), ManageError> {
        let ch = self.channel(org, id).await?;
        Ok(self.store.delete_channel(&org.id, &ch.id).await?)
    }
}
