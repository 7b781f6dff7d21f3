//! The signing keys of OIDC issuers, fetched for STS AssumeRoleWithOIDC as the real service
//! fetches them: the issuer's discovery document `<IssuerUrl>/.well-known/openid-configuration`
//! names its `jwks_uri`, whose JSON key set verifies tokens (localyun_core::oidc). Fetched
//! before the request's store transaction (no I/O inside one), kept for [`KEYS_TTL`], and
//! fetched again at once for a token signed by a key not in the kept set (key rotation).
//!
//! Only `http://` issuers on a loopback host are fetched (the ones the IMS wire layer admits
//! besides `https://`): localyun makes no TLS client connections, so an `https://` issuer's
//! tokens are refused with the keys-unavailable error.

use localyun_core::error::StsError;
use localyun_core::ApiError;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

pub const KEYS_TTL: Duration = Duration::from_secs(300);
/// An unknown `kid` fetches again, but not sooner than this after the last fetch: a stream of
/// made-up key IDs must not turn into a stream of requests to the issuer.
const MIN_REFETCH: Duration = Duration::from_secs(2);
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Discovery documents and key sets are small; a larger answer is refused.
const MAX_BODY: usize = 1 << 20;

/// What is kept per issuer: when it was last fetched, and the key set it answered (or the
/// failure, so that a broken issuer is not asked again at every unsigned request).
struct Entry {
    at: Instant,
    keys: Result<Arc<str>, ApiError>,
}

/// Key sets by issuer URL.
type KeySets = HashMap<String, Entry>;

/// One per process, shared by requests; held only to read or replace an entry, never across
/// an await.
static CACHE: LazyLock<Mutex<KeySets>> = LazyLock::new(Default::default);

fn cache() -> std::sync::MutexGuard<'static, KeySets> {
    CACHE.lock().unwrap_or_else(|p| p.into_inner())
}

/// The issuer's key set as last fetched, if the last fetch worked.
pub fn cached(issuer: &str) -> Option<Arc<str>> {
    cache().get(issuer).and_then(|e| e.keys.as_ref().ok().cloned())
}

fn unavailable(why: String) -> ApiError {
    StsError::OidcKeysUnavailable { why }.into()
}

/// Whether the key set holds a key with this `kid`.
fn holds(keys: &str, kid: &str) -> bool {
    let set: serde_json::Value = serde_json::from_str(keys).unwrap_or_default();
    set.get("keys").and_then(|k| k.as_array()).is_some_and(|ks| ks.iter().any(|k| k.get("kid").and_then(|v| v.as_str()) == Some(kid)))
}

/// Makes sure a key set of `issuer` is kept that is fresh and, when `kid` is given, holds
/// that key (fetching once more otherwise). Whatever the last fetch gave is answered again for
/// [`MIN_REFETCH`]: a failure too, so unsigned requests cannot make a fetch each.
pub async fn ensure(issuer: &str, kid: Option<&str>) -> Result<(), ApiError> {
    let kept = cache().get(issuer).map(|e| (e.at.elapsed(), e.keys.clone()));
    match kept {
        Some((age, result)) if age < MIN_REFETCH => return result.map(drop),
        Some((age, Ok(keys))) if age < KEYS_TTL && kid.is_none_or(|k| holds(&keys, k)) => return Ok(()),
        _ => {}
    }
    let fetched = match tokio::time::timeout(FETCH_TIMEOUT, fetch_keys(issuer)).await {
        Ok(r) => r.map(Arc::from),
        Err(_) => Err(unavailable(format!("Fetching the keys of {issuer} timed out."))),
    };
    cache().insert(issuer.to_string(), Entry { at: Instant::now(), keys: fetched.clone() });
    fetched.map(drop)
}

async fn fetch_keys(issuer: &str) -> Result<String, ApiError> {
    let discovery = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    let doc: serde_json::Value =
        serde_json::from_str(&get(&discovery).await?).map_err(|_| unavailable(format!("{discovery} is not a JSON document.")))?;
    let jwks_uri = doc.get("jwks_uri").and_then(|v| v.as_str()).ok_or_else(|| unavailable(format!("{discovery} names no jwks_uri.")))?;
    get(jwks_uri).await
}

/// GET of an `http://host:port/path` URL on a loopback host; the body as text.
async fn get(url: &str) -> Result<String, ApiError> {
    use http_body_util::{BodyExt, Empty, Limited};
    let rest =
        url.strip_prefix("http://").ok_or_else(|| unavailable(format!("{url}: only http:// issuers on a loopback host are fetched.")))?;
    let (authority, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    if !matches!(host, "127.0.0.1" | "localhost") {
        return Err(unavailable(format!("{url}: only http:// issuers on a loopback host are fetched.")));
    }
    let addr = if authority.contains(':') { authority.to_string() } else { format!("{authority}:80") };
    let failed = |e: &dyn std::fmt::Display| unavailable(format!("Fetching {url} failed: {e}"));
    let stream = tokio::net::TcpStream::connect(addr.replacen("localhost", "127.0.0.1", 1)).await.map_err(|e| failed(&e))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.map_err(|e| failed(&e))?;
    tokio::spawn(conn);
    let req = hyper::Request::get(path)
        .header(hyper::header::HOST, authority)
        .body(Empty::<crate::http::Bytes>::new())
        .map_err(|e| failed(&e))?;
    let resp = sender.send_request(req).await.map_err(|e| failed(&e))?;
    if !resp.status().is_success() {
        return Err(failed(&resp.status()));
    }
    let body = Limited::new(resp.into_body(), MAX_BODY).collect().await.map_err(|e| failed(&e))?.to_bytes();
    String::from_utf8(body.to_vec()).map_err(|e| failed(&e))
}
