//! The load generator of localyun's benchmark: closed loop, keep-alive, N connections, fixed
//! duration; every request is signed afresh (new nonce and timestamp) exactly as the official
//! SDKs sign it, so authentication, replay checks and authorization really run.
#![forbid(unsafe_code)]

pub mod sign;
pub mod workload;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};

/// How connections are made: plain TCP, or TLS whose server certificate is verified against a
/// given CA (issue 13). Both carry the same HTTP/1.1 with keep-alive; the request sender is the
/// same type for both, so the plain path is exactly what it was without TLS.
#[derive(Clone, Default)]
pub enum Transport {
    #[default]
    Plain,
    Tls(tokio_rustls::TlsConnector),
}

impl Transport {
    /// TLS trusting only the CA certificates of a PEM file (`localyun ca export`), ring provider,
    /// ALPN `http/1.1` only, so a TLS run differs from a plain one by TLS alone.
    pub fn tls_with_ca(pem_path: &str) -> Result<Self, String> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::CertificateDer;
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(pem_path).map_err(|e| format!("cannot read {pem_path}: {e}"))? {
            let cert = cert.map_err(|e| format!("{pem_path}: {e}"))?;
            roots.add(cert).map_err(|e| format!("{pem_path}: {e}"))?;
        }
        if roots.is_empty() {
            return Err(format!("{pem_path} holds no certificate"));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Transport::Tls(tokio_rustls::TlsConnector::from(Arc::new(config))))
    }
}

/// One keep-alive HTTP/1.1 connection. A server that closes connections after each answer
/// (moto's development server speaks HTTP/1.0) is reconnected to; the reconnection is part of
/// its measured latency, as it is for its users.
pub struct Conn {
    addr: String,
    transport: Transport,
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
}

async fn handshake<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    io: S,
) -> Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>, String> {
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io)).await.map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn connect(addr: &str, transport: &Transport) -> Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>, String> {
    let stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    match transport {
        Transport::Plain => handshake(stream).await,
        Transport::Tls(connector) => {
            // The certificate must be valid for the host of the address (an IP literal: no SNI,
            // so localyun presents its loopback certificate).
            let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h).trim_start_matches('[').trim_end_matches(']');
            let name = rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|e| format!("{host}: {e}"))?;
            let tls = connector.connect(name, stream).await.map_err(|e| format!("TLS handshake with {addr}: {e}"))?;
            if tls.get_ref().1.alpn_protocol() != Some(b"http/1.1") {
                return Err(format!("TLS with {addr}: the server did not choose ALPN http/1.1"));
            }
            handshake(tls).await
        }
    }
}

impl Conn {
    pub async fn open(addr: &str) -> Result<Self, String> {
        Self::open_with(addr, &Transport::Plain).await
    }

    pub async fn open_with(addr: &str, transport: &Transport) -> Result<Self, String> {
        Ok(Self { addr: addr.to_string(), transport: transport.clone(), sender: connect(addr, transport).await? })
    }

    /// Sends a request and reads the whole answer: (status, body).
    pub async fn send(&mut self, req: Request<Full<Bytes>>) -> Result<(u16, Bytes), String> {
        if self.sender.is_closed() || self.sender.ready().await.is_err() {
            self.sender = connect(&self.addr, &self.transport).await?;
            self.sender.ready().await.map_err(|e| e.to_string())?;
        }
        let resp = self.sender.send_request(req).await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok((status, body))
    }
}

/// The outcome of one run.
#[derive(Debug, Clone)]
pub struct Report {
    pub requests: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub seconds: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
}

impl Report {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "requests": self.requests, "errors": self.errors, "first_error": self.first_error,
            "seconds": self.seconds, "rps": self.rps(), "p50_us": self.p50_us, "p99_us": self.p99_us, "p999_us": self.p999_us,
        })
    }
}

fn percentile(sorted: &[u32], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    u64::from(sorted[i.min(sorted.len() - 1)])
}

/// Runs `connections` closed loops against `addrs` for `duration` (connection `i` to
/// `addrs[i % addrs.len()]`, so several servers share the load as behind a round-robin
/// balancer) over `transport`, each building its requests with `make(i)` (called per request,
/// so each is freshly signed). A non-2xx answer is an error.
pub async fn run<W: workload::Workload + Send + 'static>(
    addrs: &[String],
    transport: &Transport,
    connections: usize,
    duration: Duration,
    make: impl Fn(usize) -> W,
) -> Result<Report, String> {
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(connections);
    if addrs.is_empty() {
        return Err("no address to connect to".into());
    }
    for i in 0..connections {
        let mut conn = Conn::open_with(&addrs[i % addrs.len()], transport).await?;
        let mut w = make(i);
        tasks.push(tokio::spawn(async move {
            let mut lat: Vec<u32> = Vec::with_capacity(1 << 16);
            let (mut errors, mut first_error) = (0u64, None::<String>);
            while Instant::now() < deadline {
                let req = w.next();
                let t = Instant::now();
                match conn.send(req).await {
                    Ok((status, _)) if (200..300).contains(&status) => lat.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32),
                    Ok((status, body)) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| format!("HTTP {status}: {}", String::from_utf8_lossy(&body)));
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert(e);
                        break;
                    }
                }
            }
            (lat, errors, first_error)
        }));
    }
    let mut all = Vec::new();
    let (mut errors, mut first_error) = (0u64, None);
    for t in tasks {
        let (lat, e, fe) = t.await.map_err(|e| e.to_string())?;
        all.extend(lat);
        errors += e;
        if first_error.is_none() {
            first_error = fe;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    all.sort_unstable();
    Ok(Report {
        requests: all.len() as u64,
        errors,
        first_error,
        seconds,
        p50_us: percentile(&all, 0.50),
        p99_us: percentile(&all, 0.99),
        p999_us: percentile(&all, 0.999),
    })
}
