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
            .body(Full::new(Bytes::from(self.body.clone())))
            .unwrap_or_default()
    }
}

/// A signed RPC call (ACS3-HMAC-SHA256), freshly signed each time.
pub struct Rpc {
    pub host: String,
    pub ak: String,
    pub secret: Secret,
    pub action: String,
    pub version: String,
    pub params: Vec<(String, String)>,
}

impl Workload for Rpc {
    fn next(&mut self) -> Request<Full<Bytes>> {
        sign::rpc_v3_request(&self.host, &self.ak, &self.secret, &self.action, &self.version, &self.params, None)
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
