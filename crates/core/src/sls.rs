//! Rules of Simple Log Service resources that do not depend on the wire: name patterns
//! (sls.md 6), the tag resource types and `resourceId` forms (sls.md 7.1).

use crate::error::SlsError;

/// How a kind's names are formed (sls.md 6.1-6.5): `min..=max` characters of `[a-z0-9-]` (and
/// `_` when `underscore`), first and last a lowercase letter or digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameRule {
    pub min: usize,
    pub max: usize,
    pub underscore: bool,
}

impl NameRule {
    pub fn allows(&self, name: &str) -> bool {
        let b = name.as_bytes();
        let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        (self.min..=self.max).contains(&b.len())
            && b.first().is_some_and(|&c| edge(c))
            && b.last().is_some_and(|&c| edge(c))
            && b.iter().all(|&c| edge(c) || c == b'-' || (self.underscore && c == b'_'))
    }
}

/// An error code and its message, `{name}` standing for the resource's name (sls.md 5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coded {
    pub code: &'static str,
    pub message: &'static str,
}

impl Coded {
    fn message(&self, name: &str) -> String {
        self.message.replace("{name}", name)
    }
}

/// The API names of a kind's five calls, also its RAM actions `log:<name>` (sls.md 1.4, 7.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calls {
    pub create: &'static str,
    pub list: &'static str,
    pub get: &'static str,
    pub update: &'static str,
    pub delete: &'static str,
}

/// Everything that differs between the kinds of resource, in one row per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindSpec {
    /// `resourceType` of the tag calls, lower case without `_` (sls.md 7.1).
    pub tag_type: &'static str,
    /// The segment of the resource ARN (sls.md 7.7), `project/<p>/logstore/<l>`, and of the
    /// stored keys.
    pub arn_segment: &'static str,
    pub names: NameRule,
    /// The collection path (`/logstores`); `None` for projects, which live at `/` (sls.md 1.4).
    pub path: Option<&'static str>,
    /// The field of a create body holding the name, and the name filter of the list query.
    pub name_field: &'static str,
    /// The list answer's field of names (sls.md 6).
    pub list_field: &'static str,
    /// 404 (sls.md 5.2).
    pub not_exist: Coded,
    /// 400 (sls.md 5.2).
    pub already_exists: Coded,
    pub calls: Calls,
    /// How many a project may hold (`ProjectQuotaExceed`); 0 for projects.
    pub max_per_project: usize,
}

/// The table of resource kinds: each `Variant => KindSpec { .. }` row declares a variant of
/// [`ResourceKind`] and its [`KindSpec`]; nothing else matches on the kind.
macro_rules! resource_kinds {
    ($($(#[$doc:meta])* $kind:ident => $spec:expr,)*) => {
        /// The five taggable kinds of resource; what differs between them is their [`KindSpec`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ResourceKind {
            $($(#[$doc])* $kind,)*
        }

        impl ResourceKind {
            /// Every kind, in the table's order.
            pub const ALL: &'static [ResourceKind] = &[$(Self::$kind),*];

            /// The kind's row of the table.
            pub const fn spec(self) -> &'static KindSpec {
                match self {
                    $(Self::$kind => {
                        static SPEC: KindSpec = $spec;
                        &SPEC
                    })*
                }
            }
        }
    };
}

resource_kinds! {
    Project => KindSpec {
        tag_type: "project",
        arn_segment: "project",
        names: NameRule { min: 3, max: 63, underscore: false },
        path: None,
        name_field: "projectName",
        list_field: "projects",
        not_exist: Coded { code: "ProjectNotExist", message: "The Project does not exist : {name}" },
        already_exists: Coded { code: "ProjectAlreadyExist", message: "Project {name} already exist." },
        calls: Calls { create: "CreateProject", list: "ListProject", get: "GetProject", update: "UpdateProject", delete: "DeleteProject" },
        max_per_project: 0,
    },
    Logstore => KindSpec {
        tag_type: "logstore",
        arn_segment: "logstore",
        names: NameRule { min: 2, max: 63, underscore: true },
        path: Some("logstores"),
        name_field: "logstoreName",
        list_field: "logstores",
        not_exist: Coded { code: "LogStoreNotExist", message: "logstore {name} does not exist." },
        already_exists: Coded { code: "LogStoreAlreadyExist", message: "logstore {name} already exists." },
        calls: Calls {
            create: "CreateLogStore",
            list: "ListLogStores",
            get: "GetLogStore",
            update: "UpdateLogStore",
            delete: "DeleteLogStore",
        },
        // 200 logstores per project (sls.md 6.2).
        max_per_project: 200,
    },
    Dashboard => KindSpec {
        tag_type: "dashboard",
        arn_segment: "dashboard",
        names: NameRule { min: 2, max: 128, underscore: true },
        path: Some("dashboards"),
        name_field: "dashboardName",
        list_field: "dashboards",
        not_exist: Coded { code: "DashboardNotExist", message: "Dashboard {name} does not exist." },
        already_exists: Coded { code: "DashboardAlreadyExist", message: "Dashboard {name} already exists." },
        calls: Calls {
            create: "CreateDashboard",
            list: "ListDashboard",
            get: "GetDashboard",
            update: "UpdateDashboard",
            delete: "DeleteDashboard",
        },
        max_per_project: 10_000,
    },
    MachineGroup => KindSpec {
        tag_type: "machinegroup",
        arn_segment: "machinegroup",
        names: NameRule { min: 3, max: 128, underscore: true },
        path: Some("machinegroups"),
        name_field: "groupName",
        list_field: "machinegroups",
        not_exist: Coded { code: "MachineGroupNotExist", message: "MachineGroup {name} does not exist." },
        already_exists: Coded { code: "MachineGroupAlreadyExist", message: "group {name} already exists." },
        calls: Calls {
            create: "CreateMachineGroup",
            list: "ListMachineGroup",
            get: "GetMachineGroup",
            update: "UpdateMachineGroup",
            delete: "DeleteMachineGroup",
        },
        max_per_project: 10_000,
    },
    LogtailConfig => KindSpec {
        tag_type: "logtailconfig",
        arn_segment: "logtailconfig",
        names: NameRule { min: 2, max: 128, underscore: true },
        path: Some("configs"),
        name_field: "configName",
        list_field: "configs",
        not_exist: Coded { code: "ConfigNotExist", message: "Config {name} does not exist." },
        already_exists: Coded { code: "ConfigAlreadyExist", message: "config {name} already exists." },
        calls: Calls { create: "CreateConfig", list: "ListConfig", get: "GetConfig", update: "UpdateConfig", delete: "DeleteConfig" },
        max_per_project: 10_000,
    },
}

impl ResourceKind {
    /// The kinds inside a project (all but the project itself).
    pub fn sub_resources() -> impl Iterator<Item = ResourceKind> {
        Self::ALL.iter().copied().filter(|k| k.spec().path.is_some())
    }

    /// The spellings of the seed (`MachineGroup`), the Tea docstrings (`machinegroup`) and
    /// aliyun-log-python-sdk (`machine_group`): compared without case and underscores (sls.md 7.1).
    pub fn parse_tag_type(s: &str) -> Option<Self> {
        let norm: String = s.chars().filter(|c| *c != '_').map(|c| c.to_ascii_lowercase()).collect();
        Self::ALL.iter().copied().find(|k| k.spec().tag_type == norm)
    }

    /// The kind stored and authorized under an ARN segment.
    pub fn from_arn_segment(segment: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.spec().arn_segment == segment)
    }

    /// The kind whose collection lives at `/<segment>`.
    pub fn from_path(segment: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.spec().path == Some(segment))
    }

    /// The segment of the resource ARN (sls.md 7.7): `project/<p>/logstore/<l>`.
    pub fn arn_segment(self) -> &'static str {
        self.spec().arn_segment
    }

    /// Whether `name` follows the kind's naming rule (sls.md 6.1-6.5).
    pub fn valid_name(self, name: &str) -> bool {
        self.spec().names.allows(name)
    }

    /// `ProjectNotExist`, `LogStoreNotExist`, `DashboardNotExist`, ... (sls.md 5.2).
    pub fn not_exist(self, name: &str) -> SlsError {
        let c = self.spec().not_exist;
        SlsError::NotExist { code: c.code, message: c.message(name) }
    }

    /// `ProjectAlreadyExist`, `LogStoreAlreadyExist`, ... all 400 (sls.md 5.2).
    pub fn already_exists(self, name: &str) -> SlsError {
        let c = self.spec().already_exists;
        SlsError::AlreadyExist { code: c.code, message: c.message(name) }
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
    let in_project = kind.spec().path.is_some();
    match (in_project, id.split_once('#')) {
        (false, None) if !id.is_empty() => Some(ResourceId { project: id, name: None }),
        (false, _) => None,
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
    fn the_table_answers_what_each_kind_answered() {
        let e = |err: SlsError| {
            let a = crate::ApiError::from(err);
            (a.status, a.code.to_string(), a.message)
        };
        assert_eq!(e(Project.not_exist("p1")), (404, "ProjectNotExist".into(), "The Project does not exist : p1".into()));
        assert_eq!(e(Project.already_exists("p1")), (400, "ProjectAlreadyExist".into(), "Project p1 already exist.".into()));
        assert_eq!(e(Logstore.not_exist("s")), (404, "LogStoreNotExist".into(), "logstore s does not exist.".into()));
        assert_eq!(e(MachineGroup.already_exists("g")), (400, "MachineGroupAlreadyExist".into(), "group g already exists.".into()));
        assert_eq!(e(LogtailConfig.not_exist("c")), (404, "ConfigNotExist".into(), "Config c does not exist.".into()));
        assert_eq!(ResourceKind::from_path("machinegroups"), Some(MachineGroup));
        assert_eq!(ResourceKind::from_path("projects"), None);
        assert_eq!(ResourceKind::from_arn_segment("logtailconfig"), Some(LogtailConfig));
        assert_eq!(ResourceKind::sub_resources().collect::<Vec<_>>(), vec![Logstore, Dashboard, MachineGroup, LogtailConfig]);
        for k in ResourceKind::ALL {
            assert_eq!(ResourceKind::parse_tag_type(k.spec().tag_type), Some(*k));
        }
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
