//! Reading stored JSON back into typed views: a field of the wrong type reads as missing, so a
//! record written by an older (or hand-edited) store stays readable field by field.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

/// `#[serde(default, deserialize_with = "lenient")]` on an `Option<T>` field.
pub fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).ok())
}
