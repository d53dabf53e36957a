//! A public status page's subscription routes, under `/status/{slug}` or at the root of its
//! custom domain: `POST /subscribe` (JSON or a form), `GET /subscribe/verify?token=`,
//! `GET /unsubscribe?token=` (a page with one button, so mail scanners that follow links
//! unsubscribe nobody) and `POST /unsubscribe?token=` (the button, or a mail client's
//! one-click unsubscribe).
use super::query::Query;
use super::{ApiError, ApiRequest, ApiResponse, App, json};
use crate::domain::status_page::view::PageLocation;
use crate::domain::status_page::{StatusPage, Visibility};
use crate::domain::text::escape;
use crate::services::subscribers::{SubscribeError, SubscribeInput};
use bytes::Bytes;
use chrono::Utc;
use http::{HeaderValue, Method, Response, StatusCode, header};
use serde::Deserialize;
use serde_json::json as json_value;

/// Most components one subscription may name (a page has at most 200).
const MAX_FILTER: usize = 200;
/// The confirmation pages post back to themselves and nowhere else.
const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionRoute {
    Subscribe,
    Verify,
    Unsubscribe,
}

impl SubscriptionRoute {
    pub fn from_path(path: &str) -> Option<Self> {
        match path {
            "/subscribe" => Some(Self::Subscribe),
            "/subscribe/verify" => Some(Self::Verify),
            "/unsubscribe" => Some(Self::Unsubscribe),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SubscribeBody {
    email: Option<String>,
    webhook_url: Option<String>,
    slack_webhook_url: Option<String>,
    #[serde(default)]
    components: Vec<String>,
    #[serde(default)]
    events: Vec<String>,
}

fn unknown() -> ApiError {
    ApiError::not_found("no such status page")
}

/// `at` is where the page was reached: links in its messages go there.
pub async fn handle(
    app: &App,
    page: StatusPage,
    at: PageLocation,
    route: SubscriptionRoute,
    req: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let home = at.path("/");
    // Private pages have no subscribers: they answer as pages that do not exist.
    if !matches!(page.visibility, Visibility::Public) {
        return Err(unknown());
    }
    let service = app.subscribers.as_ref().ok_or_else(|| ApiError::not_found("subscriptions are not enabled here"))?;
    let now = Utc::now();
    let token = || {
        Query::parse(req.query.as_deref())
            .ok()
            .and_then(|q| q.get("token"))
            .ok_or_else(|| ApiError::bad_request("token", "the link's token is missing"))
    };
    match (route, req.method.clone()) {
        (SubscriptionRoute::Subscribe, Method::POST) => {
            let subscribed = service.subscribe(&page, &at, input(req)?, now).await.map_err(error)?;
            let mut body = json_value!({
                "id": subscribed.subscriber.id,
                "status": "pending",
                "message": "Check your inbox (or channel) for the link that confirms the subscription.",
            });
            if let Some(secret) = subscribed.signing_secret {
                body["signingSecret"] = json_value!(secret.expose_secret());
            }
            Ok(json(StatusCode::ACCEPTED, &body))
        }
        (SubscriptionRoute::Verify, Method::GET | Method::HEAD) => {
            service.verify(&page, &token()?, now).await.map_err(error)?;
            Ok(html(
                &page,
                &home,
                "Subscription confirmed",
                "You will hear about changes to this page. Every message has a link to unsubscribe.",
                None,
            ))
        }
        (SubscriptionRoute::Unsubscribe, Method::GET | Method::HEAD) => {
            let token = token()?;
            Ok(html(&page, &home, "Unsubscribe", "Stop receiving updates about this page?", Some(&token)))
        }
        (SubscriptionRoute::Unsubscribe, Method::POST) => {
            service.unsubscribe(&page, &token()?).await.map_err(error)?;
            Ok(html(&page, &home, "Unsubscribed", "You will not hear from this page again.", None))
        }
        (SubscriptionRoute::Subscribe, _) => Err(ApiError::method_not_allowed("POST")),
        (SubscriptionRoute::Verify, _) => Err(ApiError::method_not_allowed("GET, HEAD")),
        (SubscriptionRoute::Unsubscribe, _) => Err(ApiError::method_not_allowed("GET, HEAD, POST")),
    }
}

/// The request as JSON, or as a form (`email=…&components=…&events=…`).
fn input(req: &ApiRequest) -> Result<SubscribeInput, ApiError> {
    let is_form = req
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let input = if is_form {
        let text = std::str::from_utf8(&req.body).map_err(|_| ApiError::bad_request("body", "a form must be UTF-8"))?;
        let form = Query::parse(Some(text)).map_err(|_| ApiError::bad_request("body", "the form is too long"))?;
        SubscribeInput {
            email: form.get("email"),
            webhook_url: form.get("webhookUrl"),
            slack_webhook_url: form.get("slackWebhookUrl"),
            components: form.all("components"),
            events: form.all("events"),
        }
    } else {
        let b: SubscribeBody = super::api::wire::body(req)?;
        SubscribeInput {
            email: b.email,
            webhook_url: b.webhook_url,
            slack_webhook_url: b.slack_webhook_url,
            components: b.components,
            events: b.events,
        }
    };
    if input.components.len() > MAX_FILTER {
        return Err(ApiError::unprocessable("components", format!("at most {MAX_FILTER} components")));
    }
    if input.events.len() > 4 {
        return Err(ApiError::unprocessable("events", "at most the four events"));
    }
    Ok(input)
}

fn error(e: SubscribeError) -> ApiError {
    match e {
        SubscribeError::Invalid { field, message } => ApiError::unprocessable(field, message),
        SubscribeError::BadToken => ApiError::not_found("no such subscription, or the link has expired"),
        SubscribeError::Full => ApiError::conflict("this page takes no more subscribers"),
        SubscribeError::Busy { retry_after_secs } => ApiError::rate_limited(retry_after_secs),
        SubscribeError::Store(e) => e.into(),
    }
}

/// A small page in the status page's colours; with `unsubscribe`, the one button that
/// confirms it (posting back to the same address, token included).
fn html(page: &StatusPage, home: &str, title: &str, text: &str, unsubscribe: Option<&str>) -> ApiResponse {
    let form = unsubscribe.map_or_else(String::new, |token| {
        format!(
            "<form method=\"post\" action=\"?token={}\"><button type=\"submit\">Unsubscribe</button></form>",
            escape(&form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>())
        )
    });
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title} · {name}</title>\
<style>body{{font-family:sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}}h1{{color:{colour}}}button{{font-size:1rem;padding:.5rem 1rem}}</style></head>\
<body><h1>{title}</h1><p>{text}</p>{form}<p><a href=\"{home}\">{name}</a></p></body></html>\n",
        home = escape(home),
        name = escape(page.name.as_str()),
        colour = page.theme.brand_colour.as_str(),
    );
    let mut res = Response::new(Bytes::from(body));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    res
}
