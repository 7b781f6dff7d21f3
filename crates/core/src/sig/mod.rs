//! Request signatures as pure functions over what was received (STYLE: "signatures as pure
//! functions"). Each algorithm builds its string to sign and verifies in constant time.

pub mod rpc_v1;
pub mod rpc_v3;
pub mod sls_v1;
pub mod sls_v4;

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

pub(crate) type HmacSha1 = Hmac<Sha1>;
pub(crate) type HmacSha256 = Hmac<Sha256>;

/// HMAC takes keys of any length (`new_from_slice` only fails for fixed-size-key MACs), so the
/// `None` arm is never taken; it exists so that no panic sits on the request path.
pub(crate) fn hmac_sha1(key: &[u8], data: &[u8]) -> Option<HmacSha1> {
    let mut mac = <HmacSha1 as Mac>::new_from_slice(key).ok()?;
    mac.update(data);
    Some(mac)
}

pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> Option<HmacSha256> {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).ok()?;
    mac.update(data);
    Some(mac)
}

/// Lower-case hex SHA-256, as `x-acs-content-sha256` and the V3 string to sign use it.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Lower-case hex MD5, as SLS's `Content-MD5` carries it (sls.md 3.2).
pub fn md5_hex(data: &[u8]) -> String {
    use md5::Md5;
    hex(&Md5::digest(data))
}

/// The replay ledger's key for a nonce of an AccessKey (nonces are per key, ram.md 3.5):
/// 128 bits of SHA-256, the same in every process, and a fixed size whatever the client sent.
pub fn nonce_fingerprint(access_key_id: &str, nonce: &str) -> [u8; 16] {
    let digest = Sha256::new().chain_update(access_key_id).chain_update([0u8]).chain_update(nonce).finalize();
    let mut fp = [0u8; 16];
    for (f, d) in fp.iter_mut().zip(digest) {
        *f = d;
    }
    fp
}

/// Lower-case hex of any digest.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        // A nibble is always a hex digit; `from_digit` writes the lower-case one.
        out.extend([b >> 4, b & 15].map(|n| char::from_digit(u32::from(n), 16).unwrap_or('0')));
    }
    out
}

/// Decodes lower- or upper-case hex; `None` on any other character or odd length.
pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks_exact(2)
        .map(|pair| match pair {
            &[hi, lo] => Some(((hi as char).to_digit(16)? * 16 + (lo as char).to_digit(16)?) as u8),
            _ => None,
        })
        .collect()
}

/// Helpers shared by the signature vector tests.
#[cfg(test)]
pub(crate) mod test_support {
    /// Owned `(name, value)` pairs, as the verifiers take them.
    pub fn owned(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }
}
