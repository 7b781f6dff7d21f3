//! Every timestamp the protocols carry: RPC `Timestamp` / `x-acs-date`, SLS `Date` (RFC 1123 and
//! RFC 2822) and `x-log-date`, policy `Date*` condition values; and the formatters on any instant.
#![no_main]

use libfuzzer_sys::fuzz_target;
use localyun_core::policy::condition::parse_date;
use localyun_core::time::{format_http_date, format_iso8601, format_sls_datetime, parse_compact_time, parse_http_date, parse_request_time};

/// The instants with a four-digit year (0000-01-01 .. 9999-12-31), which the formatters write
/// in the exact shapes the parsers read back.
const FOUR_DIGIT_YEARS: std::ops::RangeInclusive<i64> = -62_167_219_200_000..=253_402_300_799_999;

fuzz_target!(|data: &[u8]| {
    let text = localyun_fuzz::text(data);
    let s = text.as_ref();
    if let Some(ms) = parse_request_time(s) {
        if FOUR_DIGIT_YEARS.contains(&ms) {
            assert_eq!(parse_request_time(&format_iso8601(ms)), Some(ms - ms.rem_euclid(1000)), "{s:?}");
        }
    }
    if let Some(ms) = parse_http_date(s) {
        if FOUR_DIGIT_YEARS.contains(&ms) {
            assert_eq!(parse_http_date(&format_http_date(ms)), Some(ms - ms.rem_euclid(1000)), "{s:?}");
        }
    }
    let _ = parse_compact_time(s);
    let _ = parse_date(s);
    // The formatters see instants computed from request values (expiry, clock checks).
    if let Some(bytes) = data.first_chunk::<8>() {
        let ms = i64::from_le_bytes(*bytes);
        let _ = format_iso8601(ms);
        let _ = format_http_date(ms);
        let _ = format_sls_datetime(ms);
    }
});
