//! The settings as baton hosts read them: the protojson of `c1.config.v1.Configuration`, the
//! format of every baton connector's committed `config_schema.json`.
//!
//! Structs, not maps, so keys come in the message's field order; empty values are left out as
//! protojson leaves them out, and 64-bit integers are strings, as protojson writes them.

use serde::Serialize;

use super::standard::STANDARD;
use super::{Kind, Setting, layer};

/// `c1.config.v1.Configuration` for `settings`: what a baton-sdk connector exports, its own
/// fields and baton's operational standard fields (flag-only and unexported settings are not
/// configuration a host sets).
///
/// A secret read from a file has two alternatives, the value and the file: one of them is
/// needed, not both, so a required one is exported as that pair of constraints (at least one,
/// mutually exclusive) rather than as a required field a host could only satisfy one way.
///
/// The fields come in the order baton-sdk's `config` lists them: baton's standard fields first
/// (its `pkg/config` prepends `field.DefaultFields` to the connector's schema), then the
/// connector's own, each group in the order of `settings`.
pub(crate) fn schema(
    settings: &[Setting],
    resource_types: &[String],
    display_name: &str,
    help_url: &str,
) -> Configuration {
    let mut fields = Vec::new();
    let mut constraints = Vec::new();
    let is_standard = |s: &Setting| STANDARD.iter().any(|t| t.name == s.name);
    let (standard, own): (Vec<&Setting>, Vec<&Setting>) = settings
        .iter()
        .filter(|s| !s.flag_only && !s.unexported)
        .partition(|s| is_standard(s));
    for setting in standard.into_iter().chain(own) {
        let Some(file) = setting.file_name() else {
            fields.push(field(setting, resource_types, setting.required));
            continue;
        };
        fields.push(field(setting, resource_types, false));
        fields.push(file_field(setting, &file));
        let pair = vec![setting.name.to_owned(), file];
        if setting.required {
            constraints.push(Constraint {
                kind: "CONSTRAINT_KIND_AT_LEAST_ONE",
                field_names: pair.clone(),
            });
        }
        constraints.push(Constraint {
            kind: "CONSTRAINT_KIND_MUTUALLY_EXCLUSIVE",
            field_names: pair,
        });
    }
    Configuration {
        fields,
        constraints,
        display_name: display_name.to_owned(),
        help_url: help_url.to_owned(),
    }
}

/// `c1.config.v1.Configuration`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Configuration {
    fields: Vec<Field>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    constraints: Vec<Constraint>,
    #[serde(skip_serializing_if = "String::is_empty")]
    display_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    help_url: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Constraint {
    kind: &'static str,
    field_names: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Field {
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    display_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(skip_serializing_if = "is_false")]
    is_required: bool,
    #[serde(skip_serializing_if = "is_false")]
    is_ops: bool,
    #[serde(skip_serializing_if = "is_false")]
    is_secret: bool,
    #[serde(flatten)]
    typed: Typed,
}

/// The `field` oneof, named as protojson names its members.
#[derive(Serialize)]
enum Typed {
    #[serde(rename = "stringField")]
    String(StringField),
    #[serde(rename = "intField")]
    Int(IntField),
    #[serde(rename = "boolField")]
    Bool(BoolField),
    #[serde(rename = "stringSliceField")]
    StringSlice(StringSliceField),
}

#[derive(Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct StringField {
    #[serde(skip_serializing_if = "String::is_empty")]
    default_value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rules: Option<StringRules>,
}

#[derive(Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct StringRules {
    #[serde(rename = "in", skip_serializing_if = "Vec::is_empty")]
    one_of: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    is_required: bool,
}

#[derive(Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct IntField {
    #[serde(skip_serializing_if = "Option::is_none")]
    default_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rules: Option<IntRules>,
}

#[derive(Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct IntRules {
    #[serde(skip_serializing_if = "Option::is_none")]
    lte: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gte: Option<String>,
}

#[derive(Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct BoolField {
    #[serde(skip_serializing_if = "is_false")]
    default_value: bool,
}

#[derive(Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct StringSliceField {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    default_value: Vec<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The field of `setting`, `required` in the schema or not.
fn field(setting: &Setting, resource_types: &[String], required: bool) -> Field {
    let default = setting.default.unwrap_or_default();
    let typed = match setting.kind {
        Kind::Text | Kind::Secret => {
            let choices = setting.choices.iter().filter(|_| setting.schema_choices);
            let rules = StringRules {
                one_of: choices.map(|c| c.to_string()).collect(),
                is_required: required,
            };
            let has_rules = !rules.one_of.is_empty() || rules.is_required;
            Typed::String(StringField {
                default_value: default.to_owned(),
                rules: has_rules.then_some(rules),
            })
        }
        Kind::Int => {
            let rules = IntRules {
                lte: setting.max.map(|n| n.to_string()),
                gte: setting.min.map(|n| n.to_string()),
            };
            let has_rules = rules.lte.is_some() || rules.gte.is_some();
            Typed::Int(IntField {
                default_value: setting.default.map(str::to_owned),
                rules: has_rules.then_some(rules),
            })
        }
        Kind::Bool => Typed::Bool(BoolField {
            default_value: matches!(layer::parse(setting, default), Ok(super::Value::Bool(true))),
        }),
        Kind::List => Typed::StringSlice(StringSliceField {
            default_value: layer::clean(default.split(',').map(str::to_owned).collect()),
        }),
    };
    Field {
        name: setting.name.to_owned(),
        display_name: setting.display_name.to_owned(),
        description: setting.describe(resource_types),
        is_required: required,
        is_ops: setting.ops,
        is_secret: setting.kind == Kind::Secret,
        typed,
    }
}

/// The companion `<name>-file` of a secret read from a file.
fn file_field(setting: &Setting, name: &str) -> Field {
    let what = setting.display_name.to_lowercase();
    Field {
        name: name.to_owned(),
        display_name: format!("{} file", setting.display_name),
        description: format!(
            "Read the {what} from this file (- for standard input) instead of {}, so it need \
             not appear in the process list",
            setting.name
        ),
        is_required: false,
        is_ops: false,
        is_secret: false,
        typed: Typed::String(StringField::default()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fields_are_baton_protojson() {
        const TOKEN: Setting = Setting::secret("acme-token", "Token", "The token")
            .required()
            .from_file();
        let mut settings = vec![TOKEN];
        settings.extend_from_slice(STANDARD);
        let text = serde_json::to_string(&schema(
            &settings,
            &["user".into(), "team".into()],
            "Acme",
            "https://a",
        ))
        .unwrap();
        assert!(
            text.starts_with(r#"{"fields":[{"name":"log-level","displayName""#),
            "{text}"
        );
        assert!(text.contains(r#"],"constraints":[{"kind""#), "{text}");
        assert!(
            text.ends_with(r#""displayName":"Acme","helpUrl":"https://a"}"#),
            "{text}"
        );
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let fields = doc["fields"].as_array().unwrap();
        // baton's exported standard fields first, in baton's order and as baton exports them;
        // then the connector's.
        let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "log-level",
                "log-level-debug-expires-at",
                "session-store-maximum-size",
                "otel-collector-endpoint",
                "otel-collector-endpoint-tls-cert-path",
                "otel-collector-endpoint-tls-cert",
                "otel-collector-endpoint-tls-insecure",
                "otel-tracing-disabled",
                "otel-logging-disabled",
                "health-check",
                "health-check-port",
                "health-check-bind-address",
                "http-timeout-seconds",
                "acme-token",
                "acme-token-file",
            ]
        );
        assert_eq!(
            fields[13],
            json!({
                "name": "acme-token",
                "displayName": "Token",
                "description": "The token",
                "isSecret": true,
                "stringField": {}
            })
        );
        assert_eq!(fields[14]["stringField"], json!({}));
        assert_eq!(fields[1]["stringField"], json!({}));
        assert_eq!(fields[1]["isOps"], true);
        assert_eq!(fields[2]["intField"], json!({ "defaultValue": "15728640" }));
        assert!(fields[2..13].iter().all(|f| f["isOps"] == true));
        assert_eq!(fields[6]["boolField"], json!({}));
        assert_eq!(fields[10]["intField"], json!({ "defaultValue": "8081" }));
        assert_eq!(
            fields[11]["stringField"],
            json!({ "defaultValue": "127.0.0.1" })
        );
        let timeout = &fields[12];
        assert_eq!(
            timeout["intField"],
            json!({ "defaultValue": "300", "rules": { "lte": "1800", "gte": "1" } })
        );
        assert_eq!(timeout["isOps"], true);
        assert_eq!(fields[0]["stringField"], json!({ "defaultValue": "info" }));
        assert_eq!(
            doc["constraints"],
            json!([{
                "kind": "CONSTRAINT_KIND_AT_LEAST_ONE",
                "fieldNames": ["acme-token", "acme-token-file"]
            }, {
                "kind": "CONSTRAINT_KIND_MUTUALLY_EXCLUSIVE",
                "fieldNames": ["acme-token", "acme-token-file"]
            }])
        );
    }
}
