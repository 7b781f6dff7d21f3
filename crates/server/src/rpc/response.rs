//! Encoding RPC answers (ram.md 4): JSON by default, XML for `Format=XML`; success bodies
//! start with `RequestId` and never carry `Code`; errors carry RequestId, HostId, Code,
//! Message and Recommend.

use super::request::Format;
use crate::http::{response, Response};
use crate::http::{HeaderValue, StatusCode};
use localyun_core::ApiError;
use serde_json::{Map, Value};
use std::fmt::Write as _;

const JSON_TYPE: &str = "application/json;charset=utf-8";
/// The Tea client parses an error as XML only with exactly this content type (ram.md 4.2).
const XML_TYPE: &str = "text/xml;charset=utf-8";

/// Which product answered, for the error body's `HostId` and `Recommend` link.
#[derive(Debug, Clone, Copy)]
pub struct Product {
    pub name: &'static str,
    pub host: &'static str,
}

/// Before the version is known, the gateway answers.
impl Default for Product {
    fn default() -> Self {
        super::GATEWAY
    }
}

pub fn success(format: Format, action: &str, request_id: &str, fields: Map<String, Value>) -> Response {
    if format == Format::Json {
        // Written directly: `RequestId` first, then the fields, without building a merged map.
        let mut text: Vec<u8> = Vec::with_capacity(64);
        text.extend_from_slice(b"{\"RequestId\":");
        let mut written = serde_json::to_writer(&mut text, request_id);
        for (k, v) in &fields {
            text.push(b',');
            written = written.and_then(|_| serde_json::to_writer(&mut text, k));
            text.push(b':');
            written = written.and_then(|_| serde_json::to_writer(&mut text, v));
        }
        text.push(b'}');
        // serde_json writes valid UTF-8 and cannot fail on these types; stay total anyway.
        if let (Ok(()), Ok(text)) = (written, String::from_utf8(text)) {
            return finish(StatusCode::OK, JSON_TYPE, text, request_id);
        }
    }
    let mut body = Map::with_capacity(fields.len() + 1);
    body.insert("RequestId".into(), Value::String(request_id.to_string()));
    body.extend(fields);
    render(format, StatusCode::OK, || format!("{action}Response"), body, request_id)
}

pub fn error(format: Format, request_id: &str, product: Product, err: &ApiError) -> Response {
    let mut body = Map::with_capacity(5);
    body.insert("RequestId".into(), request_id.into());
    body.insert("HostId".into(), product.host.into());
    body.insert("Code".into(), err.code.as_ref().into());
    body.insert("Message".into(), err.message.clone().into());
    if let Some(d) = &err.denied {
        body.insert("AccessDeniedDetail".into(), d.detail());
    }
    body.insert(
        "Recommend".into(),
        format!("https://api.aliyun.com/troubleshoot?q={}&product={}&requestId={request_id}", err.code, product.name).into(),
    );
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::BAD_REQUEST);
    render(format, status, || "Error".to_string(), body, request_id)
}

/// `root` names the XML document element; JSON has none, so it is only built for XML.
fn render(format: Format, status: StatusCode, root: impl FnOnce() -> String, body: Map<String, Value>, request_id: &str) -> Response {
    let (content_type, text) = match format {
        Format::Json => (JSON_TYPE, Value::Object(body).to_string()),
        Format::Xml => (XML_TYPE, to_xml(&root(), &body)),
    };
    finish(status, content_type, text, request_id)
}

fn finish(status: StatusCode, content_type: &'static str, text: String, request_id: &str) -> Response {
    let mut resp = response(status, Some(content_type), text);
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-acs-request-id", v);
    }
    resp
}

/// `<Root>` with one child per field; an array repeats its element name, so
/// `"Users": {"User": [a, b]}` becomes `<Users><User>a</User><User>b</User></Users>`.
pub fn to_xml(root: &str, body: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    out.push('<');
    out.push_str(root);
    out.push('>');
    for (k, v) in body {
        write_element(&mut out, k, v);
    }
    let _ = write!(out, "</{root}>");
    out
}

fn write_element(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Array(items) => {
            for item in items {
                write_element(out, name, item);
            }
        }
        Value::Object(map) => {
            let _ = write!(out, "<{name}>");
            for (k, v) in map {
                write_element(out, k, v);
            }
            let _ = write!(out, "</{name}>");
        }
        Value::Null => {
            let _ = write!(out, "<{name}/>");
        }
        Value::String(s) => {
            let _ = write!(out, "<{name}>");
            escape_into(out, s);
            let _ = write!(out, "</{name}>");
        }
        other => {
            let _ = write!(out, "<{name}>{other}</{name}>");
        }
    }
}

/// Escapes text content. XML 1.0 cannot carry most control characters at all, not even as
/// character references (its `Char` production), so a stored value holding one (a comment or a
/// policy document decoded from `\u0001`) is written with U+FFFD in its place: the answer
/// stays well-formed for every client's parser. A carriage return is kept as a reference,
/// which parsers would otherwise turn into a line feed.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            '\t' | '\n' => out.push(c),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

/// XML 1.0 `Char`: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..) || matches!(c, '\t' | '\n' | '\r')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    proptest::proptest! {
        /// Whatever a stored value holds, the XML answer parses and gives it back (with
        /// U+FFFD for what XML 1.0 cannot carry).
        #[test]
        fn every_string_makes_well_formed_xml(text in "\\PC*|[\\x00-\\x1f\\x7f\\u{fffe}\\u{ffff}a<&>\"' ]{0,20}") {
            let Value::Object(map) = json!({"RequestId": "R", "Value": text.clone()}) else { unreachable!() };
            let xml = to_xml("R", &map);
            // roxmltree enforces XML 1.0's well-formedness, characters included.
            let doc = roxmltree::Document::parse(&xml);
            proptest::prop_assert!(doc.is_ok(), "ill-formed XML {:?}: {:?}", xml, doc.err());
            let doc = doc.unwrap();
            let texts: String = doc.root_element().descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect();
            let expected: String = text.chars().map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' }).collect();
            proptest::prop_assert_eq!(texts, format!("R{expected}"));
        }
    }

    #[test]
    fn xml_repeats_array_elements_and_escapes() {
        let body = json!({"RequestId": "R", "Users": {"User": [{"UserName": "a<b"}, {"UserName": "c"}]}, "IsTruncated": false});
        let Value::Object(map) = body else { unreachable!() };
        assert_eq!(
            to_xml("ListUsersResponse", &map),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListUsersResponse><RequestId>R</RequestId><Users><User><UserName>a&lt;b</UserName></User><User><UserName>c</UserName></User></Users><IsTruncated>false</IsTruncated></ListUsersResponse>"
        );
    }

    #[tokio::test]
    async fn json_success_puts_the_request_id_first_and_escapes() {
        let Value::Object(fields) = json!({"User": {"UserName": "a\"b", "Tags": ["x"]}, "IsTruncated": false}) else { unreachable!() };
        let resp = success(Format::Json, "GetUser", "R-1", fields);
        assert_eq!(resp.headers()["content-type"], JSON_TYPE);
        assert_eq!(resp.headers()["x-acs-request-id"], "R-1");
        let bytes = http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(text.starts_with(r#"{"RequestId":"R-1","User":"#), "{text}");
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, json!({"RequestId": "R-1", "User": {"UserName": "a\"b", "Tags": ["x"]}, "IsTruncated": false}));
    }
}
