//! RPC parameter decoding: the query and form body percent-decoding, the parameter set and its
//! typed reads (repeat lists, JSON lists, tokens), and the server's decoding of a whole request
//! (`rpc::request::decode_params` and `parse`, then the strings to sign).
//!
//! Input: `METHOD target`, header lines, an empty line, the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use localyun_core::encoding::{form_decode, form_unescape, path_unescape};
use localyun_core::params::Params;
use localyun_fuzz::RawRequest;

fuzz_target!(|data: &[u8]| {
    // The decoders see raw bytes, whatever shape the rest of the input has.
    let _ = form_unescape(data);
    if let Ok(pairs) = form_decode(data) {
        if let Ok(params) = Params::from_pairs(pairs) {
            let _ = params.key_values("Tag", 50);
            let _ = params.list("TagKey", 20);
        }
    }
    let Some(req) = RawRequest::parse(data) else { return };
    let (path, query) = req.target.split_once('?').unwrap_or((req.target, ""));
    let _ = path_unescape(path);
    let _ = form_decode(query.as_bytes());
    localyun_server::fuzzing::rpc_request(req.method, req.target, &req.headers, req.body);
});
