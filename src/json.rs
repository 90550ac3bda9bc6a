//! A small, strict JSON parser (RFC 8259) for token-endpoint responses.
//!
//! We avoid `serde_json` and `str::parse::<f64>` to keep the `.wasm` small. The parser:
//! - accepts exactly one value with optional surrounding whitespace (space, tab, CR, LF) and an
//!   optional leading UTF-8 byte-order mark; anything after the value is an error;
//! - rejects invalid UTF-8, unescaped control characters in strings, lone surrogates, leading zeros,
//!   `NaN`/`Infinity` and every other extension;
//! - limits nesting to [`MAX_DEPTH`], checked before recursing, so no input can overflow the stack;
//! - keeps object members in document order, duplicates included (the caller decides about them).
//!
//! Numbers are converted with Clinger's fast path (exact mantissa <= 2^53 and a power of ten of at
//! most 22 gives the correctly rounded result); other numbers are approximated within a few ulps,
//! and overflow gives an infinity that callers reject.

#[allow(unused_imports)]
use crate::prelude::*;

use core::fmt;

/// The deepest nesting of arrays and objects that [`parse`] accepts.
pub const MAX_DEPTH: usize = 32;

/// A parsed JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number (may be infinite when the literal overflows `f64`).
    Number(f64),
    /// A string, escapes resolved.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object: members in document order, duplicate keys kept.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The JSON type name, for error messages: `"null"`, `"boolean"`, `"number"`, `"string"`,
    /// `"array"` or `"object"`.
    pub const fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The value of the first member named `key`, if this is an object that has one.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

/// Why and where [`parse`] rejected its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// What is wrong, e.g. `"unexpected character"`.
    pub message: &'static str,
    /// Byte offset in the input (the byte-order mark, if any, counts).
    pub offset: usize,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl core::error::Error for JsonError {}

/// Parse one JSON value from `bytes` (UTF-8, optional BOM, optional surrounding whitespace).
pub fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    let text = core::str::from_utf8(bytes).map_err(|e| JsonError {
        message: "invalid UTF-8",
        offset: e.valid_up_to(),
    })?;
    let start = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let mut parser = Parser {
        text,
        bytes,
        pos: start,
    };
    parser.skip_ws();
    let value = parser.value(0)?;
    parser.skip_ws();
    if parser.pos < bytes.len() {
        return Err(parser.err("unexpected character after the JSON value"));
    }
    Ok(value)
}

/// Parse `s` as exactly one JSON number (strict grammar: no sign `+`, no leading zeros, no `.5`,
/// `1.`, `NaN` or `Infinity`, no whitespace). Overflow gives an infinity.
pub fn parse_number(s: &str) -> Option<f64> {
    let bytes = s.as_bytes();
    match number_at(bytes, 0) {
        Ok((n, end)) if end == bytes.len() => Some(n),
        _ => None,
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, message: &'static str) -> JsonError {
        JsonError {
            message,
            offset: self.pos,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        match self.peek() {
            None => Err(self.err("unexpected end of input")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.literal(b"true", Value::Bool(true)),
            Some(b'f') => self.literal(b"false", Value::Bool(false)),
            Some(b'n') => self.literal(b"null", Value::Null),
            Some(b'-' | b'0'..=b'9') => {
                let (n, end) = number_at(self.bytes, self.pos)?;
                self.pos = end;
                Ok(Value::Number(n))
            }
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    fn literal(&mut self, word: &[u8], value: Value) -> Result<Value, JsonError> {
        let end = self.pos.saturating_add(word.len());
        if self.bytes.get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(value)
        } else {
            Err(self.err("unexpected character"))
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth >= MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                None => return Err(self.err("unexpected end of input")),
                Some(_) => return Err(self.err("expected ',' or ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth >= MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        self.pos += 1; // '{'
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'"') => {}
                None => return Err(self.err("unexpected end of input")),
                Some(_) => return Err(self.err("expected a string key")),
            }
            let key = self.string()?;
            self.skip_ws();
            match self.peek() {
                Some(b':') => self.pos += 1,
                None => return Err(self.err("unexpected end of input")),
                Some(_) => return Err(self.err("expected ':'")),
            }
            self.skip_ws();
            let value = self.value(depth + 1)?;
            members.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(members));
                }
                None => return Err(self.err("unexpected end of input")),
                Some(_) => return Err(self.err("expected ',' or '}'")),
            }
        }
    }

    /// A string starting at the opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1; // '"'
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.pos += 1;
            }
            // The input is valid UTF-8 and the run stops only at ASCII bytes, so this slice is on
            // char boundaries.
            let run = self
                .text
                .get(run_start..self.pos)
                .ok_or_else(|| self.err("invalid UTF-8"))?;
            out.push_str(run);
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => out.push(self.escape()?),
                Some(_) => return Err(self.err("control character in string")),
            }
        }
    }

    /// An escape sequence starting at the backslash.
    fn escape(&mut self) -> Result<char, JsonError> {
        let start = self.pos;
        let c = match self.bytes.get(start + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(),
            None => {
                self.pos = start + 1;
                return Err(self.err("unterminated string"));
            }
            Some(_) => return Err(self.err("invalid escape")),
        };
        self.pos = start + 2;
        Ok(c)
    }

    /// `\uXXXX`, with a following `\uXXXX` low surrogate when the first is a high surrogate.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let start = self.pos;
        let first = self.hex4(start + 2)?;
        let code = match first {
            0xD800..=0xDBFF => {
                let second_start = start + 6;
                let is_escape_u = self.bytes.get(second_start..second_start + 2) == Some(b"\\u");
                if !is_escape_u {
                    return Err(self.err("lone surrogate in \\u escape"));
                }
                let second = self.hex4(second_start + 2)?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.err("lone surrogate in \\u escape"));
                }
                self.pos = second_start + 6;
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.err("lone surrogate in \\u escape")),
            _ => {
                self.pos = start + 6;
                first
            }
        };
        char::from_u32(code).ok_or_else(|| self.err("invalid \\u escape"))
    }

    /// Four hex digits at `at`.
    fn hex4(&self, at: usize) -> Result<u32, JsonError> {
        let mut code = 0u32;
        for i in at..at + 4 {
            let digit = match self.bytes.get(i) {
                Some(b) => char::from(*b).to_digit(16),
                None => {
                    return Err(JsonError {
                        message: "unterminated string",
                        offset: i,
                    })
                }
            };
            match digit {
                Some(d) => code = code * 16 + d,
                None => {
                    return Err(JsonError {
                        message: "invalid \\u escape",
                        offset: i,
                    })
                }
            }
        }
        Ok(code)
    }
}

/// Significant decimal digits kept in the mantissa (10^19 - 1 fits in a `u64`).
const MAX_MANTISSA_DIGITS: u32 = 19;

/// Exact powers of ten, 10^0 ..= 10^22.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Scan and convert a JSON number starting at `start`; returns the value and the end offset.
fn number_at(b: &[u8], start: usize) -> Result<(f64, usize), JsonError> {
    let err = |message, offset| JsonError { message, offset };
    let mut i = start;
    let negative = b.get(i) == Some(&b'-');
    if negative {
        i += 1;
    }
    let mut mantissa: u64 = 0;
    let mut digits: u32 = 0;
    let mut exponent: i64 = 0;
    // Append one digit; false if the mantissa is full and the digit is dropped.
    let mut push = |d: u8| -> bool {
        if digits >= MAX_MANTISSA_DIGITS {
            return false;
        }
        mantissa = mantissa * 10 + u64::from(d - b'0');
        if mantissa != 0 {
            digits += 1;
        }
        true
    };
    match b.get(i) {
        Some(b'0') => {
            i += 1;
            if matches!(b.get(i), Some(b'0'..=b'9')) {
                return Err(err("leading zero in number", i - 1));
            }
        }
        Some(b'1'..=b'9') => {
            while let Some(&d) = b.get(i).filter(|d| d.is_ascii_digit()) {
                if !push(d) {
                    exponent += 1;
                }
                i += 1;
            }
        }
        _ => return Err(err("invalid number", i)),
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let fraction_start = i;
        while let Some(&d) = b.get(i).filter(|d| d.is_ascii_digit()) {
            if push(d) {
                exponent -= 1;
            }
            i += 1;
        }
        if i == fraction_start {
            return Err(err("invalid number: a digit must follow the point", i));
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        let exponent_negative = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let exponent_start = i;
        let mut e: i64 = 0;
        while let Some(&d) = b.get(i).filter(|d| d.is_ascii_digit()) {
            e = (e * 10 + i64::from(d - b'0')).min(1_000_000_000);
            i += 1;
        }
        if i == exponent_start {
            return Err(err("invalid number: a digit must follow the exponent", i));
        }
        exponent += if exponent_negative { -e } else { e };
    }
    let magnitude = to_f64(mantissa, exponent);
    Ok((if negative { -magnitude } else { magnitude }, i))
}

fn pow10(e: i64) -> f64 {
    usize::try_from(e)
        .ok()
        .and_then(|e| POW10.get(e).copied())
        .unwrap_or(f64::INFINITY)
}

/// `mantissa * 10^exponent`, correctly rounded on Clinger's fast path, approximated elsewhere.
fn to_f64(mantissa: u64, exponent: i64) -> f64 {
    const MAX_EXACT: u64 = 1 << 53;
    if mantissa == 0 {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)] // exact when mantissa <= 2^53 (the fast path)
    let m = mantissa as f64;
    if mantissa <= MAX_EXACT && (-22..=22).contains(&exponent) {
        return if exponent >= 0 {
            m * pow10(exponent)
        } else {
            m / pow10(-exponent)
        };
    }
    // mantissa >= 1 and < 10^19: anything past these bounds overflows or underflows for sure.
    if exponent > 310 {
        return f64::INFINITY;
    }
    if exponent < -345 {
        return 0.0;
    }
    let mut v = m;
    let mut e = exponent;
    while e > 22 {
        v *= 1e22;
        e -= 22;
    }
    while e < -22 {
        v /= 1e22;
        e += 22;
    }
    if e >= 0 {
        v * pow10(e)
    } else {
        v / pow10(-e)
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.to_string())
    }

    fn err_of(input: &[u8]) -> JsonError {
        parse(input).unwrap_err()
    }

    #[test]
    fn literals_and_simple_values() {
        assert_eq!(parse(b"null").unwrap(), Value::Null);
        assert_eq!(parse(b"true").unwrap(), Value::Bool(true));
        assert_eq!(parse(b"false").unwrap(), Value::Bool(false));
        assert_eq!(parse(b"\"hi\"").unwrap(), s("hi"));
        assert_eq!(parse(b"[]").unwrap(), Value::Array(vec![]));
        assert_eq!(parse(b"{}").unwrap(), Value::Object(vec![]));
        assert_eq!(
            parse(b"[1, \"a\", null, [true], {\"k\": false}]").unwrap(),
            Value::Array(vec![
                Value::Number(1.0),
                s("a"),
                Value::Null,
                Value::Array(vec![Value::Bool(true)]),
                Value::Object(vec![("k".into(), Value::Bool(false))]),
            ])
        );
    }

    #[test]
    fn bad_literals() {
        for bad in [
            &b"nul"[..],
            b"tru",
            b"True",
            b"NULL",
            b"nan",
            b"NaN",
            b"Infinity",
            b"-Infinity",
            b"undefined",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn whitespace_and_bom() {
        assert_eq!(parse(b" \t\r\n 1 \t\r\n").unwrap(), Value::Number(1.0));
        assert_eq!(
            parse(b"\xEF\xBB\xBF{\"a\":1}").unwrap().get("a"),
            Some(&Value::Number(1.0))
        );
        assert_eq!(parse(b"\xEF\xBB\xBF  true ").unwrap(), Value::Bool(true));
        // Only one BOM, and only at the very start.
        assert!(parse(b" \xEF\xBB\xBFtrue").is_err());
        assert!(parse(b"\xEF\xBB\xBF\xEF\xBB\xBFtrue").is_err());
        // Form feed and vertical tab are not JSON whitespace.
        assert!(parse(b"\x0c1").is_err());
        assert!(parse(b"1\x0b").is_err());
        // Non-breaking space is not JSON whitespace.
        assert!(parse("\u{a0}1".as_bytes()).is_err());
    }

    #[test]
    fn empty_and_truncated_inputs() {
        assert_eq!(
            err_of(b""),
            JsonError {
                message: "unexpected end of input",
                offset: 0
            }
        );
        assert_eq!(err_of(b"   ").offset, 3);
        assert!(parse(b"\xEF\xBB\xBF").is_err());
        let full = br#"{"access_token":"abc","expires_in":3600,"list":[1,2,{"x":"\u00e9"}]}"#;
        for cut in 0..full.len() {
            assert!(parse(&full[..cut]).is_err(), "prefix of {cut} bytes parsed");
        }
        assert!(parse(full).is_ok());
    }

    #[test]
    fn trailing_garbage_is_rejected() {
        let e = err_of(b"{} x");
        assert_eq!(e.message, "unexpected character after the JSON value");
        assert_eq!(e.offset, 3);
        assert!(parse(b"1 2").is_err());
        assert!(parse(b"{}{}").is_err());
        assert!(parse(b"null\0").is_err());
        assert!(parse(b"[1,]").is_err());
        assert!(parse(b"{\"a\":1,}").is_err());
        assert!(parse(b"[,1]").is_err());
        assert!(parse(b"{,}").is_err());
        assert!(parse(b"{\"a\" 1}").is_err());
        assert!(parse(b"{a:1}").is_err());
        assert!(parse(b"{'a':1}").is_err());
        assert!(parse(b"[1 2]").is_err());
    }

    #[test]
    fn error_display_has_message_and_offset() {
        let e = err_of(b"{\"a\":1,\"b\":x}");
        assert_eq!(e.to_string(), "unexpected character at byte 11");
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            parse(br#""a\"b\\c\/d\be\ff\ng\rh\ti""#).unwrap(),
            s("a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti")
        );
        assert_eq!(parse(br#""\u0041\u00e9\u4e2D""#).unwrap(), s("Aé中"));
        assert_eq!(parse(br#""\ud83d\ude00""#).unwrap(), s("😀"));
        assert_eq!(parse(br#""\uD834\uDD1E x""#).unwrap(), s("𝄞 x"));
        assert_eq!(parse(br#""\u0000""#).unwrap(), s("\0"));
        assert_eq!(parse("\"héllo 😀\"".as_bytes()).unwrap(), s("héllo 😀"));
        assert_eq!(parse("\"\u{7f}\"".as_bytes()).unwrap(), s("\u{7f}"));
    }

    #[test]
    fn bad_escapes() {
        for bad in [
            &br#""\x""#[..],
            br#""\u12""#,
            br#""\u12G4""#,
            br#""\U0041""#,
            br#""\'""#,
            br#""\"#,
            br#""\u"#,
            br#""\ud83d""#,
            br#""\ud83d x""#,
            br#""\ud83d\n""#,
            br#""\ud83d\u0041""#,
            br#""\ude00""#,
            br#""\ude00\ud83d""#,
            br#""\ud83d\ud83d""#,
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(
            err_of(br#""\ude00""#).message,
            "lone surrogate in \\u escape"
        );
        assert_eq!(err_of(br#""ab\ud83d""#).offset, 3);
    }

    #[test]
    fn control_characters_in_strings_are_rejected() {
        for c in 0u8..0x20 {
            let input = [b'"', b'a', c, b'"'];
            let e = err_of(&input);
            assert_eq!(e.message, "control character in string", "{c}");
            assert_eq!(e.offset, 2);
        }
        assert!(parse(b"\"unterminated").is_err());
    }

    #[test]
    fn invalid_utf8_is_rejected() {
        assert_eq!(
            err_of(b"\"a\xffb\""),
            JsonError {
                message: "invalid UTF-8",
                offset: 2
            }
        );
        assert!(parse(b"\"\xc3\"").is_err()); // truncated sequence
        assert!(parse(b"\"\xed\xa0\x80\"").is_err()); // encoded surrogate
        assert!(parse(b"\"\xc0\xaf\"").is_err()); // overlong
        assert!(parse(b"{} \xff").is_err());
        assert!(parse(b"\xff").is_err());
        assert!(parse(b"\xEF\xBB").is_err()); // half a BOM
    }

    #[test]
    fn objects_keep_order_and_duplicates() {
        let v = parse(br#"{"b":1,"a":2,"b":3}"#).unwrap();
        assert_eq!(
            v,
            Value::Object(vec![
                ("b".into(), Value::Number(1.0)),
                ("a".into(), Value::Number(2.0)),
                ("b".into(), Value::Number(3.0)),
            ])
        );
        assert_eq!(v.get("b"), Some(&Value::Number(1.0)));
        assert_eq!(v.get("c"), None);
        assert_eq!(
            parse(br#"{"":0}"#).unwrap().get(""),
            Some(&Value::Number(0.0))
        );
    }

    fn nested(depth: usize, open: &str, close: &str) -> String {
        format!("{}{}", open.repeat(depth), close.repeat(depth))
    }

    #[test]
    fn depth_limit() {
        assert!(parse(nested(31, "[", "]").as_bytes()).is_ok());
        assert!(parse(nested(32, "[", "]").as_bytes()).is_ok());
        let e = err_of(nested(33, "[", "]").as_bytes());
        assert_eq!(
            e,
            JsonError {
                message: "nesting too deep",
                offset: 32
            }
        );
        assert!(parse(nested(31, "{\"a\":", "}").replace(":}", ":1}").as_bytes()).is_ok());
        let deep_obj = format!("{}1{}", "{\"a\":".repeat(33), "}".repeat(33));
        assert_eq!(err_of(deep_obj.as_bytes()).message, "nesting too deep");
        let ok_obj = format!("{}1{}", "{\"a\":".repeat(32), "}".repeat(32));
        assert!(parse(ok_obj.as_bytes()).is_ok());
        let mixed = format!("{}{}", "[{\"k\":".repeat(17), "}]".repeat(17));
        assert_eq!(err_of(mixed.as_bytes()).message, "nesting too deep");
    }

    #[test]
    fn ten_megabytes_of_brackets_fail_fast() {
        let started = std::time::Instant::now();
        let open = vec![b'['; 10 * 1024 * 1024];
        assert_eq!(err_of(&open).message, "nesting too deep");
        let braces = "{\"a\":".repeat(2 * 1024 * 1024);
        assert_eq!(err_of(braces.as_bytes()).message, "nesting too deep");
        assert!(started.elapsed().as_secs() < 5);
    }

    #[test]
    fn numbers_parse_exactly_on_the_fast_path() {
        let cases: &[(&str, f64)] = &[
            ("0", 0.0),
            ("-0", -0.0),
            ("3600", 3600.0),
            ("3600.0", 3600.0),
            ("3.6e3", 3600.0),
            ("36E+2", 3600.0),
            ("360000e-2", 3600.0),
            ("0.1", 0.1),
            ("-12.5", -12.5),
            ("1e22", 1e22),
            ("1e-22", 1e-22),
            ("9007199254740992", 9_007_199_254_740_992.0),
            ("0.000001", 0.000_001),
            ("0e999999999999", 0.0),
            ("0.0000000000000000000000000000001e31", 1.0),
            ("123456789012345678", 123_456_789_012_345_678.0),
        ];
        for &(text, want) in cases {
            let got = parse_number(text).unwrap_or_else(|| panic!("{text} rejected"));
            assert_eq!(got.to_bits(), want.to_bits(), "{text}");
            assert_eq!(
                parse(text.as_bytes()).unwrap(),
                Value::Number(want),
                "{text}"
            );
        }
    }

    #[test]
    fn numbers_out_of_range() {
        assert_eq!(parse_number("1e400"), Some(f64::INFINITY));
        assert_eq!(parse_number("-1e400"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_number("1e999999999999999999999"), Some(f64::INFINITY));
        assert_eq!(parse_number("1e-400"), Some(0.0));
        assert_eq!(parse_number("1e-999999999999999999999"), Some(0.0));
        let long = format!("1{}", "0".repeat(400));
        assert_eq!(parse_number(&long), Some(f64::INFINITY));
        let tiny = format!("0.{}1", "0".repeat(400));
        assert_eq!(parse_number(&tiny), Some(0.0));
        let max = parse_number("1.7976931348623157e308").unwrap();
        assert!(max.is_finite() && (max / f64::MAX - 1.0).abs() < 1e-15);
        let approx = parse_number("123456789012345678901234567890").unwrap();
        assert!((approx / 1.234_567_890_123_456_8e29 - 1.0).abs() < 1e-15);
    }

    #[test]
    fn invalid_numbers() {
        for bad in [
            "",
            "-",
            "+1",
            "01",
            "-01",
            "00",
            ".5",
            "1.",
            "1.e5",
            "1e",
            "1e+",
            "1E-",
            "--1",
            "1..2",
            "0x10",
            "1_000",
            " 1",
            "1 ",
            "NaN",
            "Infinity",
            "-Infinity",
            "inf",
            "1e5.0",
            "١",
        ] {
            assert_eq!(parse_number(bad), None, "{bad:?}");
            assert!(
                parse(bad.as_bytes()).is_err() || bad.trim() != bad,
                "{bad:?}"
            );
        }
        assert_eq!(err_of(b"01").message, "leading zero in number");
        assert_eq!(
            err_of(b"[1.]").message,
            "invalid number: a digit must follow the point"
        );
        assert_eq!(
            err_of(b"1e+").message,
            "invalid number: a digit must follow the exponent"
        );
        assert_eq!(err_of(b"-").message, "invalid number");
    }

    #[test]
    fn value_helpers() {
        let v = parse(br#"{"s":"x","n":2,"o":{}}"#).unwrap();
        assert_eq!(v.get("s").and_then(Value::as_str), Some("x"));
        assert_eq!(v.get("n").and_then(Value::as_f64), Some(2.0));
        assert_eq!(v.get("o").map(Value::kind), Some("object"));
        assert_eq!(v.as_object().map(<[_]>::len), Some(3));
        assert_eq!(Value::Null.as_str(), None);
        assert_eq!(Value::Null.get("a"), None);
        let Value::Array(items) = parse(br#"[null,true,1,"",[],{}]"#).unwrap() else {
            panic!("not an array")
        };
        let kinds: Vec<_> = items.iter().map(Value::kind).collect();
        assert_eq!(
            kinds,
            ["null", "boolean", "number", "string", "array", "object"]
        );
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// A JSON string literal for `s`, escaping per `style` (0: minimal, 1: `\u` for non-ASCII,
    /// 2: `\u` for everything).
    fn escape(s: &str, style: u8) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' if style == 0 => out.push_str("\\n"),
                '\t' if style == 0 => out.push_str("\\t"),
                '/' if style == 1 => out.push_str("\\/"),
                c if (c as u32) < 0x20 || style == 2 || (style == 1 && !c.is_ascii()) => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{u:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn json_like_bytes_never_panic(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("{"), Just("}"), Just("["), Just("]"), Just(","), Just(":"), Just("\""),
                    Just("\\"), Just("\\u"), Just("d83d"), Just("1"), Just("-"), Just("."), Just("e"),
                    Just("0"), Just("true"), Just(" "), Just("\u{feff}"), Just("é"), Just("\n"),
                ],
                0..64,
            )
        ) {
            let _ = parse(parts.concat().as_bytes());
            let _ = parse_number(&parts.concat());
        }

        #[test]
        fn strings_round_trip(text in any::<String>(), style in 0u8..3, ws in "[ \t\r\n]{0,3}") {
            let literal = format!("{ws}{}{ws}", escape(&text, style));
            prop_assert_eq!(parse(literal.as_bytes()), Ok(Value::String(text)));
        }

        #[test]
        fn fast_path_numbers_are_correctly_rounded(
            mantissa in 0u64..=(1u64 << 53),
            exp in -22i32..=22,
            negative in any::<bool>(),
        ) {
            let text = format!("{}{mantissa}e{exp}", if negative { "-" } else { "" });
            let want: f64 = text.parse().unwrap();
            prop_assert_eq!(parse_number(&text).map(f64::to_bits), Some(want.to_bits()));
        }

        #[test]
        fn other_numbers_are_close(
            int in "(0|[1-9][0-9]{0,25})",
            frac in proptest::option::of("[0-9]{1,25}"),
            exp in proptest::option::of(-300i32..300),
        ) {
            let mut text = int;
            if let Some(f) = frac { text = format!("{text}.{f}"); }
            if let Some(e) = exp { text = format!("{text}e{e}"); }
            let want: f64 = text.parse().unwrap();
            let got = parse_number(&text).unwrap();
            if want == 0.0 || !want.is_normal() || !got.is_normal() {
                prop_assert!((got - want).abs() <= f64::MIN_POSITIVE * 4.0 || got == want, "{text}: {got} vs {want}");
            } else {
                prop_assert!(((got - want) / want).abs() < 1e-14, "{text}: {got} vs {want}");
            }
        }

        #[test]
        fn shortest_float_representations_parse(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
            for text in [format!("{x:e}"), format!("{x}")] {
                let got = parse_number(&text).unwrap();
                if x == 0.0 || !x.is_normal() {
                    prop_assert!((got - x).abs() <= f64::MIN_POSITIVE * 4.0, "{text}");
                } else {
                    prop_assert!(((got - x) / x).abs() < 1e-14, "{text}: {got} vs {x}");
                }
            }
        }
    }
}
