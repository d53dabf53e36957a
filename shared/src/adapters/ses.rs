//! Email through Amazon SES v2 `SendEmail`: a simple message with text and HTML parts.
use super::aws_send_error::send_error;
use crate::domain::notification::EmailMessage;
use crate::ports::transport::{EmailSender, TransportError};
use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

pub struct SesEmail {
    client: Client,
    /// A verified SES identity, e.g. `Tokiflow <alerts@example.com>`.
    from: String,
    configuration_set: Option<String>,
}

impl SesEmail {
    pub fn new(sdk_config: &aws_config::SdkConfig, from: impl Into<String>, configuration_set: Option<String>) -> Self {
        Self { client: Client::new(sdk_config), from: from.into(), configuration_set }
    }
}

fn utf8(data: &str) -> Result<Content, TransportError> {
    Content::builder().data(data).charset("UTF-8").build().map_err(|e| TransportError::Rejected(format!("ses: {e}")))
}

#[async_trait]
impl EmailSender for SesEmail {
    async fn send_email(&self, m: &EmailMessage) -> Result<(), TransportError> {
        let body = Body::builder().text(utf8(&m.text)?).html(utf8(&m.html)?).build();
        let message = Message::builder().subject(utf8(&m.subject)?).body(body).build();
        self.client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(m.to.as_str()).build())
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(|e| send_error("ses", e))?;
        Ok(())
    }
}
