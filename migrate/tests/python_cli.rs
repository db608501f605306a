//! The `cache-migrate` binary on trees that mix Rust and Python: one walk, one report, the
//! same exit codes, `--lang` to restrict, and files with syntax errors left byte-identical.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cache-migrate"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const APP: &str = "import streamlit as st\n\n# @st.cache stays a comment\n@st.cache(suppress_st_warning=True)\ndef load(n):\n    return list(range(n))\n\nst.write(load(3))\n";
const MIGRATED: &str = "import streamlit as st\n\n# @st.cache stays a comment\n@st.cache_data\ndef load(n):\n    return list(range(n))\n\nst.write(load(3))\n";
const BROKEN: &str = "import streamlit as st\n\n@st.cache\ndef f(:\n    pass\n";
const LIB: &str = "use legacy_cache::cache;\n\n#[cache]\npub fn load(n: u32) -> Vec<u32> {\n    (0..n).collect()\n}\n";

fn tree(with_broken: bool) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir_all(d.path().join("app/pages")).unwrap();
    fs::write(d.path().join("app/streamlit_app.py"), APP).unwrap();
    fs::write(
        d.path().join("app/pages/clean.py"),
        "print('no streamlit here')\n",
    )
    .unwrap();
    fs::write(d.path().join("app/requirements.txt"), "streamlit==1.10.0\n").unwrap();
    fs::write(d.path().join("lib.rs"), LIB).unwrap();
    if with_broken {
        fs::write(d.path().join("app/pages/broken.py"), BROKEN).unwrap();
    }
    d
}

#[test]
fn one_walk_both_languages_check_exit_1() {
    let d = tree(false);
    let o = run(d.path(), &["--check"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("would rewrite: ./app/streamlit_app.py"), "{t}");
    assert!(t.contains("would rewrite: ./lib.rs"), "{t}");
    assert!(t.contains("warning[streamlit-pin]"), "{t}");
    assert!(t.contains("(1 .rs, 3 Python)"), "{t}");
    // --check writes nothing.
    assert_eq!(
        fs::read_to_string(d.path().join("app/streamlit_app.py")).unwrap(),
        APP
    );
}

#[test]
fn lang_restricts_the_walk() {
    let d = tree(false);
    let o = run(d.path(), &["--check", "--lang", "py"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains("streamlit_app.py") && !t.contains("lib.rs"),
        "{t}"
    );

    let o = run(
        d.path(),
        &["--check", "--lang", "rs", "app/streamlit_app.py", "lib.rs"],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        !t.contains("streamlit_app.py") && t.contains("lib.rs"),
        "{t}"
    );

    let o = run(d.path(), &["--lang", "cobol"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("unknown language `cobol`"),
        "{}",
        text(&o)
    );
}

#[test]
fn syntax_error_is_located_and_left_alone_while_others_are_written() {
    let d = tree(true);
    let o = run(d.path(), &["--write", "--lang", "py"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("error[parse-error]"), "{t}");
    assert!(t.contains("broken.py:4:7"), "{t}");
    assert_eq!(
        fs::read_to_string(d.path().join("app/pages/broken.py")).unwrap(),
        BROKEN
    );
    assert_eq!(
        fs::read_to_string(d.path().join("app/streamlit_app.py")).unwrap(),
        MIGRATED
    );
    // Requirements files are reported, never edited.
    assert_eq!(
        fs::read_to_string(d.path().join("app/requirements.txt")).unwrap(),
        "streamlit==1.10.0\n"
    );
    // A second run has nothing left to rewrite.
    fs::remove_file(d.path().join("app/pages/broken.py")).unwrap();
    let o = run(d.path(), &["--check", "--lang", "py"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn json_names_python_files_and_rules() {
    let d = tree(false);
    let o = run(d.path(), &["--format", "json", "--lang", "py"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["changed_files"][0]["kind"], "python");
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"streamlit-pin"), "{rules:?}");
    assert!(rules.contains(&"option-dropped"), "{rules:?}");
    assert_eq!(v["summary"]["files_scanned"], 3);
}

#[test]
fn help_explains_both_languages() {
    let o = run(Path::new("."), &["--help"]);
    let t = text(&o);
    assert!(t.contains("#[legacy_cache::cache]"), "{t}");
    assert!(t.contains("@st.cache"), "{t}");
    assert!(t.contains("--lang"), "{t}");
}
