//! Keeps the arrows between the app's top-level modules pointing one way (docs/architecture.md).
//!
//! It reads every `crate::…` path in `app/src` (in `use` lines and inline, grouped `{…}` lists
//! included) and fails on
//! - an arrow from a lower layer to a higher one (infrastructure naming a feature, say),
//! - a cycle between top-level modules,
//! - a path into another module's `service` (use what its `mod.rs` re-exports instead).
//!
//! There is no allow-list: the tree holds to all three (issue 26 emptied the one it began with).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module's layer. Arrows point to the same layer or a lower one.
const LAYERS: &[(&str, u8)] = &[
    // The pure core.
    ("domain", 0),
    // Infrastructure and cross-cutting engines: they name no feature.
    ("error", 1),
    ("entities", 1),
    ("i18n", 1),
    ("ui", 1),
    ("db", 1),
    ("clock", 1),
    ("jobs", 1),
    ("state", 1),
    ("auth", 1),
    ("audit", 1),
    ("notifications", 1),
    ("exports", 1),
    // Features.
    ("account", 2),
    ("org", 2),
    ("customers", 2),
    ("pipeline", 2),
    ("targets", 2),
    ("fieldwork", 2),
    ("analytics", 2),
    ("imports", 2),
    // Composition: pages that show several features, and demo tooling.
    ("dashboard", 3),
    ("shell", 3),
    ("seed", 3),
    ("seed_customers", 3),
    ("seed_fieldwork", 3),
    ("seed_pipeline", 3),
];

/// What one source tree says about its modules.
#[derive(Default)]
struct Graph {
    /// from → to, each with one file that shows it.
    edges: BTreeMap<(String, String), String>,
    /// (from, "to::service") → one file that shows it.
    service_paths: BTreeMap<(String, String), String>,
}

impl Graph {
    fn add_file(&mut self, from: &str, file: &str, source: &str) {
        for path in crate_paths(source) {
            let mut segments = path.split("::");
            let Some(to) = segments.next() else { continue };
            if to == from || to == "*" || to.is_empty() {
                continue;
            }
            self.edges
                .entry((from.to_owned(), to.to_owned()))
                .or_insert_with(|| file.to_owned());
            if path.split("::").skip(1).any(|s| s == "service") {
                self.service_paths
                    .entry((from.to_owned(), format!("{to}::service")))
                    .or_insert_with(|| file.to_owned());
            }
        }
    }

    /// Every rule broken, as readable lines.
    fn violations(&self) -> Vec<String> {
        let layer = |m: &str| LAYERS.iter().find(|(name, _)| *name == m).map(|(_, l)| *l);
        let mut found = Vec::new();
        for ((from, to), file) in &self.edges {
            match (layer(from), layer(to)) {
                (None, _) => found.push(format!("{from} has no layer in LAYERS ({file})")),
                (_, None) => found.push(format!("{to} has no layer in LAYERS ({file})")),
                (Some(a), Some(b)) if a < b => found.push(format!(
                    "{from} (layer {a}) points up to {to} (layer {b}) in {file}"
                )),
                _ => {}
            }
        }
        let arrows: BTreeSet<(String, String)> = self.edges.keys().cloned().collect();
        for cycle in cycles(&arrows) {
            found.push(format!("cycle: {}", cycle.join(" → ")));
        }
        for ((from, path), file) in &self.service_paths {
            found.push(format!("{from} reaches into {path} in {file}"));
        }
        found
    }
}

/// Every path that starts with `crate::`, grouped lists expanded (`crate::{a::{b, c}, d}` gives
/// `a::b`, `a::c`, `d`). Line comments are skipped.
fn crate_paths(source: &str) -> Vec<String> {
    let code: String = source
        .lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut paths = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let preceded_by_ident = rest[..at]
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
        rest = &rest[at + "crate::".len()..];
        if preceded_by_ident {
            continue; // `$crate::` or a longer name
        }
        let (tree, used) = parse_tree(rest);
        rest = &rest[used..];
        paths.extend(tree);
    }
    paths
}

/// Parses `a::b::{c, d::e}` at the start of `input`: the paths it names and the bytes it used.
fn parse_tree(input: &str) -> (Vec<String>, usize) {
    let bytes = input.as_bytes();
    let mut at = 0;
    let skip_space = |at: &mut usize| {
        while *at < bytes.len() && (bytes[*at] as char).is_whitespace() {
            *at += 1;
        }
    };
    skip_space(&mut at);
    if at < bytes.len() && bytes[at] == b'{' {
        at += 1;
        let mut paths = Vec::new();
        loop {
            skip_space(&mut at);
            if at >= bytes.len() {
                return (paths, at);
            }
            match bytes[at] {
                b'}' => return (paths, at + 1),
                b',' => at += 1,
                _ => {
                    let (inner, used) = parse_tree(&input[at..]);
                    if used == 0 {
                        at += 1; // something unexpected (`self`, `as x`): step over it
                    } else {
                        paths.extend(inner);
                        at += used;
                    }
                }
            }
        }
    }
    let start = at;
    while at < bytes.len()
        && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_' || bytes[at] == b'*')
    {
        at += 1;
    }
    if at == start {
        return (Vec::new(), 0);
    }
    let head = &input[start..at];
    if input[at..].starts_with("::") {
        let (tails, used) = parse_tree(&input[at + 2..]);
        if used > 0 {
            let paths = tails.into_iter().map(|t| format!("{head}::{t}")).collect();
            return (paths, at + 2 + used);
        }
    }
    (vec![head.to_owned()], at)
}

/// The cycles of a directed graph: each strongly connected component with more than one node.
fn cycles(edges: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&str> = edges
        .iter()
        .flat_map(|(a, b)| [a.as_str(), b.as_str()])
        .collect();
    let reaches = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_owned()];
        while let Some(n) = todo.pop() {
            for (a, b) in edges {
                if *a == n && seen.insert(b.clone()) {
                    todo.push(b.clone());
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&str, BTreeSet<String>> = nodes.iter().map(|n| (*n, reaches(n))).collect();
    let mut done = BTreeSet::new();
    let mut found = Vec::new();
    for n in &nodes {
        if done.contains(*n) || !reach[n].contains(*n) {
            continue;
        }
        let component: Vec<String> = nodes
            .iter()
            .filter(|m| reach[n].contains(**m) && reach[*m].contains(*n))
            .map(|m| m.to_string())
            .collect();
        done.extend(component.iter().cloned());
        found.push(component);
    }
    found
}

fn read_tree() -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = Graph::default();
    let mut todo = vec![root.clone()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).expect("read app/src") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                todo.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let top = relative
                .split('/')
                .next()
                .unwrap()
                .trim_end_matches(".rs")
                .to_owned();
            if top == "lib" {
                continue; // the crate root composes everything
            }
            let source = std::fs::read_to_string(&path).expect("read source");
            graph.add_file(&top, &relative, &source);
        }
    }
    graph
}

#[test]
fn arrows_between_modules_point_one_way() {
    let graph = read_tree();
    assert!(
        graph.edges.len() > 20,
        "the scan found too few arrows to be reading the tree"
    );
    let violations = graph.violations();
    assert!(
        violations.is_empty(),
        "architecture rules broken:\n{}",
        violations.join("\n")
    );
}

#[test]
fn grouped_and_inline_paths_are_all_read() {
    let source = "use crate::{auth::{current_user, Role}, ui::Pager};\n\
                  // crate::commented::out\n\
                  let x = crate::pipeline::service::today();\n\
                  macro_rules! m { () => { $crate::not_ours }; }";
    let mut paths = crate_paths(source);
    paths.sort();
    assert_eq!(
        paths,
        [
            "auth::Role",
            "auth::current_user",
            "pipeline::service::today",
            "ui::Pager"
        ]
    );
}

#[test]
fn a_reintroduced_cycle_upward_arrow_or_service_reach_fails() {
    let mut graph = Graph::default();
    graph.add_file("customers", "customers/a.rs", "use crate::pipeline::Board;");
    graph.add_file(
        "pipeline",
        "pipeline/b.rs",
        "use crate::customers::service::find;",
    );
    graph.add_file("auth", "auth/c.rs", "use crate::analytics::Alerts;");
    let violations = graph.violations();
    assert!(
        violations
            .iter()
            .any(|v| v == "cycle: customers → pipeline"),
        "{violations:?}"
    );
    assert!(violations
        .iter()
        .any(|v| v.starts_with("auth (layer 1) points up to analytics")));
    assert!(violations
        .iter()
        .any(|v| v.starts_with("pipeline reaches into customers::service")));
    assert_eq!(violations.len(), 3, "{violations:?}");
}
