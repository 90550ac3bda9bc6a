//! The abort guard: one `AbortController` per attempt, aborted by a `timeoutMs` timer or by the caller's
//! signal. The guard lives across the whole attempt (headers and body read) and, when dropped, clears
//! its timer and removes its listener, so nothing keeps running (or keeps a Node process alive).

use super::bindings::{clear_timeout, set_timeout, AbortController, AbortSignal};
use crate::error::{Error, ErrorCode};
use crate::text::{cat, push_u64};
use js_sys::Promise;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Why the guard's controller fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// Nothing fired.
    None,
    /// The timer ran out.
    Timeout,
    /// The caller's signal fired.
    Caller,
}

/// Aborts its controller when `ms` pass or the caller's signal fires; cleans up on drop.
pub struct AbortGuard {
    controller: AbortController,
    timer: JsValue,
    _on_timeout: Closure<dyn FnMut()>,
    caller: Option<(AbortSignal, Closure<dyn FnMut()>)>,
    cause: Rc<Cell<Cause>>,
}

impl AbortGuard {
    /// Start a guard with a timer of `ms` milliseconds and an optional caller signal.
    pub fn new(ms: f64, caller: Option<&AbortSignal>) -> Result<AbortGuard, Error> {
        let controller = AbortController::new().map_err(|_| {
            Error::config("this runtime has no AbortController; altpay-oauth needs one")
        })?;
        let cause = Rc::new(Cell::new(Cause::None));

        let on_timeout = {
            let cause = cause.clone();
            let controller = controller.clone();
            Closure::<dyn FnMut()>::new(move || {
                if cause.get() == Cause::None {
                    cause.set(Cause::Timeout);
                }
                controller.abort();
            })
        };
        let timer = set_timeout(on_timeout.as_ref().unchecked_ref(), ms);

        let caller = match caller {
            None => None,
            Some(signal) => {
                if signal.aborted().unwrap_or(false) {
                    cause.set(Cause::Caller);
                    controller.abort();
                }
                let on_abort = {
                    let cause = cause.clone();
                    let controller = controller.clone();
                    Closure::<dyn FnMut()>::new(move || {
                        if cause.get() == Cause::None {
                            cause.set(Cause::Caller);
                        }
                        controller.abort();
                    })
                };
                // A signal that refuses listeners just cannot abort us; it is checked again below.
                let _ = signal.add_event_listener("abort", on_abort.as_ref().unchecked_ref());
                Some((signal.clone(), on_abort))
            }
        };

        Ok(AbortGuard {
            controller,
            timer,
            _on_timeout: on_timeout,
            caller,
            cause,
        })
    }

    /// The signal to hand to `fetch`.
    pub fn signal(&self) -> AbortSignal {
        self.controller.signal()
    }

    /// `promise`, or a rejection as soon as the guard fires (at once if it already has): the timeout
    /// and the caller's signal hold even when a custom `fetch` or body stream ignores the signal.
    pub fn race(&self, promise: &Promise) -> Promise {
        let signal = self.signal();
        let fired = self.cause.get() != Cause::None;
        let guard_promise = Promise::new(&mut |_resolve, reject| {
            if fired {
                let _ = reject.call0(&JsValue::UNDEFINED);
            } else {
                let _ = signal.add_event_listener("abort", &reject);
            }
        });
        Promise::race(&js_sys::Array::of2(promise, &guard_promise))
    }

    /// What fired, if anything.
    pub fn cause(&self) -> Cause {
        self.cause.get()
    }

    /// Resolves when the guard fires (used as an abortable sleep).
    pub async fn fired(&self) {
        if self.cause.get() != Cause::None {
            return;
        }
        let signal = self.signal();
        let promise = Promise::new(&mut |resolve, _reject| {
            let _ = signal.add_event_listener("abort", &resolve);
        });
        let _ = JsFuture::from(promise).await;
    }

    /// Turn a rejection seen while the guard was active into the right error: `timeout` or
    /// `aborted` when the guard fired, otherwise `network_error` described by `what`.
    pub fn classify(&self, timeout_ms: f64, what: &str, js_error: &JsValue) -> Error {
        match self.cause.get() {
            Cause::Timeout => {
                let mut message = String::from("token request timed out after ");
                push_u64(&mut message, timeout_ms as u64);
                message.push_str(" ms (");
                message.push_str(what);
                message.push(')');
                Error::new(ErrorCode::Timeout, message)
            }
            Cause::Caller => aborted(),
            Cause::None => Error::new(
                ErrorCode::NetworkError,
                cat(&[what, ": ", &describe_js_error(js_error)]),
            ),
        }
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if let Some((signal, listener)) = &self.caller {
            let _ = signal.remove_event_listener("abort", listener.as_ref().unchecked_ref());
        }
    }
}

/// The `aborted` error.
pub fn aborted() -> Error {
    Error::new(
        ErrorCode::Aborted,
        "token request was aborted by the caller's signal",
    )
}

/// Wait `ms` milliseconds, or fail with `aborted` as soon as the caller's signal fires.
pub async fn sleep(ms: f64, caller: Option<&AbortSignal>) -> Result<(), Error> {
    let guard = AbortGuard::new(ms, caller)?;
    guard.fired().await;
    match guard.cause() {
        Cause::Caller => Err(aborted()),
        _ => Ok(()),
    }
}

/// A short description of a JavaScript error: its message and, when present, `cause.code`
/// (Node puts `ECONNREFUSED` and friends there). Cut to 200 characters.
pub fn describe_js_error(error: &JsValue) -> String {
    let get = |target: &JsValue, key: &str| -> Option<JsValue> {
        if !target.is_object() {
            return None;
        }
        js_sys::Reflect::get(target, &JsValue::from_str(key)).ok()
    };
    let mut text = get(error, "message")
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| String::from("unknown error"));
    // Node puts the reason in `cause`: a code such as ECONNREFUSED, else a message ("bad port").
    let cause = get(error, "cause");
    let code = cause
        .as_ref()
        .and_then(|c| get(c, "code"))
        .and_then(|c| c.as_string())
        .or_else(|| cause.and_then(|c| get(&c, "message")).and_then(|m| m.as_string()));
    if let Some(code) = code {
        text.push_str(" (");
        text.push_str(&code);
        text.push(')');
    }
    if let Some((cut, _)) = text.char_indices().nth(200) {
        text.truncate(cut);
        text.push('…');
    }
    text
}
