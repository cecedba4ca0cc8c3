//! Drawing the whole screen into a test terminal and reading it back as text.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use slam::tui::theme::Theme;
use slam::tui::widgets::screen::Screen;
use slam::tui_state::keymap::Keymap;
use slam::tui_state::state::AppState;

pub fn draw(state: &AppState) -> Buffer {
    let backend = TestBackend::new(state.width, state.height);
    let mut terminal = Terminal::new(backend).unwrap();
    let keymap = Keymap::defaults();
    let theme = Theme::default();
    terminal
        .draw(|f| {
            Screen {
                state,
                keymap: &keymap,
                theme: &theme,
            }
            .draw(f)
        })
        .unwrap();
    terminal.backend().buffer().clone()
}

pub fn text(buf: &Buffer) -> String {
    let area = buf.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
