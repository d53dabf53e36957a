//! How a failed SES or SNS send maps to the transport port's errors: throttling and server
//! faults are worth a retry, anything else the service said about the message is not.
use crate::ports::transport::TransportError;
use aws_sdk_sesv2::config::http::HttpResponse;
use aws_sdk_sesv2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// Error codes that mean "not now" rather than "not this message".
const TRANSIENT_CODES: &[&str] = &[
    "TooManyRequestsException",
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "InternalErrorException",
    "InternalFailure",
    "ServiceUnavailable",
    "KMSThrottlingException",
];

pub(crate) fn send_error<E>(service: &'static str, e: SdkError<E, HttpResponse>) -> TransportError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let message = format!("{service}: {}", DisplayErrorContext(&e));
    tracing::warn!(service, error = %message, "send failed");
    match &e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => TransportError::Unreachable(message),
        SdkError::ResponseError(_) => TransportError::Unavailable(message),
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            let transient =
                status == 429 || status >= 500 || se.err().code().is_some_and(|c| TRANSIENT_CODES.contains(&c));
            if transient { TransportError::Unavailable(message) } else { TransportError::Rejected(message) }
        }
        _ => TransportError::Rejected(message),
    }
}
