pub fn stray() -> bool {
    crate::tui::ok()
}
