//! The layers of DESIGN.md hold: data flows only downwards, and none of the imports that must
//! never be exists. The rules are those of the architecture sheet (parts, arrows, "never"),
//! kept here because the sheet is not part of the repository. Test-only code (test modules
//! and files) may reach anywhere to check a result; the module's own code may not.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A layer: its name, its folder under `src/`, its depth (data flows to greater depths).
struct Layer {
    name: &'static str,
    module: &'static str,
    depth: u8,
}

const LAYERS: &[Layer] = &[
    Layer {
        name: "Ffi",
        module: "ffi",
        depth: 0,
    },
    Layer {
        name: "Cryptoki",
        module: "cryptoki",
        depth: 1,
    },
    Layer {
        name: "Token",
        module: "token",
        depth: 2,
    },
    Layer {
        name: "Card",
        module: "card",
        depth: 3,
    },
    Layer {
        name: "Iso",
        module: "iso7816",
        depth: 4,
    },
    Layer {
        name: "Transport",
        module: "transport",
        depth: 4,
    },
];

/// The imports that must never be, with the reason the sheet gives.
const NEVER: &[(&str, &str, &str)] = &[
    ("Cryptoki", "Iso", "the state machine knows no APDU"),
    (
        "Cryptoki",
        "Transport",
        "the state machine knows readers via its own interface",
    ),
    (
        "Cryptoki",
        "Card",
        "the state machine sees tokens, not drivers",
    ),
    ("Token", "Transport", "the card connection belongs to card/"),
    ("Card", "Token", "drivers keep no PKCS#11 tables"),
    (
        "Card",
        "Cryptoki",
        "drivers know nothing of PKCS#11 sessions",
    ),
    ("Token", "Ffi", "no layer reaches up to the C boundary"),
    ("Iso", "Transport", "the codec is pure"),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Test-only files: `tests.rs`, `*_tests.rs`, `testing.rs`, `*_scenarios.rs`,
/// `scenarios.rs` and anything in a `tests/` folder (declared `#[cfg(test)]` by their parents).
fn is_test_file(path: &Path) -> bool {
    let name = path.file_stem().and_then(|n| n.to_str()).unwrap_or("");
    name == "tests"
        || name == "testing"
        || name.ends_with("_tests")
        || name.ends_with("scenarios")
        || path.components().any(|c| c.as_os_str() == "tests")
}

/// The module's own code of a file: everything before its first `#[cfg(test)]` item
/// (test modules come last, as rustfmt and this crate keep them).
fn code_of(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]" {
            let next = lines.peek().map(|l| l.trim()).unwrap_or("");
            // `#[cfg(test)] mod x;` declares a test file (skipped by name); an inline
            // `mod tests {` ends the file's own code.
            if next.starts_with("mod ") && next.ends_with('{') {
                break;
            }
            lines.next();
            continue;
        }
        // Comments may name any layer.
        let line = line.split("//").next().unwrap_or("");
        code.push_str(line);
        code.push('\n');
    }
    code
}

/// Layers `code` reaches through `crate::<module>` paths.
fn reached(code: &str) -> BTreeSet<&'static str> {
    LAYERS
        .iter()
        .filter(|l| {
            let path = format!("crate::{}", l.module);
            code.match_indices(&path).any(|(i, _)| {
                !code[i + path.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
            })
        })
        .map(|l| l.name)
        .collect()
}

fn layer(name: &str) -> &'static Layer {
    LAYERS.iter().find(|l| l.name == name).expect("layer")
}

#[test]
fn every_import_goes_down_and_none_is_forbidden() {
    let mut broken = Vec::new();
    for from in LAYERS {
        let mut files = Vec::new();
        rust_files(&src().join(from.module), &mut files);
        assert!(!files.is_empty(), "no files in src/{}", from.module);
        for file in files.iter().filter(|f| !is_test_file(f)) {
            let text = std::fs::read_to_string(file).expect("read");
            for to in reached(&code_of(&text)) {
                let to_layer = layer(to);
                if to == from.name {
                    continue;
                }
                let shown = file.strip_prefix(src()).unwrap_or(file).display();
                if let Some((_, _, why)) =
                    NEVER.iter().find(|(f, t, _)| *f == from.name && *t == to)
                {
                    broken.push(format!("{shown}: {} -> {to} never ({why})", from.name));
                } else if to_layer.depth <= from.depth {
                    broken.push(format!("{shown}: {} -> {to} goes up", from.name));
                }
            }
        }
    }
    assert!(broken.is_empty(), "layering broken:\n{}", broken.join("\n"));
}

/// The module never links the simulator: `cardsim` is at most a dev-dependency.
#[test]
fn the_module_never_links_the_simulator() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .expect("Cargo.toml");
    let mut section = "";
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line;
        } else if line.starts_with("cardsim") {
            assert_eq!(
                section, "[dev-dependencies]",
                "cardsim may only be a dev-dependency"
            );
        }
    }
    for file in ["lib.rs", "assembly.rs"] {
        let text = std::fs::read_to_string(src().join(file)).expect("read");
        assert!(!code_of(&text).contains("cardsim"), "{file} names cardsim");
    }
}

/// The checker itself: a forbidden import in the module's code is found, test code is not.
#[test]
fn the_checker_sees_imports_and_skips_tests() {
    assert_eq!(
        reached("use crate::transport::Channel;\nuse crate::card::{Card};"),
        BTreeSet::from(["Card", "Transport"])
    );
    assert!(reached("use crate::cardinal;").is_empty());
    let code = code_of("use crate::iso7816::tlv; // crate::token\n#[cfg(test)]\nmod tests {\n    use crate::token::X;\n}\n");
    assert_eq!(reached(&code), BTreeSet::from(["Iso"]));
    assert!(is_test_file(Path::new("src/token/session_tests.rs")));
    assert!(!is_test_file(Path::new("src/token/mod.rs")));
}
