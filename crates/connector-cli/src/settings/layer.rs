//! One source of raw settings: the command line, the environment, or the config file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use secrecy::SecretString;

use super::{Kind, Setting, Value};
use crate::error::{Error, Result};

/// Where a layer's values came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The command line.
    Flags,
    /// `BATON_` environment variables.
    Env,
    /// The YAML config file.
    File,
}

/// The values one source gives, by setting name; a secret and its `-file` companion share the
/// secret's name, so whichever a source gives, it is one setting.
#[derive(Clone, Debug)]
pub(crate) struct Layer {
    origin: Origin,
    values: HashMap<&'static str, Value>,
}

impl Layer {
    /// A layer of already parsed values.
    pub(crate) fn of(
        origin: Origin,
        values: impl IntoIterator<Item = (&'static str, Value)>,
    ) -> Layer {
        Layer {
            origin,
            values: values.into_iter().collect(),
        }
    }

    /// The value this source gives for `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// The values `BATON_` environment variables give, read through `lookup` (so tests need not
    /// touch the process environment). Empty variables count as unset.
    pub(crate) fn from_env(
        settings: &[Setting],
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Layer> {
        let mut layer = Layer::of(Origin::Env, []);
        for setting in settings.iter().filter(|s| !s.flag_only) {
            for (key, file) in keys(setting) {
                let var = super::env_var(&key);
                let Some(text) = lookup(&var).filter(|v| !v.is_empty()) else {
                    continue;
                };
                let value = raw(setting, file, text).map_err(|expected| {
                    Error::Config(format!("environment variable {var} must be {expected}"))
                })?;
                layer.set(setting, value)?;
            }
        }
        Ok(layer)
    }

    /// The values of the YAML config file at `path`.
    /// A file that holds a secret or says where secrets go (a URL) gets a secret file's
    /// checks: refused when others may write it, a warning when others may read a secret in it.
    pub(crate) fn from_file(settings: &[Setting], path: &Path) -> Result<Layer> {
        let cannot = |source| Error::ConfigRead {
            path: path.to_owned(),
            source,
        };
        let mut file = c1z::open_regular(path).map_err(cannot)?.ok_or_else(|| {
            Error::Config(format!(
                "the config file {} is not a regular file (a directory, FIFO or device): name \
                 a YAML file",
                path.display()
            ))
        })?;
        let meta = file.metadata().map_err(cannot)?;
        let mut text = String::new();
        std::io::Read::read_to_string(&mut file, &mut text).map_err(cannot)?;
        let layer = Layer::from_yaml(settings, &text, path)?;
        let set = |s: &&Setting| layer.values.contains_key(s.name);
        let guarded: Vec<&str> = settings
            .iter()
            .filter(set)
            .filter(|s| s.guarded())
            .map(|s| s.name)
            .collect();
        if !guarded.is_empty() {
            let holds_secret = settings.iter().filter(set).any(|s| {
                s.kind == Kind::Secret && matches!(layer.values[s.name], Value::Secret(_))
            });
            super::secret::check_permissions("config file", path, &meta, holds_secret).map_err(
                |e| {
                    Error::Config(format!(
                        "{e} (it sets {}: whoever can write it can send the credentials \
                         elsewhere)",
                        guarded.join(", ")
                    ))
                },
            )?;
        }
        Ok(layer)
    }

    /// The values of a YAML config file's text; `path` names the file in errors. Keys are the
    /// settings' kebab-case names; unknown keys are an error that lists the known ones.
    pub(crate) fn from_yaml(settings: &[Setting], text: &str, path: &Path) -> Result<Layer> {
        let invalid = |reason: String| Error::ConfigInvalid {
            path: path.to_owned(),
            reason,
        };
        let document: serde_norway::Value =
            serde_norway::from_str(text).map_err(|source| Error::ConfigParse {
                path: path.to_owned(),
                source,
            })?;
        let mapping = match document {
            serde_norway::Value::Null => return Ok(Layer::of(Origin::File, [])),
            serde_norway::Value::Mapping(mapping) => mapping,
            _ => {
                return Err(invalid(
                    "it must be a YAML mapping of setting names to values".into(),
                ));
            }
        };
        let known: Vec<(&Setting, String, bool)> = settings
            .iter()
            .filter(|s| !s.flag_only)
            .flat_map(|s| keys(s).into_iter().map(move |(key, file)| (s, key, file)))
            .collect();
        let mut unknown = Vec::new();
        let mut layer = Layer::of(Origin::File, []);
        for (key, value) in mapping {
            let key = match key {
                serde_norway::Value::String(s) => s,
                other => format!("{other:?}"),
            };
            let Some((setting, _, file)) = known.iter().find(|(_, k, _)| *k == key) else {
                unknown.push(key);
                continue;
            };
            let text = yaml_text(setting, *file, value)
                .map_err(|expected| invalid(format!("{key} must be {expected}")))?;
            let value = match text {
                YamlValue::Text(text) => raw(setting, *file, text),
                YamlValue::List(items) => Ok(Value::List(clean(items))),
            }
            .map_err(|expected| invalid(format!("{key} must be {expected}")))?;
            layer.set(setting, value)?;
        }
        if !unknown.is_empty() {
            let names: Vec<&str> = known.iter().map(|(_, k, _)| k.as_str()).collect();
            return Err(invalid(format!(
                "it has unknown keys: {} (known keys: {})",
                unknown.join(", "),
                names.join(", ")
            )));
        }
        Ok(layer)
    }

    fn set(&mut self, setting: &Setting, value: Value) -> Result<()> {
        if self.values.insert(setting.name, value).is_some() {
            let file = setting.file_name().unwrap_or_default();
            let place = match self.origin {
                Origin::Flags => "on the command line",
                Origin::Env => "in the environment",
                Origin::File => "in the config file",
            };
            return Err(Error::Config(format!(
                "both {} and {file} are set {place}: keep one",
                setting.name
            )));
        }
        Ok(())
    }
}

/// The keys a setting answers to: its name and, for a secret read from a file, `<name>-file`
/// (`true`: the value is a path).
pub(crate) fn keys(setting: &Setting) -> Vec<(String, bool)> {
    let mut keys = vec![(setting.name.to_owned(), false)];
    if let Some(file) = setting.file_name() {
        keys.push((file, true));
    }
    keys
}

/// A boolean as flags, environment variables and config files write it.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Parses text as `setting`'s kind; on a bad value, says what was expected, never echoing the
/// value (it may be a secret).
pub(crate) fn parse(setting: &Setting, text: &str) -> Result<Value, &'static str> {
    match setting.kind {
        Kind::Text => Ok(Value::Text(text.to_owned())),
        Kind::Secret => Ok(Value::Secret(SecretString::from(text))),
        Kind::Bool => parse_bool(text).map(Value::Bool).ok_or("true or false"),
        Kind::Int => text
            .trim()
            .parse()
            .map(Value::Int)
            .map_err(|_| "a whole number"),
        Kind::List => Ok(Value::List(clean(
            text.split(',').map(str::to_owned).collect(),
        ))),
    }
}

fn raw(setting: &Setting, file: bool, text: String) -> Result<Value, &'static str> {
    match file {
        true => Ok(Value::SecretFile(PathBuf::from(text))),
        false => parse(setting, &text),
    }
}

/// List items trimmed, empty ones dropped.
pub(crate) fn clean(items: Vec<String>) -> Vec<String> {
    items
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

enum YamlValue {
    Text(String),
    List(Vec<String>),
}

/// A YAML value as the text (or list) the setting parses; a secret must be a plain string.
fn yaml_text(
    setting: &Setting,
    file: bool,
    value: serde_norway::Value,
) -> Result<YamlValue, &'static str> {
    use serde_norway::Value as Y;
    let scalar = |v: Y| match v {
        Y::String(s) => Some(s),
        Y::Bool(b) => Some(b.to_string()),
        Y::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match (setting.kind, value) {
        (Kind::Secret, Y::String(s)) => Ok(YamlValue::Text(s)),
        (Kind::Secret, _) if !file => Err("a string"),
        (Kind::List, Y::Sequence(items)) => items
            .into_iter()
            .map(|item| scalar(item).ok_or("a list of strings"))
            .collect::<Result<Vec<_>, _>>()
            .map(YamlValue::List),
        (_, value) => scalar(value)
            .map(YamlValue::Text)
            .ok_or(match setting.kind {
                Kind::Bool => "true or false",
                Kind::Int => "a whole number",
                Kind::List => "a list of strings",
                Kind::Text | Kind::Secret => "a string",
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: Setting = Setting::list("sync-resource-types", "Types", "Types");
    const TOKEN: Setting = Setting::secret("acme-token", "Token", "The token").from_file();

    #[test]
    fn yaml_values_of_every_kind() {
        let layer = Layer::from_yaml(
            &[LIST, TOKEN],
            "sync-resource-types: [user, ' team ']\nacme-token-file: t.txt\n",
            Path::new("c.yaml"),
        )
        .unwrap();
        assert!(
            matches!(layer.get("sync-resource-types"), Some(Value::List(l)) if l == &["user", "team"])
        );
        assert!(
            matches!(layer.get("acme-token"), Some(Value::SecretFile(p)) if p == Path::new("t.txt"))
        );
        let comma = Layer::from_yaml(&[LIST], "sync-resource-types: user,team\n", Path::new("c"));
        assert!(
            matches!(comma.unwrap().get("sync-resource-types"), Some(Value::List(l)) if l.len() == 2)
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named_without_the_value() {
        let err = Layer::from_yaml(&[LIST], "foo: 1\nbar-baz: x\n", Path::new("c.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown keys: foo, bar-baz"), "{err}");
        assert!(err.contains("c.yaml"), "{err}");
        let err =
            Layer::from_yaml(&[TOKEN], "acme-token: [s3cr3t]\n", Path::new("c.yaml")).unwrap_err();
        let chain = crate::exit::chain(&err);
        assert!(!chain.contains("s3cr3t"), "{chain}");
        assert!(chain.contains("acme-token must be a string"), "{chain}");
    }
}
