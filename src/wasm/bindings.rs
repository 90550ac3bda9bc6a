//! Raw bindings to `js/glue.js`: the object builders and the IO primitives the wasm layer drives.
//! The global `fetch` is called there (resolved at call time, so a polyfill or test double installed
//! after import is honoured; never `window.fetch`, which Node and Workers do not have). None of
//! these functions throw or reject: failures come back as values, so no JavaScript exception ever
//! unwinds through wasm.

#[allow(unused_imports)]
use crate::prelude::*;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/glue.js")]
extern "C" {
    /// Build an `AltPayOAuthError` (details flattened as `[k, v, k, v, ...]`).
    #[wasm_bindgen(js_name = makeError)]
    pub fn make_error(
        code: &str,
        message: &str,
        status: Option<u16>,
        details: Option<js_sys::Array>,
        retry_after: Option<f64>,
    ) -> JsValue;

    /// Build the frozen `AccessToken` object.
    #[wasm_bindgen(js_name = makeToken)]
    pub fn make_token(
        access_token: &str,
        token_type: &str,
        expires_in: f64,
        expires_at: f64,
        scope: Option<String>,
    ) -> JsValue;

    /// One attempt of the token request under its own abort guard (timer + caller's signal),
    /// covering the body read; resolves to a tagged array (see `js/glue.js`).
    #[wasm_bindgen(js_name = attempt)]
    #[allow(clippy::too_many_arguments)]
    pub fn attempt(
        fetch: &JsValue,
        url: &str,
        method: &str,
        authorization: &str,
        content_type: &str,
        accept: &str,
        body: &str,
        timeout_ms: f64,
        signal: &JsValue,
        max_bytes: f64,
    ) -> Promise;

    /// Run a token request: loop `run.send` / `run.judge` / sleep until a token or a final error.
    #[wasm_bindgen(js_name = drive)]
    pub fn drive(run: JsValue, fetch: &JsValue, signal: &JsValue) -> Promise;

    /// All option values in one crossing (an array in `OPTION_KEYS` order), or the name of the key
    /// whose getter threw.
    #[wasm_bindgen(js_name = readOptions)]
    pub fn read_options(options: &JsValue) -> JsValue;
}
