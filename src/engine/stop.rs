//! Stop strings over a stream: text that might be the start of a stop string is held back
//! until the next chunk decides, so no stop string (or part of one) is ever emitted.

#[derive(Debug, Clone, Default)]
pub struct StopMatcher {
    stops: Vec<String>,
    held: String,
}

#[derive(Debug, PartialEq, Eq)]
pub struct StopOutput {
    /// Text safe to emit now.
    pub emit: String,
    /// A stop string was found; nothing after it may be emitted.
    pub stopped: bool,
}

impl StopMatcher {
    pub fn new(stops: &[String]) -> Self {
        Self {
            stops: stops.iter().filter(|s| !s.is_empty()).cloned().collect(),
            held: String::new(),
        }
    }

    pub fn push(&mut self, chunk: &str) -> StopOutput {
        if self.stops.is_empty() {
            return StopOutput {
                emit: chunk.to_owned(),
                stopped: false,
            };
        }
        self.held.push_str(chunk);
        if let Some(at) = self.stops.iter().filter_map(|s| self.held.find(s)).min() {
            let emit = self.held[..at].to_owned();
            self.held.clear();
            return StopOutput {
                emit,
                stopped: true,
            };
        }
        let keep = self.longest_partial_suffix();
        let split = self.held.len() - keep;
        let emit = self.held[..split].to_owned();
        self.held.drain(..split);
        StopOutput {
            emit,
            stopped: false,
        }
    }

    /// Text still held back when the stream ends without a stop string.
    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.held)
    }

    /// Length in bytes of the longest suffix of `held` that is a proper prefix of a stop string.
    fn longest_partial_suffix(&self) -> usize {
        let mut best = 0;
        for stop in &self.stops {
            for (len, _) in stop.char_indices().skip(1) {
                if len > best && self.held.ends_with(&stop[..len]) {
                    best = len;
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stops: &[&str], chunks: &[&str]) -> (String, bool) {
        let stops: Vec<String> = stops.iter().map(|s| s.to_string()).collect();
        let mut m = StopMatcher::new(&stops);
        let mut out = String::new();
        for c in chunks {
            let o = m.push(c);
            out.push_str(&o.emit);
            if o.stopped {
                return (out, true);
            }
        }
        out.push_str(&m.finish());
        (out, false)
    }

    #[test]
    fn no_stops_passes_through() {
        assert_eq!(run(&[], &["a", "b"]), ("ab".into(), false));
    }

    #[test]
    fn stop_inside_one_chunk() {
        assert_eq!(run(&["END"], &["hello END world"]), ("hello ".into(), true));
    }

    #[test]
    fn stop_split_across_chunks_is_never_emitted() {
        let stops = vec!["\n\nUser:".to_string()];
        let mut m = StopMatcher::new(&stops);
        assert_eq!(m.push("Paris.\n").emit, "Paris.");
        assert_eq!(m.push("\nUs").emit, "");
        let o = m.push("er: next");
        assert_eq!(
            o,
            StopOutput {
                emit: String::new(),
                stopped: true
            }
        );
    }

    #[test]
    fn held_text_released_when_it_stops_matching() {
        assert_eq!(run(&["END"], &["EN", "D?"]), ("".into(), true));
        assert_eq!(run(&["END"], &["EN", "X"]), ("ENX".into(), false));
        assert_eq!(run(&["END"], &["E"]), ("E".into(), false));
    }

    #[test]
    fn earliest_of_several_stops_wins() {
        assert_eq!(run(&["b", "a"], &["xab"]), ("x".into(), true));
    }

    #[test]
    fn multibyte_prefixes_split_on_char_boundaries() {
        assert_eq!(run(&["é!"], &["caf", "é", "!"]), ("caf".into(), true));
        assert_eq!(run(&["é!"], &["café"]), ("café".into(), false));
    }
}
