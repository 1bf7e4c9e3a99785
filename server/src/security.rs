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
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let headers = request.headers();
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
    origin == "null" || !origin_host.eq_ignore_ascii_case(host)
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
        assert!(!is_cross_site_write(&request(Method::POST, &[("host", "127.0.0.1:3000"), ("origin", "http://127.0.0.1:3000")])));
        assert!(!is_cross_site_write(&request(Method::POST, &[("host", "127.0.0.1:3000")])));
        assert!(!is_cross_site_write(&request(Method::GET, &[("host", "a"), ("origin", "http://evil.example")])));
    }

    #[test]
    fn foreign_origins_are_refused() {
        assert!(is_cross_site_write(&request(Method::POST, &[("host", "127.0.0.1:3000"), ("origin", "http://evil.example")])));
        assert!(is_cross_site_write(&request(Method::POST, &[("host", "127.0.0.1:3000"), ("origin", "null")])));
        assert!(is_cross_site_write(&request(Method::POST, &[("host", "x"), ("sec-fetch-site", "cross-site")])));
    }
}
