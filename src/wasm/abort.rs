//! The abort guard of an attempt, in the style of reqwest's `src/wasm/`: an `AbortController` whose
//! signal goes to `fetch`, fired by a `timeoutMs` timer or by the caller's signal. Every await of the
//! attempt (the response, each body chunk) races the guard, so even a custom `fetch` that ignores the
//! signal cannot outlive it. Dropping the guard clears the timer and removes the caller listener, so
//! nothing is left running. The same guard, without a controller user, is the abortable sleep of
//! the retry loop and the bound on store calls.

use std::cell::Cell;
use std::rc::Rc;

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
    fired: Rc<Cell<Option<Fired>>>,
    /// Resolves (never rejects: no unhandled rejection is possible) once the guard fires.
    on_fire: Promise,
    timer: JsValue,
    _on_timeout: Closure<dyn FnMut()>,
    caller: Option<(AbortSignal, Closure<dyn FnMut()>)>,
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
        let fired = Rc::new(Cell::new(None));
        let mut resolve: Option<Function> = None;
        let on_fire = Promise::new(&mut |res, _| resolve = Some(res));
        let fire = {
            let fired = fired.clone();
            let controller = controller.clone();
            move |why: Fired| {
                if fired.get().is_some() {
                    return;
                }
                fired.set(Some(why));
                if let Some(c) = &controller {
                    c.abort();
                }
                if let Some(r) = &resolve {
                    let _ = r.call0(&JsValue::UNDEFINED);
                }
            }
        };
        let on_timeout = {
            let fire = fire.clone();
            Closure::<dyn FnMut()>::new(move || fire(Fired::Timeout))
        };
        let timer = set_timeout(on_timeout.as_ref().unchecked_ref(), ms);
        // The caller's listener exists only when there is a caller's signal.
        let caller = caller.map(|signal| {
            let on_abort = Closure::<dyn FnMut()>::new(move || fire(Fired::Aborted));
            let _ =
                signal.add_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
            (signal.clone(), on_abort)
        });
        Ok(Guard {
            controller,
            fired,
            on_fire,
            timer,
            _on_timeout: on_timeout,
            caller,
        })
    }

    /// The signal to hand to `fetch`.
    pub fn signal(&self) -> Option<AbortSignal> {
        self.controller.as_ref().map(AbortController::signal)
    }

    /// What fired the guard, if it has.
    pub fn fired(&self) -> Option<Fired> {
        self.fired.get()
    }

    /// Await `promise` unless the guard fires first.
    pub async fn run(&self, promise: Promise) -> Result<JsValue, Stopped> {
        if let Some(why) = self.fired() {
            return Err(Stopped::Fired(why));
        }
        let raced = Promise::race(&Array::of2(&promise, &self.on_fire));
        let result = JsFuture::from(raced).await;
        if let Some(why) = self.fired() {
            return Err(Stopped::Fired(why));
        }
        result.map_err(Stopped::Rejected)
    }

    /// Wait until the guard fires.
    pub async fn wait(&self) -> Fired {
        if self.fired().is_none() {
            let _ = JsFuture::from(self.on_fire.clone()).await;
        }
        self.fired().unwrap_or(Fired::Timeout)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if let Some((signal, listener)) = &self.caller {
            let _ = signal
                .remove_event_listener_with_callback("abort", listener.as_ref().unchecked_ref());
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
