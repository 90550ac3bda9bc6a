//! Reading an options object (and a token read back from a store): each known key read once
//! (getters and inherited values included, a throwing getter or proxy trap an `invalid_config`
//! error), the data values deserialized with serde-wasm-bindgen into the core's serde types
//! ([`RawOptions`], [`crate::body::StoredToken`]), the JavaScript handles (`fetch`, `signal`,
//! `store`, ...) kept as the JavaScript values they are. What is validated is exactly what is used
//! afterwards: nothing is read twice.

use js_sys::{Function, Reflect};
use serde::de::value::MapDeserializer;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

use super::names::js_name;
use crate::error::Error;
use crate::options::{self, RawOptions, DATA_KEYS, REQUEST_KEYS};

/// Why [`read_fields`] stopped.
pub enum ReadError {
    /// Reading this key threw.
    Threw(&'static str),
    /// This key holds an object, function, symbol or bigint where a string, number, boolean or
    /// `null` belongs.
    NotData(&'static str),
    /// serde refused the values (a type the target cannot hold).
    Unreadable,
}

/// `object[key]`, read once: a throwing getter or proxy trap is [`ReadError::Threw`].
fn get(object: &JsValue, key: &'static str) -> Result<JsValue, ReadError> {
    Reflect::get(object, &js_name(key)).map_err(|_| ReadError::Threw(key))
}

/// Whether `value` is a string, number, boolean or `null` (checked in the order options are most
/// often given).
fn is_data(value: &JsValue) -> bool {
    value.is_string() || value.as_f64().is_some() || value.as_bool().is_some() || value.is_null()
}

/// Read `keys` of `object`, each once (`undefined` is absent), and deserialize them into `T`:
/// serde's `MapDeserializer` hands serde-wasm-bindgen the values under their keys, so no copy of the
/// object is made.
pub fn read_fields<T: DeserializeOwned>(
    object: &JsValue,
    keys: &[&'static str],
) -> Result<T, ReadError> {
    let mut fields = Vec::with_capacity(keys.len());
    for &key in keys {
        let value = get(object, key)?;
        if value.is_undefined() {
            continue;
        }
        if !is_data(&value) {
            return Err(ReadError::NotData(key));
        }
        fields.push((key, serde_wasm_bindgen::Deserializer::from(value)));
    }
    T::deserialize(MapDeserializer::<_, serde_wasm_bindgen::Error>::new(
        fields.into_iter(),
    ))
    .map_err(|_| ReadError::Unreadable)
}

/// The data options of a token request (see [`RawOptions`]).
pub fn read(options: &JsValue) -> Result<RawOptions, Error> {
    read_keys(options, REQUEST_KEYS)
}

/// The data options of a `TokenClient` (all of [`DATA_KEYS`]).
pub fn read_client(options: &JsValue) -> Result<RawOptions, Error> {
    read_keys(options, &DATA_KEYS)
}

fn read_keys(options: &JsValue, keys: &[&'static str]) -> Result<RawOptions, Error> {
    if !options.is_object() {
        return Err(options::not_an_object());
    }
    read_fields(options, keys).map_err(|e| match e {
        ReadError::Threw(key) => options::read_failed(key),
        ReadError::NotData(key) => options::wrong_type(key),
        ReadError::Unreadable => Error::config("options could not be read"),
    })
}

/// The JavaScript option `key` of `options`, read once, as it is (`undefined` when absent).
pub fn handle(options: &JsValue, key: &'static str) -> Result<JsValue, Error> {
    get(options, key).map_err(|_| options::read_failed(key))
}

/// The `fetch` option: absent (the global one) or a function.
pub fn fetch(options: &JsValue) -> Result<Option<Function>, Error> {
    let value = handle(options, "fetch")?;
    if value.is_undefined() {
        Ok(None)
    } else {
        value
            .dyn_into::<Function>()
            .map(Some)
            .map_err(|_| Error::config("fetch must be a function"))
    }
}

/// An optional function option (`onStoreError`, `onFleetEvent`).
pub fn hook(options: &JsValue, key: &'static str) -> Result<Option<Function>, Error> {
    let value = handle(options, key)?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .dyn_into::<Function>()
        .map(Some)
        .map_err(|_| Error::config(format!("{key} must be a function")))
}

/// An optional AbortSignal argument: absent (`undefined` or `null`) or an AbortSignal (any object
/// with `addEventListener`, whatever realm it comes from).
pub fn signal(value: &JsValue) -> Result<Option<AbortSignal>, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let listens = value.is_object()
        && Reflect::get(value, &js_name("addEventListener")).is_ok_and(|f| f.is_function());
    if listens {
        Ok(Some(value.clone().unchecked_into()))
    } else {
        Err(Error::config("signal must be an AbortSignal"))
    }
}
