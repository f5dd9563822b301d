//! serde deserialization from the positioned tree, so every error (a syntax error, an unknown field, a
//! bad value a custom `Deserialize` refuses) carries the line and column of the node it concerns.
//! Scalars are typed by what the target asks for; where it asks for anything (`untagged`, a generic
//! value) plain scalars resolve by YAML 1.2's core schema, as serde_yaml did for scenarios.

use super::node::{is_null, Node, Value};
use super::Error;
use serde::de::{self, DeserializeSeed, IntoDeserializer, Unexpected, Visitor};

/// Deserializes `T` from a text holding one YAML document.
pub fn from_str<T: de::DeserializeOwned>(text: &str) -> Result<T, Error> {
    from_node(&super::parse_one(text)?)
}

/// Deserializes `T` from a node of the tree; errors name the node they concern.
pub fn from_node<T: de::DeserializeOwned>(node: &Node) -> Result<T, Error> {
    T::deserialize(De { node, path: String::new() }).map_err(|e| e.locate(node, ""))
}

/// A deserializer over one node; `path` is the dotted key path from the root, for messages.
struct De<'a> {
    node: &'a Node,
    path: String,
}

impl<'a> De<'a> {
    fn child(&self, node: &'a Node, key: Option<&str>) -> De<'a> {
        let path = match key {
            Some(k) if self.path.is_empty() => k.to_string(),
            Some(k) => format!("{}.{k}", self.path),
            None => self.path.clone(),
        };
        De { node, path }
    }

    fn unexpected(&self) -> Unexpected<'a> {
        match &self.node.value {
            Value::Scalar { .. } if self.node.is_null() => Unexpected::Unit,
            Value::Scalar { text, .. } => Unexpected::Str(text),
            Value::Seq(_) => Unexpected::Seq,
            Value::Map(_) => Unexpected::Map,
        }
    }

    fn fail(&self, exp: &dyn de::Expected) -> Error {
        <Error as de::Error>::invalid_type(self.unexpected(), exp).locate(self.node, &self.path)
    }

    /// A scalar's text (anything but a plain null), or an error naming what was expected.
    fn text(&self, exp: &dyn de::Expected) -> Result<&'a str, Error> {
        match &self.node.value {
            Value::Scalar { text, .. } if !self.node.is_null() => Ok(text),
            _ => Err(self.fail(exp)),
        }
    }

    /// A local tag (`!condition x`) names an enum variant, as serde_yaml read it.
    fn local_tag(&self) -> Option<&'a str> {
        match &self.node.value {
            Value::Scalar { tag: Some(t), .. } => t.strip_prefix('!').filter(|s| !s.is_empty() && !s.starts_with('!')),
            _ => None,
        }
    }

    fn parse<T: std::str::FromStr>(&self, exp: &dyn de::Expected) -> Result<T, Error> {
        let text = self.text(exp)?;
        parse_int_text(text).and_then(|t| t.parse().ok()).ok_or_else(|| self.fail(exp))
    }
}

/// An integer in YAML 1.2 core notation as decimal text (hex and octal converted).
fn parse_int_text(text: &str) -> Option<String> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.strip_prefix('+').unwrap_or(text)),
    };
    let radix = |p: &str, r: u32| digits.strip_prefix(p).and_then(|d| i128::from_str_radix(d, r).ok());
    if let Some(v) = radix("0x", 16).or_else(|| radix("0o", 8)) {
        return Some(format!("{sign}{v}"));
    }
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then(|| format!("{sign}{digits}"))
}

fn core_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn core_float(text: &str) -> Option<f64> {
    match text.trim_start_matches(['+', '-']) {
        ".inf" | ".Inf" | ".INF" => Some(if text.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY }),
        ".nan" | ".NaN" | ".NAN" => Some(f64::NAN),
        t if t.starts_with(|c: char| c.is_ascii_digit() || c == '.') => text.parse().ok(),
        _ => None,
    }
}

macro_rules! int {
    ($($method:ident => $visit:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            let n = self.parse(&v)?;
            v.$visit(n).map_err(|e: Error| e.locate(self.node, &self.path))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for De<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        if self.local_tag().is_some() {
            return self.deserialize_enum("", &[], v);
        }
        let (node, path) = (self.node, self.path.clone());
        let out = match &node.value {
            Value::Scalar { text, plain: true, tag: None } => {
                if is_null(text) {
                    v.visit_unit()
                } else if let Some(b) = core_bool(text) {
                    v.visit_bool(b)
                } else if let Some(i) = parse_int_text(text).and_then(|t| t.parse::<i64>().ok()) {
                    v.visit_i64(i)
                } else if let Some(u) = parse_int_text(text).and_then(|t| t.parse::<u64>().ok()) {
                    v.visit_u64(u)
                } else if let Some(f) = core_float(text) {
                    v.visit_f64(f)
                } else {
                    v.visit_str(text)
                }
            }
            Value::Scalar { text, .. } => v.visit_str(text),
            Value::Seq(items) => v.visit_seq(Seq { parent: &self, items: items.iter() }),
            Value::Map(entries) => v.visit_map(Map { parent: &self, entries: entries.iter(), value: None }),
        };
        out.map_err(|e| e.locate(node, &path))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        let b = self.text(&v).ok().and_then(core_bool).ok_or_else(|| self.fail(&v))?;
        v.visit_bool(b).map_err(|e: Error| e.locate(self.node, &self.path))
    }

    int!(deserialize_i8 => visit_i8, deserialize_i16 => visit_i16, deserialize_i32 => visit_i32, deserialize_i64 => visit_i64,
         deserialize_u8 => visit_u8, deserialize_u16 => visit_u16, deserialize_u32 => visit_u32, deserialize_u64 => visit_u64);

    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_f64(v)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        let f = self.text(&v).ok().and_then(core_float).ok_or_else(|| self.fail(&v))?;
        v.visit_f64(f).map_err(|e: Error| e.locate(self.node, &self.path))
    }

    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_str(v)
    }

    /// Any scalar reads as its text when a string is wanted (`timeout: 10` reaches the duration parser
    /// as "10"), as serde_yaml did.
    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        let text = self.text(&v)?;
        v.visit_str(text).map_err(|e: Error| e.locate(self.node, &self.path))
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_str(v)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_str(v)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        if self.node.is_null() {
            v.visit_none()
        } else {
            v.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        if self.node.is_null() {
            v.visit_unit()
        } else {
            Err(self.fail(&v))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, v: V) -> Result<V::Value, Error> {
        self.deserialize_unit(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, v: V) -> Result<V::Value, Error> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Seq(items) => {
                v.visit_seq(Seq { parent: &self, items: items.iter() }).map_err(|e: Error| e.locate(self.node, &self.path))
            }
            _ => Err(self.fail(&v)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, Error> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _name: &'static str, _len: usize, v: V) -> Result<V::Value, Error> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Map(entries) => {
                v.visit_map(Map { parent: &self, entries: entries.iter(), value: None }).map_err(|e: Error| e.locate(self.node, &self.path))
            }
            _ => Err(self.fail(&v)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(self, _name: &'static str, _fields: &'static [&'static str], v: V) -> Result<V::Value, Error> {
        self.deserialize_map(v)
    }

    /// `kind` (unit variant), `kind: value` (a one-key mapping) or `!kind value` (a tag).
    fn deserialize_enum<V: Visitor<'de>>(self, _name: &'static str, _variants: &'static [&'static str], v: V) -> Result<V::Value, Error> {
        let (node, path) = (self.node, self.path.clone());
        let out = if let Some(tag) = self.local_tag() {
            let untagged = match &node.value {
                Value::Scalar { text, plain, .. } => {
                    Node { pos: node.pos, value: Value::Scalar { text: text.clone(), plain: *plain, tag: None } }
                }
                _ => node.clone(),
            };
            v.visit_enum(Enum { variant: tag, value: Some(De { node: &untagged, path: path.clone() }), key: node })
        } else {
            match &node.value {
                Value::Scalar { text, .. } if !node.is_null() => v.visit_enum(Enum { variant: text, value: None, key: node }),
                Value::Map(entries) if entries.len() == 1 => {
                    let (k, val) = &entries[0];
                    let variant = k.as_str().unwrap_or_default();
                    v.visit_enum(Enum { variant, value: Some(self.child(val, Some(variant))), key: k })
                }
                _ => Err(self.fail(&v)),
            }
        };
        out.map_err(|e| e.locate(node, &path))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_str(v)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }
}

struct Seq<'p, 'a> {
    parent: &'p De<'a>,
    items: std::slice::Iter<'a, Node>,
}

impl<'de> de::SeqAccess<'de> for Seq<'_, '_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        let Some(item) = self.items.next() else { return Ok(None) };
        let de = self.parent.child(item, None);
        let path = de.path.clone();
        seed.deserialize(de).map(Some).map_err(|e| e.locate(item, &path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'p, 'a> {
    parent: &'p De<'a>,
    entries: std::slice::Iter<'a, (Node, Node)>,
    value: Option<(&'a Node, &'a Node)>,
}

impl<'de> de::MapAccess<'de> for Map<'_, '_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((k, v)) = self.entries.next() else { return Ok(None) };
        self.value = Some((k, v));
        let de = self.parent.child(k, None);
        let path = de.path.clone();
        seed.deserialize(de).map(Some).map_err(|e| e.locate(k, &path))
    }

    /// An error from the value, even one a custom `Deserialize` raised after reading it (a bad
    /// duration), is placed at the value.
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((k, v)) = self.value.take() else { return Err(<Error as de::Error>::custom("value without a key")) };
        let de = self.parent.child(v, Some(k.as_str().unwrap_or("~")));
        let path = de.path.clone();
        seed.deserialize(de).map_err(|e| e.locate(v, &path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct Enum<'a> {
    variant: &'a str,
    value: Option<De<'a>>,
    key: &'a Node,
}

impl<'de, 'a> de::EnumAccess<'de> for Enum<'a> {
    type Error = Error;
    type Variant = Variant<'a>;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Variant<'a>), Error> {
        let name: de::value::StrDeserializer<'_, Error> = self.variant.into_deserializer();
        let v = seed.deserialize(name).map_err(|e| e.locate(self.key, ""))?;
        Ok((v, Variant { value: self.value, key: self.key }))
    }
}

struct Variant<'a> {
    value: Option<De<'a>>,
    key: &'a Node,
}

impl<'de> de::VariantAccess<'de> for Variant<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.value {
            None => Ok(()),
            Some(de) if de.node.is_null() => Ok(()),
            Some(de) => Err(de.fail(&"a variant without a value")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        match self.value {
            Some(de) => seed.deserialize(de),
            None => Err(<Error as de::Error>::invalid_type(Unexpected::UnitVariant, &"a variant with a value").locate(self.key, "")),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, Error> {
        match self.value {
            Some(de) => de::Deserializer::deserialize_seq(de, v),
            None => Err(<Error as de::Error>::invalid_type(Unexpected::UnitVariant, &v).locate(self.key, "")),
        }
    }

    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], v: V) -> Result<V::Value, Error> {
        match self.value {
            Some(de) => de::Deserializer::deserialize_map(de, v),
            None => Err(<Error as de::Error>::invalid_type(Unexpected::UnitVariant, &v).locate(self.key, "")),
        }
    }
}

#[cfg(test)]
mod tests;
