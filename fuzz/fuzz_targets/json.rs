//! The strict JSON parser on arbitrary bytes, checked against serde_json as an oracle.
//!
//! - no panic, no stack overflow (the parser does not recurse; depth is capped at 32);
//! - `parse` and serde_json agree on acceptance, except for the documented differences: a leading
//!   UTF-8 BOM (accepted here), nesting deeper than 32 (rejected here), numbers out of the f64 range
//!   (an infinity here, an error in serde_json);
//! - accepted documents give the same top-level value (what `parse` keeps): scalars exactly (numbers
//!   within 1e-14 relative), arrays and objects by kind, and for a top-level object every member in
//!   document order, the last member of a duplicated key equal to serde_json's (which keeps the last);
//! - an error offset never points past the end of the input;
//! - `parse_number` agrees with `parse` on the bytes when they are one number.
#![no_main]

use altpay_oauth::json::{parse, parse_number, Value, MAX_DEPTH};
use libfuzzer_sys::fuzz_target;

fn depth(v: &serde_json::Value) -> usize {
    use serde_json::Value as S;
    match v {
        S::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        S::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn close(a: f64, b: f64) -> bool {
    a == b || ((a - b) / b).abs() < 1e-14 || (a - b).abs() <= f64::MIN_POSITIVE * 4.0
}

/// `ours` (a kept value: containers by kind) matches serde_json's.
fn same(ours: &Value, theirs: &serde_json::Value) -> bool {
    use serde_json::Value as S;
    match (ours, theirs) {
        (Value::Null, S::Null) => true,
        (Value::Bool(a), S::Bool(b)) => a == b,
        (Value::Number(a), S::Number(b)) => b.as_f64().is_some_and(|b| close(*a, b)),
        (Value::String(a), S::String(b)) => a == b,
        (Value::Array, S::Array(_)) | (Value::Object, S::Object(_)) => true,
        _ => false,
    }
}

/// The members of a top-level object match serde_json's (which keeps the last of duplicated keys).
fn same_members(
    ours: &[(String, Value)],
    theirs: &serde_json::Map<String, serde_json::Value>,
) -> bool {
    let mut keys: Vec<&String> = ours.iter().map(|(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    keys.len() == theirs.len()
        && keys.iter().all(|k| {
            let last = ours.iter().rev().find(|(k2, _)| k2 == *k).map(|(_, v)| v);
            match (last, theirs.get(k.as_str())) {
                (Some(x), Some(y)) => same(x, y),
                _ => false,
            }
        })
}

/// Whether the (accepted, so valid) JSON text has a number literal out of the f64 range, at any depth:
/// the number tokens outside strings, read by the standard library.
fn has_infinity(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    let mut in_string = false;
    let mut escaped = false;
    let mut token = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c.is_ascii_digit() || "-+.eE".contains(c) {
            token.push(c);
        } else {
            if token.parse::<f64>().is_ok_and(f64::is_infinite) {
                return true;
            }
            token.clear();
            in_string = c == '"';
        }
    }
    false
}

fuzz_target!(|data: &[u8]| {
    let ours = parse(data);
    if let Err(e) = &ours {
        assert!(
            e.offset <= data.len(),
            "offset {} past {}",
            e.offset,
            data.len()
        );
    }
    let serde_input = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let theirs: Result<serde_json::Value, _> = serde_json::from_slice(serde_input);
    match (&ours, &theirs) {
        (Ok(v), Ok(s)) => {
            assert!(depth(s) <= MAX_DEPTH, "accepted deeper than {MAX_DEPTH}");
            assert!(same(&v.root, s), "values differ: {v:?} vs {s:?}");
            match s {
                serde_json::Value::Object(m) => {
                    assert!(
                        same_members(&v.members, m),
                        "members differ: {v:?} vs {s:?}"
                    )
                }
                _ => assert!(v.members.is_empty(), "members of a non-object: {v:?}"),
            }
        }
        (Ok(_), Err(e)) => assert!(
            has_infinity(data),
            "we accept what serde_json rejects ({e}): {:?}",
            String::from_utf8_lossy(data)
        ),
        (Err(e), Ok(s)) => {
            let too_deep = e.message == "nesting too deep";
            assert!(
                too_deep,
                "we reject ({e}) what serde_json accepts: {:?} -> {s:?}",
                String::from_utf8_lossy(data)
            );
        }
        (Err(_), Err(_)) => {}
    }
    if let Ok(text) = core::str::from_utf8(data) {
        if let Some(n) = parse_number(text) {
            match &ours {
                Ok(doc) if matches!(doc.root, Value::Number(m) if m.to_bits() == n.to_bits()) => {}
                other => panic!("parse_number accepts {text:?} but parse gives {other:?}"),
            }
            // The fast path is exact: compare with the standard library there.
            if let Ok(std) = text.parse::<f64>() {
                assert!(
                    close(n, std) || (n.is_infinite() && std.is_infinite()),
                    "{text}: {n} vs {std}"
                );
            }
        }
    }
});
