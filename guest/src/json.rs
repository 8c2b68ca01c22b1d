//! Reading the string and integer fields at the top level of a JSON object, without building a
//! `serde_json::Value` tree: nested values are skipped, and anything that is not an object reads
//! as no fields. Error bodies and configurations are all the task reads from JSON.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

/// A top-level value worth keeping: a string or a non-negative integer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scalar {
    String(String),
    U64(u64),
    Other,
}

impl<'de> de::Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::String(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::String(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::U64(v))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct Object(Vec<(String, Scalar)>);

impl<'de> de::Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = Object;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, Scalar>()? {
                    fields.push(entry);
                }
                Ok(Object(fields))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// The string and integer fields at the top level of a JSON object.
#[derive(Debug, Default)]
pub struct Fields(Vec<(String, Scalar)>);

impl Fields {
    /// The fields of `bytes` if it is a JSON object; empty otherwise.
    pub fn of(bytes: &[u8]) -> Self {
        serde_json::from_slice::<Object>(bytes).map_or_else(|_| Fields::default(), |o| Fields(o.0))
    }

    fn get(&self, name: &str) -> Option<&Scalar> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value)
    }

    /// The string value of the first of `names` that holds a string.
    pub fn string(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|name| match self.get(name) {
            Some(Scalar::String(s)) => Some(s.clone()),
            _ => None,
        })
    }

    /// The value of `name` if it is a non-negative integer.
    pub fn u64(&self, name: &str) -> Option<u64> {
        match self.get(name) {
            Some(Scalar::U64(n)) => Some(*n),
            _ => None,
        }
    }
}

/// `c` for a message: quoted when printable, as a code point otherwise.
pub fn show_char(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("'{c}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_strings_and_integers_and_ignores_the_rest() {
        let body = br#"{"message":"a \"quoted\" \u00e9","Timeout":30,"n":2.5e3,"o":{"x":[1]},"t":true}"#;
        let f = Fields::of(body);
        assert_eq!(
            f.string(&["missing", "message"]).as_deref(),
            Some("a \"quoted\" é")
        );
        assert_eq!(f.u64("Timeout"), Some(30));
        assert_eq!(f.u64("n"), None);
        assert_eq!(f.string(&["o", "t"]), None);
        for not_an_object in [&b"[1]"[..], b"nope", b"\xff\xfe", b"", b"{\"a\":"] {
            assert_eq!(Fields::of(not_an_object).string(&["a"]), None);
        }
        assert_eq!(show_char(' '), "' '");
        assert_eq!(show_char('\n'), "U+000A");
    }
}
