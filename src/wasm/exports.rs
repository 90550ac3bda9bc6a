//! The exported functions (the public JavaScript API is declared by hand in `pkg-template/*.d.ts`).

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::{drive, drive_remembered, remember, set_judge};
use super::convert::{error_to_js, read_options};
use super::transport::Judge;
use crate::config::validate;
use crate::request::token_request;
use core::sync::atomic::{AtomicBool, Ordering};
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Whether js/glue.js has this instance's [`Judge`] (handed over before the first request).
static JUDGE_HANDED_OVER: AtomicBool = AtomicBool::new(false);

/// `createOAuthToken(options)`: one `POST /oauth/token`, no cache. Resolves to the `AccessToken`,
/// rejects with `AltPayOAuthError` (a config error before anything is sent).
///
/// The options are read, type-checked and validated here the first time an options object is seen;
/// js/glue.js remembers the result for that object, so a later call with the same, unchanged object
/// starts at once (`driveRemembered`).
#[wasm_bindgen(js_name = createOAuthToken, skip_typescript)]
pub fn create_oauth_token(options: JsValue) -> Promise {
    if !JUDGE_HANDED_OVER.swap(true, Ordering::Relaxed) {
        set_judge(Judge.into());
    }
    let started = drive_remembered(&options);
    if !started.is_undefined() {
        return started.unchecked_into();
    }
    let checked = read_options(&options).and_then(|js| {
        let signal = js.signal()?;
        Ok((validate(&js.core)?, js, signal))
    });
    let (config, js, signal) = match checked {
        Ok(checked) => checked,
        Err(e) => return Promise::reject(&error_to_js(&e)),
    };
    let request = token_request(&config);
    let plan = remember(
        &options,
        &js.values,
        request.url,
        request.authorization,
        config.client_secret.expose(),
        config.timeout_ms,
        config.retries,
    );
    drive(&plan, &js.fetch, &signal)
}
