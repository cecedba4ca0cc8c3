//! One widget per file; each renders from state (and the theme) only: no IO in rendering.

pub mod editor;
pub mod eval_live;
pub mod hardware_bar;
pub mod hardware_view;
pub mod help;
pub mod hint_bar;
pub mod input_line;
pub mod leaderboard;
pub mod pane;
pub mod params;
pub mod picker;
pub mod prompt_strip;
pub mod pull;
pub mod rating_bar;
pub mod report;
pub mod screen;
pub mod sessions;

use ratatui::layout::Rect;

/// A `width`×`height` rectangle in the middle of `area` (clipped to it), for popups.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let (width, height) = (width.min(area.width), height.min(area.height));
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}
