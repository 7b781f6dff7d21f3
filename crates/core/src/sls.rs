//! Rules of Simple Log Service resources that do not depend on the wire: name patterns
//! (sls.md 6), the tag resource types and `resourceId` forms (sls.md 7.1).

use crate::error::SlsError;

/// The five taggable kinds of resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    Project,
    Logstore,
    Dashboard,
    MachineGroup,
    LogtailConfig,
}

impl ResourceKind {
    pub const SUB_RESOURCES: [ResourceKind; 4] = [Self::Logstore, Self::Dashboard, Self::MachineGroup, Self::LogtailConfig];

    /// The spellings of the seed (`MachineGroup`), the Tea docstrings (`machinegroup`) and
    /// aliyun-log-python-sdk (`machine_group`): compared without case and underscores (sls.md 7.1).
    pub fn parse_tag_type(s: &str) -> Option<Self> {
        let norm: String = s.chars().filter(|c| *c != '_').map(|c| c.to_ascii_lowercase()).collect();
        match norm.as_str() {
            "project" => Some(Self::Project),
            "logstore" => Some(Self::Logstore),
            "dashboard" => Some(Self::Dashboard),
            "machinegroup" => Some(Self::MachineGroup),
            "logtailconfig" => Some(Self::LogtailConfig),
            _ => None,
        }
    }

    /// The segment of the resource ARN (sls.md 7.7): `project/<p>/logstore/<l>`.
    pub fn arn_segment(self) -> &'static str {
        match self {
            Self::Project => "project",
            Self::Logstore => "logstore",
            Self::Dashboard => "dashboard",
            Self::MachineGroup => "machinegroup",
            Self::LogtailConfig => "logtailconfig",
        }
    }

    /// Whether `name` follows the kind's naming rule (sls.md 6.1-6.5).
    pub fn valid_name(self, name: &str) -> bool {
        let (min, max, underscore) = match self {
            Self::Project => (3, 63, false),
            Self::Logstore => (2, 63, true),
            Self::Dashboard => (2, 128, true),
            Self::MachineGroup => (3, 128, true),
            Self::LogtailConfig => (2, 128, true),
        };
        let b = name.as_bytes();
        let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        (min..=max).contains(&b.len())
            && b.first().is_some_and(|&c| edge(c))
            && b.last().is_some_and(|&c| edge(c))
            && b.iter().all(|&c| edge(c) || c == b'-' || (underscore && c == b'_'))
    }
}

impl ResourceKind {
    /// `LogStoreNotExist`, `DashboardNotExist`, ... (sls.md 5.2).
    pub fn not_exist(self, name: &str) -> SlsError {
        let (code, message) = match self {
            Self::Project => return SlsError::ProjectNotExist { project: name.to_string() },
            Self::Logstore => ("LogStoreNotExist", format!("logstore {name} does not exist.")),
            Self::Dashboard => ("DashboardNotExist", format!("Dashboard {name} does not exist.")),
            Self::MachineGroup => ("MachineGroupNotExist", format!("MachineGroup {name} does not exist.")),
            Self::LogtailConfig => ("ConfigNotExist", format!("Config {name} does not exist.")),
        };
        SlsError::NotExist { code, message }
    }

    /// `LogStoreAlreadyExist`, ... all 400 (sls.md 5.2).
    pub fn already_exists(self, name: &str) -> SlsError {
        let (code, message) = match self {
            Self::Project => return SlsError::ProjectAlreadyExist { project: name.to_string() },
            Self::Logstore => ("LogStoreAlreadyExist", format!("logstore {name} already exists.")),
            Self::Dashboard => ("DashboardAlreadyExist", format!("Dashboard {name} already exists.")),
            Self::MachineGroup => ("MachineGroupAlreadyExist", format!("group {name} already exists.")),
            Self::LogtailConfig => ("ConfigAlreadyExist", format!("config {name} already exists.")),
        };
        SlsError::AlreadyExist { code, message }
    }
}

/// A parsed `resourceId`: `project` or `project#name` (seed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceId<'a> {
    pub project: &'a str,
    pub name: Option<&'a str>,
}

/// Splits at the first `#`; a project carries no `#` part and the others need one.
pub fn parse_resource_id(kind: ResourceKind, id: &str) -> Option<ResourceId<'_>> {
    match (kind, id.split_once('#')) {
        (ResourceKind::Project, None) if !id.is_empty() => Some(ResourceId { project: id, name: None }),
        (ResourceKind::Project, _) => None,
        (_, Some((p, n))) if !p.is_empty() && !n.is_empty() => Some(ResourceId { project: p, name: Some(n) }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResourceKind::*;

    #[test]
    fn tag_type_spellings() {
        for (s, k) in [
            ("project", Project),
            ("logstore", Logstore),
            ("dashboard", Dashboard),
            ("MachineGroup", MachineGroup),
            ("machinegroup", MachineGroup),
            ("machine_group", MachineGroup),
            ("LogtailConfig", LogtailConfig),
            ("logtailconfig", LogtailConfig),
            ("logtail_config", LogtailConfig),
        ] {
            assert_eq!(ResourceKind::parse_tag_type(s), Some(k), "{s}");
        }
        assert_eq!(ResourceKind::parse_tag_type("user"), None);
    }

    #[test]
    fn names() {
        assert!(Project.valid_name("proj-a1"));
        assert!(!Project.valid_name("pa"));
        assert!(!Project.valid_name("proj_a"));
        assert!(!Project.valid_name("-proj"));
        assert!(!Project.valid_name("Proj"));
        assert!(!Project.valid_name(&"a".repeat(64)));
        assert!(Logstore.valid_name("s1"));
        assert!(Logstore.valid_name("store_1-x"));
        assert!(!Logstore.valid_name("s"));
        assert!(!Logstore.valid_name("store_"));
        assert!(MachineGroup.valid_name(&"m".repeat(128)));
        assert!(!MachineGroup.valid_name("mg"));
        assert!(!LogtailConfig.valid_name(&"c".repeat(129)));
        assert!(!Dashboard.valid_name(""));
    }

    #[test]
    fn resource_ids() {
        assert_eq!(parse_resource_id(Project, "p1"), Some(ResourceId { project: "p1", name: None }));
        assert_eq!(parse_resource_id(Project, "p1#x"), None);
        assert_eq!(parse_resource_id(Logstore, "p1#s1"), Some(ResourceId { project: "p1", name: Some("s1") }));
        assert_eq!(parse_resource_id(Logstore, "p1#s1#x"), Some(ResourceId { project: "p1", name: Some("s1#x") }));
        assert_eq!(parse_resource_id(Logstore, "p1"), None);
        assert_eq!(parse_resource_id(Dashboard, "#d"), None);
        assert_eq!(parse_resource_id(Dashboard, "p#"), None);
    }
}
