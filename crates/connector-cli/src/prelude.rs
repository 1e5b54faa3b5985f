//! What a connector program names, for a glob import: `use connector_cli::prelude::*;` —
//! [`connector_sdk::prelude`] and this crate's [`Program`], [`About`] (with [`about!`]),
//! [`Setting`], [`Values`] and [`Result`] (whose error type defaults to this crate's and can be
//! named: `Result<T, ConnectorError>`).

pub use connector_sdk::prelude::*;

pub use crate::{About, Program, Result, Setting, Values, about};
