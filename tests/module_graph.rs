//! The `use` graph of `src/` between top-level modules has no cycle, and the layers point the
//! way DESIGN.md says: `core` is pure and imports no other room, `app` never imports a front
//! end, and the front ends (`cli`, `tui`) never import each other's insides except `cli`
//! starting the TUI.

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

/// The module path of a file: src/core/reducer/rating.rs → [core, reducer, rating].
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

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let path = module_path(&src, &file);
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
fn the_module_graph_has_no_cycle() {
    let edges = graph();
    println!("{edges:#?}");
    if let Some(cycle) = find_cycle(&edges) {
        panic!(
            "import cycle between modules: {}\nthe graph: {edges:#?}",
            cycle.join(" → ")
        );
    }
}

#[test]
fn the_layers_point_the_right_way() {
    let edges = graph();
    let imports = |m: &str| edges.get(m).cloned().unwrap_or_default();
    assert!(
        imports("core").is_empty(),
        "core is pure: {:?}",
        imports("core")
    );
    assert!(
        imports("engine").iter().all(|m| m == "core"),
        "engine: {:?}",
        imports("engine")
    );
    for front in ["cli", "tui"] {
        assert!(!imports("app").contains(front), "app imports {front}");
        assert!(!imports("eval").contains(front), "eval imports {front}");
        assert!(!imports("report").contains(front), "report imports {front}");
    }
    assert!(!imports("tui").contains("cli"), "tui imports cli");
    // Every room exists in the graph (a renamed folder would make these checks vacuous).
    for m in [
        "app", "cli", "config", "core", "engine", "eval", "monitor", "report", "store", "tui",
    ] {
        assert!(edges.contains_key(m), "{m} missing from {edges:#?}");
    }
}
