//! The screens open, as a stack: the top one is shown, and Esc leaves it for the one it was
//! opened from. Opening a screen already open brings it to the top (the stack never holds a
//! screen twice, so going back and forth between two screens does not grow it).

use super::Mode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screens {
    /// Bottom first; never empty.
    stack: Vec<Mode>,
}

impl Screens {
    pub fn new(first: Mode) -> Self {
        Self { stack: vec![first] }
    }

    /// The screen shown.
    pub fn top(&self) -> Mode {
        self.stack.last().copied().unwrap_or(Mode::Picker)
    }

    /// Show `mode` over the current screen (brought up from below if it is open already).
    pub fn open(&mut self, mode: Mode) {
        self.stack.retain(|m| *m != mode);
        self.stack.push(mode);
    }

    /// Leave the screen shown for the one it was opened from. The last screen stays: `false`.
    pub fn back(&mut self) -> bool {
        if self.stack.len() > 1 {
            self.stack.pop();
            true
        } else {
            false
        }
    }

    /// Leave `mode` if it is shown (a popup that closes itself).
    pub fn close(&mut self, mode: Mode) {
        if self.top() == mode {
            self.back();
        }
    }

    /// Only `mode` open, as at a fresh start.
    pub fn reset(&mut self, mode: Mode) {
        self.stack = vec![mode];
    }

    /// The screen drawn under the popups on top (the parameters over the comparison, …).
    pub fn underneath(&self) -> Mode {
        self.stack
            .iter()
            .rev()
            .copied()
            .find(|m| !m.is_popup())
            .unwrap_or(Mode::Picker)
    }

    /// Bottom first.
    pub fn stack(&self) -> &[Mode] {
        &self.stack
    }
}

impl Mode {
    /// Drawn over another screen rather than in its place.
    pub fn is_popup(self) -> bool {
        matches!(
            self,
            Mode::Params | Mode::PromptFile | Mode::Note | Mode::Pull
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_walks_the_way_in_and_reopening_does_not_grow_the_stack() {
        let mut s = Screens::new(Mode::Picker);
        for m in [Mode::Editor, Mode::Compare, Mode::Params] {
            s.open(m);
        }
        assert_eq!(
            s.underneath(),
            Mode::Compare,
            "a popup is drawn over its screen"
        );
        s.open(Mode::Hardware);
        s.open(Mode::Editor);
        assert_eq!(
            s.stack(),
            [
                Mode::Picker,
                Mode::Compare,
                Mode::Params,
                Mode::Hardware,
                Mode::Editor
            ]
        );
        let mut walked = Vec::new();
        while s.back() {
            walked.push(s.top());
        }
        assert_eq!(
            walked,
            [Mode::Hardware, Mode::Params, Mode::Compare, Mode::Picker]
        );
        assert!(!s.back(), "the first screen stays");
        assert_eq!(s.top(), Mode::Picker);
    }
}
