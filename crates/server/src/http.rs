//! The HTTP types the server speaks, over hyper directly: an answer is a status, a few headers
//! and one buffer, so its body is a `Full<Bytes>` (no boxing per request, as a framework's body
//! type would do).

pub use hyper::body::{Bytes, Incoming};
pub use hyper::header::{self, HeaderMap, HeaderValue};
pub use hyper::http::request::Parts;
pub use hyper::StatusCode;

/// The body of every answer.
pub type Body = http_body_util::Full<Bytes>;
pub type Request = hyper::Request<Incoming>;
pub type Response = hyper::Response<Body>;

/// The headers as `(lower-case name, value)` pairs, borrowed, for the signature checks; values
/// that are not visible ASCII are left out.
pub fn header_pairs(headers: &HeaderMap) -> Vec<(&str, &str)> {
    headers.iter().filter_map(|(n, v)| v.to_str().ok().map(|v| (n.as_str(), v))).collect()
}

/// An answer with `body`, labelled `content_type` unless `None` (hyper adds Content-Length).
pub fn response(status: StatusCode, content_type: Option<&'static str>, body: impl Into<Bytes>) -> Response {
    let mut resp = hyper::Response::new(Body::new(body.into()));
    *resp.status_mut() = status;
    if let Some(t) = content_type {
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(t));
    }
    resp
}
