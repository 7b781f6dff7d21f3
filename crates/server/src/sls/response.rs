//! SLS answers (sls.md 4): status 200 exactly on success, empty bodies with `Content-Length: 0`
//! and no `Content-Type` for writes, JSON for reads, `{"errorCode","errorMessage","requestId"}`
//! for errors, and the seed's headers on every response (`x-log-requestid`, `Server`, `Date`
//! (added by the HTTP layer), `Connection`; `Content-Type: application/json` on every body).

use super::Reply;
use crate::http::{header, response, HeaderValue, Response, StatusCode};
use localyun_core::ApiError;

/// 24 upper-case hex characters, like `5B0A6B60BB6EE39764D458B5` in the seed.
pub fn new_request_id() -> String {
    let bytes: [u8; 12] = rand::random();
    localyun_core::sig::hex(&bytes).to_ascii_uppercase()
}

fn finish(status: StatusCode, body: String, request_id: &str) -> Response {
    // No Content-Type on an empty body, as the real service answers (the documented
    // CreateLogstore response headers list none): `@alicloud/log` 1.2.6 `lib/client.js`
    // JSON.parse()s every `application/json` body and would reject each write with
    // "Unexpected end of JSON input" (sls.md 4.1).
    let content_type = (!body.is_empty()).then_some("application/json");
    let mut resp = response(status, content_type, body);
    let h = resp.headers_mut();
    h.insert(header::SERVER, HeaderValue::from_static("nginx"));
    // LogClient pools connections (sls.md 4.1), so the connection stays open.
    h.insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-log-requestid", v);
    }
    resp
}

pub fn success(request_id: &str, reply: Reply) -> Response {
    let body = match reply {
        Reply::Empty => String::new(),
        Reply::Json(v) => v.to_string(),
    };
    finish(StatusCode::OK, body, request_id)
}

pub fn error(request_id: &str, err: &ApiError) -> Response {
    let mut body = serde_json::Map::new();
    body.insert("errorCode".into(), err.code.to_string().into());
    body.insert("errorMessage".into(), err.message.to_string().into());
    body.insert("requestId".into(), request_id.into());
    if let Some(d) = &err.denied {
        body.insert("accessDeniedDetail".into(), d.detail());
    }
    let body = serde_json::Value::Object(body);
    finish(StatusCode::from_u16(err.status).unwrap_or(StatusCode::BAD_REQUEST), body.to_string(), request_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use localyun_core::error::SlsError;

    #[test]
    fn empty_answers_carry_no_content_type() {
        let resp = success("5B0A6B60BB6EE39764D458B5", Reply::Empty);
        let h = resp.headers();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(h.get(header::CONTENT_TYPE).is_none(), "{h:?}");
        assert_eq!(h.get("x-log-requestid").map(|v| v.as_bytes()), Some(&b"5B0A6B60BB6EE39764D458B5"[..]));
        assert_eq!(h.get(header::SERVER).map(|v| v.as_bytes()), Some(&b"nginx"[..]));
        let json = success("5B0A6B60BB6EE39764D458B5", Reply::Json(serde_json::json!({"count": 0})));
        assert_eq!(json.headers().get(header::CONTENT_TYPE).map(|v| v.as_bytes()), Some(&b"application/json"[..]));
        let err = error("5B0A6B60BB6EE39764D458B5", &ApiError::from(SlsError::parameter_invalid("x")));
        assert_eq!(err.headers().get(header::CONTENT_TYPE).map(|v| v.as_bytes()), Some(&b"application/json"[..]));
    }

    #[test]
    fn request_ids_look_like_the_seed() {
        let id = new_request_id();
        assert_eq!(id.len(), 24);
        assert!(id.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)));
    }
}
