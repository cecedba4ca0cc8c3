//! Which cells a spec asks for, which are stored already, and which stored ones no longer match.

use std::collections::HashMap;

use super::cell::CellIdentity;
use super::spec::EvalSpec;
use crate::store::records::ExportLine;

/// Where a cell sits: input id, model, repetition, sweep level.
pub type Coordinates = (String, String, u32, Option<u32>);

#[derive(Debug, Clone)]
pub struct PlannedCell {
    pub input: usize,
    pub item: String,
    pub model: usize,
    pub model_name: String,
    pub repetition: u32,
    pub level: Option<u32>,
    pub identity: CellIdentity,
}

impl PlannedCell {
    pub fn coordinates(&self) -> Coordinates {
        (
            self.item.clone(),
            self.model_name.clone(),
            self.repetition,
            self.level,
        )
    }
}

pub struct Plan {
    pub cells: Vec<PlannedCell>,
}

impl Plan {
    /// Every cell, repetition by repetition (each input's first answer comes first).
    pub fn new(spec: &EvalSpec, shas: &HashMap<usize, String>, levels: &[Option<u32>]) -> Self {
        let mut cells = Vec::new();
        for level in levels {
            for repetition in 0..spec.repetitions {
                for (i, input) in spec.inputs.iter().enumerate() {
                    for (m, model) in spec.models.iter().enumerate() {
                        let r = &model.model;
                        let mut params = r.params.clone();
                        params.seed = Some(spec.seed.wrapping_add(repetition));
                        let identity = CellIdentity::new(
                            &r.conversation(&input.prompt),
                            &params,
                            &r.identity(shas.get(&m).map(String::as_str)),
                            *level,
                        );
                        cells.push(PlannedCell {
                            input: i,
                            item: input.id.clone(),
                            model: m,
                            model_name: r.name().to_owned(),
                            repetition,
                            level: *level,
                            identity,
                        });
                    }
                }
            }
        }
        Self { cells }
    }

    /// The stored cells of a run by their coordinates.
    pub fn stored(&self, lines: &[ExportLine]) -> HashMap<Coordinates, CellIdentity> {
        lines
            .iter()
            .filter_map(|l| {
                let identity: CellIdentity =
                    serde_json::from_value(l.generation.cell.clone()?).ok()?;
                let coordinates = (
                    l.prompt.item.clone()?,
                    l.generation.model.clone(),
                    u32::try_from(l.generation.repetition).ok()?,
                    identity.level,
                );
                Some((coordinates, identity))
            })
            .collect()
    }

    /// Planned cells whose stored counterpart was produced differently, and what differs.
    pub fn mismatches(
        &self,
        stored: &HashMap<Coordinates, CellIdentity>,
    ) -> Vec<(PlannedCell, Vec<&'static str>)> {
        self.cells
            .iter()
            .filter_map(|c| {
                let old = stored.get(&c.coordinates())?;
                (old.key != c.identity.key).then(|| (c.clone(), c.identity.differences(old)))
            })
            .collect()
    }
}

/// "the prompt … changed for 12 cells (inputs a, b, c …)" for each kind of change.
pub fn describe(mismatches: &[(PlannedCell, Vec<&'static str>)]) -> String {
    let mut by_change: Vec<(&'static str, Vec<&PlannedCell>)> = Vec::new();
    for (cell, what) in mismatches {
        for w in what {
            match by_change.iter_mut().find(|(k, _)| k == w) {
                Some((_, cells)) => cells.push(cell),
                None => by_change.push((w, vec![cell])),
            }
        }
    }
    by_change
        .iter()
        .map(|(what, cells)| {
            let mut inputs: Vec<&str> = cells.iter().map(|c| c.item.as_str()).collect();
            inputs.dedup();
            let shown: Vec<&str> = inputs.iter().take(5).copied().collect();
            let more = if inputs.len() > 5 { ", …" } else { "" };
            format!(
                "{what} changed for {} cell(s) (inputs {}{more})",
                cells.len(),
                shown.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}
