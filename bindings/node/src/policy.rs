//! `Policy`: a validated policy document (JSON, TOML, a plain object or a preset).

use breakwater::Policy;
use napi::bindgen_prelude::Either;
use napi::Env;
use napi_derive::napi;

use crate::js::{ok, Arg, Conv, Json};

/// A validated policy: every section of the policy file, with its defaults filled in.
#[napi(js_name = "Policy")]
pub struct JsPolicy {
    pub(crate) inner: Policy,
}

#[napi]
impl JsPolicy {
    /// Reads and validates a policy from JSON text.
    #[napi(factory, ts_args_type = "text: string")]
    pub fn from_json(env: Env, text: Arg) -> napi::Result<Self> {
        ok(&env, text.str("text").and_then(|t| Policy::from_json(&t))).map(|inner| Self { inner })
    }

    /// Reads and validates a policy from TOML text.
    #[napi(factory, ts_args_type = "text: string")]
    pub fn from_toml(env: Env, text: Arg) -> napi::Result<Self> {
        ok(&env, text.str("text").and_then(|t| Policy::from_toml(&t))).map(|inner| Self { inner })
    }

    /// Reads and validates a policy from a plain object (the same document as the JSON form).
    #[napi(factory, ts_args_type = "object: PolicyConfig")]
    pub fn from_object(env: Env, object: Arg) -> napi::Result<Self> {
        ok(&env, object.config("").and_then(|v| Policy::from_value(&v))).map(|inner| Self { inner })
    }

    /// A built-in preset: `openai_sdk`, `conservative` or `batch_first`.
    #[napi(factory, ts_args_type = "name: PresetName")]
    pub fn preset(env: Env, name: Arg) -> napi::Result<Self> {
        ok(&env, name.str("name").and_then(|n| Policy::preset(&n))).map(|inner| Self { inner })
    }

    /// The JSON Schema (draft 2020-12) of the policy document.
    #[napi(ts_return_type = "Record<string, unknown>")]
    pub fn schema() -> Json {
        Json::Value(Policy::json_schema())
    }

    /// The policy as a plain object (every field, defaults included).
    #[napi(ts_return_type = "PolicyConfig")]
    pub fn to_object(&self) -> Json {
        crate::js::json(&self.inner)
    }

    /// The policy as JSON text.
    #[napi]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.inner).unwrap_or_default()
    }
}

/// A `Policy` instance, a plain policy object, or absent (the defaults).
pub fn policy_arg(arg: Either<&JsPolicy, Arg>) -> Conv<Policy> {
    match arg {
        Either::A(p) => Ok(p.inner.clone()),
        Either::B(a) if a.is_absent() => Ok(Policy::default()),
        Either::B(a) => Policy::from_value(&a.config("policy")?),
    }
}
