//! Settings, each declared once as a [`Setting`]: its flag, its `BATON_` environment variable,
//! its config-file key, its help and its schema entry all come from that one declaration.
//!
//! Resolution has two stages (ripgrep's low and high args): every source — the command line,
//! the environment, the YAML file named by `--config` — becomes a [`Layer`] of raw values
//! parsed by kind; the layers combine key by key, the first that says something winning
//! (flags > environment > file), and defaults and ranges are applied once, giving [`Values`].

mod layer;
mod schema;
mod secret;
pub mod standard;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use secrecy::SecretString;

use crate::error::{Error, Result};

pub(crate) use layer::{Layer, Origin, clean, parse_bool};
pub(crate) use schema::schema;

/// What kind of value a setting holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// `true` or `false`; as a flag, `--name` alone means `true`.
    Bool,
    /// A whole number, at least 0.
    Int,
    /// A list of strings: comma-separated in flags and the environment, a list or a
    /// comma-separated string in the config file.
    List,
    /// A credential: never printed, never echoed in an error.
    Secret,
}

/// One setting of a connector program: a flag, a `BATON_` variable and a config-file key.
///
/// Declared as a `const`, and read back from [`Values`] with that same constant:
///
/// ```
/// use connector_cli::Setting;
///
/// const REGION: Setting = Setting::text("acme-region", "Region", "The Acme region to sync")
///     .default("eu")
///     .value_name("REGION");
/// assert_eq!(REGION.env_var(), "BATON_ACME_REGION");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    pub(crate) name: &'static str,
    pub(crate) display_name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) kind: Kind,
    pub(crate) default: Option<&'static str>,
    pub(crate) default_help: Option<&'static str>,
    pub(crate) required: bool,
    pub(crate) ops: bool,
    pub(crate) hidden: bool,
    pub(crate) flag_only: bool,
    pub(crate) unexported: bool,
    pub(crate) schema_choices: bool,
    pub(crate) from_file: bool,
    pub(crate) routes_credentials: bool,
    pub(crate) short: Option<char>,
    pub(crate) value_name: Option<&'static str>,
    pub(crate) min: Option<u64>,
    pub(crate) max: Option<u64>,
    pub(crate) choices: &'static [&'static str],
}

impl Setting {
    const fn new(
        kind: Kind,
        name: &'static str,
        display_name: &'static str,
        description: &'static str,
    ) -> Setting {
        Setting {
            name,
            display_name,
            description,
            kind,
            default: None,
            default_help: None,
            required: false,
            ops: false,
            hidden: false,
            flag_only: false,
            unexported: false,
            schema_choices: true,
            from_file: false,
            routes_credentials: false,
            short: None,
            value_name: None,
            min: None,
            max: None,
            choices: &[],
        }
    }

    /// A text setting: `name` in kebab case, a name for people, and one sentence saying what it
    /// does (the flag's help and the schema's description).
    pub const fn text(
        name: &'static str,
        display_name: &'static str,
        description: &'static str,
    ) -> Setting {
        Setting::new(Kind::Text, name, display_name, description)
    }

    /// A boolean setting.
    pub const fn bool(
        name: &'static str,
        display_name: &'static str,
        description: &'static str,
    ) -> Setting {
        Setting::new(Kind::Bool, name, display_name, description).default("false")
    }

    /// A whole-number setting.
    pub const fn int(
        name: &'static str,
        display_name: &'static str,
        description: &'static str,
    ) -> Setting {
        Setting::new(Kind::Int, name, display_name, description)
    }

    /// A list setting.
    pub const fn list(
        name: &'static str,
        display_name: &'static str,
        description: &'static str,
    ) -> Setting {
        Setting::new(Kind::List, name, display_name, description)
    }

    /// A credential: never printed, never echoed, only ever held as a [`SecretString`].
    pub const fn secret(
        name: &'static str,
        display_name: &'static str,
        description: &'static str,
    ) -> Setting {
        Setting::new(Kind::Secret, name, display_name, description)
    }

    /// The value when no source gives one, written as a config file would hold it.
    pub const fn default(mut self, value: &'static str) -> Setting {
        self.default = Some(value);
        self
    }

    /// What help says the default is when it depends on circumstances (no fixed value).
    pub const fn default_help(mut self, text: &'static str) -> Setting {
        self.default_help = Some(text);
        self
    }

    /// The connector cannot run without it (sync and validate refuse to start).
    pub const fn required(mut self) -> Setting {
        self.required = true;
        self
    }

    /// An operational setting (how the program runs, not what it connects to): baton's `isOps`.
    pub const fn ops(mut self) -> Setting {
        self.ops = true;
        self
    }

    /// Left out of `--help` (for tests and experts).
    pub const fn hidden(mut self) -> Setting {
        self.hidden = true;
        self
    }

    /// Only a flag: not read from the environment or the config file, not in the schema.
    pub const fn flag_only(mut self) -> Setting {
        self.flag_only = true;
        self
    }

    /// Kept out of `config`'s schema, as baton-sdk keeps its standard fields other than the
    /// operational ones out of a connector's configuration: a host never sets it. Its flag,
    /// `BATON_` variable and config-file key work as ever.
    pub const fn unexported(mut self) -> Setting {
        self.unexported = true;
        self
    }

    /// `config`'s schema leaves its choices out (they are still checked), as baton-sdk's own
    /// field of that name has none: a host then offers what it offers for every connector.
    pub const fn choices_unexported(mut self) -> Setting {
        self.schema_choices = false;
        self
    }

    /// A secret that can also be read from a file (or standard input with `-`), named by the
    /// companion setting `<name>-file`, so it need not appear in the process list.
    pub const fn from_file(mut self) -> Setting {
        self.from_file = true;
        self
    }

    /// Says where credentials or the synced data are sent, or how (an API URL, a switch
    /// allowing plain http, the telemetry collector and its TLS): a config file that sets it
    /// gets a secret file's checks, since whoever may write the file could send the token, or
    /// the names and emails the logs carry, elsewhere. A setting whose value name is `URL` or whose name ends in
    /// `-url` is one without saying so.
    pub const fn routes_credentials(mut self) -> Setting {
        self.routes_credentials = true;
        self
    }

    /// Whether a config file that sets this must be guarded like a secret file: a secret, or
    /// what [`routes_credentials`](Self::routes_credentials) says.
    pub(crate) fn guarded(&self) -> bool {
        self.kind == Kind::Secret
            || self.routes_credentials
            || self.value_name == Some("URL")
            || self.name.ends_with("-url")
    }

    /// A one-letter flag, e.g. `-f`.
    pub const fn short(mut self, letter: char) -> Setting {
        self.short = Some(letter);
        self
    }

    /// The placeholder of the value in help, e.g. `URL`.
    pub const fn value_name(mut self, name: &'static str) -> Setting {
        self.value_name = Some(name);
        self
    }

    /// The smallest value allowed (whole numbers).
    pub const fn min(mut self, min: u64) -> Setting {
        self.min = Some(min);
        self
    }

    /// The largest value allowed (whole numbers).
    pub const fn max(mut self, max: u64) -> Setting {
        self.max = Some(max);
        self
    }

    /// The only values allowed (text).
    pub const fn choices(mut self, choices: &'static [&'static str]) -> Setting {
        self.choices = choices;
        self
    }

    /// The kebab-case name: the flag (`--name`) and the config-file key.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The environment variable: `BATON_` and the name in upper snake case.
    pub fn env_var(&self) -> String {
        env_var(self.name)
    }

    /// The name of the companion setting that names a file holding this secret.
    pub fn file_name(&self) -> Option<String> {
        self.from_file.then(|| format!("{}-file", self.name))
    }

    /// The description, with `{resource_types}` replaced by the connector's resource types.
    pub(crate) fn describe(&self, resource_types: &[String]) -> String {
        self.description
            .replace("{resource_types}", &resource_types.join(", "))
    }
}

/// `BATON_` and `name` in upper snake case.
pub(crate) fn env_var(name: &str) -> String {
    format!("BATON_{}", name.replace('-', "_").to_uppercase())
}

/// One resolved value.
#[derive(Clone)]
pub(crate) enum Value {
    Text(String),
    Bool(bool),
    Int(u64),
    List(Vec<String>),
    Secret(SecretString),
    /// A secret to read from this file (`-` for standard input) when asked for.
    SecretFile(PathBuf),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(s) => write!(f, "{s:?}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(n) => write!(f, "{n}"),
            Value::List(l) => write!(f, "{l:?}"),
            Value::Secret(_) => f.write_str("[REDACTED]"),
            Value::SecretFile(p) => write!(f, "file {}", p.display()),
        }
    }
}

/// Every setting's value, merged from all sources and checked; read with the setting's
/// declaration. A setting without a value and without a default reads as `None`.
#[derive(Clone, Debug, Default)]
pub struct Values {
    values: HashMap<&'static str, Value>,
}

impl Values {
    /// Merges `layers` (the first that says something wins), applies defaults and checks ranges
    /// and choices.
    pub(crate) fn resolve(settings: &[Setting], layers: &[Layer]) -> Result<Values> {
        let mut values = HashMap::new();
        for setting in settings {
            let given = layers.iter().find_map(|l| l.get(setting.name).cloned());
            let value = match (given, setting.default) {
                (Some(value), _) => value,
                (None, Some(default)) => layer::parse(setting, default).map_err(|expected| {
                    Error::Config(format!(
                        "the default of {} must be {expected} (a bug in the program)",
                        setting.name
                    ))
                })?,
                (None, None) => continue,
            };
            check(setting, &value)?;
            values.insert(setting.name, value);
        }
        Ok(Values { values })
    }

    /// Values given as `(name, text)` pairs, as a config file would hold them (a secret's
    /// `<name>-file` names its file), defaults applied and checked: how an embedder builds a
    /// connector through its [`Program`](crate::Program) without a command line.
    pub fn from_pairs<'a>(
        settings: &[Setting],
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Values> {
        let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
        if let Some((unknown, _)) = pairs.iter().find(|(name, _)| {
            !settings
                .iter()
                .any(|s| layer::keys(s).iter().any(|(k, _)| k == name))
        }) {
            return Err(Error::Config(format!(
                "{unknown} is not a setting of this program"
            )));
        }
        let given = Layer::from_env(settings, |var| {
            pairs
                .iter()
                .find(|(name, _)| env_var(name) == var)
                .map(|(_, text)| text.to_string())
        })?;
        Values::resolve(settings, &[given])
    }

    fn get(&self, setting: &Setting) -> Option<&Value> {
        self.values.get(setting.name)
    }

    /// A text setting's value.
    pub fn text(&self, setting: &Setting) -> Option<&str> {
        match self.get(setting) {
            Some(Value::Text(s)) => Some(s),
            _ => None,
        }
    }

    /// A boolean setting's value (`false` when unset).
    pub fn bool(&self, setting: &Setting) -> bool {
        matches!(self.get(setting), Some(Value::Bool(true)))
    }

    /// A whole-number setting's value.
    pub fn int(&self, setting: &Setting) -> Option<u64> {
        match self.get(setting) {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        }
    }

    /// A list setting's value.
    pub fn list(&self, setting: &Setting) -> Option<&[String]> {
        match self.get(setting) {
            Some(Value::List(l)) => Some(l),
            _ => None,
        }
    }

    /// A secret's value, read from its file (or standard input) if one was named; an error if
    /// the setting is required and no source gives it.
    pub fn secret(&self, setting: &Setting) -> Result<Option<SecretString>> {
        match self.get(setting) {
            Some(Value::Secret(s)) => Ok(Some(s.clone())),
            Some(Value::SecretFile(path)) => secret::read(setting, path).map(Some),
            _ if setting.required => Err(missing(setting)),
            _ => Ok(None),
        }
    }

    /// The value of a text setting that always has one (required, or declared with a
    /// default); when none was given, the error saying how to set it.
    pub fn require_text(&self, setting: &Setting) -> Result<&str> {
        self.text(setting).ok_or_else(|| missing(setting))
    }

    /// The value of a whole-number setting that always has one (required, or declared with a
    /// default); when none was given, the error saying how to set it.
    pub fn require_int(&self, setting: &Setting) -> Result<u64> {
        self.int(setting).ok_or_else(|| missing(setting))
    }

    /// The value of a required secret, read from its file (or standard input) if one was
    /// named; when none was given, the error saying how to set it.
    pub fn require_secret(&self, setting: &Setting) -> Result<SecretString> {
        self.secret(setting)?.ok_or_else(|| missing(setting))
    }

    /// What a connector is described with (the default of `Program::describe`): every setting
    /// at its default, and one that is required without a default empty (0, `false`).
    pub(crate) fn describing(settings: &[Setting]) -> Result<Values> {
        let mut values = Values::resolve(settings, &[])?.values;
        for setting in settings.iter().filter(|s| s.required) {
            values
                .entry(setting.name)
                .or_insert_with(|| match setting.kind {
                    Kind::Text => Value::Text(String::new()),
                    Kind::Bool => Value::Bool(false),
                    Kind::Int => Value::Int(0),
                    Kind::List => Value::List(Vec::new()),
                    Kind::Secret => Value::Secret(SecretString::default()),
                });
        }
        Ok(Values { values })
    }

    /// The first setting whose value is read from standard input (a secret's file given as
    /// `-`), by the name of its `-file` flag.
    pub(crate) fn reads_stdin(&self, settings: &[Setting]) -> Option<String> {
        settings.iter().find_map(|setting| match self.get(setting) {
            Some(Value::SecretFile(path)) if path == Path::new("-") => Some(
                setting
                    .file_name()
                    .unwrap_or_else(|| setting.name.to_owned()),
            ),
            _ => None,
        })
    }

    /// Whether a required setting has no value.
    pub(crate) fn check_required(&self, settings: &[Setting]) -> Result<()> {
        match settings
            .iter()
            .find(|s| s.required && self.get(s).is_none())
        {
            Some(setting) => Err(missing(setting)),
            None => Ok(()),
        }
    }
}

/// "X is required: set …", naming every way to set it, the file variant first.
fn missing(setting: &Setting) -> Error {
    let mut ways = Vec::new();
    if let Some(file) = setting.file_name() {
        ways.push(format!("--{file}"));
    }
    ways.push(setting.env_var());
    ways.push(format!("{} in the config file", setting.name));
    let format = match setting.value_name {
        Some(v) if setting.kind == Kind::Secret => format!(" ({v})"),
        _ => String::new(),
    };
    Error::Config(format!(
        "the {} is required: set {}{format}",
        setting.display_name.to_lowercase(),
        ways.join(", ")
            .rsplit_once(", ")
            .map(|(a, b)| format!("{a} or {b}"))
            .unwrap_or_default()
    ))
}

/// Range and choice checks, the same whichever source gave the value.
fn check(setting: &Setting, value: &Value) -> Result<()> {
    match value {
        Value::Int(n) => match (setting.min, setting.max) {
            (Some(min), Some(max)) if !(min..=max).contains(n) => Err(Error::Config(format!(
                "{} must be between {min} and {max} (got {n})",
                setting.name
            ))),
            (Some(min), None) if *n < min => Err(Error::Config(format!(
                "{} must be at least {min}",
                setting.name
            ))),
            (None, Some(max)) if *n > max => Err(Error::Config(format!(
                "{} must be at most {max} (got {n})",
                setting.name
            ))),
            _ => Ok(()),
        },
        Value::Text(s) if !setting.choices.is_empty() => {
            match setting
                .choices
                .contains(&s.trim().to_ascii_lowercase().as_str())
            {
                true => Ok(()),
                false => Err(Error::Config(format!(
                    "{} {s:?} is not one of {}",
                    setting.name,
                    setting.choices.join(", ")
                ))),
            }
        }
        Value::List(items) if items.is_empty() => Err(Error::Config(format!(
            "{} is empty: name at least one value or leave it unset",
            setting.name
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKERS: Setting = Setting::int("workers", "Workers", "Calls at once")
        .default("8")
        .min(1);
    const TIMEOUT: Setting = Setting::int("http-timeout-seconds", "Timeout", "Seconds")
        .default("30")
        .min(1)
        .max(1800);
    const LEVEL: Setting = Setting::text("log-level", "Log level", "How much")
        .default("info")
        .choices(&["error", "warn", "info", "debug", "trace"]);
    const TOKEN: Setting = Setting::secret("acme-token", "Acme token", "The token")
        .required()
        .from_file()
        .value_name("TOKEN");

    fn resolve(layers: &[Layer]) -> Result<Values> {
        Values::resolve(&[WORKERS, TIMEOUT, LEVEL, TOKEN], layers)
    }

    fn env(pairs: &[(&str, &str)]) -> Layer {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Layer::from_env(&[WORKERS, TIMEOUT, LEVEL, TOKEN], |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
        .unwrap()
    }

    fn file(yaml: &str) -> Layer {
        Layer::from_yaml(
            &[WORKERS, TIMEOUT, LEVEL, TOKEN],
            yaml,
            std::path::Path::new("c.yaml"),
        )
        .unwrap()
    }

    fn flag(name: &'static str, value: Value) -> Layer {
        Layer::of(Origin::Flags, [(name, value)])
    }

    /// One row per source combination: (flag, env, file) → which value wins.
    #[test]
    fn precedence_is_flags_then_env_then_file_then_default() {
        type Case = (Option<u64>, Option<&'static str>, Option<&'static str>, u64);
        let cases: &[Case] = &[
            (None, None, None, 8),
            (None, None, Some("3"), 3),
            (None, Some("5"), Some("3"), 5),
            (Some(7), Some("5"), Some("3"), 7),
            (Some(7), None, Some("3"), 7),
            (Some(7), None, None, 7),
            (None, Some("5"), None, 5),
        ];
        for &(f, e, y, expected) in cases {
            let mut layers = Vec::new();
            if let Some(f) = f {
                layers.push(flag("workers", Value::Int(f)));
            }
            if let Some(e) = e {
                layers.push(env(&[("BATON_WORKERS", e)]));
            }
            if let Some(y) = y {
                layers.push(file(&format!("workers: {y}\n")));
            }
            let got = resolve(&layers).unwrap().int(&WORKERS);
            assert_eq!(got, Some(expected), "flag {f:?} env {e:?} file {y:?}");
        }
    }

    #[test]
    fn ranges_and_choices_apply_whatever_the_source() {
        let err = |layers: &[Layer]| resolve(layers).unwrap_err().to_string();
        assert_eq!(
            err(&[flag("workers", Value::Int(0))]),
            "workers must be at least 1"
        );
        assert_eq!(
            err(&[env(&[("BATON_HTTP_TIMEOUT_SECONDS", "0")])]),
            "http-timeout-seconds must be between 1 and 1800 (got 0)"
        );
        assert!(err(&[file("log-level: loud\n")]).contains("log-level \"loud\" is not one of"));
    }

    #[test]
    fn a_secret_and_its_file_are_one_setting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "from-file\n").unwrap();
        secret::restrict(&path);
        let flags = flag("acme-token", Value::SecretFile(path.clone()));
        let values = resolve(&[flags, env(&[("BATON_ACME_TOKEN", "from-env")])]).unwrap();
        let token = values.secret(&TOKEN).unwrap().unwrap();
        assert_eq!(secrecy::ExposeSecret::expose_secret(&token), "from-file");
        let values = resolve(&[env(&[("BATON_ACME_TOKEN_FILE", path.to_str().unwrap())])]);
        assert!(values.unwrap().secret(&TOKEN).unwrap().is_some());
        let err = Layer::from_env(&[TOKEN], |name| match name {
            "BATON_ACME_TOKEN" | "BATON_ACME_TOKEN_FILE" => Some("x".into()),
            _ => None,
        })
        .unwrap_err();
        assert!(err.to_string().contains("keep one"), "{err}");
    }

    #[test]
    fn a_missing_required_secret_says_every_way_to_set_it() {
        let values = resolve(&[]).unwrap();
        let err = values.secret(&TOKEN).unwrap_err().to_string();
        assert_eq!(
            err,
            "the acme token is required: set --acme-token-file, BATON_ACME_TOKEN or acme-token \
             in the config file (TOKEN)"
        );
        assert!(values.check_required(&[TOKEN]).is_err());
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let values = resolve(&[env(&[("BATON_ACME_TOKEN", "s3cr3t-value")])]).unwrap();
        let debug = format!("{values:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("[REDACTED]"), "{debug}");
    }
}
