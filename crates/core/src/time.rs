//! The timestamp formats of the RPC protocol: `YYYY-MM-DDThh:mm:ssZ` in UTC (ram.md 2.3, 4.1).

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

/// Parses a request timestamp (`Timestamp`, `x-acs-date`) into Unix milliseconds.
/// The SDKs send `2024-01-01T12:00:00Z`; fractional seconds are tolerated (ram.md 3.5).
pub fn parse_request_time(s: &str) -> Option<i64> {
    let body = s.strip_suffix('Z')?;
    let naive = NaiveDateTime::parse_from_str(body, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(Utc.from_utc_datetime(&naive).timestamp_millis())
}

/// Parses an HTTP `Date` (RFC 1123, `Wed, 25 Nov 2026 17:51:31 GMT`, as both SLS SDKs send it).
pub fn parse_http_date(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc2822(s.trim()).ok().map(|d| d.timestamp_millis())
}

/// Parses the SLS v4 `x-log-date`, `YYYYMMDDTHHMMSSZ` in UTC (sls.md 3.3).
pub fn parse_compact_time(s: &str) -> Option<i64> {
    let naive = NaiveDateTime::parse_from_str(s.strip_suffix('Z')?, "%Y%m%dT%H%M%S").ok()?;
    Some(Utc.from_utc_datetime(&naive).timestamp_millis())
}

/// Unix milliseconds as an SLS project time, `YYYY-MM-DD HH:MM:SS` (sls.md 6, documented form).
pub fn format_sls_datetime(millis: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(millis).unwrap_or_default().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Formats Unix milliseconds as the response date format, e.g. `2015-01-23T12:33:18Z`.
pub fn format_iso8601(millis: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(millis).unwrap_or_default().format("%Y-%m-%dT%H:%M:%SZ").to_string()
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
        assert_eq!(parse_compact_time("20261125T175131"), None);
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in ["", "2024-01-01 12:00:00Z", "2024-01-01T12:00:00", "2024-13-01T12:00:00Z", "yesterday"] {
            assert_eq!(parse_request_time(bad), None, "{bad}");
        }
    }
}
