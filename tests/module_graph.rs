//! The `use` graph of `src/` between rooms (top-level modules) follows the map in `src/lib.rs`'s
//! doc comment: a room imports only the rooms its row allows, every room is on the map, there is
//! no cycle, and the pure rooms do no IO and read no clock. docs/development.md carries the same
//! map. A fixture tree with a forbidden edge proves the check fails when it should.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: src/tui_state/reducer/rating.rs → [core, reducer, rating].
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The identifier at the start of `s`.
fn ident(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The names a path continues with: `x…` → [x]; `{a, b::c, d}` → [a, b, d] (also over lines).
fn heads(tail: &str) -> Vec<String> {
    let Some(group) = tail.strip_prefix('{') else {
        return vec![ident(tail)];
    };
    let mut out = Vec::new();
    let (mut depth, mut expecting) = (1, true);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 1 => break,
            '}' => depth -= 1,
            ',' if depth == 1 => expecting = true,
            c if expecting && depth == 1 && !c.is_whitespace() => {
                out.push(ident(&group[i..]));
                expecting = false;
            }
            _ => {}
        }
    }
    out
}

/// The top-level modules code refers to: `crate::X…` and `crate::{X, Y}`, or `super::…` chains
/// that climb out to the crate root. Comments are left out.
fn references(code: &str, path: &[String]) -> Vec<String> {
    let code: String = code
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let rest = &code[i..];
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if boundary && rest.starts_with("crate::") {
            out.extend(heads(&rest[7..]));
            i += 7;
            continue;
        }
        if boundary && rest.starts_with("super::") {
            let mut supers = 0;
            let mut tail = rest;
            while let Some(t) = tail.strip_prefix("super::") {
                supers += 1;
                tail = t;
            }
            // A file's own module counts as one level (a `foo.rs` or `foo/mod.rs`).
            if supers >= path.len() {
                out.extend(heads(tail));
            }
            i += 7 * supers;
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    out.retain(|m| !m.is_empty() && m != "self");
    out
}

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The edges between the rooms of the source tree at `src`.
fn graph_of(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut edges: Graph = BTreeMap::new();
    for file in files {
        let path = module_path(src, &file);
        let Some(top) = path.first().cloned() else {
            continue;
        };
        if top == "lib" || top == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for target in references(&text, &path) {
            let is_module = src.join(&target).is_dir() || src.join(format!("{target}.rs")).exists();
            if target != top && is_module {
                edges.entry(top.clone()).or_default().insert(target);
            }
        }
        edges.entry(top).or_default();
    }
    edges
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// A room of the map: which rooms it may import, and whether it is pure.
#[derive(Debug, PartialEq)]
struct Room {
    may_import: BTreeSet<String>,
    pure: bool,
}

/// The map: the rows of the `| room | holds | may import |` table in `text` (a doc comment's
/// `//! ` is taken off first). A row names its room in backticks, `(pure)` after it for a pure
/// room, and the rooms it may import in backticks (`—` for none).
fn map_of(text: &str) -> BTreeMap<String, Room> {
    let mut map = BTreeMap::new();
    let mut in_table = false;
    for line in text.lines() {
        let line = line.trim_start_matches("//!").trim();
        if line.starts_with("| room |") {
            in_table = true;
            continue;
        }
        if !in_table || line.starts_with("|---") {
            continue;
        }
        if !line.starts_with('|') {
            if !map.is_empty() {
                break;
            }
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 3, "a map row has three cells: {line}");
        let names = |cell: &str| -> Vec<String> {
            cell.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect()
        };
        let room = names(cells[0]);
        assert_eq!(room.len(), 1, "a map row names one room: {line}");
        map.insert(
            room[0].clone(),
            Room {
                may_import: names(cells[2]).into_iter().collect(),
                pure: cells[0].contains("(pure)"),
            },
        );
    }
    map
}

fn lib_map() -> BTreeMap<String, Room> {
    map_of(&std::fs::read_to_string(src().join("lib.rs")).unwrap())
}

/// What breaks the map: an edge it does not allow, a room not on it.
fn violations(edges: &Graph, map: &BTreeMap<String, Room>) -> Vec<String> {
    let mut out = Vec::new();
    for (room, targets) in edges {
        let Some(row) = map.get(room) else {
            out.push(format!("{room} is not on the map"));
            continue;
        };
        for target in targets.difference(&row.may_import) {
            out.push(format!("{room} imports {target}"));
        }
    }
    out
}

/// Code a pure room must not hold: IO, a clock, threads, the terminal. Test modules (from
/// `#[cfg(test)]` on, and `tests.rs` / `*_tests.rs` files) may.
const IMPURE: [&str; 12] = [
    "tokio",
    "std::fs",
    "fs::",
    "std::net",
    "std::process",
    "std::env",
    "std::thread",
    "Instant::now",
    "SystemTime::now",
    "reqwest",
    "rusqlite",
    "crossterm",
];

fn impurities(src: &Path, room: &str) -> Vec<String> {
    let mut files = Vec::new();
    let dir = src.join(room);
    if dir.is_dir() {
        rust_files(&dir, &mut files);
    }
    let file = src.join(format!("{room}.rs"));
    if file.exists() {
        files.push(file);
    }
    let mut out = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in code.lines().enumerate() {
            let line = line.split("//").next().unwrap_or("");
            for word in IMPURE.iter().filter(|w| line.contains(*w)) {
                out.push(format!("{}:{}: {word}", file.display(), n + 1));
            }
        }
    }
    out
}

fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, edges, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|n| visit(n, edges, &mut Vec::new(), &mut done))
}

#[test]
fn references_are_read_from_code_not_comments() {
    let here = vec!["app".to_owned(), "run".to_owned()];
    assert_eq!(
        references("use crate::engine::X; // crate::tui", &here),
        ["engine"]
    );
    assert_eq!(
        references("use super::factory::F;", &here),
        Vec::<String>::new()
    );
    assert_eq!(references("use super::super::store::S;", &here), ["store"]);
    assert_eq!(
        references("let x = mycrate::a;", &here),
        Vec::<String>::new()
    );
}

#[test]
fn a_cycle_is_found_when_there_is_one() {
    fn edge(edges: &mut BTreeMap<String, BTreeSet<String>>, a: &str, b: &str) {
        edges.entry(a.into()).or_default().insert(b.into());
    }
    let mut edges = BTreeMap::new();
    edge(&mut edges, "cli", "app");
    edge(&mut edges, "app", "core");
    edge(&mut edges, "tui", "app");
    assert_eq!(find_cycle(&edges), None);
    edge(&mut edges, "app", "tui");
    assert_eq!(find_cycle(&edges).unwrap(), ["app", "tui", "app"]);
}

#[test]
fn the_map_is_read_from_the_doc_comment() {
    let map = map_of(
        "//! prose\n//! | room | holds | may import |\n//! |---|---|---|\n\
         //! | `a` (pure) | x | — |\n//! | `b` | y, `not` | `a`, `c` |\n//!\n//! | `z` | after | — |",
    );
    assert_eq!(map.len(), 2, "{map:?}");
    assert!(map["a"].pure && map["a"].may_import.is_empty());
    assert!(!map["b"].pure);
    assert_eq!(map["b"].may_import, ["a", "c"].map(String::from).into());
}

#[test]
fn the_readme_carries_the_same_map() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/development.md"))
            .unwrap();
    let (readme, lib) = (map_of(&readme), lib_map());
    assert!(lib.len() >= 10, "the map in src/lib.rs: {lib:?}");
    assert_eq!(
        readme, lib,
        "docs/development.md's map differs from src/lib.rs's"
    );
}

#[test]
fn the_module_graph_has_no_cycle() {
    let edges = graph_of(&src());
    println!("{edges:#?}");
    if let Some(cycle) = find_cycle(&edges) {
        panic!(
            "import cycle between modules: {}\nthe graph: {edges:#?}",
            cycle.join(" → ")
        );
    }
}

#[test]
fn every_import_is_on_the_map() {
    let (edges, map) = (graph_of(&src()), lib_map());
    let bad = violations(&edges, &map);
    assert!(
        bad.is_empty(),
        "edges the map in src/lib.rs does not allow: {bad:#?}"
    );
    // Every room of the map exists (a renamed folder would make the check vacuous).
    for room in map.keys() {
        assert!(
            edges.contains_key(room),
            "{room} is on the map but not in src/"
        );
    }
    // The map itself points one way: a room only imports rooms listed above it.
    let order: Vec<&String> = {
        let text = std::fs::read_to_string(src().join("lib.rs")).unwrap();
        let mut rows: Vec<(usize, &String)> = map
            .keys()
            .map(|r| (text.find(&format!("| `{r}`")).unwrap(), r))
            .collect();
        rows.sort();
        rows.into_iter().map(|(_, r)| r).collect()
    };
    for (i, room) in order.iter().enumerate() {
        for target in &map[*room].may_import {
            let at = order.iter().position(|r| *r == target);
            assert!(
                at.is_some_and(|at| at < i),
                "{room} may import {target}, listed below it"
            );
        }
    }
}

#[test]
fn the_pure_rooms_do_no_io() {
    let map = lib_map();
    let pure: Vec<&String> = map.iter().filter(|(_, r)| r.pure).map(|(n, _)| n).collect();
    assert!(pure.len() >= 3, "pure rooms: {pure:?}");
    for room in pure {
        let bad = impurities(&src(), room);
        assert!(bad.is_empty(), "{room} is pure but holds: {bad:#?}");
    }
}

#[test]
fn the_check_fails_on_a_forbidden_edge() {
    // tests/data/module_graph/src: `domain` imports `tui`, which the map forbids, and a room that
    // is not on the map; `domain` also reads the clock.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/module_graph/src");
    let edges = graph_of(&fixture);
    let bad = violations(&edges, &lib_map());
    assert_eq!(
        bad,
        ["domain imports tui", "stray is not on the map"],
        "{edges:#?}"
    );
    let impure = impurities(&fixture, "domain");
    assert_eq!(impure.len(), 1, "{impure:?}");
    assert!(impure[0].ends_with("mod.rs:6: Instant::now"), "{impure:?}");
}
