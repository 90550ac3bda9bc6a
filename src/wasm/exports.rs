//! `createOAuthToken`, the exported request (the public API is declared by hand in
//! `pkg-template/index.d.ts`).

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::{error_to_js, token_to_js};
use super::options::{fetch, handle, read, signal};
use super::request::request_token;
use crate::config::validate;
use crate::error::Error;

/// `createOAuthToken(options)`: one `POST /oauth/token`, no cache. Resolves to the `AccessToken`,
/// rejects with `AltPayOAuthError` (a config error before anything is sent).
#[wasm_bindgen(js_name = createOAuthToken, skip_typescript)]
pub fn create_oauth_token(options: JsValue) -> Promise {
    future_to_promise(async move {
        let token = request(&options).await.map_err(|e| error_to_js(&e))?;
        Ok(token_to_js(&token))
    })
}

async fn request(options: &JsValue) -> Result<crate::response::Token, Error> {
    let raw = read(options)?;
    let fetch = fetch(options)?;
    let signal = signal(&handle(options, "signal")?)?;
    let config = validate(&raw.options()?)?;
    request_token(&config, fetch.as_ref(), signal.as_ref()).await
}
