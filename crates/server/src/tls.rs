//! HTTPS on the one port (issue 13): a local certificate authority made on first start and kept
//! in the store, so that every process of a shared environment presents the same one, and leaf
//! certificates issued on demand for the names localyun serves (`localyun_core::endpoints`),
//! cached. The server loop tells TLS from plain HTTP by a connection's first byte.

use crate::failure::{transact, Failure, Result};
use crate::identity::now_ms;
use crate::record::{load, save};
use localyun_core::endpoints::is_served_host;
use localyun_core::Secret;
use localyun_store::{Mode, Store};
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The store table of the CA: one record.
pub const CA_TABLE: &str = "tls_ca";
const CA_KEY: &str = "ca";

/// Leaf certificates kept per process; a full cache is cleared (a certificate costs well under
/// a millisecond to issue again).
const LEAF_CACHE_LIMIT: usize = 1024;

/// The stored CA: its certificate and its private key, both PEM.
#[derive(Serialize, Deserialize)]
struct CaRecord {
    cert_pem: String,
    key_pem: Secret,
    created_ms: i64,
}

fn tls_error(what: &str, e: impl std::fmt::Display) -> Failure {
    Failure::Corrupt { table: CA_TABLE, detail: format!("{what}: {e}") }
}

/// The CA's name and constraints. Issuing rebuilds them from here (the issuer of a leaf is this
/// name and the CA key), so they must never change for an existing CA.
fn ca_params() -> Result<CertificateParams> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(|e| tls_error("CA parameters", e))?;
    params.distinguished_name.push(DnType::CommonName, "localyun local CA");
    params.distinguished_name.push(DnType::OrganizationName, "localyun");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    Ok(params)
}

/// A random positive serial number (RFC 5280 4.1.2.2: at most 20 octets).
fn serial() -> rcgen::SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    if let Some(b) = bytes.first_mut() {
        *b &= 0x7f;
    }
    rcgen::SerialNumber::from_slice(&bytes)
}

/// From a day before `from_ms` for `days` days: a client whose clock is a little behind still
/// accepts it.
fn validity(params: &mut CertificateParams, from_ms: i64, days: i64) {
    let day = 86_400_000;
    let (y, m, d) = localyun_core::time::civil_date(from_ms - day);
    params.not_before = rcgen::date_time_ymd(y, m, d);
    let (y, m, d) = localyun_core::time::civil_date(from_ms + days * day);
    params.not_after = rcgen::date_time_ymd(y, m, d);
}

fn new_ca() -> Result<CaRecord> {
    let key = KeyPair::generate().map_err(|e| tls_error("CA key", e))?;
    let mut params = ca_params()?;
    params.serial_number = Some(serial());
    let now = now_ms();
    validity(&mut params, now, 3650);
    let cert = params.self_signed(&key).map_err(|e| tls_error("CA certificate", e))?;
    Ok(CaRecord { cert_pem: cert.pem(), key_pem: Secret::new(key.serialize_pem()), created_ms: now })
}

/// The local CA: made by the first process that needs it, in one transaction, so processes that
/// race on an empty store end up with the one that committed.
pub struct Ca {
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    pub fn load_or_create(store: &dyn Store) -> Result<Arc<Self>> {
        let record = transact(store, Mode::Write, |txn| match load::<CaRecord>(txn, CA_TABLE, CA_KEY)? {
            Some(r) => Ok(r),
            None => {
                let r = new_ca()?;
                save(txn, CA_TABLE, CA_KEY, &r)?;
                Ok(r)
            }
        })?;
        let key = KeyPair::from_pem(record.key_pem.expose()).map_err(|e| tls_error("stored CA key", e))?;
        let cert_der = rustls_pemfile_der(&record.cert_pem)?;
        Ok(Arc::new(Self { cert_pem: record.cert_pem, cert_der, issuer: Issuer::new(ca_params()?, key) }))
    }

    /// The CA certificate, PEM (what `localyun ca export` prints).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// A certificate for `names` (DNS names or IP literals), signed by the CA, with its key.
    fn issue(&self, names: &[String]) -> Result<CertifiedKey> {
        let mut params = CertificateParams::new(names.to_vec()).map_err(|e| tls_error("certificate parameters", e))?;
        if let Some(first) = names.first() {
            params.distinguished_name.push(DnType::CommonName, first.as_str());
        }
        params.serial_number = Some(serial());
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        validity(&mut params, now_ms(), 365);
        let key = KeyPair::generate().map_err(|e| tls_error("certificate key", e))?;
        let cert = params.signed_by(&key, &self.issuer).map_err(|e| tls_error("certificate", e))?;
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let signing = rustls::crypto::ring::sign::any_supported_type(&der).map_err(|e| tls_error("certificate key", e))?;
        Ok(CertifiedKey::new(vec![cert.der().clone(), self.cert_der.clone()], signing))
    }
}

/// The DER of the first certificate of a PEM text.
fn rustls_pemfile_der(pem: &str) -> Result<CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    CertificateDer::from_pem_slice(pem.as_bytes()).map_err(|e| tls_error("stored CA certificate", e))
}

/// Picks the certificate of a handshake: for the SNI name when localyun serves it, for the
/// loopback names when the client sent none (IP connections carry no SNI); none otherwise, which
/// fails the handshake.
struct Resolver {
    ca: Arc<Ca>,
    cache: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Resolver")
    }
}

impl Resolver {
    fn names_for(sni: Option<&str>) -> Option<Vec<String>> {
        match sni.map(str::to_ascii_lowercase) {
            None => Some(vec!["127.0.0.1".into(), "localhost".into(), "::1".into()]),
            Some(name) if is_served_host(&name) => Some(vec![name]),
            Some(_) => None,
        }
    }
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let names = Self::names_for(hello.server_name())?;
        let key = names.join(",");
        if let Some(found) = self.cache.lock().ok()?.get(&key) {
            return Some(found.clone());
        }
        let issued = match self.ca.issue(&names) {
            Ok(c) => Arc::new(c),
            Err(e) => {
                tracing::error!(error = %e, "issuing a TLS certificate failed");
                return None;
            }
        };
        let mut cache = self.cache.lock().ok()?;
        if cache.len() >= LEAF_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, issued.clone());
        Some(issued)
    }
}

/// The TLS side of the listener: HTTP/2 and HTTP/1.1 by ALPN.
pub fn acceptor(ca: Arc<Ca>) -> Result<tokio_rustls::TlsAcceptor> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("TLS configuration", e))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Resolver { ca, cache: Mutex::default() }));
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// The first byte of a TLS connection: a handshake record (RFC 8446 5.1, content type 22).
pub const HANDSHAKE_RECORD: u8 = 0x16;
