//! Where an SLS request is going: the project and region carried by the Host name
//! (`<project>.<endpoint>`, sls.md 1.1-1.3), from a Host header or an absolute-form target.

/// The parts of a Host that matter for routing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Place {
    pub project: Option<String>,
    /// Present only for real endpoint names, `[<project>.]<region>.log.aliyuncs.com`.
    pub region: Option<String>,
}

const CLOUD_SUFFIX: &str = ".log.aliyuncs.com";

fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        // [::1]:8080 → ::1
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

fn is_ipv4(s: &str) -> bool {
    s.parse::<std::net::Ipv4Addr>().is_ok()
}

/// Endpoint regions may carry a network suffix (`cn-hangzhou-intranet.log.aliyuncs.com`).
fn region_of(label: &str) -> String {
    label.trim_end_matches("-intranet").trim_end_matches("-share").to_string()
}

/// Project and region from a Host value. A project is only taken from a name whose base is an
/// IPv4 literal, `localhost` or an SLS endpoint name; anything else names no project (sls.md 1.1
/// step 4: do not guess).
pub fn place(host: &str) -> Place {
    let host = strip_port(host.trim()).to_ascii_lowercase();
    if let Some(prefix) = host.strip_suffix(CLOUD_SUFFIX) {
        return match prefix.split_once('.') {
            None => Place { project: None, region: Some(region_of(prefix)) },
            Some((project, region)) if !region.contains('.') => {
                Place { project: Some(project.to_string()), region: Some(region_of(region)) }
            }
            Some(_) => Place::default(),
        };
    }
    match host.split_once('.') {
        Some((label, base)) if (is_ipv4(base) || base == "localhost") && !is_ipv4(&host) => {
            Place { project: Some(label.to_string()), region: None }
        }
        _ => Place::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(project: Option<&str>, region: Option<&str>) -> Place {
        Place { project: project.map(str::to_string), region: region.map(str::to_string) }
    }

    #[test]
    fn hosts() {
        assert_eq!(place("proj-a.127.0.0.1"), p(Some("proj-a"), None));
        assert_eq!(place("proj-a.127.0.0.1:52581"), p(Some("proj-a"), None));
        assert_eq!(place("127.0.0.1:52581"), p(None, None));
        assert_eq!(place("127.0.0.1"), p(None, None));
        assert_eq!(place("proj-a.localhost:8080"), p(Some("proj-a"), None));
        assert_eq!(place("localhost"), p(None, None));
        assert_eq!(place("proj-a.cn-hangzhou.log.aliyuncs.com"), p(Some("proj-a"), Some("cn-hangzhou")));
        assert_eq!(place("cn-shanghai.log.aliyuncs.com:80"), p(None, Some("cn-shanghai")));
        assert_eq!(place("proj-a.cn-beijing-intranet.log.aliyuncs.com"), p(Some("proj-a"), Some("cn-beijing")));
        assert_eq!(place("example.com"), p(None, None));
        assert_eq!(place("[::1]:8080"), p(None, None));
    }
}
