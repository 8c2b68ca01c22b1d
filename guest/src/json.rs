//! JSON (RFC 8259) as far as the task needs it: checking that a payload is one JSON value,
//! reading the string and integer fields at the top level of an object (error bodies and
//! configurations), and writing a string literal.
//!
//! A hand-written scanner instead of serde_json keeps the component small: serde_json compiled
//! its parser again for every pair of input type and visitor, and brought serde's machinery.
//!
//! [`check`] accepts exactly what serde_json accepts when it skips a value (`IgnoredAny`, then
//! `Deserializer::end`), which the task used before, and reports the same message, line and
//! column (the differential test in `json/differential.rs` holds it to that). That is the
//! grammar of RFC 8259 sections 2 to 7, with two consequences worth knowing:
//! - a `\u` escape is checked for its shape only, so a lone surrogate (`"\uD800"`) passes, as
//!   the grammar allows (section 8.2 warns about it but does not forbid it);
//! - nesting is not limited: the scanner keeps its own stack of open arrays and objects
//!   instead of recursing, so depth costs one byte of heap per level, never wasm stack.
//!
//! Rejecting either would turn a payload Lambda accepts into an error, or, in the legacy payload
//! mode, silently into a JSON string. [`Fields`] decodes the strings it returns as serde_json
//! decodes a Rust `String`: there a lone surrogate or invalid UTF-8 makes the object unreadable.

use alloc::{format, string::String, vec::Vec};
use core::fmt;

const EOF_WHILE_PARSING_LIST: &str = "EOF while parsing a list";
const EOF_WHILE_PARSING_OBJECT: &str = "EOF while parsing an object";
const EOF_WHILE_PARSING_STRING: &str = "EOF while parsing a string";
const EOF_WHILE_PARSING_VALUE: &str = "EOF while parsing a value";
const EXPECTED_COLON: &str = "expected `:`";
const EXPECTED_LIST_COMMA_OR_END: &str = "expected `,` or `]`";
const EXPECTED_OBJECT_COMMA_OR_END: &str = "expected `,` or `}`";
const EXPECTED_IDENT: &str = "expected ident";
const EXPECTED_VALUE: &str = "expected value";
const INVALID_ESCAPE: &str = "invalid escape";
const INVALID_NUMBER: &str = "invalid number";
const CONTROL_CHARACTER: &str = "control character (\\u0000-\\u001F) found while parsing a string";
const KEY_MUST_BE_A_STRING: &str = "key must be a string";
const TRAILING_CHARACTERS: &str = "trailing characters";
/// Only [`Fields`] decodes escapes, and it does not report its errors.
const NOT_A_STRING: &str = "lone surrogate or invalid UTF-8 in a string";

/// Why a text is not one JSON value, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    message: &'static str,
    line: usize,
    column: usize,
}

impl JsonError {
    /// The line of the error, from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column of the error in bytes, from 1 (0 when the text ends at the start of a line).
    pub fn column(&self) -> usize {
        self.column
    }
}

impl fmt::Display for JsonError {
    /// serde_json's message for the same error, without the position.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl core::error::Error for JsonError {}

/// Checks that `text` is one JSON value, with optional whitespace around it.
pub fn check(text: &str) -> Result<(), JsonError> {
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        index: 0,
    };
    scanner.value(None)?;
    match scanner.skip_whitespace() {
        Some(_) => Err(scanner.error_ahead(TRAILING_CHARACTERS)),
        None => Ok(()),
    }
}

/// `text` as a JSON string literal (RFC 8259 section 7): quotes, backslashes and control
/// characters escaped.
pub fn json_string(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    // Only ASCII needs escaping, so the text between escapes is copied in slices.
    let mut copied = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..0x20 => "",
            _ => continue,
        };
        out.push_str(&text[copied..i]);
        copied = i + 1;
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 15)]));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&text[copied..]);
    out.push('"');
    out
}

/// The most top-level keys [`Fields`] keeps (AWS answers have a handful).
const MAX_FIELDS: usize = 64;
/// The longest top-level key [`Fields`] keeps.
const MAX_KEY: usize = 64;

/// A top-level value worth keeping: a string or a non-negative integer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scalar {
    String(String),
    U64(u64),
    Other,
}

/// The string and integer fields at the top level of a JSON object.
#[derive(Debug, Default)]
pub struct Fields(Vec<(String, Scalar)>);

impl Fields {
    /// The fields of `bytes` if it is a JSON object; empty otherwise.
    pub fn of(bytes: &[u8]) -> Self {
        let mut scanner = Scanner { bytes, index: 0 };
        let mut fields = Vec::new();
        let object = scanner.skip_whitespace() == Some(b'{')
            && scanner.value(Some(&mut fields)).is_ok()
            && scanner.skip_whitespace().is_none();
        if object { Fields(fields) } else { Fields::default() }
    }

    /// The value of `name`; the last one if the object repeats it, as serde_json and JavaScript
    /// read it.
    fn get(&self, name: &str) -> Option<&Scalar> {
        self.0
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// The string value of the first of `names` that holds a string.
    pub fn string(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|name| match self.get(name) {
            Some(Scalar::String(s)) => Some(s.clone()),
            _ => None,
        })
    }

    /// The value of `name` if it is a non-negative integer that fits a `u64`.
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

/// A position in a JSON text. Errors are located as serde_json's `SliceRead` locates them: at
/// the byte just consumed ([`Scanner::error_here`]) or at the next one
/// ([`Scanner::error_ahead`]).
struct Scanner<'a> {
    bytes: &'a [u8],
    index: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.index).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek();
        self.index += usize::from(byte.is_some());
        byte
    }

    /// Skips the whitespace of RFC 8259 section 2 and peeks at the byte after it.
    // Out of line, like `error_ahead`: inlined at each call, they cost 0.5 KB of wasm.
    #[inline(never)]
    fn skip_whitespace(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.index += 1;
        }
        self.peek()
    }

    fn error_here(&self, message: &'static str) -> JsonError {
        self.error_at(self.index, message)
    }

    #[inline(never)]
    fn error_ahead(&self, message: &'static str) -> JsonError {
        self.error_at((self.index + 1).min(self.bytes.len()), message)
    }

    #[cold]
    fn error_at(&self, index: usize, message: &'static str) -> JsonError {
        let (mut line, mut column) = (1, 0);
        for &byte in &self.bytes[..index] {
            if byte == b'\n' {
                (line, column) = (line + 1, 0);
            } else {
                column += 1;
            }
        }
        JsonError {
            message,
            line,
            column,
        }
    }

    /// Scans one value (RFC 8259 section 3) without recursing: `open` holds the brackets of the
    /// arrays and objects around the current position. With `fields` (the caller has seen that
    /// the value is an object), the keys and the string and integer values of its top level are
    /// decoded into `fields`.
    fn value(&mut self, mut fields: Option<&mut Vec<(String, Scalar)>>) -> Result<(), JsonError> {
        let mut open: Vec<u8> = Vec::new();
        // Whether the value of the current top-level key is kept (see below).
        let mut keep = true;
        loop {
            let top_level = fields.as_deref_mut().filter(|_| open.len() == 1 && keep);
            let opened = match self.skip_whitespace() {
                None => return Err(self.error_ahead(EOF_WHILE_PARSING_VALUE)),
                Some(b'n') => self.ident(b"null").map(|()| false)?,
                Some(b't') => self.ident(b"true").map(|()| false)?,
                Some(b'f') => self.ident(b"false").map(|()| false)?,
                Some(b'-') => {
                    self.index += 1;
                    self.number()?;
                    false
                }
                Some(b'0'..=b'9') => {
                    let start = self.index;
                    let integral = self.number()?;
                    if let (Some(last), true) = (top_level.and_then(|f| f.last_mut()), integral) {
                        // serde_json reads the integers beyond `u64` as `f64`.
                        let digits = &self.bytes[start..self.index];
                        if let Some(n) = digits.iter().try_fold(0u64, |n, &digit| {
                            n.checked_mul(10)?.checked_add(u64::from(digit - b'0'))
                        }) {
                            last.1 = Scalar::U64(n);
                        }
                    }
                    false
                }
                Some(b'"') => {
                    self.index += 1;
                    match top_level {
                        Some(fields) => {
                            let text = self.decoded_string()?;
                            if let Some(last) = fields.last_mut() {
                                last.1 = Scalar::String(text);
                            }
                        }
                        None => self.string(None)?,
                    }
                    false
                }
                Some(bracket @ (b'[' | b'{')) => {
                    self.index += 1;
                    open.push(bracket);
                    true
                }
                Some(_) => return Err(self.error_ahead(EXPECTED_VALUE)),
            };
            // After a value, a comma or closing brackets; after an opening bracket, a closing
            // one or the first element.
            let mut accept_comma = !opened;
            loop {
                let Some(&bracket) = open.last() else {
                    return Ok(());
                };
                let (eof, comma_or_end) = if bracket == b'[' {
                    (EOF_WHILE_PARSING_LIST, EXPECTED_LIST_COMMA_OR_END)
                } else {
                    (EOF_WHILE_PARSING_OBJECT, EXPECTED_OBJECT_COMMA_OR_END)
                };
                match self.skip_whitespace() {
                    Some(b',') if accept_comma => {
                        self.index += 1;
                        break;
                    }
                    Some(b']') if bracket == b'[' => {}
                    Some(b'}') if bracket == b'{' => {}
                    Some(_) if accept_comma => return Err(self.error_ahead(comma_or_end)),
                    Some(_) => break,
                    None => return Err(self.error_ahead(eof)),
                }
                self.index += 1;
                open.pop();
                accept_comma = true;
            }
            if open.last() == Some(&b'{') {
                match self.skip_whitespace() {
                    Some(b'"') => self.index += 1,
                    Some(_) => return Err(self.error_ahead(KEY_MUST_BE_A_STRING)),
                    None => return Err(self.error_ahead(EOF_WHILE_PARSING_OBJECT)),
                }
                match fields.as_deref_mut().filter(|_| open.len() == 1) {
                    Some(fields) => {
                        let key = self.decoded_string()?;
                        // One entry per key (the last value wins) and a bounded number of
                        // short keys: a hostile body of a million keys costs no memory.
                        keep = true;
                        match fields.iter().position(|(k, _)| *k == key) {
                            Some(at) => {
                                let (key, _) = fields.remove(at);
                                fields.push((key, Scalar::Other));
                            }
                            None if fields.len() < MAX_FIELDS && key.len() <= MAX_KEY => {
                                fields.push((key, Scalar::Other));
                            }
                            None => keep = false,
                        }
                    }
                    None => self.string(None)?,
                }
                match self.skip_whitespace() {
                    Some(b':') => self.index += 1,
                    Some(_) => return Err(self.error_ahead(EXPECTED_COLON)),
                    None => return Err(self.error_ahead(EOF_WHILE_PARSING_OBJECT)),
                }
            }
        }
    }

    /// Scans `literal` (`null`, `true` or `false`), whose first byte has been peeked at.
    fn ident(&mut self, literal: &[u8]) -> Result<(), JsonError> {
        self.index += 1;
        for &expected in &literal[1..] {
            match self.next() {
                None => return Err(self.error_here(EOF_WHILE_PARSING_VALUE)),
                Some(byte) if byte != expected => return Err(self.error_here(EXPECTED_IDENT)),
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Scans a number (RFC 8259 section 6) after its minus sign, if any; true when it is an
    /// integer (no fraction, no exponent).
    fn number(&mut self) -> Result<bool, JsonError> {
        match self.next() {
            Some(b'0') => {
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.error_ahead(INVALID_NUMBER));
                }
            }
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return Err(self.error_here(INVALID_NUMBER)),
        }
        let mut integral = true;
        if self.peek() == Some(b'.') {
            self.index += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error_ahead(INVALID_NUMBER));
            }
            self.skip_digits();
            integral = false;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.index += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.index += 1;
            }
            match self.next() {
                Some(b'0'..=b'9') => self.skip_digits(),
                _ => return Err(self.error_here(INVALID_NUMBER)),
            }
            integral = false;
        }
        Ok(integral)
    }

    fn skip_digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.index += 1;
        }
    }

    /// Scans the rest of a string (RFC 8259 section 7) after its opening quote; with `out`,
    /// decodes it there, rejecting lone surrogates.
    fn string(&mut self, mut out: Option<&mut Vec<u8>>) -> Result<(), JsonError> {
        loop {
            let rest = &self.bytes[self.index..];
            let run = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(rest.len());
            if let Some(out) = out.as_deref_mut() {
                out.extend_from_slice(&rest[..run]);
            }
            self.index += run;
            match self.peek() {
                None => return Err(self.error_here(EOF_WHILE_PARSING_STRING)),
                Some(b'"') => {
                    self.index += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.index += 1;
                    self.escape(out.as_deref_mut())?;
                }
                Some(_) => return Err(self.error_here(CONTROL_CHARACTER)),
            }
        }
    }

    /// Scans an escape after its backslash, decoding it into `out` if given.
    fn escape(&mut self, out: Option<&mut Vec<u8>>) -> Result<(), JsonError> {
        let byte = match self.next() {
            None => return Err(self.error_here(EOF_WHILE_PARSING_STRING)),
            Some(b'u') => {
                let unit = self.hex()?;
                if let Some(out) = out {
                    let c = self.code_point(unit)?;
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                }
                return Ok(());
            }
            Some(b'b') => 0x08,
            Some(b'f') => 0x0c,
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            Some(byte @ (b'"' | b'\\' | b'/')) => byte,
            Some(_) => return Err(self.error_here(INVALID_ESCAPE)),
        };
        if let Some(out) = out {
            out.push(byte);
        }
        Ok(())
    }

    /// The four hex digits of a `\u` escape.
    fn hex(&mut self) -> Result<u32, JsonError> {
        let Some(digits) = self.bytes.get(self.index..self.index + 4) else {
            self.index = self.bytes.len();
            return Err(self.error_here(EOF_WHILE_PARSING_STRING));
        };
        self.index += 4;
        let mut unit = 0;
        for &digit in digits {
            match char::from(digit).to_digit(16) {
                Some(value) => unit = unit << 4 | value,
                None => return Err(self.error_here(INVALID_ESCAPE)),
            }
        }
        Ok(unit)
    }

    /// The character of the UTF-16 code unit `unit`, reading the low surrogate of a pair.
    fn code_point(&mut self, unit: u32) -> Result<char, JsonError> {
        let code = if (0xD800..0xDC00).contains(&unit) {
            let low = match (self.next(), self.next()) {
                (Some(b'\\'), Some(b'u')) => self.hex()?,
                _ => 0,
            };
            if !(0xDC00..0xE000).contains(&low) {
                return Err(self.error_here(NOT_A_STRING));
            }
            0x1_0000 + ((unit - 0xD800) << 10 | (low - 0xDC00))
        } else {
            unit
        };
        // A low surrogate without a high one is not a character.
        char::from_u32(code).ok_or_else(|| self.error_here(NOT_A_STRING))
    }

    /// Decodes the rest of a string after its opening quote.
    fn decoded_string(&mut self) -> Result<String, JsonError> {
        let mut out = Vec::new();
        self.string(Some(&mut out))?;
        String::from_utf8(out).map_err(|_| self.error_here(NOT_A_STRING))
    }
}

#[cfg(test)]
mod differential;

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> (String, usize, usize) {
        let e = check(text).unwrap_err();
        (e.to_string(), e.line(), e.column())
    }

    #[test]
    fn accepts_every_kind_of_value() {
        for text in [
            "null",
            " true ",
            "false\n",
            "0",
            "-0",
            "-12.5e+3",
            "1E-7",
            "1e400",
            r#""a \"q\" \\ \/ \b\f\n\r\t \u00e9 \uD83D\uDE80 é""#,
            r#""\uD800""#,
            "[]",
            "{}",
            " [ 1 , { \"a\" : [ ] , \"b\" : { } } , \"\" ] ",
        ] {
            assert_eq!(check(text), Ok(()), "{text}");
        }
    }

    #[test]
    fn rejects_with_serde_json_message_and_position() {
        let cases: [(&str, &str, usize, usize); 22] = [
            ("", EOF_WHILE_PARSING_VALUE, 1, 0),
            ("  ", EOF_WHILE_PARSING_VALUE, 1, 2),
            ("{\n  \"a\": 1,\n  \"b\": }", EXPECTED_VALUE, 3, 8),
            ("{} {}", TRAILING_CHARACTERS, 1, 4),
            ("{oops}", KEY_MUST_BE_A_STRING, 1, 2),
            ("[1,]", EXPECTED_VALUE, 1, 4),
            ("{\"a\":1,}", KEY_MUST_BE_A_STRING, 1, 8),
            ("[1 2]", EXPECTED_LIST_COMMA_OR_END, 1, 4),
            ("{\"a\" 1}", EXPECTED_COLON, 1, 6),
            ("{\"a\":1 \"b\"}", EXPECTED_OBJECT_COMMA_OR_END, 1, 8),
            ("[", EOF_WHILE_PARSING_LIST, 1, 1),
            ("{\"a\":1", EOF_WHILE_PARSING_OBJECT, 1, 6),
            ("\"abc", EOF_WHILE_PARSING_STRING, 1, 4),
            ("\"a\u{1}\"", CONTROL_CHARACTER, 1, 2),
            ("\"\\x\"", INVALID_ESCAPE, 1, 3),
            ("\"\\u12x4\"", INVALID_ESCAPE, 1, 7),
            ("\"\\u12\"", EOF_WHILE_PARSING_STRING, 1, 6),
            ("tru", EOF_WHILE_PARSING_VALUE, 1, 3),
            ("nul ", EXPECTED_IDENT, 1, 4),
            ("01", INVALID_NUMBER, 1, 2),
            ("1.e", INVALID_NUMBER, 1, 3),
            ("-", INVALID_NUMBER, 1, 1),
        ];
        for (text, message, line, column) in cases {
            assert_eq!(error(text), (message.to_owned(), line, column), "{text:?}");
        }
    }

    #[test]
    fn nesting_is_not_limited_and_uses_no_stack() {
        let deep = "[{\"a\":".repeat(200_000) + "0" + &"}]".repeat(200_000);
        assert_eq!(check(&deep), Ok(()));
        assert_eq!(
            error(&deep[..deep.len() - 1]),
            (EOF_WHILE_PARSING_LIST.to_owned(), 1, deep.len() - 1)
        );
    }

    #[test]
    fn reads_strings_and_integers_and_ignores_the_rest() {
        let body = br#"{"message":"a \"quoted\" \u00e9 \ud83d\ude80","Timeout":30,"n":2.5e3,"o":{"x":[1]},"t":true}"#;
        let f = Fields::of(body);
        assert_eq!(
            f.string(&["missing", "message"]).as_deref(),
            Some("a \"quoted\" é 🚀")
        );
        assert_eq!(f.u64("Timeout"), Some(30));
        assert_eq!(f.u64("n"), None);
        assert_eq!(f.string(&["o", "t"]), None);
        assert_eq!(
            Fields::of(br#" {"big":18446744073709551616,"neg":-1} "#).u64("big"),
            None
        );
        assert_eq!(Fields::of(br#"{"a":1,"a":2}"#).u64("a"), Some(2));
        // The last value wins, even when it is not a string or an integer.
        assert_eq!(Fields::of(br#"{"a":"x","a":[1]}"#).string(&["a"]), None);
        for not_an_object in [
            &b"[1]"[..],
            b"nope",
            b"\xff\xfe",
            b"",
            b"{\"a\":",
            b"{\"a\":\"x\"} x",
            b"{\"a\":\"\\ud800\"}",
            b"{\"a\":\"\xff\"}",
        ] {
            assert_eq!(Fields::of(not_an_object).string(&["a"]), None);
        }
        // Nested strings are skipped like serde_json's `IgnoredAny` skips them.
        assert_eq!(
            Fields::of(b"{\"o\":[\"\\ud800\"],\"a\":\"x\"}")
                .string(&["a"])
                .as_deref(),
            Some("x")
        );
        assert_eq!(show_char(' '), "' '");
    }

    #[test]
    fn a_hostile_object_costs_no_memory_beyond_its_distinct_short_keys() {
        // A million repeats of one key: one entry.
        let repeated = format!("{{{}\"message\":\"last\"}}", "\"\":0,".repeat(1_000_000));
        let f = Fields::of(repeated.as_bytes());
        assert_eq!(f.0.len(), 2);
        assert_eq!(f.string(&["message"]).as_deref(), Some("last"));
        // Many distinct keys: at most MAX_FIELDS kept, and later known keys still read when
        // they came early.
        let mut many = String::from("{\"message\":\"first\"");
        for i in 0..10_000 {
            many.push_str(&format!(",\"k{i}\":{i}"));
        }
        many.push_str(",\"Timeout\":7}");
        let f = Fields::of(many.as_bytes());
        assert_eq!(f.0.len(), MAX_FIELDS);
        assert_eq!(f.string(&["message"]).as_deref(), Some("first"));
        assert_eq!(f.u64("Timeout"), None, "beyond the cap, not read");
        assert_eq!(f.u64("k3"), Some(3));
        assert_eq!(show_char('\n'), "U+000A");
    }

    #[test]
    fn json_strings_escape_quotes_backslashes_and_controls() {
        assert_eq!(json_string("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\u0001é\"");
    }
}
