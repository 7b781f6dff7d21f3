//! SLS request decoding as the server runs it: path and query, Host to project and region, the
//! route and action, the JSON body and its tags, the signature claim (v1 and v4, with the clock
//! check), then the handlers' reads of query and body.
//!
//! Input: `METHOD target`, header lines, an empty line, the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use localyun_fuzz::RawRequest;

/// The server's clock: 2026-11-25T17:51:31Z, the date of the recorded SDK requests in the seeds.
const NOW_MS: i64 = 1_795_629_091_000;

fuzz_target!(|data: &[u8]| {
    let Some(req) = RawRequest::parse(data) else { return };
    let (path, _query) = req.target.split_once('?').unwrap_or((req.target, ""));
    let _ = localyun_server::sls::parse_route(path);
    for (_, host) in req.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("host")) {
        let _ = localyun_server::sls::request::place(host);
    }
    localyun_server::fuzzing::sls_request(req.method, req.target, &req.headers, req.body, "cn-hangzhou", NOW_MS);
});
