//! Status page routes: `/status/{slug}[/…]`, and the same paths at the root of a page's
//! custom domain (the Host header selects the page). HTML, Statuspage v2 JSON, Atom/RSS,
//! SVG badges; `ETag` / `If-None-Match` → 304. A private page answers exactly as a page
//! that does not exist unless the request carries its token.
use super::query::Query;
use super::subscribe::{self, SubscriptionRoute};
use super::{ApiError, ApiRequest, ApiResponse, App};
use crate::domain::secret::PageToken;
use crate::domain::status_page::render::{self, Rendered, Resource};
use crate::domain::status_page::view::PageLocation;
use crate::domain::status_page::{Hostname, StatusPage, Visibility};
use crate::domain::text::Slug;
use crate::services::render_status_page::load_view;
use bytes::Bytes;
use chrono::Utc;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};

/// Short enough that an incident shows within a minute, long enough that a spike of
/// visitors costs a few renders (with `stale-while-revalidate` at a CDN).
const PUBLIC_CACHE: &str = "public, max-age=30, stale-while-revalidate=60";
/// Private pages may be kept only by the browser, and revalidated each time.
const PRIVATE_CACHE: &str = "private, no-cache";
/// The page needs no script; nothing but its own inline style and images may load.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; base-uri 'none'; form-action 'none'; frame-ancestors *";

/// The viewer's host, as CloudFront passes it on (see `template.yaml`).
const VIEWER_HOST: &str = "x-tokiflow-host";

fn unknown() -> ApiError {
    ApiError::not_found("no such status page")
}

/// `rest` is what follows `/status/`: `{slug}` and the resource path.
pub async fn by_slug(app: &App, rest: &str, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let (slug, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let subscription = SubscriptionRoute::from_path(path);
    let resource = match subscription {
        Some(_) => None,
        None => Some(Resource::from_path(path).ok_or_else(unknown)?),
    };
    let slug = Slug::new(slug).map_err(|_| unknown())?;
    if resource.is_some() {
        allowed(&req.method)?;
    }
    let page = app.store.status_page_by_slug(slug.as_str()).await?.ok_or_else(unknown)?;
    let location = PageLocation { origin: origin(&req.headers), prefix: format!("/status/{slug}") };
    let Some(resource) = resource else {
        let route = subscription.expect("a subscription route when no resource");
        return subscribe::handle(app, page, location, route, req).await;
    };
    serve(app, page, location, resource, req).await
}

/// A request to a host other than ours: the page whose custom domain it is, if any.
/// `None` when the path is not a status page's or no page has the host, so the caller
/// answers as for any unknown route.
pub async fn by_domain(app: &App, req: &ApiRequest) -> Option<Result<ApiResponse, ApiError>> {
    let host = viewer_host(&req.headers)?;
    let host = Hostname::new(host.split(':').next().unwrap_or_default()).ok()?;
    // Behind CloudFront a custom host's paths arrive as the static copy's keys
    // (`/domains/{host}/…`, see `template.yaml`) when S3 could not answer.
    let static_root = format!("/domains/{host}");
    let path = req.path.strip_prefix(&static_root).unwrap_or(&req.path);
    let subscription = SubscriptionRoute::from_path(path);
    let resource = match subscription {
        Some(_) => None,
        None => Some(Resource::from_path(path)?),
    };
    let page = match app.store.status_page_by_domain(host.as_str()).await {
        Ok(page) => page?,
        Err(e) => return Some(Err(e.into())),
    };
    Some(on_domain(app, page, &host, subscription, resource, req).await.map_err(as_unknown_host))
}

/// On a custom domain a page that is not shown (private, without its token) answers as a
/// host with no page at all, so the domain's existence does not show.
fn as_unknown_host(e: ApiError) -> ApiError {
    if e.status == http::StatusCode::NOT_FOUND { ApiError::not_found("no such route") } else { e }
}

async fn on_domain(
    app: &App,
    page: crate::domain::status_page::StatusPage,
    host: &Hostname,
    subscription: Option<SubscriptionRoute>,
    resource: Option<Resource>,
    req: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let location = PageLocation { origin: format!("https://{host}"), prefix: String::new() };
    let Some(resource) = resource else {
        let route = subscription.expect("a subscription route when no resource");
        return subscribe::handle(app, page, location, route, req).await;
    };
    allowed(&req.method)?;
    serve(app, page, location, resource, req).await
}

fn allowed(method: &Method) -> Result<(), ApiError> {
    match *method {
        Method::GET | Method::HEAD => Ok(()),
        _ => Err(ApiError::method_not_allowed("GET, HEAD")),
    }
}

async fn serve(
    app: &App,
    page: StatusPage,
    location: PageLocation,
    resource: Resource,
    req: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let private = match &page.visibility {
        Visibility::Public => false,
        Visibility::Private { token_hash } => {
            let token = presented_token(req).ok_or_else(unknown)?;
            if !token_hash.matches(token.reveal()) {
                return Err(unknown());
            }
            true
        }
    };
    let view = load_view(app.store.as_ref(), page, location, Utc::now()).await?;
    let rendered = render::render(&view, &resource).ok_or_else(|| ApiError::not_found("no such component"))?;
    Ok(respond(rendered, private, &req.headers))
}

/// The token from `?token=` or `Authorization: Bearer …`; bounded before it is hashed.
/// A malformed query counts as no token, so it gets the same 404 as anything else.
fn presented_token(req: &ApiRequest) -> Option<PageToken> {
    let from_query = Query::parse(req.query.as_deref()).ok().and_then(|q| q.get("token"));
    let from_header = req
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    from_query.or(from_header).and_then(|t| PageToken::from_untrusted(&t))
}

/// The name the visitor asked for: behind CloudFront (whose origin request must carry
/// API Gateway's own Host) it comes in `x-tokiflow-host`, set by the distribution's
/// viewer-request function; otherwise it is the Host header.
fn viewer_host(headers: &HeaderMap) -> Option<&str> {
    headers.get(VIEWER_HOST).and_then(|h| plain_host(h.to_str().ok()?)).or_else(|| request_host(headers))
}

fn request_host(headers: &HeaderMap) -> Option<&str> {
    plain_host(headers.get(header::HOST)?.to_str().ok()?)
}

fn plain_host(host: &str) -> Option<&str> {
    let plain = !host.is_empty()
        && host.len() <= 260
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    plain.then_some(host)
}

/// The origin links are built on: the name the visitor used (CloudFront's, passed on),
/// else the request's own host, so the page works on whatever name reached it
/// (loopback, API Gateway, a CDN that forwards Host).
fn origin(headers: &HeaderMap) -> String {
    // Behind CloudFront the visitor's name comes in `x-tokiflow-host`, always over HTTPS.
    if let Some(viewer) = headers.get(VIEWER_HOST).and_then(|h| plain_host(h.to_str().ok()?)) {
        return format!("https://{viewer}");
    }
    let https = headers.get("x-forwarded-proto").is_some_and(|p| p.as_bytes().eq_ignore_ascii_case(b"https"));
    let scheme = if https { "https" } else { "http" };
    format!("{scheme}://{}", request_host(headers).unwrap_or("localhost"))
}

/// Whether `If-None-Match` names this entity tag (weak comparison, as RFC 9110 asks
/// for this header), or is `*`.
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |tag| {
            let tag = tag.trim();
            tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag
        },
    )
}

fn respond(rendered: Rendered, private: bool, request: &HeaderMap) -> ApiResponse {
    let fresh = not_modified(request, &rendered.etag);
    let mut res = Response::new(if fresh { Bytes::new() } else { Bytes::from(rendered.body) });
    *res.status_mut() = if fresh { StatusCode::NOT_MODIFIED } else { StatusCode::OK };
    let h = res.headers_mut();
    h.insert(header::ETAG, HeaderValue::from_str(&rendered.etag).expect("hex etag"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(if private { PRIVATE_CACHE } else { PUBLIC_CACHE }));
    if !fresh {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(rendered.content_type));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    if !private {
        // Widgets on other sites read the JSON and badges.
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn if_none_match_forms() {
        let tag = "\"abc\"";
        assert!(not_modified(&with(header::IF_NONE_MATCH, "\"abc\""), tag));
        assert!(not_modified(&with(header::IF_NONE_MATCH, "\"x\", W/\"abc\""), tag));
        assert!(not_modified(&with(header::IF_NONE_MATCH, "*"), tag));
        assert!(!not_modified(&with(header::IF_NONE_MATCH, "\"abd\""), tag));
        assert!(!not_modified(&HeaderMap::new(), tag));
    }

    #[test]
    fn origin_from_host_and_forwarded_proto() {
        let mut h = with(header::HOST, "127.0.0.1:8080");
        assert_eq!(origin(&h), "http://127.0.0.1:8080");
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(origin(&h), "https://127.0.0.1:8080");
        assert_eq!(origin(&with(header::HOST, "evil\"host")), "http://localhost", "odd hosts are not echoed");
    }
}
