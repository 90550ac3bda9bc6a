//! Bindings to the runtime's globals and to the one JavaScript module of the package (`js/error.js`).
//! Globals are looked up when called, so a polyfill or test double installed after import is used;
//! `window` is never involved (Node, Deno and Workers have none).

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use web_sys::RequestInit;

#[wasm_bindgen]
extern "C" {
    /// The runtime's global `fetch(url, init)`.
    #[wasm_bindgen(catch, js_name = fetch)]
    pub fn global_fetch(url: &str, init: &RequestInit) -> Result<Promise, JsValue>;

    /// `setTimeout(handler, ms)`: a number, or Node's `Timeout` object.
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(handler: &Function, ms: f64) -> JsValue;

    /// `clearTimeout(handle)`.
    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(handle: &JsValue);

    /// A response body: a `ReadableStream` from the runtime's fetch, or whatever a custom fetch's
    /// response carries. Its methods are bound with `catch`, so an odd body is an error value, not a
    /// JavaScript exception through wasm.
    pub type BodyStream;

    /// What a fetch resolved to: a `Response`, or whatever a custom fetch returned (`catch`, as
    /// above).
    pub type FetchedResponse;

    /// A response's `headers`: a `Headers`, or whatever a custom fetch's response carries (`catch`,
    /// as above).
    pub type FetchedHeaders;

    /// `headers.get(name)`, the name passed as the JavaScript string it already is: the value, or
    /// `null`. (web-sys's `Headers::get` takes and returns Rust strings, which are copied across on
    /// every call; a header is only tested for presence or parsed here.)
    #[wasm_bindgen(method, catch)]
    pub fn get(this: &FetchedHeaders, name: &JsValue) -> Result<JsValue, JsValue>;

    /// `response.arrayBuffer()`.
    #[wasm_bindgen(method, catch, js_name = arrayBuffer)]
    pub fn array_buffer(this: &FetchedResponse) -> Result<Promise, JsValue>;

    /// `body.getReader()`.
    #[wasm_bindgen(method, catch, js_name = getReader)]
    pub fn get_reader(this: &BodyStream) -> Result<BodyReader, JsValue>;

    /// A reader of a [`BodyStream`].
    pub type BodyReader;

    /// `reader.read()`.
    #[wasm_bindgen(method, catch)]
    pub fn read(this: &BodyReader) -> Result<Promise, JsValue>;

    /// `reader.cancel()`.
    #[wasm_bindgen(method, catch)]
    pub fn cancel(this: &BodyReader) -> Result<Promise, JsValue>;
}

#[wasm_bindgen(module = "/js/error.js")]
extern "C" {
    /// The package's error class.
    #[wasm_bindgen(js_name = AltPayOAuthError)]
    pub type AltPayOAuthError;

    /// `new AltPayOAuthError(code, message, init)`.
    #[wasm_bindgen(constructor, js_class = AltPayOAuthError)]
    pub fn new(code: &str, message: &str, init: &JsValue) -> AltPayOAuthError;
}
