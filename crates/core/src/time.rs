//! The timestamp formats of the RPC protocol: `YYYY-MM-DDThh:mm:ssZ` in UTC (ram.md 2.3, 4.1).

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc, Weekday};

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
    // A slice pattern: the shape and the fields in one step, with no index that could be out of range.
    let &[y0, y1, y2, y3, b'-', mo0, mo1, b'-', d0, d1, b'T', h0, h1, b':', mi0, mi1, b':', s0, s1] = body.as_bytes() else {
        return None;
    };
    let date = NaiveDate::from_ymd_opt(digits(&[y0, y1, y2, y3])? as i32, digits(&[mo0, mo1])?, digits(&[d0, d1])?)?;
    let time = date.and_hms_opt(digits(&[h0, h1])?, digits(&[mi0, mi1])?, digits(&[s0, s1])?)?;
    Some(time.and_utc().timestamp_millis())
}

/// Appends `n` as exactly `width` digits (the calendar fields are never wider).
fn push_digits(out: &mut String, n: u32, width: usize) {
    let mut buf = [b'0'; 4];
    let mut v = n;
    for slot in buf.iter_mut().take(width).rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.extend(buf.iter().take(width).map(|&d| d as char));
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
    // Matched as bytes, not sliced as a string: a multi-byte character anywhere simply fails to
    // match (slicing at fixed offsets would split it, and panic).
    let &[w0, w1, w2, b',', b' ', d0, d1, b' ', m0, m1, m2, b' ', y0, y1, y2, y3, b' ', h0, h1, b':', mi0, mi1, b':', s0, s1, b' ', b'G', b'M', b'T'] =
        s.as_bytes()
    else {
        return None;
    };
    let month = MONTHS.iter().position(|m| m.as_bytes() == [m0, m1, m2])? as u32 + 1;
    let date = NaiveDate::from_ymd_opt(digits(&[y0, y1, y2, y3])? as i32, month, digits(&[d0, d1])?)?;
    if weekday_name(date.weekday()).as_bytes() != [w0, w1, w2] {
        return None;
    }
    let time = date.and_hms_opt(digits(&[h0, h1])?, digits(&[mi0, mi1])?, digits(&[s0, s1])?)?;
    Some(time.and_utc().timestamp_millis())
}

fn weekday_name(day: Weekday) -> &'static str {
    WEEKDAYS.get(day.num_days_from_monday() as usize).copied().unwrap_or_default()
}

/// Unix milliseconds as an HTTP date, `Wed, 25 Nov 2026 17:51:31 GMT`.
pub fn format_http_date(millis: i64) -> String {
    let dt = DateTime::<Utc>::from_timestamp_millis(millis).unwrap_or_default();
    let year = dt.year();
    if !(0..=9999).contains(&year) {
        return dt.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    }
    let mut out = String::with_capacity(29);
    out.push_str(weekday_name(dt.weekday()));
    out.push_str(", ");
    push_digits(&mut out, dt.day(), 2);
    out.push(' ');
    out.push_str(MONTHS.get(dt.month0() as usize).copied().unwrap_or_default());
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
/// The UTC calendar date (year, month, day) of a time in milliseconds.
pub fn civil_date(millis: i64) -> (i32, u8, u8) {
    let dt = DateTime::<Utc>::from_timestamp_millis(millis).unwrap_or_default();
    (dt.year(), dt.month() as u8, dt.day() as u8)
}

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

    /// Fuzzing found this: the fast RFC 1123 path sliced at byte offsets 3, 5 and 25 and panicked
    /// when a multi-byte character straddled one. Such a date is now simply not in the fast shape.
    #[test]
    fn non_ascii_dates_are_refused_not_panicked_on() {
        for bad in ["W\u{20ac}, 5 Nov 2026 17:51:31 GMT", "Wed, 25 Nov 2026 17:51:3\u{20ac}MT", "W\u{e9}d, 25 Nov 2026 17:51:1 GMT"] {
            assert_eq!(bad.len(), 29, "{bad}: the length of the fast shape");
            assert_eq!(parse_imf_fixdate(bad), None, "{bad}");
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
        assert_eq!(parse_request_time("2024-01-01T12:00:0\u{e9}Z"), None);
        assert_eq!(parse_request_time("2024-01-\u{20ac}T12:00:00Z"), None);
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in ["", "2024-01-01 12:00:00Z", "2024-01-01T12:00:00", "2024-13-01T12:00:00Z", "yesterday"] {
            assert_eq!(parse_request_time(bad), None, "{bad}");
        }
    }
}
