//! Status pages: what an org shows its customers, and the component roll-up.
pub mod fixture;
pub mod incident;
pub mod maintenance;
pub mod publish;
pub mod render;
pub mod rollup;
pub mod subscriber;
pub mod uptime;
pub mod view;

use super::ids::{ComponentId, MonitorId, OrgId, StatusPageId};
use super::secret::SecretHash;
use super::text::{Name, Slug, validated_string};
use serde::{Deserialize, Serialize};

pub const MAX_COMPONENTS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusPageError {
    #[error("colour must be #rrggbb")]
    BadColour,
    #[error("custom domain must be a lowercase host name like status.example.com")]
    BadDomain,
    #[error("at most {MAX_COMPONENTS} components")]
    TooManyComponents,
}

/// Ordered from best to worst, so the overall status is the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

impl ComponentStatus {
    /// The wire name, as Statuspage spells it (`partial_outage`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Operational => "operational",
            Self::UnderMaintenance => "under_maintenance",
            Self::DegradedPerformance => "degraded_performance",
            Self::PartialOutage => "partial_outage",
            Self::MajorOutage => "major_outage",
        }
    }

    /// What a customer reads.
    pub fn label(self) -> &'static str {
        match self {
            Self::Operational => "Operational",
            Self::UnderMaintenance => "Under maintenance",
            Self::DegradedPerformance => "Degraded performance",
            Self::PartialOutage => "Partial outage",
            Self::MajorOutage => "Major outage",
        }
    }
}

/// The page's overall status: the worst of its components.
pub fn overall_status(components: &[Component]) -> ComponentStatus {
    components.iter().map(|c| c.status).max().unwrap_or(ComponentStatus::Operational)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HexColour(String);

impl HexColour {
    pub fn new(s: &str) -> Result<Self, StatusPageError> {
        let ok = s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit());
        ok.then(|| Self(s.to_ascii_lowercase())).ok_or(StatusPageError::BadColour)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

validated_string!(HexColour, StatusPageError, new);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hostname(String);

impl Hostname {
    pub fn new(s: &str) -> Result<Self, StatusPageError> {
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        let ok = s.len() <= 253 && s.contains('.') && s.split('.').all(label_ok);
        ok.then(|| Self(s.to_owned())).ok_or(StatusPageError::BadDomain)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

validated_string!(Hostname, StatusPageError, new);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Theme {
    pub brand_colour: HexColour,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub favicon_url: Option<String>,
}

impl Default for Theme {
    fn default() -> Self {
        Self { brand_colour: HexColour("#1f6feb".into()), logo_url: None, favicon_url: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE", rename_all_fields = "camelCase")]
pub enum Visibility {
    Public,
    /// Served only with the access token; without it the page does not exist (404).
    Private {
        token_hash: SecretHash,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    pub id: ComponentId,
    pub name: Name,
    pub position: u16,
    pub monitor_ids: Vec<MonitorId>,
    /// A service this component stands for that has no monitor (set by hand or by an
    /// integration); its status then comes from status incidents and maintenance only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Slug>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Cached, recomputed when a linked monitor's incidents change.
    pub status: ComponentStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusPage {
    pub id: StatusPageId,
    pub org_id: OrgId,
    pub name: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub slug: Slug,
    pub visibility: Visibility,
    pub theme: Theme,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_domain: Option<Hostname>,
    pub components: Vec<Component>,
}

impl Component {
    /// A component showing `monitor_ids`, operational until the first publish says otherwise.
    pub fn new(name: Name, position: u16, monitor_ids: Vec<MonitorId>) -> Self {
        Self {
            id: ComponentId::generate(),
            name,
            position,
            monitor_ids,
            service: None,
            description: None,
            status: ComponentStatus::Operational,
        }
    }
}

impl StatusPage {
    /// A public page with the default theme, no custom domain and no components yet.
    pub fn new(org_id: OrgId, name: Name, slug: Slug) -> Self {
        Self {
            id: StatusPageId::generate(),
            org_id,
            name,
            description: None,
            slug,
            visibility: Visibility::Public,
            theme: Theme::default(),
            custom_domain: None,
            components: Vec::new(),
        }
    }

    pub fn set_components(&mut self, components: Vec<Component>) -> Result<(), StatusPageError> {
        if components.len() > MAX_COMPONENTS {
            return Err(StatusPageError::TooManyComponents);
        }
        self.components = components;
        self.components.sort_by_key(|c| c.position);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(status: ComponentStatus) -> Component {
        Component {
            id: ComponentId::generate(),
            name: Name::new("API").unwrap(),
            position: 0,
            monitor_ids: vec![],
            service: None,
            description: None,
            status,
        }
    }

    #[test]
    fn overall_is_the_worst_component() {
        assert_eq!(overall_status(&[]), ComponentStatus::Operational);
        let cs = [
            component(ComponentStatus::Operational),
            component(ComponentStatus::PartialOutage),
            component(ComponentStatus::UnderMaintenance),
        ];
        assert_eq!(overall_status(&cs), ComponentStatus::PartialOutage);
    }

    #[test]
    fn colours_and_domains() {
        assert_eq!(HexColour::new("#AABBCC").unwrap().as_str(), "#aabbcc");
        assert!(HexColour::new("red").is_err());
        assert!(Hostname::new("status.example.com").is_ok());
        for bad in ["localhost", "Status.example.com", "-a.example.com", "a..b", "a_b.com"] {
            assert!(Hostname::new(bad).is_err(), "{bad}");
        }
    }
}
