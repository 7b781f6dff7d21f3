//! The host names localyun answers for (issue 13): the names its certificates are issued for and
//! the only CONNECT targets its proxy terminates. Every other name is refused, never tunnelled.

/// One DNS label of a region (`cn-hangzhou`, `cn-hangzhou-intranet`) or of a project name.
fn is_label(s: &str) -> bool {
    !s.is_empty() && s.len() <= 63 && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Whether `host` (a name or an IP literal, without port) is one localyun serves: IP literals
/// and `localhost` (and `<project>.localhost`, the SLS form), the RPC endpoints
/// `ram.aliyuncs.com`, `ims.aliyuncs.com`, `sts.aliyuncs.com` and `sts.<region>.aliyuncs.com`,
/// and the SLS endpoints `<region>.log.aliyuncs.com` and `<project>.<region>.log.aliyuncs.com`.
pub fn is_served_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    let host = host.as_str();
    if host == "localhost" || host.strip_suffix(".localhost").is_some_and(is_label) {
        return true;
    }
    let Some(rest) = host.strip_suffix(".aliyuncs.com") else { return false };
    let labels: Vec<&str> = rest.split('.').collect();
    match labels.as_slice() {
        ["ram" | "ims" | "sts"] => true,
        ["sts", region] => is_label(region),
        [region, "log"] => is_label(region),
        [project, region, "log"] => is_label(project) && is_label(region),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_names() {
        for h in [
            "127.0.0.1",
            "::1",
            "localhost",
            "proj-1.localhost",
            "ram.aliyuncs.com",
            "IMS.aliyuncs.com",
            "sts.aliyuncs.com",
            "sts.cn-hangzhou.aliyuncs.com",
            "cn-hangzhou.log.aliyuncs.com",
            "cn-hangzhou-intranet.log.aliyuncs.com",
            "my-project.cn-hangzhou.log.aliyuncs.com",
            "ram.aliyuncs.com.",
        ] {
            assert!(is_served_host(h), "{h}");
        }
        for h in [
            "example.com",
            "aliyuncs.com",
            "ecs.aliyuncs.com",
            "oss-cn-hangzhou.aliyuncs.com",
            "a.b.cn-hangzhou.log.aliyuncs.com",
            "ram.aliyuncs.com.evil.com",
            "evil.com.localhost.example",
            "a.b.localhost",
            "",
        ] {
            assert!(!is_served_host(h), "{h}");
        }
    }
}
