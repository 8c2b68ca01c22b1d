//! Differential tests: [`check`] against serde_json's skipping parser (`IgnoredAny`, then
//! `Deserializer::end`: what the task used before), which it must match in verdict, message,
//! line and column; [`Fields`] against `serde_json::Value`. Inputs are generated JSON documents
//! and mutations of them (truncations, inserted, deleted and replaced characters, broken
//! escapes), plus JSON-ish noise.

use proptest::prelude::*;
use proptest::sample::Index;
use serde::Deserialize as _;

use super::{Fields, check};

type Verdict = Result<(), (String, usize, usize)>;

/// serde_json's verdict, its message without the " at line L column C" it appends.
fn serde_json_check(text: &str) -> Verdict {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let result = serde::de::IgnoredAny::deserialize(&mut deserializer).and_then(|_| deserializer.end());
    result.map_err(|e| {
        let full = e.to_string();
        let message = full[..full.rfind(" at line ").unwrap_or(full.len())].to_owned();
        (message, e.line(), e.column())
    })
}

fn our_check(text: &str) -> Verdict {
    check(text).map_err(|e| (e.to_string(), e.line(), e.column()))
}

fn whitespace() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", "", " ", "\n", "\t", "\r\n", "  \n  "])
}

/// A string literal; with `lone_surrogates`, its `\u` escapes may be unpaired surrogates.
fn string_literal(lone_surrogates: bool) -> impl Strategy<Value = String> {
    let code_unit = if lone_surrogates {
        (0u32..0x1_0000).boxed()
    } else {
        prop_oneof![0u32..0xD800, 0xE000u32..0x1_0000].boxed()
    };
    let piece = prop_oneof![
        4 => "[a-zA-Z0-9 é€🚀]{1,4}",
        1 => prop::sample::select(vec!["\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"])
            .prop_map(str::to_owned),
        1 => code_unit.prop_map(|u| format!("\\u{u:04x}")),
        1 => (0xD800u32..0xDC00, 0xDC00u32..0xE000).prop_map(|(h, l)| format!("\\u{h:04X}\\u{l:04x}")),
    ];
    prop::collection::vec(piece, 0..5).prop_map(|pieces| format!("\"{}\"", pieces.concat()))
}

/// A number; `exponent_digits` bounds the exponent, since serde_json's `Value` rejects
/// magnitudes beyond `f64` that its skipping parser accepts.
fn number(exponent_digits: u32) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::string::string_regex(&format!(
            "-?(0|[1-9][0-9]{{0,21}})(\\.[0-9]{{1,4}})?([eE][+-]?[0-9]{{1,{exponent_digits}}})?"
        ))
        .expect("a valid regex"),
        1 => prop::sample::select(vec!["18446744073709551615", "18446744073709551616", "-0", "0"])
            .prop_map(str::to_owned),
    ]
}

/// A JSON value with whitespace between its tokens.
fn value(lone_surrogates: bool, exponent_digits: u32) -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        prop::sample::select(vec!["null", "true", "false"]).prop_map(str::to_owned),
        number(exponent_digits),
        string_literal(lone_surrogates),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec((whitespace(), inner.clone(), whitespace()), 0..6).prop_map(|items| {
                let items: Vec<String> = items.into_iter().map(|(a, v, b)| format!("{a}{v}{b}")).collect();
                format!("[{}]", items.join(","))
            }),
            object(inner, lone_surrogates),
        ]
    })
}

/// An object of `values`, its keys often repeated.
fn object(values: impl Strategy<Value = String>, lone_surrogates: bool) -> impl Strategy<Value = String> {
    let key = prop_oneof![
        prop::sample::select(vec!["\"a\"", "\"b\"", "\"\\u0061\"", "\"message\"", "\"\""])
            .prop_map(str::to_owned),
        string_literal(lone_surrogates),
    ];
    let member = (
        whitespace(),
        key,
        whitespace(),
        whitespace(),
        values,
        whitespace(),
    );
    prop::collection::vec(member, 0..6).prop_map(|members| {
        let members: Vec<String> = members
            .into_iter()
            .map(|(a, k, b, c, v, d)| format!("{a}{k}{b}:{c}{v}{d}"))
            .collect();
        format!("{{{}}}", members.join(","))
    })
}

fn document(lone_surrogates: bool, exponent_digits: u32) -> impl Strategy<Value = String> {
    (
        whitespace(),
        value(lone_surrogates, exponent_digits),
        whitespace(),
    )
        .prop_map(|(a, v, b)| format!("{a}{v}{b}"))
}

/// Characters that make interesting mistakes.
const MUTANTS: &[char] = &[
    '{', '}', '[', ']', ',', ':', '"', '\\', ' ', '\n', 'u', '0', '1', '9', 'a', 'e', 'E', 'F', '.', '+',
    '-', 't', 'n', 'l', 'x', '\u{0}', '\u{1}', '\u{1f}', 'é', '🚀',
];

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(Index),
    Insert(Index, char),
    Delete(Index),
    Replace(Index, char),
    /// A backslash and the character after it: a broken or unfinished escape.
    Escape(Index, char),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let mutant = || prop::sample::select(MUTANTS);
    prop_oneof![
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), mutant()).prop_map(|(i, c)| Mutation::Insert(i, c)),
        any::<Index>().prop_map(Mutation::Delete),
        (any::<Index>(), mutant()).prop_map(|(i, c)| Mutation::Replace(i, c)),
        (any::<Index>(), mutant()).prop_map(|(i, c)| Mutation::Escape(i, c)),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for m in mutations {
        let at = |i: &Index, len: usize| i.index(len + 1);
        match m {
            Mutation::Truncate(i) => chars.truncate(at(i, chars.len())),
            Mutation::Insert(i, c) => chars.insert(at(i, chars.len()), *c),
            Mutation::Delete(i) | Mutation::Replace(i, _) if chars.is_empty() => {
                let _ = i;
            }
            Mutation::Delete(i) => {
                chars.remove(i.index(chars.len()));
            }
            Mutation::Replace(i, c) => {
                let i = i.index(chars.len());
                chars[i] = *c;
            }
            Mutation::Escape(i, c) => {
                let i = at(i, chars.len());
                chars.splice(i..i, ['\\', *c]);
            }
        }
    }
    chars.into_iter().collect()
}

/// `Fields` reads what `serde_json::Value` reads at the top level of an object, and nothing
/// from a text that is not one JSON object. Where `Value` refuses a text that is valid JSON
/// (a lone surrogate, invalid UTF-8 or a number beyond `f64`, which `Fields` skips inside nested
/// values as serde_json's `IgnoredAny` does),
/// there is nothing to compare.
fn assert_fields_match_value(bytes: &[u8]) -> Result<(), TestCaseError> {
    let fields = Fields::of(bytes);
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Object(map)) => {
            let mut ours: Vec<&str> = fields.0.iter().map(|(k, _)| k.as_str()).collect();
            ours.sort_unstable();
            ours.dedup();
            prop_assert_eq!(ours, map.keys().map(String::as_str).collect::<Vec<_>>());
            for (key, value) in &map {
                prop_assert_eq!(
                    fields.string(&[key]),
                    value.as_str().map(str::to_owned),
                    "{}",
                    key
                );
                prop_assert_eq!(fields.u64(key), value.as_u64(), "{}", key);
            }
        }
        Ok(_) => prop_assert!(fields.0.is_empty()),
        Err(_) => {
            let mut deserializer = serde_json::Deserializer::from_slice(bytes);
            let valid_json = serde::de::IgnoredAny::deserialize(&mut deserializer)
                .and_then(|_| deserializer.end())
                .is_ok();
            prop_assert!(valid_json || fields.0.is_empty(), "read fields from invalid JSON");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn check_accepts_generated_documents_as_serde_json_does(text in document(true, 3)) {
        prop_assert_eq!(serde_json_check(&text), Ok(()));
        prop_assert_eq!(our_check(&text), Ok(()));
    }

    #[test]
    fn check_agrees_with_serde_json_on_mutated_documents(
        text in document(true, 3),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let text = mutate(&text, &mutations);
        prop_assert_eq!(our_check(&text), serde_json_check(&text), "{:?}", text);
    }

    #[test]
    fn check_agrees_with_serde_json_on_json_ish_noise(
        text in "[ \\n\\t\\[\\]{}\",:0-9.eE+\\-tnrufals\\\\/\u{1}é]{0,24}",
    ) {
        prop_assert_eq!(our_check(&text), serde_json_check(&text), "{:?}", text);
    }

    #[test]
    fn fields_agree_with_serde_json_value_on_generated_objects(
        text in object(value(false, 2), false),
        (a, b) in (whitespace(), whitespace()),
    ) {
        let text = format!("{a}{text}{b}");
        prop_assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "{}", text);
        assert_fields_match_value(text.as_bytes())?;
    }

    #[test]
    fn fields_agree_with_serde_json_value_on_mutated_objects(
        text in object(value(true, 2), true),
        mutations in prop::collection::vec(mutation(), 1..3),
        invalid_utf8 in any::<Option<Index>>(),
    ) {
        let mut bytes = mutate(&text, &mutations).into_bytes();
        if let Some(i) = invalid_utf8 {
            bytes.insert(i.index(bytes.len() + 1), 0xff);
        }
        assert_fields_match_value(&bytes)?;
    }
}

#[test]
fn a_six_mebibyte_payload_is_checked_like_serde_json_does() {
    let record = r#"{"id": 12345, "name": "caf\u00e9 \"au lait\"", "tags": ["a", "b"], "price": -1.5e-3, "ok": true},"#;
    let mut text = String::from("[");
    while text.len() < 6 * 1024 * 1024 {
        text.push_str(record);
    }
    text.push_str("null]");
    assert_eq!(our_check(&text), Ok(()));
    text.insert(text.len() - 200, '\u{1}');
    assert_eq!(our_check(&text), serde_json_check(&text));
    assert!(our_check(&text).is_err());
}
