//! The timestamp formats of the RPC protocol: `YYYY-MM-DDThh:mm:ssZ` in UTC (ram.md 2.3, 4.1).

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};

/// Parses a request timestamp (`Timestamp`, `x-acs-date`) into Unix milliseconds.
/// The SDKs send `2024-01-01T12:00:00Z`; fractional seconds are tolerated (ram.md 3.5).
pub fn parse_request_time(s: &str) -> Option<i64> {
    let body = s.strip_suffix('Z')?;
    if let Some(ms) = parse_sdk_time(body) {
        return Some(ms);
    }
    let naive = NaiveDateTime::parse_from_str(body, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(Utc.from_utc_datetime(&naive).timestamp_millis())
}

/// A run of ASCII digits as a number (the fixed-width fields of the fast parsers).
fn digits(field: &[u8]) -> Option<u32> {
    field.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
}

/// The exact shape every SDK sends, `YYYY-MM-DDThh:mm:ss`, read without a format interpreter
/// (it is parsed on every request); anything else goes to the general parser.
fn parse_sdk_time(body: &str) -> Option<i64> {
    let b = body.as_bytes();
    if b.len() != 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |from: usize, to: usize| digits(&b[from..to]);
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    let time = date.and_hms_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?)?;
    Some(time.and_utc().timestamp_millis())
}

/// Appends `n` as exactly `width` digits (the calendar fields are never wider).
fn push_digits(out: &mut String, n: u32, width: usize) {
    let mut buf = [b'0'; 4];
    let mut v = n;
    for slot in buf[..width].iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.extend(buf[..width].iter().map(|&d| d as char));
}

/// `YYYY-MM-DD<sep>hh:mm:ss`, written directly: this runs on every request (`acs:CurrentTime`).
fn format_fixed(millis: i64, sep: char, suffix: &str) -> String {
    let dt = DateTime::<Utc>::from_timestamp_millis(millis).unwrap_or_default();
    let mut out = String::with_capacity(20);
    let year = dt.year();
    if !(0..=9999).contains(&year) {
        return dt.format(&format!("%Y-%m-%d{sep}%H:%M:%S{suffix}")).to_string();
    }
    push_digits(&mut out, year as u32, 4);
    out.push('-');
    push_digits(&mut out, dt.month(), 2);
    out.push('-');
    push_digits(&mut out, dt.day(), 2);
    out.push(sep);
    push_digits(&mut out, dt.hour(), 2);
    out.push(':');
    push_digits(&mut out, dt.minute(), 2);
    out.push(':');
    push_digits(&mut out, dt.second(), 2);
    out.push_str(suffix);
    out
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Parses an HTTP `Date` (RFC 1123, `Wed, 25 Nov 2026 17:51:31 GMT`, as both SLS SDKs send it).
pub fn parse_http_date(s: &str) -> Option<i64> {
    let s = s.trim();
    parse_imf_fixdate(s).or_else(|| DateTime::parse_from_rfc2822(s).ok().map(|d| d.timestamp_millis()))
}

/// The exact RFC 1123 shape the SDKs send, read without a format interpreter (it is parsed on
/// every SLS request); anything else, or a weekday that does not fit the date, goes to the
/// general parser.
fn parse_imf_fixdate(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 29 || &s[3..5] != ", " || b[7] != b' ' || b[11] != b' ' || b[16] != b' ' || &s[25..] != " GMT" {
        return None;
    }
    let num = |from: usize, to: usize| digits(&b[from..to]);
    let month = MONTHS.iter().position(|m| *m == &s[8..11])? as u32 + 1;
    let date = NaiveDate::from_ymd_opt(num(12, 16)? as i32, month, num(5, 7)?)?;
    if WEEKDAYS[date.weekday().num_days_from_monday() as usize] != &s[..3] || b[19] != b':' || b[22] != b':' {
        return None;
    }
    let time = date.and_hms_opt(num(17, 19)?, num(20, 22)?, num(23, 25)?)?;
    Some(time.and_utc().timestamp_millis())
}

/// Unix milliseconds as an HTTP date, `Wed, 25 Nov 2026 17:51:31 GMT`.
pub fn format_http_date(millis: i64) -> String {
    let dt = DateTime::<Utc>::from_timestamp_millis(millis).unwrap_or_default();
    let year = dt.year();
    if !(0..=9999).contains(&year) {
        return dt.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    }
    let mut out = String::with_capacity(29);
    out.push_str(WEEKDAYS[dt.weekday().num_days_from_monday() as usize]);
    out.push_str(", ");
    push_digits(&mut out, dt.day(), 2);
    out.push(' ');
    out.push_str(MONTHS[dt.month0() as usize]);
    out.push(' ');
    push_digits(&mut out, year as u32, 4);
    out.push(' ');
    push_digits(&mut out, dt.hour(), 2);
    out.push(':');
    push_digits(&mut out, dt.minute(), 2);
    out.push(':');
    push_digits(&mut out, dt.second(), 2);
    out.push_str(" GMT");
    out
}

/// Parses the SLS v4 `x-log-date`, `YYYYMMDDTHHMMSSZ` in UTC (sls.md 3.3).
pub fn parse_compact_time(s: &str) -> Option<i64> {
    let naive = NaiveDateTime::parse_from_str(s.strip_suffix('Z')?, "%Y%m%dT%H%M%S").ok()?;
    Some(Utc.from_utc_datetime(&naive).timestamp_millis())
}

/// Unix milliseconds as an SLS project time, `YYYY-MM-DD HH:MM:SS` (sls.md 6, documented form).
pub fn format_sls_datetime(millis: i64) -> String {
    format_fixed(millis, ' ', "")
}

/// Formats Unix milliseconds as the response date format, e.g. `2015-01-23T12:33:18Z`.
pub fn format_iso8601(millis: i64) -> String {
    format_fixed(millis, 'T', "Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let ms = parse_request_time("2024-01-01T12:00:00Z").unwrap();
        assert_eq!(ms, 1_704_110_400_000);
        assert_eq!(format_iso8601(ms), "2024-01-01T12:00:00Z");
        assert_eq!(parse_request_time("2024-01-01T12:00:00.250Z"), Some(ms + 250));
    }

    #[test]
    fn sls_dates() {
        let ms = parse_http_date("Wed, 25 Nov 2026 17:51:31 GMT").unwrap();
        assert_eq!(parse_compact_time("20261125T175131Z"), Some(ms));
        assert_eq!(format_sls_datetime(ms), "2026-11-25 17:51:31");
        assert_eq!(parse_http_date("2026-11-25"), None);
        // A weekday that does not fit the date is refused by both paths.
        assert_eq!(parse_http_date("Thu, 25 Nov 2026 17:51:31 GMT"), None);
        assert_eq!(parse_http_date("Wed, 25 Nov 2026 17:51:31 +0000"), Some(ms));
        assert_eq!(parse_compact_time("20261125T175131"), None);
    }

    #[test]
    fn fast_paths_agree_with_chrono() {
        for ms in [0i64, 951_782_400_000, 1_704_110_400_000, 1_709_208_000_999, 4_102_444_799_000, 253_402_300_799_000] {
            let dt = DateTime::<Utc>::from_timestamp_millis(ms).unwrap();
            assert_eq!(format_iso8601(ms), dt.format("%Y-%m-%dT%H:%M:%SZ").to_string());
            assert_eq!(format_sls_datetime(ms), dt.format("%Y-%m-%d %H:%M:%S").to_string());
            assert_eq!(parse_request_time(&format_iso8601(ms)), Some(ms - ms % 1000));
            assert_eq!(format_http_date(ms), dt.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
            assert_eq!(parse_http_date(&format_http_date(ms)), Some(ms - ms % 1000));
            assert_eq!(parse_imf_fixdate(&format_http_date(ms)), Some(ms - ms % 1000));
        }
        // Out of the four-digit range the general formatter still answers.
        assert!(format_iso8601(-62_198_755_200_000).starts_with('-'));
        assert_eq!(parse_request_time("2024-02-30T00:00:00Z"), None);
        assert_eq!(parse_request_time("2024-01-01T24:00:00Z"), None);
        assert_eq!(parse_request_time("2024-01-01T12:00:0xZ"), None);
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in ["", "2024-01-01 12:00:00Z", "2024-01-01T12:00:00", "2024-13-01T12:00:00Z", "yesterday"] {
            assert_eq!(parse_request_time(bad), None, "{bad}");
        }
    }
}
