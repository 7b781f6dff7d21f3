//! What each benchmark target sends.

use crate::sign;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::Request;
use localyun_core::Secret;

pub trait Workload {
    fn next(&mut self) -> Request<Full<Bytes>>;
}

/// The ceiling: a plain GET.
pub struct Hello;

impl Workload for Hello {
    fn next(&mut self) -> Request<Full<Bytes>> {
        Request::get("/").header("host", "127.0.0.1").body(Full::new(Bytes::new())).unwrap_or_default()
    }
}

/// A process-wide counter: `{n}` in a parameter value or body becomes its next value, so that
/// a tag call writes a new value every time (a real, durable write) rather than repeating one.
static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn fill(template: &str) -> String {
    if template.contains("{n}") {
        template.replace("{n}", &COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed).to_string())
    } else {
        template.to_string()
    }
}

/// moto's IAM Query API (moto does not verify signatures by default, so a well-formed SigV4
/// header is enough; it is still parsed for the account and region).
pub struct MotoIam {
    pub body: String,
}

impl Workload for MotoIam {
    fn next(&mut self) -> Request<Full<Bytes>> {
        let date = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        Request::post("/")
            .header("host", "127.0.0.1")
            .header("content-type", "application/x-www-form-urlencoded; charset=utf-8")
            .header("x-amz-date", date.as_str())
            .header(
                "authorization",
                format!("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/{}/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", &date[..8]),
            )
            .body(Full::new(Bytes::from(fill(&self.body))))
            .unwrap_or_default()
    }
}

/// A signed RPC call (ACS3-HMAC-SHA256), freshly signed each time; with several steps, the
/// calls are made in turn.
pub struct Rpc {
    pub host: String,
    pub ak: String,
    pub secret: Secret,
    pub version: String,
    /// (action, parameters); `{n}` in a value is filled from the counter.
    pub steps: Vec<(String, Vec<(String, String)>)>,
    pub turn: usize,
}

impl Workload for Rpc {
    fn next(&mut self) -> Request<Full<Bytes>> {
        let (action, params) = &self.steps[self.turn % self.steps.len()];
        self.turn += 1;
        let params: Vec<(String, String)> = params.iter().map(|(k, v)| (k.clone(), fill(v))).collect();
        sign::rpc_v3_request(&self.host, &self.ak, &self.secret, action, &self.version, &params, None)
    }
}

/// A signed SLS call (v1 HMAC-SHA256), freshly signed each time.
pub struct Sls {
    pub method: String,
    pub host: String,
    pub path: String,
    pub ak: String,
    pub secret: Secret,
    pub body: Vec<u8>,
}

impl Workload for Sls {
    fn next(&mut self) -> Request<Full<Bytes>> {
        sign::sls_v1_request(&self.method, &self.host, &self.path, &self.ak, &self.secret, &self.body)
    }
}
