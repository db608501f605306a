//! `Cargo.toml` rewriting: mirrored entries, order and comments kept, legacy dropped only when
//! asked.

use migrate::Primitives;
use migrate::manifest::rewrite_manifest;

const BOTH: Primitives = Primitives {
    memo: true,
    singleton: true,
};

fn show(input: &str, need: Primitives, drop: bool) -> String {
    let ch = rewrite_manifest(input, need, drop).expect("parses");
    format!(
        "--- output ---\n{}--- notes ---\n{}\n--- problems ---\n{}\n",
        ch.output,
        ch.notes.join("\n"),
        ch.problems.join("\n")
    )
}

#[test]
fn manifest_forms() {
    let input = r#"[package]
name = "app"
version = "0.1.0"

[dependencies]
anyhow = "1"   # errors
# caching
legacy-cache = { path = "../crates/legacy-cache/", default-features = false, features = ["polars"] }
serde = { version = "1", features = ["derive"] }

[dev-dependencies]
legacy-cache = "0.1"

[build-dependencies.legacy-cache]
workspace = true

[target.'cfg(unix)'.dependencies]
legacy-cache.workspace = true
"#;
    insta::assert_snapshot!("manifest_forms_drop", show(input, BOTH, true));
    insta::assert_snapshot!(
        "manifest_forms_keep",
        show(
            input,
            Primitives {
                memo: true,
                singleton: false
            },
            false
        )
    );
}

#[test]
fn manifest_problems_are_reported_not_guessed() {
    let input = "[dependencies]\nold = { package = \"legacy-cache\", version = \"0.1\" }\nlegacy-cache = { path = \"vendor/legacy_cache\" }\n";
    let ch = rewrite_manifest(input, BOTH, true).unwrap();
    assert_eq!(ch.output, input, "nothing is guessed");
    assert_eq!(ch.problems.len(), 2, "{:?}", ch.problems);
    assert!(ch.problems[0].contains("does not end in `legacy-cache`"));
}

#[test]
fn manifest_is_idempotent_and_leaves_unrelated_files_alone() {
    let input = "[dependencies]\nlegacy-cache = \"0.1\"\n";
    let once = rewrite_manifest(input, BOTH, true).unwrap().output;
    assert_eq!(
        once,
        "[dependencies]\nmemo = \"0.1\"\nsingleton = \"0.1\"\n"
    );
    assert_eq!(rewrite_manifest(&once, BOTH, true).unwrap().output, once);
    let unrelated = "[dependencies]\nserde = \"1\" # keep\n";
    assert_eq!(
        rewrite_manifest(unrelated, BOTH, true).unwrap().output,
        unrelated
    );
    assert!(rewrite_manifest("not = [toml", BOTH, true).is_err());
}

#[test]
fn a_trailing_comment_stays_on_its_line_only() {
    let input = "[dependencies]\nlegacy-cache = { path = \"../legacy-cache\" } # pinned for the demo\nserde = \"1\"\n";
    // Kept legacy line: the comment stays there, the new lines get none.
    let kept = rewrite_manifest(input, BOTH, false).unwrap().output;
    assert_eq!(
        kept,
        "[dependencies]\nlegacy-cache = { path = \"../legacy-cache\" } # pinned for the demo\nmemo = { path = \"../memo\" }\nsingleton = { path = \"../singleton\" }\nserde = \"1\"\n"
    );
    // Dropped legacy line: its first replacement takes the line and its comment.
    let dropped = rewrite_manifest(input, BOTH, true).unwrap().output;
    assert_eq!(
        dropped,
        "[dependencies]\nmemo = { path = \"../memo\" } # pinned for the demo\nsingleton = { path = \"../singleton\" }\nserde = \"1\"\n"
    );
}

#[test]
fn features_that_exist_on_a_successor_are_carried_and_others_reported() {
    let input = "[dependencies]\nlegacy-cache = { path = \"../legacy-cache\", features = [\"polars\", \"fancy\"] }\n";
    let ch = rewrite_manifest(input, BOTH, true).unwrap();
    assert_eq!(
        ch.output,
        "[dependencies]\nmemo = { path = \"../memo\", features = [\"polars\"] }\nsingleton = { path = \"../singleton\", features = [\"polars\"] }\n"
    );
    assert_eq!(ch.problems.len(), 2, "{:?}", ch.problems);
    assert!(
        ch.problems[0].contains("feature `fancy`") && ch.problems[0].contains("`memo`"),
        "{:?}",
        ch.problems
    );
    // Only unknown features: the key goes, not an empty list.
    let only = "[dependencies]\nlegacy-cache = { version = \"0.1\", features = [\"fancy\"] }\n";
    let out = rewrite_manifest(only, BOTH, true).unwrap().output;
    assert_eq!(
        out,
        "[dependencies]\nmemo = { version = \"0.1\" }\nsingleton = { version = \"0.1\" }\n"
    );
}
