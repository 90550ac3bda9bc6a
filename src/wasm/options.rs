//! Reading an options object: each known option read once (getters and inherited values included,
//! a throwing getter or proxy trap an `invalid_config` error) into a plain snapshot, which
//! serde-wasm-bindgen deserializes: the data options into the core's [`RawOptions`], the JavaScript
//! handles into [`Handles`]. What is validated is exactly what is used afterwards.

use js_sys::{Function, Object, Reflect};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

use crate::error::Error;
use crate::options::{self, RawOptions, DATA_KEYS, HANDLE_KEYS};

/// The JavaScript values among the options, kept as they are.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Handles {
    /// `fetch`
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    pub fetch: JsValue,
    /// `signal`
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    pub signal: JsValue,
    /// `store`
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    pub store: JsValue,
    /// `onStoreError`
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    pub on_store_error: JsValue,
    /// `onFleetEvent`
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    pub on_fleet_event: JsValue,
}

impl Handles {
    /// `fetch`: absent (the global one) or a function.
    pub fn fetch(&self) -> Result<Option<Function>, Error> {
        if self.fetch.is_undefined() {
            Ok(None)
        } else {
            self.fetch
                .dyn_ref::<Function>()
                .cloned()
                .map(Some)
                .ok_or_else(|| Error::config("fetch must be a function"))
        }
    }

    /// `signal`: absent (`undefined` or `null`) or an AbortSignal (any object with
    /// `addEventListener` and `aborted`, whatever realm it comes from).
    pub fn signal(&self) -> Result<Option<AbortSignal>, Error> {
        signal(&self.signal)
    }
}

/// An optional function option (`onStoreError`, `onFleetEvent`).
pub fn hook(value: &JsValue, name: &str) -> Result<Option<Function>, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .dyn_ref::<Function>()
        .cloned()
        .map(Some)
        .ok_or_else(|| Error::config(format!("{name} must be a function")))
}

/// An optional AbortSignal argument.
pub fn signal(value: &JsValue) -> Result<Option<AbortSignal>, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let listens = value.is_object()
        && Reflect::get(value, &JsValue::from_str("addEventListener"))
            .is_ok_and(|f| f.is_function());
    if listens {
        Ok(Some(value.clone().unchecked_into()))
    } else {
        Err(Error::config("signal must be an AbortSignal"))
    }
}

/// Why [`snapshot`] stopped.
pub enum SnapshotError {
    /// Reading this key threw.
    Threw(&'static str),
    /// This data key holds an object, function, symbol or bigint.
    NotData(&'static str),
}

/// Copy `data` keys (primitives only) and `handles` keys (any value) of `object` into a plain
/// object; `undefined` values are left out.
pub fn snapshot(
    object: &JsValue,
    data: &[&'static str],
    handles: &[&'static str],
) -> Result<Object, SnapshotError> {
    let copy = Object::new();
    for (key, is_data) in data
        .iter()
        .map(|k| (*k, true))
        .chain(handles.iter().map(|k| (*k, false)))
    {
        let name = JsValue::from_str(key);
        let value = Reflect::get(object, &name).map_err(|_| SnapshotError::Threw(key))?;
        if value.is_undefined() {
            continue;
        }
        let primitive = value.is_string()
            || value.as_f64().is_some()
            || value.as_bool().is_some()
            || value.is_null();
        if is_data && !primitive {
            return Err(SnapshotError::NotData(key));
        }
        let _ = Reflect::set(&copy, &name, &value);
    }
    Ok(copy)
}

/// Read `options` once: the data options and the handles.
pub fn read(options: &JsValue) -> Result<(RawOptions, Handles), Error> {
    if !options.is_object() {
        return Err(options::not_an_object());
    }
    let copy = snapshot(options, &DATA_KEYS, &HANDLE_KEYS).map_err(|e| match e {
        SnapshotError::Threw(key) => options::read_failed(key),
        SnapshotError::NotData(key) => options::wrong_type(key),
    })?;
    let unreadable = |_| Error::config("options could not be read");
    let raw: RawOptions =
        serde_wasm_bindgen::from_value(copy.clone().into()).map_err(unreadable)?;
    let handles: Handles = serde_wasm_bindgen::from_value(copy.into()).map_err(unreadable)?;
    Ok((raw, handles))
}
