//! JavaScript strings for the fixed names the request path sends on every call (option and
//! property keys, header names, the form body), made once per instance instead of being copied out
//! of wasm memory and decoded from UTF-8 on every call. Keyed by the literal's address and length,
//! as serde-wasm-bindgen caches struct field names. Never used for a credential.

use std::cell::RefCell;

use wasm_bindgen::JsValue;

thread_local! {
    static NAMES: RefCell<Vec<((usize, usize), JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// `name` as a JavaScript string (made on first use, then reused).
pub fn js_name(name: &'static str) -> JsValue {
    let key = (name.as_ptr() as usize, name.len());
    NAMES.with(|names| {
        if let Some((_, value)) = names.borrow().iter().find(|(k, _)| *k == key) {
            return value.clone();
        }
        let value = JsValue::from_str(name);
        names.borrow_mut().push((key, value.clone()));
        value
    })
}
