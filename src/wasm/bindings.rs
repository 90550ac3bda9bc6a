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

    /// Hand the module's [`Judge`](super::transport::Judge) to `drive` (once per instance).
    #[wasm_bindgen(js_name = setJudge)]
    pub fn set_judge(judge: JsValue);

    /// Start the request for an options object validated before and unchanged since (its plan
    /// remembered by `remember`), or `undefined`.
    #[wasm_bindgen(js_name = driveRemembered)]
    pub fn drive_remembered(options: &JsValue) -> JsValue;

    /// Remember the validated request of `options` (made of `values`, from `read_options`) and
    /// return it as the plan `drive` takes. The strings cross once per options object.
    #[wasm_bindgen(js_name = remember)]
    #[allow(clippy::too_many_arguments)]
    pub fn remember(
        options: &JsValue,
        values: &JsValue,
        url: &str,
        authorization: &str,
        secret: &str,
        timeout_ms: u32,
        retries: u32,
    ) -> JsValue;

    /// Run a token request with a plan from `remember`: attempt (with `fetch`, or the global one
    /// when `undefined`, under the caller's `signal`), judge, sleep, until a token or a final error.
    #[wasm_bindgen(js_name = drive)]
    pub fn drive(plan: &JsValue, fetch: &JsValue, signal: &JsValue) -> Promise;

    /// All option values in one crossing (an array in `OPTION_KEYS` order), or the name of the key
    /// whose getter threw.
    #[wasm_bindgen(js_name = readOptions)]
    pub fn read_options(options: &JsValue) -> JsValue;
}
