//! Deserializers that accept the looser shapes the live API sends.

use serde::{Deserialize, Deserializer};

/// Reads `null` as the type's default, for fields the API sometimes sends as `null`.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads a string or a number as a string: `invoice_budget_amount` is a string in responses
/// but an integer in request bodies, and older responses may echo either.
pub(crate) fn string_or_number<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum StringOrNumber {
        String(String),
        Number(serde_json::Number),
    }
    Ok(
        Option::<StringOrNumber>::deserialize(deserializer)?.map(|value| match value {
            StringOrNumber::String(text) => text,
            StringOrNumber::Number(number) => number.to_string(),
        }),
    )
}
