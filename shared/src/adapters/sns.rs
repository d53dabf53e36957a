//! SMS through Amazon SNS `Publish` to a phone number, marked transactional so carriers
//! deliver it promptly.
use super::aws_send_error::send_error;
use crate::domain::notification::SmsMessage;
use crate::ports::transport::{SmsSender, TransportError};
use async_trait::async_trait;
use aws_sdk_sns::Client;
use aws_sdk_sns::types::MessageAttributeValue;

pub struct SnsSms {
    client: Client,
}

impl SnsSms {
    pub fn new(sdk_config: &aws_config::SdkConfig) -> Self {
        Self { client: Client::new(sdk_config) }
    }
}

#[async_trait]
impl SmsSender for SnsSms {
    async fn send_sms(&self, m: &SmsMessage) -> Result<(), TransportError> {
        let transactional = MessageAttributeValue::builder()
            .data_type("String")
            .string_value("Transactional")
            .build()
            .map_err(|e| TransportError::Rejected(format!("sns: {e}")))?;
        self.client
            .publish()
            .phone_number(m.to.as_str())
            .message(&m.text)
            .message_attributes("AWS.SNS.SMS.SMSType", transactional)
            .send()
            .await
            .map_err(|e| send_error("sns", e))?;
        Ok(())
    }
}
