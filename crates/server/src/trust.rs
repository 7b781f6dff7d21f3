//! Adding the local CA to (and taking it out of) a PEM trust bundle such as certifi's
//! `cacert.pem`: `localyun ca install` / `ca uninstall` (issue 13). Pure text functions; the CLI
//! finds the file and writes it.
//!
//! Why certifi at all: the Python Tea stack (`alibabacloud-tea` / `darabonba-core`,
//! `TeaCore.do_action`) sends through `Session.send`, which never reads `REQUESTS_CA_BUNDLE`, and
//! inside a proxy tunnel urllib3's `ProxyManager` does not get the adapter's SSL context (which
//! would have honoured `SSL_CERT_FILE`), so the only roots it trusts there are `certifi.where()`.
//!
//! What a block looks like: the CA's PEM between two marker comments. PEM readers (OpenSSL,
//! Python's `ssl`, Node) skip text outside `-----BEGIN/END-----`, so the markers are harmless, and
//! they let uninstall remove exactly what install added, nothing else.

const BEGIN: &str = "# localyun local CA, added by `localyun ca install` (`localyun ca uninstall` removes it): begin";
const END: &str = "# localyun local CA: end";

/// `bundle` with `ca_pem` appended in a marked block, or `None` when that CA is already in it
/// (installing twice changes nothing; other localyun CAs, e.g. of another data directory, stay).
pub fn with_ca(bundle: &str, ca_pem: &str) -> Option<String> {
    let ca = ca_pem.trim();
    if scan(bundle).blocks.iter().any(|body| body.trim() == ca) {
        return None;
    }
    let mut out = String::with_capacity(bundle.len() + ca.len() + BEGIN.len() + END.len() + 4);
    out.push_str(bundle);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    for part in [BEGIN, ca, END] {
        out.push_str(part);
        out.push('\n');
    }
    Some(out)
}

/// `bundle` without any block localyun added, and how many it removed; `None` when there was
/// none. Text outside the blocks is kept byte for byte.
pub fn without_local_cas(bundle: &str) -> Option<(String, usize)> {
    let Scan { outside, blocks } = scan(bundle);
    (!blocks.is_empty()).then_some((outside, blocks.len()))
}

/// A bundle split into the text outside localyun's blocks and the text inside each block.
struct Scan {
    outside: String,
    blocks: Vec<String>,
}

/// Line by line: a block runs from a BEGIN marker line to the next END marker line, both
/// included. A BEGIN without END (a hand-edited file) is not a block: its lines stay outside.
fn scan(bundle: &str) -> Scan {
    let mut scan = Scan { outside: String::with_capacity(bundle.len()), blocks: Vec::new() };
    // (the marker line and the body so far) while inside a block
    let mut open: Option<(&str, String)> = None;
    for line in bundle.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        match open.as_mut() {
            None if bare == BEGIN => open = Some((line, String::new())),
            None => scan.outside.push_str(line),
            Some(_) if bare == END => scan.blocks.extend(open.take().map(|(_, body)| body)),
            Some((_, body)) => body.push_str(line),
        }
    }
    if let Some((marker, body)) = open {
        scan.outside.push_str(marker);
        scan.outside.push_str(&body);
    }
    scan
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOTS: &str = "# Issuer: Some Root\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    const CA: &str = "-----BEGIN CERTIFICATE-----\nLOCAL\n-----END CERTIFICATE-----\n";
    const OTHER: &str = "-----BEGIN CERTIFICATE-----\nOTHER\n-----END CERTIFICATE-----\n";

    #[test]
    fn install_appends_once_and_uninstall_restores_the_bundle_byte_for_byte() {
        let installed = with_ca(ROOTS, CA).expect("added");
        assert!(installed.starts_with(ROOTS) && installed.contains("LOCAL"));
        assert_eq!(with_ca(&installed, CA), None, "installing twice changes nothing");
        let (restored, n) = without_local_cas(&installed).expect("removed");
        assert_eq!((restored.as_str(), n), (ROOTS, 1));
        assert_eq!(without_local_cas(ROOTS), None, "nothing to remove");
    }

    #[test]
    fn a_bundle_without_final_newline_keeps_its_last_certificate_whole() {
        let roots = ROOTS.trim_end();
        let installed = with_ca(roots, CA).unwrap();
        assert!(installed.contains("-----END CERTIFICATE-----\n# localyun"), "{installed}");
        assert_eq!(without_local_cas(&installed).unwrap().0, format!("{roots}\n"));
    }

    #[test]
    fn two_local_cas_are_two_blocks_and_uninstall_removes_both_and_nothing_else() {
        let one = with_ca(ROOTS, CA).unwrap();
        let two = with_ca(&one, OTHER).expect("a different CA is added");
        let tail = format!("{two}# Issuer: Later Root\n-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n");
        let (restored, n) = without_local_cas(&tail).unwrap();
        assert_eq!(n, 2);
        assert_eq!(restored, format!("{ROOTS}# Issuer: Later Root\n-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n"));
    }

    #[test]
    fn an_unterminated_marker_is_left_alone() {
        let broken = format!("{ROOTS}{BEGIN}\n{CA}");
        assert_eq!(without_local_cas(&broken), None);
        assert!(with_ca(&broken, CA).is_some(), "not a block, so the CA is not counted as installed");
    }

    #[test]
    fn crlf_bundles_are_recognised() {
        let installed = with_ca(ROOTS, CA).unwrap().replace('\n', "\r\n");
        assert_eq!(without_local_cas(&installed), Some((ROOTS.replace('\n', "\r\n"), 1)));
    }
}
