//! Notification channels: where an org's incidents are sent.
use super::{MAX_LIST, ManageError, ManageService, invalid};
use crate::domain::channel::{Channel, ChannelTarget, RealertInterval, WebhookUrl};
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
    pub target: TargetInput,
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

/// What a write-only secret reads as. Sent back unchanged, it keeps the stored secret.
pub const MASKED_SECRET: &str = "********";

/// Where the channel sends, as a write gives it: a whole target, or a webhook whose
/// secret was sent back as it reads (`MASKED_SECRET`), meaning "keep the stored one".
#[derive(Debug, Clone)]
pub enum TargetInput {
    Given(ChannelTarget),
    WebhookKeepingSecret { url: WebhookUrl },
}

impl<'de> Deserialize<'de> for TargetInput {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(d)?;
        if value["kind"] == "WEBHOOK" && value["secret"] == MASKED_SECRET {
            let url = value["url"].as_str().ok_or_else(|| D::Error::missing_field("url"))?;
            return Ok(Self::WebhookKeepingSecret { url: WebhookUrl::new(url).map_err(D::Error::custom)? });
        }
        ChannelTarget::deserialize(value).map(Self::Given).map_err(D::Error::custom)
    }
}

impl ManageService {
    /// The channel `input` describes; `current` is the target it replaces, whose webhook
    /// secret a masked one keeps.
    async fn channel_from(
        &self,
        org: &Org,
        id: ChannelId,
        input: ChannelInput,
        current: Option<&ChannelTarget>,
    ) -> Result<Channel, ManageError> {
        let target = match (input.target, current) {
            (TargetInput::Given(target), _) => target,
            (TargetInput::WebhookKeepingSecret { url }, Some(ChannelTarget::Webhook { secret, .. })) => {
                ChannelTarget::Webhook { url, secret: secret.clone() }
            }
            (TargetInput::WebhookKeepingSecret { .. }, _) => {
                return Err(invalid("target.secret", "no stored secret to keep: give the signing secret"));
            }
        };
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
            target,
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
        let ch = self.channel_from(org, ChannelId::generate(), input, None).await?;
        self.store.put_channel(&ch).await?;
        Ok(ch)
    }

    pub async fn replace_channel(&self, org: &Org, id: &str, input: ChannelInput) -> Result<Channel, ManageError> {
        let existing = self.channel(org, id).await?;
        let ch = self.channel_from(org, existing.id.clone(), input, Some(&existing.target)).await?;
        self.store.put_channel(&ch).await?;
        Ok(ch)
    }

    pub async fn delete_channel(&self, org: &Org, id: &str) -> Result<(), ManageError> {
        let ch = self.channel(org, id).await?;
        Ok(self.store.delete_channel(&org.id, &ch.id).await?)
    }
}
