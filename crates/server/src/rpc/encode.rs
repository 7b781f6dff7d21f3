//! Building blocks of the services' typed answers (ram.md 4.1): ISO 8601 dates, and the SDKs'
//! collection wrappers (`"Users": {"User": [...]}`). Answer structs derive `Serialize` with the
//! wire names; optional fields without a value are left out (`skip_serializing_if`).

use serde::{Serialize, Serializer};

/// A time in milliseconds, answered as `2024-01-01T00:00:00Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub i64);

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&localyun_core::time::format_iso8601(self.0))
    }
}

/// An entity's tags as RAM and IMS answer them: `{"Tag": [{"TagKey","TagValue"}]}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub tag_key: String,
    pub tag_value: String,
}

crate::wrapper!(Tags, "Tag", Tag);

impl Tags {
    pub fn of(tags: &localyun_core::tags::TagSet) -> Self {
        Self { items: tags.iter().map(|(k, v)| Tag { tag_key: k.clone(), tag_value: v.clone() }).collect() }
    }
}

/// A wrapper object holding one list under its item name: `wrapper!(Users, "User", User)`
/// answers `{"User": [...]}`.
#[macro_export]
macro_rules! wrapper {
    ($(#[$meta:meta])* $name:ident, $item:literal, $ty:ty) => {
        $(#[$meta])*
        #[derive(Debug, serde::Serialize)]
        pub struct $name {
            #[serde(rename = $item)]
            pub items: Vec<$ty>,
        }

        impl From<Vec<$ty>> for $name {
            fn from(items: Vec<$ty>) -> Self {
                Self { items }
            }
        }
    };
}
