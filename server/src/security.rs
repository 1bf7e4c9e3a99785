//! Request checks that apply to every route.
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// CSRF defence: a state-changing request must come from our own origin. Browsers send `Origin`
/// (or `Sec-Fetch-Site`) on cross-site POSTs; requests without either (curl, tests) pass, and
/// SameSite=Lax keeps the session cookie off cross-site POSTs anyway.
pub async fn reject_cross_site_writes(request: Request, next: Next) -> Response {
    if is_cross_site_write(&request) {
        tracing::warn!(uri = %request.uri(), "rejected cross-site state-changing request");
        return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
    }
    next.run(request).await
}

fn is_cross_site_write(request: &Request) -> bool {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return false;
    }
    let headers = request.headers();
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(origin);
    origin == "null" || !origin_host.eq_ignore_ascii_case(host)
}

/// Headers that keep the app's pages from being framed, sniffed or fed scripts from elsewhere
/// (`app::content_security_policy`: a page's names the nonce its inline scripts carry; everything
/// else gets it without one, so no inline script runs). HSTS is sent only when cookies are secure
/// (https).
pub fn security_headers(
    secure: bool,
) -> impl Fn(Request, Next) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>>
       + Clone {
    move |mut request: Request, next: Next| {
        Box::pin(async move {
            // A new nonce per response; a page's inline scripts carry it (`provide_request_context`).
            let nonce = leptos::nonce::Nonce::new();
            request.extensions_mut().insert(nonce.clone());
            let mut response = next.run(request).await;
            let page = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.starts_with("text/html"));
            let headers = response.headers_mut();
            let set = |headers: &mut header::HeaderMap, name: &'static str, value: &'static str| {
                headers
                    .entry(name)
                    .or_insert(header::HeaderValue::from_static(value));
            };
            if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
                let policy = app::content_security_policy(page.then_some(&*nonce));
                if let Ok(policy) = header::HeaderValue::from_str(&policy) {
                    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
                }
            }
            set(headers, "x-content-type-options", "nosniff");
            set(headers, "x-frame-options", "DENY");
            set(
                headers,
                "referrer-policy",
                "strict-origin-when-cross-origin",
            );
            set(
                headers,
                "permissions-policy",
                "camera=(), microphone=(), geolocation=(self)",
            );
            if secure {
                set(
                    headers,
                    "strict-transport-security",
                    "max-age=31536000; includeSubDomains",
                );
            }
            response
        })
    }
}

/// Server functions answer every error with 500 (leptos' default); this gives each the status that
/// says what happened (401, 403, 404, 409, 422, 429), keeping the body the client decodes. A real
/// fault stays 500 and carries a request id, logged beside it, in `x-request-id`.
pub async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    if !response.headers().contains_key("serverfnerror") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let error: Option<app::error::AppError> = serde_json::from_slice(&bytes).ok();
    let status = error
        .as_ref()
        .map_or(500, app::error::AppError::status_code);
    parts.status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status >= 500 {
        let request_id = new_request_id();
        tracing::error!(%request_id, %path, "server function failed");
        if let Ok(value) = header::HeaderValue::from_str(&request_id) {
            parts.headers.insert("x-request-id", value);
        }
    }
    if let Some(app::error::AppError::RateLimited {
        retry_after_minutes,
    }) = error
    {
        if let Ok(value) = header::HeaderValue::from_str(&(retry_after_minutes * 60).to_string()) {
            parts.headers.insert(header::RETRY_AFTER, value);
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// A short id to find a failure in the log by (time and a counter: unique per server run).
pub fn new_request_id() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{:x}-{n:x}", chrono::Utc::now().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(method: Method, headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder().method(method).uri("/api/login");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn same_origin_and_headerless_writes_pass() {
        assert!(!is_cross_site_write(&request(
            Method::POST,
            &[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://127.0.0.1:3000")
            ]
        )));
        assert!(!is_cross_site_write(&request(
            Method::POST,
            &[("host", "127.0.0.1:3000")]
        )));
        assert!(!is_cross_site_write(&request(
            Method::GET,
            &[("host", "a"), ("origin", "http://evil.example")]
        )));
    }

    #[test]
    fn foreign_origins_are_refused() {
        assert!(is_cross_site_write(&request(
            Method::POST,
            &[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://evil.example")
            ]
        )));
        assert!(is_cross_site_write(&request(
            Method::POST,
            &[("host", "127.0.0.1:3000"), ("origin", "null")]
        )));
        assert!(is_cross_site_write(&request(
            Method::POST,
            &[("host", "x"), ("sec-fetch-site", "cross-site")]
        )));
    }
}
