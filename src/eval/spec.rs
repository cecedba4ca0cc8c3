//! `slam eval SPEC.toml`: a feature's prompt set, the models to compare, how often and how.
//! Everything is checked before anything runs; every error names the file and line.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use minijinja::{Environment, UndefinedBehavior};
use serde::Deserialize;
use serde_json::{Map, Value};
use toml::Spanned;

mod after;
pub mod conversation;

use super::inputs::{self, RawInput};
use crate::analysis::checks::{Check, CheckSpec, Unit};
use crate::config::{BackendKind, Config, ResolvedModel};
use crate::domain::source_pos::{line_column, toml_error};
use crate::domain::{GenParamsPatch, Prompt};
use crate::store::manifest::sha256_hex;
use after::{JudgeSpec, SimilaritySpec, judge_options, similarity_options};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    name: String,
    system: Option<String>,
    template: Spanned<String>,
    /// A JSONL or CSV file, relative to the spec.
    inputs: Option<Spanned<String>>,
    /// Inline inputs (`[[input]]` tables).
    #[serde(default)]
    input: Vec<Spanned<Map<String, Value>>>,
    repetitions: Option<Spanned<u32>>,
    /// Repetition r samples with seed `seed + r`.
    #[serde(default)]
    seed: u32,
    /// Seconds a cell may take (default 300).
    timeout: Option<f64>,
    /// Dollars the run may spend on API models; it stops before a cell could pass it.
    max_cost: Option<Spanned<f64>>,
    /// Local models reuse cached prompt prefixes (default false: repetitions must not share).
    #[serde(default)]
    prompt_cache: bool,
    /// One request per model before the run, left out of the figures (default true).
    warmup: Option<bool>,
    #[serde(default)]
    params: GenParamsPatch,
    models: Vec<SpecModel>,
    #[serde(default)]
    checks: Vec<Spanned<CheckSpec>>,
    /// An LLM judge run over the answers once the cells are done.
    judge: Option<Spanned<JudgeSpec>>,
    /// Similarity to the baseline by sentence embedding, once the cells are done.
    similarity: Option<Spanned<SimilaritySpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecModel {
    name: Spanned<String>,
    #[serde(default)]
    baseline: bool,
    /// Requests in flight at once (a local model: its sequences).
    concurrency: Option<Spanned<u32>>,
    requests_per_minute: Option<u32>,
    tokens_per_minute: Option<u32>,
    #[serde(default)]
    params: GenParamsPatch,
}

/// One input of the prompt set, rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub id: String,
    pub vars: Map<String, Value>,
    pub reference: Option<String>,
    pub prompt: Prompt,
    /// `FILE:LINE` it came from, for messages.
    pub origin: String,
}

#[derive(Debug, Clone)]
pub struct EvalModel {
    pub model: ResolvedModel,
    pub baseline: bool,
    pub concurrency: u32,
    pub requests_per_minute: Option<u32>,
    pub tokens_per_minute: Option<u32>,
}

pub struct EvalSpec {
    pub name: String,
    pub path: PathBuf,
    /// The spec file as written, stored with the session with its sha256.
    pub text: String,
    pub sha256: String,
    pub inputs: Vec<Input>,
    pub models: Vec<EvalModel>,
    pub repetitions: u32,
    pub seed: u32,
    pub timeout: Duration,
    /// The spending cap on API models (`max_cost`).
    pub max_cost: Option<f64>,
    pub prompt_cache: bool,
    pub warmup: bool,
    pub checks: Vec<CheckSpec>,
    /// Compiled checks per input, in `inputs` order.
    pub compiled: Vec<Vec<(String, Check)>>,
    /// The judge to run after the cells (`[judge]`), checked like the rest.
    pub judge: Option<crate::eval::judge::JudgeOptions>,
    /// Similarity to the baseline to compute after the cells (`[similarity]`).
    pub similarity: Option<crate::eval::similarity::SimilarityOptions>,
}

impl std::fmt::Debug for EvalSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let models: Vec<&str> = self.models.iter().map(|m| m.model.name()).collect();
        f.debug_struct("EvalSpec")
            .field("name", &self.name)
            .field("path", &self.path)
            .field("inputs", &self.inputs.len())
            .field("models", &models)
            .field("repetitions", &self.repetitions)
            .finish_non_exhaustive()
    }
}

impl EvalSpec {
    pub fn load(path: &Path, config: &Config) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the spec: {e}", path.display()))?;
        Self::parse(&text, path, config)
    }

    pub fn parse(text: &str, path: &Path, config: &Config) -> Result<Self, String> {
        let origin = path.display().to_string();
        let at = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = line_column(text, span.start);
            format!("{origin}:{line}:{column}: {message}")
        };
        let file: SpecFile = toml::from_str(text).map_err(|e| toml_error(&origin, text, &e))?;
        let repetitions = match &file.repetitions {
            Some(r) if *r.get_ref() == 0 => {
                return Err(at(r.span(), "repetitions must be at least 1".into()));
            }
            Some(r) => *r.get_ref(),
            None => 3,
        };
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let raw = match (&file.inputs, file.input.is_empty()) {
            (Some(f), true) => {
                let file_path = base.join(f.get_ref());
                inputs::read(&file_path).map_err(|e| at(f.span(), e))?
            }
            (None, false) => file
                .input
                .iter()
                .map(|i| {
                    let line = line_column(text, i.span().start).0;
                    RawInput {
                        vars: i.get_ref().clone(),
                        origin: format!("{origin}:{line}"),
                        line,
                    }
                })
                .collect(),
            (Some(f), false) => {
                return Err(at(
                    f.span(),
                    "give the inputs as a file or as [[input]] tables, not both".into(),
                ));
            }
            (None, true) => {
                return Err(format!(
                    "{origin}: no inputs: set `inputs = \"FILE.jsonl\"` (or .csv) or add [[input]] tables"
                ));
            }
        };
        let template = Templates::new(file.template.get_ref(), file.system.as_deref())
            .map_err(|e| at(file.template.span(), format!("the template: {e}")))?;
        let inputs = render_inputs(raw, &template)?;
        let models = resolve_models(&file, config, &at)?;
        let checks: Vec<CheckSpec> = file.checks.iter().map(|c| c.get_ref().clone()).collect();
        let compiled = inputs
            .iter()
            .map(|input| {
                file.checks
                    .iter()
                    .map(|c| {
                        compile(c.get_ref(), input, &base)
                            .map(|check| (c.get_ref().label(), check))
                            .map_err(|e| at(c.span(), format!("{} ({})", e, input.origin)))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(m) = &file.max_cost
            && !(m.get_ref().is_finite() && *m.get_ref() >= 0.0)
        {
            return Err(at(
                m.span(),
                format!("max_cost is {}: expected dollars, 0 or more", m.get_ref()),
            ));
        }
        let timeout = file
            .timeout
            .filter(|t| t.is_finite() && *t > 0.0)
            .map_or(Duration::from_secs(300), Duration::from_secs_f64);
        let judge = match &file.judge {
            None => None,
            Some(j) => {
                let mut opts =
                    judge_options(j.get_ref(), &base, config).map_err(|e| at(j.span(), e))?;
                // A verdict gets the time a cell gets.
                opts.timeout = Some(timeout);
                Some(opts)
            }
        };
        let similarity = match &file.similarity {
            None => None,
            Some(t) => Some(
                similarity_options(t.get_ref(), &base, file.models.iter().any(|m| m.baseline))
                    .map_err(|e| at(t.span(), e))?,
            ),
        };
        Ok(EvalSpec {
            judge,
            similarity,
            name: file.name.clone(),
            path: path.to_path_buf(),
            text: text.to_owned(),
            sha256: sha256_hex(text.as_bytes()),
            inputs,
            models,
            repetitions,
            seed: file.seed,
            timeout,
            max_cost: file.max_cost.as_ref().map(|m| *m.get_ref()),
            prompt_cache: file.prompt_cache,
            warmup: file.warmup.unwrap_or(true),
            checks,
            compiled,
        })
    }

    pub fn baseline(&self) -> Option<&EvalModel> {
        self.models.iter().find(|m| m.baseline)
    }
}

/// The prompt and system templates, strict: a variable an input lacks is an error.
struct Templates {
    env: Environment<'static>,
    variables: Vec<String>,
}

impl Templates {
    fn new(user: &str, system: Option<&str>) -> Result<Self, String> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.add_template_owned("user", user.to_owned())
            .map_err(|e| e.to_string())?;
        env.add_template_owned("system", system.unwrap_or("").to_owned())
            .map_err(|e| e.to_string())?;
        let mut variables = Vec::new();
        for name in ["user", "system"] {
            let t = env.get_template(name).map_err(|e| e.to_string())?;
            variables.extend(t.undeclared_variables(false));
        }
        variables.sort();
        variables.dedup();
        Ok(Self { env, variables })
    }

    fn render(&self, name: &str, vars: &Map<String, Value>) -> Result<String, String> {
        let t = self.env.get_template(name).map_err(|e| e.to_string())?;
        t.render(vars).map_err(
            |e| match self.variables.iter().find(|v| !vars.contains_key(*v)) {
                Some(v) => {
                    format!("the template uses {{{{ {v} }}}}, which this input does not have")
                }
                None => e.to_string(),
            },
        )
    }
}

fn render_inputs(raw: Vec<RawInput>, t: &Templates) -> Result<Vec<Input>, String> {
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, r) in raw.into_iter().enumerate() {
        let text_of = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let id = r
            .vars
            .get("id")
            .map_or_else(|| (i + 1).to_string(), text_of);
        if let Some(first) = seen.insert(id.clone(), r.origin.clone()) {
            return Err(format!(
                "{}: duplicate id {id:?} (first at {first})",
                r.origin
            ));
        }
        let fail = |e: String| format!("{}: {e}", r.origin);
        let user = t.render("user", &r.vars).map_err(fail)?;
        let system = t.render("system", &r.vars).map_err(fail)?;
        let mut prompt = Prompt::new((!system.is_empty()).then_some(system), user);
        conversation::read(&r.vars, &mut prompt).map_err(fail)?;
        out.push(Input {
            reference: r.vars.get("reference").map(text_of),
            prompt,
            id,
            vars: r.vars,
            origin: r.origin,
        });
    }
    Ok(out)
}

fn resolve_models(
    file: &SpecFile,
    config: &Config,
    at: &dyn Fn(std::ops::Range<usize>, String) -> String,
) -> Result<Vec<EvalModel>, String> {
    if file.models.is_empty() {
        return Err(at(
            0..0,
            "no models: add [[models]] tables with a name".into(),
        ));
    }
    let mut names = BTreeMap::new();
    let mut models = Vec::new();
    for m in &file.models {
        let name = m.name.get_ref();
        if names.insert(name.clone(), ()).is_some() {
            return Err(at(m.name.span(), format!("model {name:?} is listed twice")));
        }
        let mut patch = file.params.clone();
        overlay(&mut patch, &m.params);
        let mut model = config
            .resolve(name, &patch)
            .map_err(|e| at(m.name.span(), e.to_string()))?;
        let concurrency = match &m.concurrency {
            Some(c) if *c.get_ref() == 0 => {
                return Err(at(c.span(), "concurrency must be at least 1".into()));
            }
            Some(c) => *c.get_ref(),
            None => 1,
        };
        if model.entry.backend == BackendKind::Llama {
            // The engine serves a local model's concurrent requests as sequences of one
            // context; repetitions share no cache unless the spec asks for it.
            model.entry.parallel = Some(concurrency);
            model.entry.prompt_cache = Some(file.prompt_cache);
        }
        models.push(EvalModel {
            model,
            baseline: m.baseline,
            concurrency,
            requests_per_minute: m.requests_per_minute.filter(|n| *n > 0),
            tokens_per_minute: m.tokens_per_minute.filter(|n| *n > 0),
        });
    }
    let baselines: Vec<_> = file.models.iter().filter(|m| m.baseline).collect();
    if baselines.len() > 1 {
        return Err(at(
            baselines[1].name.span(),
            "only one model can be the baseline".into(),
        ));
    }
    Ok(models)
}

/// `over`'s set fields replace `base`'s.
fn overlay(base: &mut GenParamsPatch, over: &GenParamsPatch) {
    let (Ok(Value::Object(mut a)), Ok(Value::Object(b))) =
        (serde_json::to_value(&*base), serde_json::to_value(over))
    else {
        return;
    };
    for (k, v) in b {
        if !v.is_null() {
            a.insert(k, v);
        }
    }
    if let Ok(merged) = serde_json::from_value(Value::Object(a)) {
        *base = merged;
    }
}

/// A check for one input: its strings rendered with the input's variables, patterns compiled,
/// schemas read.
fn compile(spec: &CheckSpec, input: &Input, base: &Path) -> Result<Check, String> {
    let render = |s: &str| -> Result<String, String> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.render_str(s, &input.vars)
            .map_err(|e| format!("check value {s:?}: {e}"))
    };
    Ok(match spec {
        CheckSpec::Contains {
            value, ignore_case, ..
        } => Check::Contains {
            value: render(value)?,
            ignore_case: *ignore_case,
        },
        CheckSpec::NotContains {
            value, ignore_case, ..
        } => Check::NotContains {
            value: render(value)?,
            ignore_case: *ignore_case,
        },
        CheckSpec::Regex { pattern, .. } => {
            Check::Regex(regex::Regex::new(pattern).map_err(|e| format!("regex /{pattern}/: {e}"))?)
        }
        CheckSpec::Json {
            schema,
            schema_file,
            ..
        } => {
            let schema =
                match (schema, schema_file) {
                    (Some(_), Some(_)) => {
                        return Err("give `schema` or `schema_file`, not both".into());
                    }
                    (Some(s), None) => Some(s.clone()),
                    (None, Some(f)) => {
                        let p = base.join(f);
                        let text = std::fs::read_to_string(&p)
                            .map_err(|e| format!("{}: {e}", p.display()))?;
                        Some(serde_json::from_str(&text).map_err(|e| {
                            format!("{}:{}:{}: {e}", p.display(), e.line(), e.column())
                        })?)
                    }
                    (None, None) => None,
                };
            let validator = schema
                .map(|s| jsonschema::validator_for(&s).map_err(|e| format!("the JSON schema: {e}")))
                .transpose()?;
            Check::Json(validator.map(Box::new))
        }
        CheckSpec::Words { min, max, .. } => Check::Count {
            unit: Unit::Words,
            min: *min,
            max: *max,
        },
        CheckSpec::Sentences { min, max, .. } => Check::Count {
            unit: Unit::Sentences,
            min: *min,
            max: *max,
        },
        CheckSpec::Chars { min, max, .. } => Check::Count {
            unit: Unit::Chars,
            min: *min,
            max: *max,
        },
        CheckSpec::EqualsReference { ignore_case, .. } => Check::EqualsReference {
            reference: input.reference.clone(),
            ignore_case: *ignore_case,
        },
    })
}

#[cfg(test)]
mod tests;
