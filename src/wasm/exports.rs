//! The exported functions (the public JavaScript API is declared by hand in `pkg-template/*.d.ts`).

#[allow(unused_imports)]
use crate::prelude::*;

use super::convert::{error_to_js, read_options, token_to_js};
use super::transport::fetch_token;
use crate::config::validate;
use wasm_bindgen::prelude::*;

/// `createOAuthToken(options)`: one `POST /oauth/token`, no cache. Rejects with `AltPayOAuthError`.
#[wasm_bindgen(js_name = createOAuthToken, skip_typescript)]
pub async fn create_oauth_token(options: JsValue) -> Result<JsValue, JsValue> {
    let js = read_options(&options).map_err(|e| error_to_js(&e))?;
    let signal = js.signal().map_err(|e| error_to_js(&e))?;
    let config = validate(&js.core).map_err(|e| error_to_js(&e))?;
    match fetch_token(&config, &js.fetch, &signal).await {
        Ok(token) => Ok(token_to_js(&token)),
        Err(e) => Err(error_to_js(&e)),
    }
}
