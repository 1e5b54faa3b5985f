//! Structured, JSON-like values: resource profiles and annotation metadata.
//!
//! Mirrors `google.protobuf.Struct` / `Value`, which is how baton stores profiles. Numbers are
//! `f64` because that is all a protobuf `Value` can hold.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A profile: string keys in a stable (sorted) order, as protobuf's deterministic encoding wants.
pub type Profile = BTreeMap<String, Value>;

/// One value of a [`Profile`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(untagged)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// Any number; protobuf `Value` only has doubles.
    Number(f64),
    /// A string.
    String(String),
    /// A list of values.
    List(Vec<Value>),
    /// A nested structure.
    Struct(Profile),
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Number(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        // Profiles hold counts and sizes; an i64 beyond 2^53 losing precision is acceptable there.
        Value::Number(v as f64)
    }
}

impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Value::Number(v as f64)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::String(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        match v {
            Some(v) => v.into(),
            None => Value::Null,
        }
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

impl From<Profile> for Value {
    fn from(v: Profile) -> Self {
        Value::Struct(v)
    }
}

impl Value {
    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean inside, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
}
