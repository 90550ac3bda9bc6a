//! The exported functions (the public JavaScript API is declared by hand in `pkg-template/*.d.ts`).

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::drive;
use super::convert::{error_to_js, read_options};
use super::transport::TokenRun;
use crate::config::validate;
use js_sys::Promise;
use wasm_bindgen::prelude::*;

/// `createOAuthToken(options)`: one `POST /oauth/token`, no cache. Resolves to the `AccessToken`,
/// rejects with `AltPayOAuthError` (a config error before anything is sent).
#[wasm_bindgen(js_name = createOAuthToken, skip_typescript)]
pub fn create_oauth_token(options: JsValue) -> Promise {
    let checked = read_options(&options).and_then(|js| {
        let signal = js.signal()?;
        Ok((validate(&js.core)?, js.fetch, signal))
    });
    match checked {
        Ok((config, fetch, signal)) => drive(TokenRun::new(config).into(), &fetch, &signal),
        Err(e) => Promise::reject(&error_to_js(&e)),
    }
}
