//! Shared helpers of the wasm suites: the loopback servers (tests/wasm/servers.mjs, started in this
//! process on first use), the mock's control API over HTTP, option objects, a counting `fetch`, timers,
//! and the checks every error and token goes through (class, code, status, details, retryAfter, and the
//! secret appearing nowhere).

use altpay_oauth::wasm::create_oauth_token;
use js_sys::{Array, Function, Object, Promise, Reflect, JSON};
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

// Globals are reached through `globalThis` rather than `#[wasm_bindgen] extern` blocks: an extern
// import identical to one of the library's (same package) would produce a duplicate symbol at link time.

fn global_function(name: &str) -> Function {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .unwrap_or_else(|| panic!("globalThis.{name} is not a function"))
}

/// The runtime's global `fetch(input, init)`.
fn global_fetch(input: &JsValue, init: &JsValue) -> Promise {
    global_function("fetch")
        .call2(&JsValue::UNDEFINED, input, init)
        .expect("fetch threw")
        .unchecked_into()
}

fn set_timeout(handler: &JsValue, ms: f64) {
    global_function("setTimeout")
        .call2(&JsValue::UNDEFINED, handler, &JsValue::from_f64(ms))
        .expect("setTimeout threw");
}

/// An `AbortController` of the runtime.
#[derive(Clone)]
pub struct AbortController(JsValue);

impl AbortController {
    /// `new AbortController()`.
    pub fn new() -> Self {
        AbortController(call_js(&js_fn("", "return new AbortController()"), &[]))
    }
    /// `controller.signal`.
    pub fn signal(&self) -> JsValue {
        get(&self.0, "signal")
    }
    /// `controller.abort()`.
    pub fn abort(&self) {
        let abort: Function = get(&self.0, "abort").unchecked_into();
        abort.call0(&self.0).expect("abort threw");
    }
}

// ---- the servers (tests/wasm/servers.mjs, started inside this test process) ---------------------------

#[wasm_bindgen(module = "/tests/wasm/servers.mjs")]
extern "C" {
    /// Starts the mock token server, the "other host" and the closed port once (every call returns the
    /// same promise): resolves to `{ mockUrl, otherUrl, refusedUrl }`.
    #[wasm_bindgen(js_name = startServers)]
    fn start_servers(root: &str, client_id: &str, client_secret: &str) -> Promise;
}

/// Where the servers listen (base URLs, no trailing slash).
struct Addresses {
    /// The mock token server (lanes at `{mock}/lane/<name>`, control API at `{mock}/__control/<name>/...`).
    mock: String,
    /// The other-host server; `GET /__hits` lists what it received.
    other: String,
    /// `http://127.0.0.1:<port>` with nothing listening.
    refused: String,
}

thread_local! {
    static ADDRESSES: RefCell<Option<Rc<Addresses>>> = const { RefCell::new(None) };
}

/// The servers' addresses, starting them on first use.
async fn addresses() -> Rc<Addresses> {
    if let Some(known) = ADDRESSES.with(|a| a.borrow().clone()) {
        return known;
    }
    // The repository root: servers.mjs is copied alone into wasm-bindgen's output, so it loads
    // js/mock-server.mjs from there.
    let root = env!("CARGO_MANIFEST_DIR");
    let started = JsFuture::from(start_servers(root, &client_id(), &secret()))
        .await
        .unwrap_or_else(|e| {
            let why = String::from(js_sys::JsString::from(e));
            panic!("the test servers did not start: {}", scrub(&why))
        });
    let url = |key: &str| {
        get(&started, key)
            .as_string()
            .unwrap_or_else(|| panic!("startServers(): {key} is not a string"))
    };
    let known = Rc::new(Addresses {
        mock: url("mockUrl"),
        other: url("otherUrl"),
        refused: url("refusedUrl"),
    });
    ADDRESSES.with(|a| *a.borrow_mut() = Some(known.clone()));
    known
}

/// Base URL of the "other host" server (a redirect target that must never be reached).
pub async fn other_url() -> String {
    addresses().await.other.clone()
}

/// `http://127.0.0.1:<port>` with nothing listening.
pub async fn refused_url() -> String {
    addresses().await.refused.clone()
}

/// The client id the mock accepts.
pub fn client_id() -> String {
    "wasm-suite-client".to_string()
}

/// The client secret the mock accepts (contains [`MARKER`]).
pub fn secret() -> String {
    format!("s3cr3t-{MARKER}-7f3a9c1e")
}

/// Every secret used by the suites contains this, so a partial leak is caught too.
pub const MARKER: &str = "DO-NOT-LEAK";

// ---- small JS helpers ------------------------------------------------------------------------------

/// A JS value from JSON text of a `serde_json::Value`.
pub fn js(value: &Value) -> JsValue {
    JSON::parse(&value.to_string()).unwrap_or_else(|_| panic!("bad JSON for js(): {value}"))
}

/// A JS object from a JSON object.
pub fn obj(value: Value) -> Object {
    let v = js(&value);
    assert!(v.is_object(), "obj() needs a JSON object");
    v.unchecked_into()
}

/// `target[key] = value`.
pub fn set(target: &JsValue, key: &str, value: impl Into<JsValue>) {
    Reflect::set(target, &JsValue::from_str(key), &value.into()).expect("Reflect.set");
}

/// `target[key]` (undefined for non-objects).
pub fn get(target: &JsValue, key: &str) -> JsValue {
    if target.is_object() || target.is_function() {
        Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// Whether `key` is an own property of `target`.
pub fn has_own(target: &JsValue, key: &str) -> bool {
    target.is_object() && Object::has_own(target.unchecked_ref::<Object>(), &JsValue::from_str(key))
}

/// A JS function from source (`new Function(args, body)`), for fixtures that are easier in JS.
pub fn js_fn(args: &str, body: &str) -> Function {
    Function::new_with_args(args, body)
}

/// Call a JS function and return its result (panics when it throws).
pub fn call_js(f: &Function, args: &[JsValue]) -> JsValue {
    f.apply(&JsValue::UNDEFINED, &args.iter().collect::<Array>())
        .expect("fixture function threw")
}

/// Epoch milliseconds.
pub fn now() -> f64 {
    js_sys::Date::now()
}

/// Wait `ms` milliseconds.
pub async fn sleep(ms: f64) {
    let p = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    let _ = JsFuture::from(p).await;
}

/// A fresh `AbortController` that aborts itself after `ms` milliseconds.
pub fn abort_after(ms: f64) -> AbortController {
    let controller = AbortController::new();
    let c = controller.clone();
    set_timeout(&Closure::once_into_js(move || c.abort()), ms);
    controller
}

/// Base64 of the UTF-8 bytes of `s` (computed by the runtime, not by the crate under test).
pub fn base64(s: &str) -> String {
    thread_local! {
        static B64: Function = js_fn("s", "return Buffer.from(s, 'utf8').toString('base64')");
    }
    B64.with(|f| call_js(f, &[JsValue::from_str(s)]))
        .as_string()
        .expect("base64 string")
}

/// `Basic base64(id ":" secret)` as the suites expect it on the wire.
pub fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", base64(&format!("{id}:{secret}")))
}

// ---- the mock's control API ------------------------------------------------------------------------

async fn http_json(method: &str, url: &str, body: Option<String>) -> JsValue {
    let init = Object::new();
    set(&init, "method", method);
    if let Some(body) = body {
        set(&init, "body", body);
        set(
            &init,
            "headers",
            obj(json!({"content-type": "application/json"})),
        );
    }
    let response = JsFuture::from(global_fetch(&JsValue::from_str(url), &init))
        .await
        .unwrap_or_else(|_| panic!("control request {method} {url} failed"));
    let status = get(&response, "status").as_f64();
    assert_eq!(status, Some(200.0), "control request {method} {url}");
    let json_fn: Function = get(&response, "json").unchecked_into();
    let promise: Promise = json_fn
        .call0(&response)
        .expect("response.json()")
        .unchecked_into();
    JsFuture::from(promise)
        .await
        .unwrap_or_else(|_| panic!("control response of {method} {url} is not JSON"))
}

thread_local! {
    static LANES: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// One lane of the mock: its own script queue, request log and counters.
pub struct Lane {
    /// The lane's name.
    pub name: String,
    /// `{mock}/lane/{name}`: the `baseUrl` of requests on this lane.
    pub base_url: String,
    /// The mock's base URL.
    mock_url: String,
}

/// The lane `name` (each name may be used once per run, so tests never share a lane); starts the
/// servers on first use.
pub async fn lane(name: &str) -> Lane {
    let fresh = LANES.with(|l| l.borrow_mut().insert(name.to_string()));
    assert!(fresh, "lane {name} is used twice");
    let mock_url = addresses().await.mock.clone();
    Lane {
        name: name.to_string(),
        base_url: format!("{mock_url}/lane/{name}"),
        mock_url,
    }
}

impl Lane {
    fn control(&self, action: &str) -> String {
        format!("{}/__control/{}/{action}", self.mock_url, self.name)
    }

    /// Append script steps (an array or one step) to the lane's queue.
    pub async fn script(&self, steps: Value) {
        http_json("POST", &self.control("script"), Some(steps.to_string())).await;
    }

    /// Requests to the lane's `/oauth/token` so far.
    pub async fn count(&self) -> u32 {
        let c = http_json("GET", &self.control("count"), None).await;
        get(&c, "token").as_f64().expect("count.token") as u32
    }

    /// All requests on the lane so far (any path).
    pub async fn count_all(&self) -> u32 {
        let c = http_json("GET", &self.control("count"), None).await;
        get(&c, "all").as_f64().expect("count.all") as u32
    }

    /// The lane's request log: `{method, path, url, headers, body, at, lane}` per request.
    pub async fn log(&self) -> Vec<JsValue> {
        let log = http_json("GET", &self.control("log"), None).await;
        Array::from(&log).iter().collect()
    }

    /// Steps still queued.
    pub async fn queued(&self) -> u32 {
        let q = http_json("GET", &self.control("script"), None).await;
        Array::from(&q).length()
    }

    /// Valid options for this lane: the suite's client, `baseUrl` = the lane, `timeoutMs` 2000.
    pub fn options(&self) -> Object {
        obj(json!({
            "clientId": client_id(),
            "clientSecret": secret(),
            "baseUrl": self.base_url,
            "timeoutMs": 2000,
        }))
    }

    /// [`Lane::options`] with `extra` members merged over it.
    pub fn options_with(&self, extra: Value) -> Object {
        let o = self.options();
        Object::assign(&o, &obj(extra));
        o
    }

    /// After a fault: a plain request on this lane (its queue must be empty) still succeeds, on the same
    /// module instance, and sends exactly one more request.
    pub async fn recovers(&self) {
        assert_eq!(
            self.queued().await,
            0,
            "lane {}: script not consumed",
            self.name
        );
        let before = self.count().await;
        let token = ok(&self.options()).await;
        assert_eq!(token.token_type, "bearer");
        assert_eq!(token.expires_in, 3600.0);
        assert_eq!(
            self.count().await,
            before + 1,
            "lane {}: recovery request count",
            self.name
        );
    }
}

/// What the other-host server received under `path_prefix`: `(method, url, had_authorization)`.
pub async fn other_hits(path_prefix: &str) -> Vec<(String, String, bool)> {
    let hits = http_json("GET", &format!("{}/__hits", other_url().await), None).await;
    Array::from(&hits)
        .iter()
        .map(|h| {
            (
                get(&h, "method").as_string().unwrap_or_default(),
                get(&h, "url").as_string().unwrap_or_default(),
                get(&h, "authorization").is_truthy(),
            )
        })
        .filter(|(_, url, _)| url.starts_with(path_prefix))
        .collect()
}

// ---- a fetch that counts ---------------------------------------------------------------------------

/// A JS function `(input, init) => globalThis.fetch(input, init)` that counts and records its calls.
pub struct CountingFetch {
    /// The function to pass as `options.fetch`.
    pub function: Function,
    calls: Rc<Cell<u32>>,
    inputs: Rc<RefCell<Vec<JsValue>>>,
    inits: Rc<RefCell<Vec<JsValue>>>,
    _closure: Closure<dyn FnMut(JsValue, JsValue) -> Promise>,
}

impl CountingFetch {
    /// Delegates to the global fetch.
    pub fn new() -> Self {
        Self::with(None)
    }

    /// Rejects every call with a `TypeError` (like a network failure), sending nothing.
    pub fn failing() -> Self {
        Self::with(Some(js_fn(
            "",
            "return Promise.reject(new TypeError('fetch failed (test double)'))",
        )))
    }

    fn with(inner: Option<Function>) -> Self {
        let calls = Rc::new(Cell::new(0));
        let inputs = Rc::new(RefCell::new(Vec::new()));
        let inits = Rc::new(RefCell::new(Vec::new()));
        let closure = {
            let (calls, inputs, inits) = (calls.clone(), inputs.clone(), inits.clone());
            Closure::<dyn FnMut(JsValue, JsValue) -> Promise>::new(
                move |input: JsValue, init: JsValue| {
                    calls.set(calls.get() + 1);
                    inputs.borrow_mut().push(input.clone());
                    inits.borrow_mut().push(init.clone());
                    match &inner {
                        None => global_fetch(&input, &init),
                        Some(f) => f
                            .call2(&JsValue::UNDEFINED, &input, &init)
                            .expect("fake fetch")
                            .unchecked_into(),
                    }
                },
            )
        };
        let function: Function = closure.as_ref().clone().unchecked_into();
        CountingFetch {
            function,
            calls,
            inputs,
            inits,
            _closure: closure,
        }
    }

    /// How many times it was called.
    pub fn calls(&self) -> u32 {
        self.calls.get()
    }

    /// The `input` arguments, as strings.
    pub fn urls(&self) -> Vec<String> {
        self.inputs
            .borrow()
            .iter()
            .map(|i| {
                i.as_string()
                    .unwrap_or_else(|| String::from(js_sys::JsString::from(i.clone())))
            })
            .collect()
    }

    /// The `init` arguments.
    pub fn inits(&self) -> Vec<JsValue> {
        self.inits.borrow().clone()
    }
}

// ---- calling the export ----------------------------------------------------------------------------

/// `createOAuthToken(options)`.
pub async fn call(options: &JsValue) -> Result<JsValue, JsValue> {
    wasm_bindgen_futures::JsFuture::from(create_oauth_token(options.clone())).await
}

/// The fields of an `AccessToken`.
#[derive(Debug)]
pub struct Token {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: f64,
    pub expires_at: f64,
    pub scope: Option<String>,
    /// Own enumerable keys, sorted.
    pub keys: Vec<String>,
}

/// `createOAuthToken(options)` must resolve; returns the checked token.
pub async fn ok(options: &JsValue) -> Token {
    match call(options).await {
        Ok(v) => token_view(&v, options),
        Err(e) => panic!(
            "expected a token, got {}: {}",
            scrub(&get(&e, "code").as_string().unwrap_or_default()),
            scrub(&get(&e, "message").as_string().unwrap_or_default())
        ),
    }
}

fn token_view(v: &JsValue, options: &JsValue) -> Token {
    assert!(v.is_object(), "token is not an object");
    let string = |k: &str| {
        get(v, k)
            .as_string()
            .unwrap_or_else(|| panic!("token.{k} is not a string"))
    };
    let number = |k: &str| {
        get(v, k)
            .as_f64()
            .unwrap_or_else(|| panic!("token.{k} is not a number"))
    };
    let mut keys: Vec<String> = Object::keys(v.unchecked_ref::<Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .collect();
    keys.sort();
    let scope = if has_own(v, "scope") {
        Some(string("scope"))
    } else {
        None
    };
    assert_no_secret("token", v, options);
    Token {
        access_token: string("access_token"),
        token_type: string("token_type"),
        expires_in: number("expires_in"),
        expires_at: number("expires_at"),
        scope,
        keys,
    }
}

/// The four keys of a token without scope, sorted.
pub const TOKEN_KEYS: [&str; 4] = ["access_token", "expires_at", "expires_in", "token_type"];

/// `createOAuthToken(options)` must reject; returns the rejection (not yet checked).
pub async fn fail(options: &JsValue) -> JsValue {
    match call(options).await {
        Ok(v) => panic!(
            "expected a rejection, got a token with keys {:?}",
            Object::keys(v.unchecked_ref::<Object>())
                .iter()
                .filter_map(|k| k.as_string())
                .collect::<Vec<_>>()
        ),
        Err(e) => e,
    }
}

// ---- error checks ----------------------------------------------------------------------------------

/// The contract's error codes.
pub const CODES: [&str; 8] = [
    "invalid_config",
    "invalid_credentials",
    "http_error",
    "rate_limited",
    "invalid_response",
    "network_error",
    "timeout",
    "aborted",
];

/// What `details` must be.
#[derive(Clone, Debug)]
pub enum Details {
    /// No `details` property.
    Absent,
    /// Present, any string map.
    Any,
    /// Exactly these members (order ignored).
    Exact(Vec<(String, String)>),
}

/// The expected error: code, and exactly which of status / details / retryAfter are present.
#[derive(Clone, Debug)]
pub struct Want {
    code: &'static str,
    status: Option<u16>,
    details: Details,
    retry_after: Option<f64>,
    status_optional: bool,
    mentions: Vec<String>,
}

/// An expected error with `code` and no status, details or retryAfter.
pub fn want(code: &'static str) -> Want {
    assert!(CODES.contains(&code), "not a contract code: {code}");
    Want {
        code,
        status: None,
        details: Details::Absent,
        retry_after: None,
        status_optional: false,
        mentions: Vec::new(),
    }
}

impl Want {
    /// `status` must be this.
    pub fn status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }
    /// `status` may be absent or this (e.g. a failure while reading the body of a `status` answer).
    pub fn status_or_none(mut self, status: u16) -> Self {
        self.status = Some(status);
        self.status_optional = true;
        self
    }
    /// `details` must be exactly these members.
    pub fn details(mut self, members: &[(&str, &str)]) -> Self {
        self.details = Details::Exact(
            members
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        self
    }
    /// `details` must be present (any members).
    pub fn any_details(mut self) -> Self {
        self.details = Details::Any;
        self
    }
    /// `retryAfter` must be this.
    pub fn retry_after(mut self, seconds: f64) -> Self {
        self.retry_after = Some(seconds);
        self
    }
    /// `message` must contain this.
    pub fn mentions(mut self, text: &str) -> Self {
        self.mentions.push(text.to_string());
        self
    }
}

/// A checked rejection.
#[derive(Debug)]
pub struct Checked {
    pub code: String,
    pub message: String,
    pub status: Option<f64>,
    pub details: Option<Vec<(String, String)>>,
}

thread_local! {
    /// The constructor of the first error seen: every later error must have the same class.
    static ERROR_CLASS: RefCell<Option<JsValue>> = const { RefCell::new(None) };
    static INSTANCE_OF: Function = js_fn("v, c", "return v instanceof c");
    static CLASS_EXTENDS_ERROR: Function =
        js_fn("c", "return typeof c === 'function' && c.prototype instanceof Error");
}

/// Check a rejection from `createOAuthToken(options)` against `want`: an `AltPayOAuthError` (same class
/// for every error, extending `Error`), the code, exactly the expected status / details / retryAfter,
/// a non-empty message, and neither the secret nor the Basic credentials anywhere in it.
pub fn check(err: &JsValue, options: &JsValue, want: &Want) -> Checked {
    assert!(
        err.is_instance_of::<js_sys::Error>(),
        "the rejection is not an Error instance"
    );
    assert_eq!(
        get(err, "name").as_string().as_deref(),
        Some("AltPayOAuthError"),
        "err.name"
    );
    let ctor = get(err, "constructor");
    assert!(ctor.is_function(), "err.constructor is not a function");
    assert_eq!(
        get(&ctor, "name").as_string().as_deref(),
        Some("AltPayOAuthError"),
        "err.constructor.name"
    );
    assert!(
        INSTANCE_OF
            .with(|f| call_js(f, &[err.clone(), ctor.clone()]))
            .is_truthy(),
        "err instanceof err.constructor"
    );
    assert!(
        CLASS_EXTENDS_ERROR
            .with(|f| call_js(f, std::slice::from_ref(&ctor)))
            .is_truthy(),
        "AltPayOAuthError does not extend Error"
    );
    ERROR_CLASS.with(|class| {
        let mut class = class.borrow_mut();
        match class.as_ref() {
            None => *class = Some(ctor.clone()),
            Some(first) => assert!(
                Object::is(first, &ctor),
                "errors of different codes come from different AltPayOAuthError classes"
            ),
        }
    });

    let code = get(err, "code").as_string().expect("err.code is a string");
    let message = get(err, "message")
        .as_string()
        .expect("err.message is a string");
    assert_eq!(code, want.code, "err.code (message: {})", scrub(&message));
    assert!(!message.trim().is_empty(), "err.message is empty");
    for m in &want.mentions {
        assert!(
            message.contains(m.as_str()),
            "err.message should mention {m:?}: {}",
            scrub(&message)
        );
    }

    let status = if has_own(err, "status") {
        Some(get(err, "status").as_f64().expect("err.status is a number"))
    } else {
        assert!(get(err, "status").is_undefined(), "err.status");
        None
    };
    if !(want.status_optional && status.is_none()) {
        assert_eq!(status, want.status.map(f64::from), "err.status ({code})");
    }

    let retry_after = if has_own(err, "retryAfter") {
        Some(
            get(err, "retryAfter")
                .as_f64()
                .expect("err.retryAfter is a number"),
        )
    } else {
        assert!(get(err, "retryAfter").is_undefined(), "err.retryAfter");
        None
    };
    assert_eq!(retry_after, want.retry_after, "err.retryAfter ({code})");

    let details = if has_own(err, "details") {
        let d = get(err, "details");
        assert!(d.is_object(), "err.details is not an object");
        let mut members: Vec<(String, String)> = Object::entries(d.unchecked_ref::<Object>())
            .iter()
            .map(|pair| {
                let pair = Array::from(&pair);
                let k = pair.get(0).as_string().expect("details key");
                let v = pair
                    .get(1)
                    .as_string()
                    .unwrap_or_else(|| panic!("err.details.{k} is not a string"));
                (k, v)
            })
            .collect();
        members.sort();
        Some(members)
    } else {
        assert!(get(err, "details").is_undefined(), "err.details");
        None
    };
    match (&want.details, &details) {
        (Details::Absent, None) | (Details::Any, Some(_)) => {}
        (Details::Exact(w), Some(got)) => {
            let mut w = w.clone();
            w.sort();
            assert_eq!(got, &w, "err.details ({code})");
        }
        (w, got) => panic!(
            "err.details ({code}): want {w:?}, got {:?}",
            got.as_ref()
                .map(|g| g.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>())
        ),
    }

    assert_no_secret("error", err, options);
    Checked {
        code,
        message,
        status,
        details,
    }
}

/// `fail(options)` then [`check`].
pub async fn fails_with(options: &JsValue, want: &Want) -> Checked {
    let err = fail(options).await;
    check(&err, options, want)
}

// ---- the secret appears nowhere ----------------------------------------------------------------------

thread_local! {
    /// Every way a user could turn a value into text: String(), JSON.stringify, message, stack, details,
    /// util.inspect (showHidden, full depth), and each own property.
    static SURFACES: Function = js_fn(
        "v",
        r#"
        const out = [];
        const add = (label, f) => { try { const s = f(); out.push([label, s === undefined ? "" : String(s)]); } catch (e) { out.push([label, "<threw>"]); } };
        add("String()", () => String(v));
        add("JSON.stringify", () => JSON.stringify(v));
        if (v !== null && (typeof v === "object" || typeof v === "function")) {
            add("message", () => v.message);
            add("stack", () => v.stack);
            add("details", () => JSON.stringify(v.details));
            add("toString()", () => Object.prototype.toString.call(v) + " " + v.toString());
            for (const k of Reflect.ownKeys(v)) {
                add("own " + String(k), () => { const x = v[k]; return typeof x === "string" ? x : JSON.stringify(x); });
            }
            const util = typeof process !== "undefined" && typeof process.getBuiltinModule === "function"
                ? process.getBuiltinModule("node:util") : undefined;
            if (util) add("util.inspect", () => util.inspect(v, { showHidden: true, depth: null }));
        }
        return out;
        "#
    );
}

/// Every `n`-char window of `s` (all of `s` when shorter).
fn windows(s: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= n {
        return vec![s.to_string()];
    }
    chars.windows(n).map(|w| w.iter().collect()).collect()
}

/// The strings that must never appear, for the suite's credentials and those of `options` (when its
/// secret is one of the suite's distinctive ones): [`MARKER`], every 8-char piece of the secret and every
/// 8-char piece of base64(id:secret), so a truncated echo of either is caught as well as a whole one.
fn forbidden(options: &JsValue) -> Vec<String> {
    let mut pairs = vec![(client_id(), secret())];
    if let Some(s) = get(options, "clientSecret")
        .as_string()
        .filter(|s| s.contains(MARKER))
    {
        let id = get(options, "clientId").as_string().unwrap_or_default();
        pairs.push((id, s));
    }
    let mut out = vec![MARKER.to_string()];
    for (id, s) in pairs {
        out.extend(windows(&s, 8));
        out.extend(windows(&base64(&format!("{id}:{s}")), 8));
    }
    out.sort();
    out.dedup();
    out
}

/// Where a piece of the secret or of the Basic credentials appears in a text form of `value`, if anywhere:
/// `(surface, byte offset, length of that text)`. Never the text itself: reporting it would leak it.
pub fn find_leak(value: &JsValue, options: &JsValue) -> Option<(String, usize, usize)> {
    let bad = forbidden(options);
    let surfaces = SURFACES.with(|f| call_js(f, std::slice::from_ref(value)));
    for pair in Array::from(&surfaces).iter() {
        let pair = Array::from(&pair);
        let label = pair.get(0).as_string().unwrap_or_default();
        let text = pair.get(1).as_string().unwrap_or_default();
        for b in &bad {
            if let Some(at) = text.find(b.as_str()) {
                return Some((label, at, text.len()));
            }
        }
    }
    None
}

/// Neither the secret nor the Basic credentials appear in any text form of `value`.
pub fn assert_no_secret(what: &str, value: &JsValue, options: &JsValue) {
    if let Some((label, at, len)) = find_leak(value, options) {
        panic!(
            "{what}: a piece of the secret or of the Basic credentials is in {label} at byte {at} (of {len})"
        );
    }
}

/// `text` with every piece of the suite's secret and Basic credentials blanked (safe to print).
pub fn scrub(text: &str) -> String {
    let mut out = text.to_string();
    for b in forbidden(&JsValue::UNDEFINED) {
        out = out.replace(&b, "[*]");
    }
    out
}
