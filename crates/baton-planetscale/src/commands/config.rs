//! `config`: the configuration schema as baton prints it (`config_schema.json`), from
//! [`FIELDS`].

use serde_json::{Map, Value, json};

use crate::config::{FIELDS, Field, FieldKind};
use crate::error::Result;
use crate::output;

/// The schema document: a `c1.config.v1.Configuration`-like object.
pub fn document() -> Value {
    json!({
        "displayName": "PlanetScale",
        "helpUrl": "https://planetscale.com/docs/concepts/service-tokens",
        "fields": FIELDS.iter().map(field).collect::<Vec<_>>(),
        "constraints": [{
            "kind": "CONSTRAINT_KIND_MUTUALLY_EXCLUSIVE",
            "fieldNames": ["planetscale-service-token", "planetscale-service-token-file"],
        }],
    })
}

/// Prints the schema.
pub fn run() -> Result<()> {
    output::print_json(&document())
}

fn field(f: &Field) -> Value {
    let kind = match f.kind {
        FieldKind::String => "string",
        FieldKind::Bool => "bool",
        FieldKind::Int => "int",
        FieldKind::StringList => "string-list",
    };
    let mut m = Map::new();
    m.insert("name".into(), json!(f.name));
    m.insert("displayName".into(), json!(f.display_name));
    m.insert("description".into(), json!(f.description));
    m.insert("isRequired".into(), json!(f.required));
    m.insert("isSecret".into(), json!(f.secret));
    m.insert("type".into(), json!(kind));
    m.insert("env".into(), json!(f.env_var()));
    if let Some(default) = f.default {
        let value = match f.kind {
            FieldKind::Bool => json!(default == "true"),
            FieldKind::Int => default
                .parse::<i64>()
                .map(|n| json!(n))
                .unwrap_or(json!(default)),
            FieldKind::String | FieldKind::StringList => json!(default),
        };
        m.insert("default".into(), value);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_a_required_secret_string() {
        let doc = document();
        let token = &doc["fields"][0];
        assert_eq!(token["name"], "planetscale-service-token");
        assert_eq!(
            (&token["isRequired"], &token["isSecret"]),
            (&json!(true), &json!(true))
        );
        let workers = doc["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "workers");
        assert_eq!(workers.unwrap()["default"], json!(8));
    }
}
