//! One widget per file; each renders from state (and the theme) only: no IO in rendering.

pub mod editor;
pub mod hardware_bar;
pub mod help;
pub mod hint_bar;
pub mod pane;
pub mod params;
pub mod picker;
pub mod prompt_file;
pub mod screen;
