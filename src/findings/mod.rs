//! What an evaluation found, as data: the report's model. `eval` builds it (from the store or an
//! export file), `report` formats it; it holds no loader, so a formatter needs neither the store
//! nor a backend. Imports only `domain` and `analysis`.

pub mod cost;
pub mod decision;
pub mod eval;
pub mod judge;
pub mod provenance;
