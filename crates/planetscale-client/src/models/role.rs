//! The open enum of organization roles.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A member's or invitation's role in an organization.
///
/// The spec lists `member` and `admin`; the product also has `analyst`, and more may come, so
/// any other string is kept in [`Role::Other`]. A missing or `null` role reads as
/// `Other("")`, which grants nothing beyond membership.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// `member`: an ordinary member.
    Member,
    /// `admin`: an organization administrator.
    Admin,
    /// `analyst`: read-only access to insights and billing.
    Analyst,
    /// Any other wire string, kept as sent.
    Other(String),
}

impl Role {
    /// The wire string, as PlanetScale spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Other(other) => other,
        }
    }
}

impl Default for Role {
    fn default() -> Self {
        Role::Other(String::new())
    }
}

impl From<&str> for Role {
    fn from(wire: &str) -> Self {
        match wire {
            "member" => Role::Member,
            "admin" => Role::Admin,
            "analyst" => Role::Analyst,
            other => Role::Other(other.to_owned()),
        }
    }
}

impl From<String> for Role {
    fn from(wire: String) -> Self {
        match Role::from(wire.as_str()) {
            Role::Other(_) => Role::Other(wire),
            known => known,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<String>::deserialize(deserializer)?
            .map(Role::from)
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_strings_round_trip() {
        for wire in ["member", "admin", "analyst", "billing_manager", ""] {
            let role: Role = serde_json::from_value(serde_json::json!(wire)).unwrap();
            assert_eq!(role.as_str(), wire);
            assert_eq!(role.to_string(), wire);
            assert_eq!(
                serde_json::to_value(&role).unwrap(),
                serde_json::json!(wire)
            );
        }
        assert_eq!(Role::from("analyst"), Role::Analyst);
        assert_eq!(Role::from("Admin".to_owned()), Role::Other("Admin".into()));
    }

    #[test]
    fn null_reads_as_an_empty_other() {
        let role: Role = serde_json::from_value(serde_json::Value::Null).unwrap();
        assert_eq!(role, Role::Other(String::new()));
    }
}
