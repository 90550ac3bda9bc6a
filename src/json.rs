//! A small, strict JSON parser (RFC 8259) for token-endpoint responses.
//!
//! We avoid `serde_json` and `str::parse::<f64>` to keep the `.wasm` small. The parser:
//! - accepts exactly one value with optional surrounding whitespace (space, tab, CR, LF) and an
//!   optional leading UTF-8 byte-order mark; anything after the value is an error;
//! - rejects invalid UTF-8, unescaped control characters in strings, lone surrogates, leading zeros,
//!   `NaN`/`Infinity` and every other extension, at any depth;
//! - limits nesting to [`MAX_DEPTH`]; it does not recurse (an explicit bit stack), so no input can
//!   overflow the stack;
//! - keeps what the token-response checks read: the top-level value, and when it is an object its
//!   members in document order, duplicates included (the caller decides about them). Arrays and
//!   objects below the top level are validated in full but kept only as their kind.
//!
//! Numbers are converted with Clinger's fast path (exact mantissa <= 2^53 and a power of ten of at
//! most 22 gives the correctly rounded result); other numbers are approximated within a few ulps,
//! and overflow gives an infinity that callers reject.

#[allow(unused_imports)]
use crate::prelude::*;

use core::fmt;

/// The deepest nesting of arrays and objects that [`parse`] accepts.
pub const MAX_DEPTH: usize = 32;

/// A JSON value as the token-response checks need it: scalars in full, arrays and objects by kind.
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
    /// An array (its items validated, not kept).
    Array,
    /// An object (for the top-level one, see [`Document::members`]).
    Object,
}

/// A parsed JSON document.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The top-level value.
    pub root: Value,
    /// When `root` is an object: its members in document order, duplicate keys kept (members whose
    /// value is an array or object by kind only). Empty otherwise.
    pub members: Vec<(String, Value)>,
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

const EOF: &str = "unexpected end of input";
const LONE_SURROGATE: &str = "lone surrogate in \\u escape";

/// Parse one JSON document from `bytes` (UTF-8, optional BOM, optional surrounding whitespace).
pub fn parse(bytes: &[u8]) -> Result<Document, JsonError> {
    let text = core::str::from_utf8(bytes).map_err(|e| JsonError {
        message: "invalid UTF-8",
        offset: e.valid_up_to(),
    })?;
    let mut p = Parser {
        bytes,
        text,
        pos: if bytes.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        },
    };
    let mut doc = Document {
        root: Value::Null,
        members: Vec::new(),
    };
    // The containers open around the current position: `depth` of them; bit `d` of `objects` is set
    // when the one at depth `d` is an object. `key` is the key of the current top-level member.
    let mut depth = 0;
    let mut objects = 0u32;
    let mut key = String::new();
    loop {
        // A value starts here.
        p.skip_ws();
        let mut value = match p.peek() {
            Some(open @ (b'[' | b'{')) => {
                if depth >= MAX_DEPTH {
                    return Err(p.err("nesting too deep"));
                }
                let object = open == b'{';
                objects = objects & !(1 << depth) | u32::from(object) << depth;
                depth += 1;
                p.pos += 1;
                p.skip_ws();
                // `]` and `}` are two code points after `[` and `{`.
                if p.peek() != Some(open + 2) {
                    if object {
                        p.key(depth, &mut key)?;
                    }
                    continue;
                }
                p.pos += 1;
                depth -= 1;
                kind(object)
            }
            _ => p.scalar()?,
        };
        // `value` is complete; it sits inside `depth` containers.
        loop {
            if depth == 0 {
                doc.root = value;
                p.skip_ws();
                if p.pos < bytes.len() {
                    return Err(p.err("unexpected character after the JSON value"));
                }
                return Ok(doc);
            }
            if depth == 1 && objects & 1 != 0 {
                doc.members.push((core::mem::take(&mut key), value));
            }
            let object = objects >> (depth - 1) & 1 != 0;
            p.skip_ws();
            match p.peek() {
                Some(b',') => {
                    p.pos += 1;
                    if object {
                        p.skip_ws();
                        p.key(depth, &mut key)?;
                    }
                    break;
                }
                Some(b']') if !object => {}
                Some(b'}') if object => {}
                None => return Err(p.err(EOF)),
                Some(_) if object => return Err(p.err("expected ',' or '}'")),
                Some(_) => return Err(p.err("expected ',' or ']'")),
            }
            p.pos += 1;
            depth -= 1;
            value = kind(object);
        }
    }
}

fn kind(object: bool) -> Value {
    if object {
        Value::Object
    } else {
        Value::Array
    }
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
    bytes: &'a [u8],
    /// The same input as text (it is valid UTF-8: checked first).
    text: &'a str,
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

    /// A value that is not an array or object.
    fn scalar(&mut self) -> Result<Value, JsonError> {
        let (word, value): (&[u8], _) = match self.peek() {
            None => return Err(self.err(EOF)),
            Some(b'"') => return self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => {
                let (n, end) = number_at(self.bytes, self.pos)?;
                self.pos = end;
                return Ok(Value::Number(n));
            }
            Some(b't') => (b"true", Value::Bool(true)),
            Some(b'f') => (b"false", Value::Bool(false)),
            Some(b'n') => (b"null", Value::Null),
            Some(_) => (b"", Value::Null),
        };
        let end = self.pos + word.len();
        if word.is_empty() || self.bytes.get(self.pos..end) != Some(word) {
            return Err(self.err("unexpected character"));
        }
        self.pos = end;
        Ok(value)
    }

    /// An object member's key and the `:` after it (whitespace before it already skipped), the
    /// object being at `depth`: kept in `top` for the top-level object (depth 1).
    fn key(&mut self, depth: usize, top: &mut String) -> Result<(), JsonError> {
        match self.peek() {
            Some(b'"') => {}
            None => return Err(self.err(EOF)),
            Some(_) => return Err(self.err("expected a string key")),
        }
        let key = self.string()?;
        self.skip_ws();
        match self.peek() {
            Some(b':') => self.pos += 1,
            None => return Err(self.err(EOF)),
            Some(_) => return Err(self.err("expected ':'")),
        }
        if depth == 1 {
            *top = key;
        }
        Ok(())
    }

    /// A string starting at the opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1; // '"'
        let mut out = String::new();
        loop {
            // A run up to the next quote, backslash or control character in one go: it ends on an
            // ASCII byte, so on a character boundary of the (valid UTF-8) text.
            let run = self
                .bytes
                .get(self.pos..)
                .unwrap_or_default()
                .iter()
                .position(|b| *b < 0x20 || *b == b'"' || *b == b'\\');
            let end = run.map_or(self.bytes.len(), |n| self.pos + n);
            out.push_str(self.text.get(self.pos..end).unwrap_or_default());
            self.pos = end;
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
            Some(b'u') => return self.unicode_escape(),
            Some(b @ (b'"' | b'\\' | b'/')) => *b,
            Some(b'b') => 8,
            Some(b'f') => 12,
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            None => {
                self.pos = start + 1;
                return Err(self.err("unterminated string"));
            }
            Some(_) => return Err(self.err("invalid escape")),
        };
        self.pos = start + 2;
        Ok(char::from(c))
    }

    /// `\uXXXX`, with a following `\uXXXX` low surrogate when the first is a high surrogate.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let start = self.pos;
        let lone = self.err(LONE_SURROGATE);
        let mut code = self.hex4(start + 2)?;
        let mut end = start + 6;
        if (0xDC00..0xE000).contains(&code) {
            return Err(lone);
        }
        if (0xD800..0xDC00).contains(&code) {
            if self.bytes.get(end..end + 2) != Some(b"\\u") {
                return Err(lone);
            }
            let low = self.hex4(end + 2)?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err(lone);
            }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            end += 6;
        }
        self.pos = end;
        // Never fails: `code` is neither a surrogate nor past U+10FFFF.
        char::from_u32(code).ok_or(lone)
    }

    /// Four hex digits at `at`.
    fn hex4(&self, at: usize) -> Result<u32, JsonError> {
        let mut code = 0u32;
        for offset in at..at + 4 {
            let digit = match self.bytes.get(offset) {
                Some(b) => char::from(*b).to_digit(16),
                None => {
                    return Err(JsonError {
                        message: "unterminated string",
                        offset,
                    })
                }
            };
            match digit {
                Some(d) => code = code * 16 + d,
                None => {
                    return Err(JsonError {
                        message: "invalid \\u escape",
                        offset,
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

    /// The top-level value of `input`.
    fn root(input: &[u8]) -> Value {
        parse(input).unwrap().root
    }

    /// The members of the top-level object `input`.
    fn members(input: &[u8]) -> Vec<(String, Value)> {
        let doc = parse(input).unwrap();
        assert_eq!(doc.root, Value::Object);
        doc.members
    }

    #[test]
    fn literals_and_simple_values() {
        assert_eq!(root(b"null"), Value::Null);
        assert_eq!(root(b"true"), Value::Bool(true));
        assert_eq!(root(b"false"), Value::Bool(false));
        assert_eq!(root(b"\"hi\""), s("hi"));
        assert_eq!(root(b"-2.5"), Value::Number(-2.5));
        let array = parse(b"[1, \"a\", null, [true], {\"k\": false}]").unwrap();
        assert_eq!(array.root, Value::Array);
        assert!(array.members.is_empty(), "only an object has members");
        assert_eq!(root(b"[]"), Value::Array);
        assert!(members(b"{}").is_empty());
        assert_eq!(
            members(b"{\"n\":null,\"b\":true,\"x\":1,\"s\":\"a\",\"a\":[{}],\"o\":{\"k\":[1]}}"),
            vec![
                ("n".into(), Value::Null),
                ("b".into(), Value::Bool(true)),
                ("x".into(), Value::Number(1.0)),
                ("s".into(), s("a")),
                ("a".into(), Value::Array),
                ("o".into(), Value::Object),
            ]
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
        assert_eq!(root(b" \t\r\n 1 \t\r\n"), Value::Number(1.0));
        assert_eq!(
            members(b"\xEF\xBB\xBF{\"a\":1}"),
            vec![("a".into(), Value::Number(1.0))]
        );
        assert_eq!(root(b"\xEF\xBB\xBF  true "), Value::Bool(true));
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
            root(br#""a\"b\\c\/d\be\ff\ng\rh\ti""#),
            s("a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti")
        );
        assert_eq!(root(br#""\u0041\u00e9\u4e2D""#), s("Aé中"));
        assert_eq!(root(br#""\ud83d\ude00""#), s("😀"));
        assert_eq!(root(br#""\uD834\uDD1E x""#), s("𝄞 x"));
        assert_eq!(root(br#""\u0000""#), s("\0"));
        assert_eq!(root("\"héllo 😀\"".as_bytes()), s("héllo 😀"));
        assert_eq!(root("\"\u{7f}\"".as_bytes()), s("\u{7f}"));
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
        assert_eq!(
            members(br#"{"b":1,"a":2,"b":3}"#),
            vec![
                ("b".into(), Value::Number(1.0)),
                ("a".into(), Value::Number(2.0)),
                ("b".into(), Value::Number(3.0)),
            ]
        );
        assert_eq!(
            members(br#"{"":0,"\u0041\n":"\u00e9"}"#),
            vec![("".into(), Value::Number(0.0)), ("A\n".into(), s("é"))]
        );
        // Members of nested objects are validated, not kept; the top-level ones around them are.
        assert_eq!(
            members(br#"{"a":{"x":1,"y":[{"z":{}}]},"b":[[],{}],"c":"d"}"#),
            vec![
                ("a".into(), Value::Object),
                ("b".into(), Value::Array),
                ("c".into(), s("d")),
            ]
        );
        assert!(parse(br#"{"a":{"x":1,"x"}}"#).is_err());
        assert!(parse(br#"[{"a":1},{"b":[1,{"c":"\ud800"}]}]"#).is_err());
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
            assert_eq!(root(text.as_bytes()), Value::Number(want), "{text}");
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
    fn nested_values_are_validated_in_full() {
        for bad in [
            &br#"[[1,]]"#[..],
            br#"{"a":[01]}"#,
            br#"{"a":{"b":tru}}"#,
            br#"[{"a" 1}]"#,
            br#"[{"a":1 "b":2}]"#,
            br#"[["\x"]]"#,
            b"[[\"\x01\"]]",
            b"[[\"\xff\"]]",
            br#"{"a":[1}"#,
            br#"{"a":{"b":1]}"#,
            br#"[[[]]"#,
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(err_of(br#"{"a":[1}"#).message, "expected ',' or ']'");
        assert_eq!(err_of(br#"[{"a":1]"#).message, "expected ',' or '}'");
        assert_eq!(err_of(br#"[{"a":1]"#).offset, 7);
        assert_eq!(
            err_of(br#"{"a":[1,{"b":2},[]],"c":[{"d":[tru]}]}"#).offset,
            31
        );
    }

    #[test]
    fn utf8_check_matches_the_standard_library() {
        for bytes in [
            &b"\"\xf4\x8f\xbf\xbf\""[..], // U+10FFFF
            b"\"\xf4\x90\x80\x80\"",      // past U+10FFFF
            b"\"\xe0\x80\xaf\"",          // overlong
            b"\"\xf0\x8f\xbf\xbf\"",      // overlong
            b"\"\xef\xbf\xbf\"",          // U+FFFF
            b"\"\xf8\x88\x80\x80\x80\"",
            b"\"\x80\"",
            b"\"\xc2\"",
            b"\"\xe2\x82\"",
        ] {
            match std::str::from_utf8(bytes) {
                Ok(text) => assert_eq!(root(bytes), s(&text[1..text.len() - 1])),
                Err(e) => assert_eq!(
                    err_of(bytes),
                    JsonError {
                        message: "invalid UTF-8",
                        offset: e.valid_up_to()
                    }
                ),
            }
        }
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
            prop_assert_eq!(parse(literal.as_bytes()).map(|d| d.root), Ok(Value::String(text)));
        }

        #[test]
        fn utf8_errors_are_where_the_standard_library_finds_them(
            bytes in proptest::collection::vec(prop_oneof![any::<u8>(), 0x80u8..0xC0, 0xC0u8..], 0..32),
        ) {
            // Inside a string, so that valid UTF-8 parses and round-trips.
            let mut input = vec![b'"'];
            input.extend(bytes.iter().filter(|b| **b != b'"' && **b != b'\\' && **b >= 0x20));
            input.push(b'"');
            match std::str::from_utf8(&input) {
                Ok(text) => prop_assert_eq!(
                    parse(&input).map(|d| d.root),
                    Ok(Value::String(text[1..text.len() - 1].to_string()))
                ),
                Err(e) => prop_assert_eq!(
                    parse(&input),
                    Err(JsonError { message: "invalid UTF-8", offset: e.valid_up_to() })
                ),
            }
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
