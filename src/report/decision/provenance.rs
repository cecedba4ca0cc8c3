//! The provenance section: when the run started and what recorded it, the prompt set's hash,
//! each model's identity and hardware, and the sampling parameters, seed and repetitions.

use crate::domain::run_stop::RunStop;
use crate::findings::decision::Decision;
use crate::findings::provenance::{ModelProvenance, Setting};
use crate::report::document::{Block, Cell, Span, count, fig, head, money, text, verbatim};

pub(super) fn provenance(d: &Decision) -> Vec<Block> {
    let p = &d.provenance;
    let known = |v: &Option<String>| verbatim(v.clone().unwrap_or_else(|| "unknown".into()));
    let versions = match p.slam_versions.as_slice() {
        [] => "unknown".to_owned(),
        v => v.join(", "),
    };
    let run = vec![
        text("Run "),
        verbatim(d.name.clone()),
        text(" started "),
        known(&p.started),
        text(", recorded by slam "),
        verbatim(versions),
        text("; prompt set "),
        known(&p.prompt_set),
        text(", sha256 "),
        known(&p.prompt_set_sha256),
        text(
            ". Every figure here is read from the run's records, not from when this report was written.",
        ),
    ];
    let mut identity = head(&["model", "backend", "quantization", "identity"]);
    // The crate's name has a digit: quoted as written.
    identity.push(vec![verbatim("llama-cpp-2"), text(" (pins llama.cpp)")]);
    identity.extend(head(&["hardware"]));
    let mut sampling = head(&["model"]);
    sampling.extend(head(&[
        "temperature",
        "top-p",
        "top-k",
        "min-p",
        "repeat penalty",
        "max tokens",
        "seed (repetition r: seed + r)",
        "repetitions",
    ]));
    vec![
        Block::Heading(2, "Provenance".into()),
        Block::Para(run),
        Block::Table {
            header: identity,
            rows: (p.models.iter())
                .map(|(m, mp)| identity_row(m, mp))
                .collect(),
        },
        Block::Table {
            header: sampling,
            rows: (p.models.iter())
                .map(|(m, mp)| sampling_row(m, mp))
                .collect(),
        },
    ]
}

fn identity_row(m: &str, p: &ModelProvenance) -> Vec<Cell> {
    let or_unknown = |v: &Option<String>| vec![verbatim(v.clone().unwrap_or_else(|| "–".into()))];
    let identity = match (&p.gguf_sha256, &p.model_id) {
        (Some(sha), _) => vec![text("GGUF sha256 "), verbatim(sha.clone())],
        (None, Some(id)) => vec![
            text("model "),
            verbatim(id.clone()),
            text(" at "),
            verbatim(
                p.base_url
                    .clone()
                    .unwrap_or_else(|| "the default server".into()),
            ),
        ],
        (None, None) => vec![text("unknown")],
    };
    vec![
        vec![verbatim(m)],
        or_unknown(&p.backend),
        or_unknown(&p.quantization),
        identity,
        or_unknown(&p.llama_cpp_2),
        vec![verbatim(p.hardware.join("; "))],
    ]
}

fn sampling_row(m: &str, p: &ModelProvenance) -> Vec<Cell> {
    let mut row = vec![vec![verbatim(m)]];
    for (name, setting) in &p.params {
        row.push(vec![match setting {
            Setting::Same(v) => setting_fig(&format!("provenance.{m}.{name}"), *v),
            Setting::Varied => text("varied"),
        }]);
    }
    row.push(vec![match p.seed {
        Some(s) => count(format!("provenance.{m}.seed"), s),
        None => text("none"),
    }]);
    row.push(vec![count(
        format!("provenance.{m}.repetitions"),
        p.repetitions,
    )]);
    row
}

/// A stored parameter: the number as stored (a 32-bit float read as f64), shown as the
/// shortest decimal that reads back as that float (`0.7`, not `0.699999988079071`).
fn setting_fig(key: &str, v: f64) -> Span {
    fig(key.to_owned(), v.to_string(), (v as f32).to_string())
}

/// "THIS RUN IS INCOMPLETE: it stopped at its spending cap …": said before the verdict, since
/// every figure after it covers only the cells that ran.
pub(in crate::report) fn incomplete(stop: &RunStop) -> Vec<Span> {
    let mut s = vec![text("THIS RUN IS INCOMPLETE: ")];
    match stop {
        RunStop::MaxCost {
            spent, max_cost, ..
        } => s.extend([
            text("it stopped at its spending cap, "),
            money("run.spent", *spent),
            text(" spent of max_cost "),
            money("run.max_cost", *max_cost),
            text(", the next cell could have passed it; "),
        ]),
        RunStop::Cancelled { .. } => s.push(text("it was stopped before the end; ")),
        RunStop::Unstored { .. } => s.push(text("some cells that ran could not be stored; ")),
        RunStop::Unfinished { .. } => s.push(text(
            "it had not finished when this was read (still running, or killed); ",
        )),
    }
    s.extend([
        count("run.cells_left", stop.cells_left()),
        text(" planned cells did not run, and every figure below covers only the cells that did. Run the same spec again to finish it"),
        text(match stop {
            RunStop::MaxCost { .. } => " (with a higher max_cost).",
            _ => ".",
        }),
    ]);
    s
}
