//! Percent-encoding as Alibaba Cloud signatures use it, and `application/x-www-form-urlencoded`
//! decoding of query strings and bodies (spec ram.md 2.2 and 3.1).

use std::fmt::Write as _;

/// Why a form-encoded text could not be decoded. Both are the client's fault (4xx).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("malformed percent-encoding")]
    BadPercent,
    #[error("a parameter is not valid UTF-8")]
    NotUtf8,
}

/// Encodes the UTF-8 bytes of `s`, keeping only `A-Z a-z 0-9 - _ . ~` (ram.md 3.1: space is `%20`,
/// `*` is `%2A`, hex digits upper case), appending to `out`.
pub fn pct_encode_into(out: &mut String, s: &str) {
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// [`pct_encode_into`] returning a new string.
pub fn pct_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    pct_encode_into(&mut out, s);
    out
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one form component: `+` is a space, `%XY` a byte; the result must be UTF-8.
/// Strict on purpose: a stray `%` is an error rather than a guess, so that the server and
/// the client cannot disagree on what was signed.
pub fn form_unescape(raw: &[u8]) -> Result<String, FormError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter().copied();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.next().and_then(hex_val);
                let lo = bytes.next().and_then(hex_val);
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push(h << 4 | l),
                    _ => return Err(FormError::BadPercent),
                }
            }
            b => out.push(b),
        }
    }
    String::from_utf8(out).map_err(|_| FormError::NotUtf8)
}

/// Percent-decodes a URL path once (`+` stays a plus); the result must be UTF-8.
pub fn path_unescape(raw: &str) -> Result<String, FormError> {
    if !raw.contains('%') {
        return Ok(raw.to_string());
    }
    form_unescape(raw.replace('+', "%2B").as_bytes())
}

/// Splits a form-encoded text into decoded `(name, value)` pairs, in order. Empty items
/// (`a=1&&b=2`) are skipped; an item without `=` is a name with the empty value.
pub fn form_decode(raw: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    raw.split(|&b| b == b'&')
        .filter(|item| !item.is_empty())
        .map(|item| {
            // Split at the first `=`; the value may hold more of them.
            let mut halves = item.splitn(2, |&b| b == b'=');
            let name = halves.next().unwrap_or_default();
            let value = halves.next().unwrap_or_default();
            Ok((form_unescape(name)?, form_unescape(value)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_like_the_sdks() {
        assert_eq!(pct_encode("a b*c~d/e@f+"), "a%20b%2Ac~d%2Fe%40f%2B");
        assert_eq!(pct_encode("é"), "%C3%A9");
        assert_eq!(pct_encode("2024-01-01T12:00:00Z"), "2024-01-01T12%3A00%3A00Z");
    }

    #[test]
    fn decodes_plus_and_percent() {
        let got = form_decode(b"Comments=hi+there~%2A&DisplayName=Alice%20A&Empty=&Flag").unwrap();
        assert_eq!(
            got,
            vec![
                ("Comments".into(), "hi there~*".into()),
                ("DisplayName".into(), "Alice A".into()),
                ("Empty".into(), "".into()),
                ("Flag".into(), "".into()),
            ]
        );
    }

    #[test]
    fn paths_decode_percent_only() {
        assert_eq!(path_unescape("/logstores/a+b").unwrap(), "/logstores/a+b");
        assert_eq!(path_unescape("/logstores/a%20b%2Bc").unwrap(), "/logstores/a b+c");
        assert_eq!(path_unescape("/x%zz"), Err(FormError::BadPercent));
    }

    #[test]
    fn rejects_malformed_input() {
        assert_eq!(form_decode(b"a=%zz"), Err(FormError::BadPercent));
        assert_eq!(form_decode(b"a=%4"), Err(FormError::BadPercent));
        assert_eq!(form_decode(b"a=%ff%fe"), Err(FormError::NotUtf8));
        assert_eq!(form_decode(b"a=\xff"), Err(FormError::NotUtf8));
    }

    proptest! {
        #[test]
        fn encode_then_decode_round_trips(s in "\\PC*") {
            let encoded = pct_encode(&s);
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
            prop_assert_eq!(form_unescape(encoded.as_bytes()).unwrap(), s);
        }

        #[test]
        fn decoding_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = form_decode(&bytes);
        }
    }
}
