//! The TUI's state machine, pure (no tokio, no terminal, no IO, no clock; `now` is passed in):
//! everything the TUI shows as plain data, the actions keys resolve to, the events that reach it,
//! the one reducer that changes state and the effects it asks the driver to perform. Imports only
//! `domain` and `analysis`; `tui` draws it and performs its effects.

pub mod action;
pub mod effect;
pub mod event;
pub mod keymap;
pub mod reducer;
pub mod state;
pub mod text_edit;
pub mod text_layout;
pub mod wrap;
