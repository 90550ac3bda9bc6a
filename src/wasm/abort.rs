//! The abort guard of an attempt, in the style of reqwest's `src/wasm/`: an `AbortController` whose
//! signal goes to `fetch`, fired by a `timeoutMs` timer or by the caller's signal. Every await of the
//! attempt (the response, each body chunk) races the guard, so even a custom `fetch` that ignores the
//! signal cannot outlive it. Dropping the guard clears the timer and removes the caller listener, so
//! nothing is left running. The same guard, without a controller user, is the abortable sleep of
//! the retry loop and the bound on store calls.
//!
//! The timer and the caller's `abort` event call the resolver of one promise directly (bound to a
//! marker object), so no Rust closure is made per guard: the guard learns that it fired when an
//! await it races ends with the marker, and then aborts its controller.

use std::cell::Cell;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

use super::bindings::{clear_timeout, set_timeout};

/// What fired a guard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fired {
    /// Its timer.
    Timeout,
    /// The caller's signal.
    Aborted,
}

/// Why a guarded await did not produce a value.
pub enum Stopped {
    /// The guard fired first.
    Fired(Fired),
    /// The awaited promise rejected (or the call that made it threw) with this value.
    Rejected(JsValue),
}

/// A timer and an optional caller signal, with an `AbortController` they abort. See the module doc.
pub struct Guard {
    controller: Option<AbortController>,
    fired: Cell<Option<Fired>>,
    /// What `on_fire` resolves with: an object no awaited promise can produce.
    marker: JsValue,
    /// Resolves with `marker` (never rejects: no unhandled rejection is possible) once the timer
    /// fires or the caller aborts.
    on_fire: Promise,
    /// The resolver of `on_fire`, bound to `marker`: the timer's and the caller listener's handler.
    fire: Function,
    timer: JsValue,
    caller: Option<AbortSignal>,
}

impl Guard {
    /// A guard that fires after `ms` or when `caller` aborts. `controller`: whether to make an
    /// `AbortController` for a fetch to use.
    pub fn new(ms: f64, caller: Option<&AbortSignal>, controller: bool) -> Result<Guard, JsValue> {
        let controller = if controller {
            Some(AbortController::new()?)
        } else {
            None
        };
        let marker: JsValue = Object::new().into();
        let mut resolve: Option<Function> = None;
        let on_fire = Promise::new(&mut |res, _| resolve = Some(res));
        let fire = resolve
            .ok_or_else(|| JsValue::from_str("Promise did not run its executor"))?
            .bind1(&JsValue::UNDEFINED, &marker)
            .unchecked_into::<Function>();
        let timer = set_timeout(&fire, ms);
        if let Some(signal) = caller {
            let _ = signal.add_event_listener_with_callback("abort", &fire);
        }
        Ok(Guard {
            controller,
            fired: Cell::new(None),
            marker,
            on_fire,
            fire,
            timer,
            caller: caller.cloned(),
        })
    }

    /// The signal to hand to `fetch`.
    pub fn signal(&self) -> Option<AbortSignal> {
        self.controller.as_ref().map(AbortController::signal)
    }

    /// Record that the guard fired (the caller's signal if it is aborted, else the timer) and
    /// abort the controller.
    fn fire(&self) -> Fired {
        if let Some(why) = self.fired.get() {
            return why;
        }
        let why = if self.caller.as_ref().is_some_and(AbortSignal::aborted) {
            Fired::Aborted
        } else {
            Fired::Timeout
        };
        self.fired.set(Some(why));
        if let Some(c) = &self.controller {
            c.abort();
        }
        why
    }

    /// Await `promise` unless the guard fires first.
    pub async fn run(&self, promise: Promise) -> Result<JsValue, Stopped> {
        if let Some(why) = self.fired.get() {
            return Err(Stopped::Fired(why));
        }
        let raced = Promise::race(&Array::of2(&promise, &self.on_fire));
        match JsFuture::from(raced).await {
            Ok(v) if v == self.marker => Err(Stopped::Fired(self.fire())),
            result => result.map_err(Stopped::Rejected),
        }
    }

    /// Wait until the guard fires.
    pub async fn wait(&self) -> Fired {
        if self.fired.get().is_none() {
            let _ = JsFuture::from(self.on_fire.clone()).await;
        }
        self.fire()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if let Some(signal) = &self.caller {
            let _ = signal.remove_event_listener_with_callback("abort", &self.fire);
        }
    }
}

/// Sleep `ms`, cut short by `signal`: `true` when slept in full, `false` when aborted.
pub async fn sleep(ms: f64, signal: Option<&AbortSignal>) -> bool {
    if signal.is_some_and(AbortSignal::aborted) {
        return false;
    }
    match Guard::new(ms, signal, false) {
        Ok(guard) => guard.wait().await == Fired::Timeout,
        Err(_) => true,
    }
}

/// `target[method](...args)`, awaited for at most `ms`: a call that throws, or is not a function,
/// is [`Stopped::Rejected`] like a rejected promise. (The store calls of `TokenClient` and of the
/// fleet lease.)
pub async fn bounded_call(
    target: &Object,
    method: &str,
    args: &[JsValue],
    ms: f64,
) -> Result<JsValue, Stopped> {
    let called = Reflect::get(target, &JsValue::from_str(method))
        .and_then(|f| f.dyn_into::<Function>())
        .and_then(|f| Reflect::apply(&f, target, &args.iter().collect::<Array>()));
    let promise = match called {
        Ok(v) => Promise::resolve(&v),
        Err(e) => return Err(Stopped::Rejected(e)),
    };
    match Guard::new(ms, None, false) {
        Ok(guard) => guard.run(promise).await,
        Err(e) => Err(Stopped::Rejected(e)),
    }
}
