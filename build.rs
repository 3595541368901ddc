//! Embeds the ceremony vectors for `tests/vectors.rs`: writes `$OUT_DIR/vectors.rs`, a list of
//! `(file name, include_str!(file))` for every `tests/vectors/*.json`, so that dropping a file in
//! adds a test and the harness runs without a filesystem (wasm32 under Viceroy).

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default()).join("tests/vectors");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|name| name.ends_with(".json"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from("/// Every `tests/vectors/*.json`: (file name, contents).\npub const VECTORS: &[(&str, &str)] = &[\n");
    for name in &names {
        let path = dir.join(name);
        let _ = writeln!(out, "    ({name:?}, include_str!({:?})),", path.display().to_string());
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = std::fs::write(out_dir.join("vectors.rs"), out) {
        println!("cargo:warning=could not write vectors.rs: {e}");
    }
}
