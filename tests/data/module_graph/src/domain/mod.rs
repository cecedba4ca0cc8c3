// A fixture for tests/module_graph.rs: a pure room that imports a front end and reads the clock.
use crate::tui::Screen;

pub fn drawn(screen: &Screen) -> bool {
    // crate::cli in a comment is not an edge.
    let _ = std::time::Instant::now();
    screen.0
}
