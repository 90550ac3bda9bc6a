//! Raw bindings: globals (`fetch`, timers, `AbortController`) and the helpers of `js/glue.js`.
//! Every call that user-supplied objects can make throw is marked `catch`, so a JavaScript exception
//! becomes a typed error instead of unwinding through wasm.

use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The runtime's global `fetch`, resolved at call time.
    #[wasm_bindgen(js_name = fetch, catch)]
    pub fn global_fetch(input: &str, init: &Object) -> Result<Promise, JsValue>;

    /// Global `setTimeout`; returns a handle (a number in browsers, an object in Node).
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(handler: &Function, ms: f64) -> JsValue;

    /// Global `clearTimeout`.
    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(handle: &JsValue);

    /// `AbortController`.
    #[derive(Clone)]
    pub type AbortController;
    /// `new AbortController()`.
    #[wasm_bindgen(constructor, catch)]
    pub fn new() -> Result<AbortController, JsValue>;
    /// `controller.signal`.
    #[wasm_bindgen(method, getter)]
    pub fn signal(this: &AbortController) -> AbortSignal;
    /// `controller.abort()`.
    #[wasm_bindgen(method)]
    pub fn abort(this: &AbortController);

    /// An `AbortSignal` (ours, or the caller's, duck-typed).
    #[derive(Clone)]
    pub type AbortSignal;
    /// `signal.aborted`.
    #[wasm_bindgen(method, getter, catch)]
    pub fn aborted(this: &AbortSignal) -> Result<bool, JsValue>;
    /// `signal.addEventListener(type, listener)`.
    #[wasm_bindgen(method, catch, js_name = addEventListener)]
    pub fn add_event_listener(
        this: &AbortSignal,
        kind: &str,
        listener: &Function,
    ) -> Result<(), JsValue>;
    /// `signal.removeEventListener(type, listener)`.
    #[wasm_bindgen(method, catch, js_name = removeEventListener)]
    pub fn remove_event_listener(
        this: &AbortSignal,
        kind: &str,
        listener: &Function,
    ) -> Result<(), JsValue>;

}

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

    /// Read status, `Retry-After` and the body (capped) of a Response; see `js/glue.js`.
    #[wasm_bindgen(js_name = readResponse)]
    pub fn read_response(response: &JsValue, max: f64) -> Promise;

    /// Mark a promise's rejection as handled.
    #[wasm_bindgen(js_name = ignoreRejection)]
    pub fn ignore_rejection(promise: &JsValue);
}
