//! The strict JSON parser on arbitrary bytes, checked against serde_json as an oracle.
//!
//! - no panic, no stack overflow (depth is capped at 32 before recursing);
//! - `parse` and serde_json agree on acceptance, except for the documented differences: a leading
//!   UTF-8 BOM (accepted here), nesting deeper than 32 (rejected here), numbers out of the f64 range
//!   (an infinity here, an error in serde_json);
//! - accepted documents give the same value: strings and keys exactly, numbers within 1e-14
//!   relative, the last member of a duplicated key equal to serde_json's (which keeps the last);
//! - an error offset never points past the end of the input;
//! - `parse_number` agrees with `parse` on the bytes when they are one number.
#![no_main]

use altpay_oauth::json::{parse, parse_number, Value, MAX_DEPTH};
use libfuzzer_sys::fuzz_target;

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(m) => 1 + m.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

fn has_infinity(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_infinite(),
        Value::Array(items) => items.iter().any(has_infinity),
        Value::Object(m) => m.iter().any(|(_, v)| has_infinity(v)),
        _ => false,
    }
}

fn close(a: f64, b: f64) -> bool {
    a == b || ((a - b) / b).abs() < 1e-14 || (a - b).abs() <= f64::MIN_POSITIVE * 4.0
}

fn same(ours: &Value, theirs: &serde_json::Value) -> bool {
    use serde_json::Value as S;
    match (ours, theirs) {
        (Value::Null, S::Null) => true,
        (Value::Bool(a), S::Bool(b)) => a == b,
        (Value::Number(a), S::Number(b)) => b.as_f64().is_some_and(|b| close(*a, b)),
        (Value::String(a), S::String(b)) => a == b,
        (Value::Array(a), S::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Object(a), S::Object(b)) => {
            // serde_json keeps the last of duplicated keys.
            let mut keys: Vec<&String> = a.iter().map(|(k, _)| k).collect();
            keys.sort();
            keys.dedup();
            keys.len() == b.len()
                && keys.iter().all(|k| {
                    let last = a.iter().rev().find(|(k2, _)| k2 == *k).map(|(_, v)| v);
                    match (last, b.get(k.as_str())) {
                        (Some(x), Some(y)) => same(x, y),
                        _ => false,
                    }
                })
        }
        _ => false,
    }
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
    if let Ok(v) = &ours {
        assert!(depth(v) <= MAX_DEPTH);
    }
    let serde_input = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let theirs: Result<serde_json::Value, _> = serde_json::from_slice(serde_input);
    match (&ours, &theirs) {
        (Ok(v), Ok(s)) => assert!(same(v, s), "values differ: {v:?} vs {s:?}"),
        (Ok(v), Err(e)) => assert!(
            has_infinity(v),
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
                Ok(Value::Number(m)) => assert_eq!(n.to_bits(), m.to_bits()),
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
