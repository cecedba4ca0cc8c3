//! The provenance of an eval run from its plain cells' records: manifests, parameters,
//! repetitions, the session's start and prompt-set hash.

use std::collections::{BTreeMap, BTreeSet};

use crate::findings::provenance::{ModelProvenance, PARAMETERS, Provenance, Setting};
use crate::store::records::{ExportLine, MachineRecord};

pub fn of(lines: &[&ExportLine]) -> Provenance {
    let first = lines.first().map(|l| &l.session);
    let mut by_model: BTreeMap<&str, Vec<&ExportLine>> = BTreeMap::new();
    for l in lines {
        by_model
            .entry(l.generation.model.as_str())
            .or_default()
            .push(l);
    }
    let versions: BTreeSet<String> = (lines.iter())
        .filter_map(|l| manifest_text(l, "slam_version"))
        .collect();
    Provenance {
        started: first.map(|s| s.created_at.clone()),
        slam_versions: versions.into_iter().collect(),
        prompt_set: first.and_then(|s| s.prompt_set.clone()),
        prompt_set_sha256: first.and_then(|s| s.prompt_set_hash.clone()),
        stopped: first.and_then(|s| s.stopped.clone()),
        models: (by_model.into_iter())
            .map(|(m, cells)| (m.to_owned(), model(&cells)))
            .collect(),
    }
}

fn model(cells: &[&ExportLine]) -> ModelProvenance {
    // One value when every cell agrees (a cell without one disagrees).
    let same = |read: &dyn Fn(&ExportLine) -> Option<String>| {
        let values: BTreeSet<Option<String>> = cells.iter().map(|l| read(l)).collect();
        match values.into_iter().collect::<Vec<_>>().as_slice() {
            [Some(v)] => Some(v.clone()),
            _ => None,
        }
    };
    let param = |name: &str| -> Setting {
        let values: Vec<Option<f64>> = (cells.iter())
            .map(|l| l.generation.params.as_ref()?.get(name)?.as_f64())
            .collect();
        match values.first() {
            Some(Some(v)) if values.iter().all(|x| *x == Some(*v)) => Setting::Same(*v),
            _ => Setting::Varied,
        }
    };
    let hardware: BTreeSet<String> = (cells.iter())
        .filter_map(|l| l.generation.machine())
        .map(machine_line)
        .collect();
    ModelProvenance {
        backend: same(&|l| manifest_text(l, "backend")),
        quantization: same(&|l| manifest_text(l, "quantization")),
        gguf_sha256: same(&|l| manifest_text(l, "gguf_sha256")),
        base_url: same(&|l| manifest_text(l, "base_url")),
        model_id: same(&|l| manifest_text(l, "model_id")),
        llama_cpp_2: same(&|l| manifest_text(l, "llama_cpp_2_version")),
        hardware: hardware.into_iter().collect(),
        repetitions: (cells.iter())
            .map(|l| l.generation.repetition.max(0) as u64 + 1)
            .max()
            .unwrap_or(0),
        seed: (cells.iter())
            .filter_map(|l| l.generation.params.as_ref()?.get("seed")?.as_u64())
            .min(),
        params: PARAMETERS.iter().map(|p| (*p, param(p))).collect(),
    }
}

fn manifest_text(l: &ExportLine, key: &str) -> Option<String> {
    let v = l.generation.manifest.as_ref()?.get(key)?;
    v.as_str().map(str::to_owned)
}

/// "AMD EPYC, 2 logical CPUs, 24 GiB RAM, no GPU, linux/x86_64".
pub fn machine_line(h: MachineRecord) -> String {
    let gpus = (h.gpus.as_ref())
        .filter(|g| !g.is_empty())
        .map(|g| {
            g.iter()
                .map(|x| x.name().replace('"', ""))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_else(|| "no GPU".into());
    let ram_gib = (h.ram_bytes).map(|b| format!("{:.0} GiB RAM", b / f64::from(1u32 << 30)));
    [
        h.cpu,
        h.logical_cpus.map(|n| format!("{n} logical CPUs")),
        ram_gib,
        Some(gpus),
        h.os.zip(h.arch).map(|(o, a)| format!("{o}/{a}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ")
}
