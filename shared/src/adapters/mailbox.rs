//! Email and SMS for the local server: each message becomes one JSON file in a mailbox
//! directory (`{data_dir}/mailbox`), written whole (temporary file, then rename) so a reader never sees half.
use crate::domain::channel::PhoneNumber;
use crate::domain::notification::{EmailMessage, SmsMessage};
use crate::domain::org::Email;
use crate::ports::transport::{EmailSender, SmsSender, TransportError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One message as written to the mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE", rename_all_fields = "camelCase")]
pub enum MailboxEntry {
    Email { written_at: DateTime<Utc>, to: Email, subject: String, text: String, html: String },
    Sms { written_at: DateTime<Utc>, to: PhoneNumber, text: String },
}

pub struct Mailbox {
    dir: PathBuf,
}

impl Mailbox {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    async fn write(&self, suffix: &str, entry: &MailboxEntry, now: DateTime<Utc>) -> Result<(), TransportError> {
        let failed = |e: std::io::Error| TransportError::Unavailable(format!("mailbox: {e}"));
        tokio::fs::create_dir_all(&self.dir).await.map_err(failed)?;
        // Names sort by time: a UUIDv7 keeps two messages in one millisecond apart, in order.
        let name = format!("{}-{}.{suffix}.json", now.format("%Y%m%dT%H%M%S%.3fZ"), uuid::Uuid::now_v7().simple());
        let json = serde_json::to_vec_pretty(entry).expect("mailbox entries serialise");
        let tmp = self.dir.join(format!(".{name}.tmp"));
        tokio::fs::write(&tmp, json).await.map_err(failed)?;
        tokio::fs::rename(&tmp, self.dir.join(&name)).await.map_err(failed)
    }

    /// Every message in the mailbox, oldest first (for tests and the local server's view).
    pub fn entries(&self) -> std::io::Result<Vec<MailboxEntry>> {
        let mut paths: Vec<PathBuf> = match std::fs::read_dir(&self.dir) {
            Ok(dir) => dir.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        paths.retain(|p| p.extension().is_some_and(|x| x == "json"));
        paths.sort();
        paths.iter().map(|p| serde_json::from_slice(&std::fs::read(p)?).map_err(std::io::Error::other)).collect()
    }
}

#[async_trait]
impl EmailSender for Mailbox {
    async fn send_email(&self, m: &EmailMessage) -> Result<(), TransportError> {
        let now = Utc::now();
        let entry = MailboxEntry::Email {
            written_at: now,
            to: m.to.clone(),
            subject: m.subject.clone(),
            text: m.text.clone(),
            html: m.html.clone(),
        };
        self.write("email", &entry, now).await
    }
}

#[async_trait]
impl SmsSender for Mailbox {
    async fn send_sms(&self, m: &SmsMessage) -> Result<(), TransportError> {
        let now = Utc::now();
        self.write("sms", &MailboxEntry::Sms { written_at: now, to: m.to.clone(), text: m.text.clone() }, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_file_per_message_and_no_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let mailbox = Mailbox::new(dir.path().join("mailbox"));
        assert_eq!(mailbox.entries().unwrap(), vec![], "a missing directory is an empty mailbox");
        let email = EmailMessage {
            to: Email::new("ops@example.com").unwrap(),
            subject: "[Tokiflow] Incident opened".into(),
            text: "plain".into(),
            html: "<p>html</p>".into(),
        };
        let sms = SmsMessage { to: PhoneNumber::new("+14155550100").unwrap(), text: "Tokiflow: opened".into() };
        mailbox.send_email(&email).await.unwrap();
        mailbox.send_sms(&sms).await.unwrap();
        mailbox.send_email(&email).await.unwrap();

        let entries = mailbox.entries().unwrap();
        assert_eq!(entries.len(), 3);
        assert!(
            matches!(&entries[0], MailboxEntry::Email { subject, html, .. } if subject == "[Tokiflow] Incident opened" && html == "<p>html</p>")
        );
        assert!(
            matches!(&entries[1], MailboxEntry::Sms { text, to, .. } if text == "Tokiflow: opened" && to.as_str() == "+14155550100")
        );
        let names: Vec<String> = std::fs::read_dir(mailbox.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 3);
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
        assert_eq!(names.iter().filter(|n| n.ends_with(".sms.json")).count(), 1);
    }
}
