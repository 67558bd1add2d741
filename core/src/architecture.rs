//! The layering rule of `lib.rs`, checked on the source: every `crate::…` and `super::…`
//! path in `core/src` is an arrow from its file to a module, and an arrow may not go up a
//! layer, from one use case to another, or round a circle (between top-level modules, or
//! between the files of one folder). A failure names `file:line → module`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every top-level module of the crate and its layer (`lib.rs` lists them in this order).
const LAYERS: &[(&str, u8)] = &[
    ("domain", 0),
    ("clock", 1),
    ("config", 1),
    ("emails", 1),
    ("error", 1),
    ("instance", 1),
    ("security", 1),
    ("store", 2),
    ("sync", 3),
    ("audit", 3),
    ("outbox", 3),
    ("work", 3),
    ("tokens", 3),
    ("affiliate_account", 3),
    ("legal", 3),
    ("desk", 4),
    ("backup", USE_CASES),
    ("registration", USE_CASES),
    ("consents", USE_CASES),
    ("erasure", USE_CASES),
    ("validation", USE_CASES),
    ("followups", USE_CASES),
    ("expiry", USE_CASES),
    ("staff", USE_CASES),
    ("roster", USE_CASES),
    ("receipt", USE_CASES),
    ("search", USE_CASES),
    // «Buscar»'s actions on a registration of another station, through the central database.
    ("across_stations", USE_CASES),
    ("settings", USE_CASES),
    ("status_bar", USE_CASES),
    ("readiness", USE_CASES),
    // Reports («Reportes»).
    ("reports", USE_CASES),
    // «Pendientes» and the audit log viewer.
    ("work_queues", USE_CASES),
    ("audit_log", USE_CASES),
    ("startup", 6),
];
const USE_CASES: u8 = 5;
/// Modules that are not part of the building: this test, and the inline `actions`
/// re-export kept for the shell.
const OUTSIDE: &[&str] = &["architecture", "actions"];

/// One source file: its path from `core/src`, the top-level module it belongs to, and
/// the folder module it sits in with its own name there (`staff`, `session`).
struct SourceFile {
    path: String,
    module: String,
    sibling: Option<(String, String)>,
    text: String,
}

/// An arrow found in the source.
#[derive(Debug, Clone)]
struct Arrow {
    from: String,
    to: String,
    at: String,
}

fn source_files() -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    collect(&root, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let relative = path
                .strip_prefix(&root)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            let parts: Vec<&str> = relative.trim_end_matches(".rs").split('/').collect();
            let module = parts[0].to_owned();
            if module == "lib" || OUTSIDE.contains(&module.as_str()) {
                return None;
            }
            // A file of a folder module, other than its mod.rs: a sibling of the others.
            let sibling = (parts.len() >= 2 && parts[1] != "mod")
                .then(|| (module.clone(), parts[1].to_owned()));
            Some(SourceFile {
                text: std::fs::read_to_string(&path).ok()?,
                path: relative,
                module,
                sibling,
            })
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("core/src is readable")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The first segment of each path after `prefix` on `line` (`crate::a::b` gives `a`,
/// `crate::{a, b::c}` gives `a` and `b`).
fn segments_after(line: &str, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 || (depth == 1 && c == ',') {
                    push_first(&item, &mut found);
                    item.clear();
                    if depth == 0 {
                        break;
                    }
                } else {
                    item.push(c);
                }
            }
        } else {
            push_first(rest, &mut found);
        }
    }
    found
}

fn push_first(path: &str, found: &mut Vec<String>) {
    let name: String = path
        .trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if !name.is_empty() && name != "self" {
        found.push(name);
    }
}

/// The code of a line without its comment (doc comments included).
fn code(line: &str) -> &str {
    line.split("//").next().unwrap_or_default()
}

/// The code lines of a file with their index, a `use` group spread over several lines
/// joined into one.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut joined: Vec<(usize, String)> = Vec::new();
    let mut open = 0i32;
    for (n, line) in text.lines().enumerate() {
        let line = code(line);
        let depth = line.matches('{').count() as i32 - line.matches('}').count() as i32;
        match joined.last_mut() {
            Some((_, last)) if open > 0 => last.push_str(line.trim()),
            _ => joined.push((n, line.to_owned())),
        }
        if open > 0 || line.trim_start().starts_with("use ") || line.contains(" use ") {
            open = (open + depth).max(0);
        }
    }
    joined
}

/// Arrows between top-level modules, and between sibling files of each folder.
fn arrows(files: &[SourceFile]) -> (Vec<Arrow>, Vec<Arrow>) {
    let siblings: BTreeSet<(String, String)> =
        files.iter().filter_map(|f| f.sibling.clone()).collect();
    let (mut modules, mut within) = (Vec::new(), Vec::new());
    for file in files {
        for (n, line) in logical_lines(&file.text) {
            let line = line.as_str();
            let at = format!("{}:{}", file.path, n + 1);
            for name in segments_after(line, "crate::") {
                if name != file.module {
                    modules.push(Arrow {
                        from: file.module.clone(),
                        to: name,
                        at: at.clone(),
                    });
                }
            }
            if let Some((folder, own)) = &file.sibling {
                // `super::credentials::…`, or `crate::staff::credentials::…`, from `staff/session.rs`.
                let in_folder = format!("crate::{folder}::");
                for prefix in ["super::super::", "super::", in_folder.as_str()] {
                    for sibling in segments_after(line, prefix) {
                        if sibling != *own && siblings.contains(&(folder.clone(), sibling.clone()))
                        {
                            within.push(Arrow {
                                from: format!("{folder}/{own}"),
                                to: format!("{folder}/{sibling}"),
                                at: at.clone(),
                            });
                        }
                    }
                }
            }
        }
    }
    (modules, within)
}

/// A circle of arrows, if the graph has one, as the arrows that make it.
fn circle(arrows: &[Arrow]) -> Option<Vec<Arrow>> {
    let mut graph: BTreeMap<&str, Vec<&Arrow>> = BTreeMap::new();
    for arrow in arrows {
        graph.entry(arrow.from.as_str()).or_default().push(arrow);
    }
    let mut done = BTreeSet::new();
    for start in graph.keys() {
        let mut path: Vec<&Arrow> = Vec::new();
        if let Some(found) = visit(start, &graph, &mut path, &mut done) {
            return Some(found);
        }
    }
    None
}

fn visit<'a>(
    node: &'a str,
    graph: &BTreeMap<&'a str, Vec<&'a Arrow>>,
    path: &mut Vec<&'a Arrow>,
    done: &mut BTreeSet<&'a str>,
) -> Option<Vec<Arrow>> {
    if done.contains(node) {
        return None;
    }
    if let Some(open) = path.iter().position(|a| a.from == node) {
        return Some(path[open..].iter().map(|a| (*a).clone()).collect());
    }
    for arrow in graph.get(node).into_iter().flatten() {
        path.push(arrow);
        if let Some(found) = visit(&arrow.to, graph, path, done) {
            return Some(found);
        }
        path.pop();
    }
    done.insert(node);
    None
}

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn describe(arrows: &[Arrow]) -> String {
    arrows
        .iter()
        .map(|a| format!("  {} → {} ({})", a.at, a.to, a.from))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_module_has_a_layer() {
    let lib = include_str!("lib.rs");
    let declared: Vec<String> = lib
        .lines()
        .map(code)
        .filter_map(|line| {
            let line = line.trim().trim_end_matches(';');
            let name = line.rsplit(' ').next()?;
            (line.starts_with("mod ") || line.contains(" mod ")).then(|| name.to_owned())
        })
        .filter(|name| !name.contains('{') && !OUTSIDE.contains(&name.as_str()))
        .collect();
    let missing: Vec<&String> = declared.iter().filter(|m| layer(m).is_none()).collect();
    assert!(
        missing.is_empty(),
        "modules without a layer in LAYERS: {missing:?}"
    );
    let files = source_files();
    for file in &files {
        assert!(layer(&file.module).is_some(), "{} has no layer", file.path);
    }
}

#[test]
fn no_module_imports_a_higher_layer_or_another_use_case() {
    let (arrows, _) = arrows(&source_files());
    let wrong: Vec<Arrow> = arrows
        .into_iter()
        .filter(|a| match (layer(&a.from), layer(&a.to)) {
            (Some(from), Some(to)) => to > from || (from == USE_CASES && to == USE_CASES),
            // A path into something that is not a module of ours (a macro's `$crate`).
            _ => false,
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "imports that go up a layer or between use cases:\n{}",
        describe(&wrong)
    );
}

#[test]
fn no_import_circles() {
    let (modules, within) = arrows(&source_files());
    let modules: Vec<Arrow> = modules
        .into_iter()
        .filter(|a| layer(&a.to).is_some())
        .collect();
    if let Some(found) = circle(&modules) {
        panic!(
            "modules import each other round a circle:\n{}",
            describe(&found)
        );
    }
    if let Some(found) = circle(&within) {
        panic!(
            "files of one folder import each other round a circle:\n{}",
            describe(&found)
        );
    }
}

#[test]
fn the_checker_sees_grouped_and_nested_paths() {
    assert_eq!(
        segments_after(
            "use crate::{domain::{A, B}, error::Result, self};",
            "crate::"
        ),
        ["domain", "error"]
    );
    assert_eq!(
        segments_after(
            "let x = crate::sync::share(&mut w); $crate::domain::X",
            "crate::"
        ),
        ["sync", "domain"]
    );
    assert!(segments_after("registro_crate::x", "crate::").is_empty());
    let lines = logical_lines("use crate::{\n    domain::A,\n    error::B,\n};\nfn f() {}\n");
    assert_eq!(lines.len(), 2);
    assert_eq!(segments_after(&lines[0].1, "crate::"), ["domain", "error"]);
    let arrow = |from: &str, to: &str| Arrow {
        from: from.into(),
        to: to.into(),
        at: "x.rs:1".into(),
    };
    assert!(circle(&[arrow("a", "b"), arrow("b", "c")]).is_none());
    let found = circle(&[arrow("a", "b"), arrow("b", "c"), arrow("c", "b")]).unwrap();
    assert_eq!(found.len(), 2);
}
