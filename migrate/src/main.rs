//! `cache-migrate`: command-line front end. See the crate docs of `migrate`.

use clap::{Parser, ValueEnum};
use migrate::lang::Languages;
use migrate::render;
use migrate::run::{Config, Mode, parse_size, run};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Color {
    /// Colour when stderr is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Migrate legacy caching code, in Rust and in Python Streamlit apps.
///
/// Rust (`.rs`): `#[legacy_cache::cache]` becomes `#[memo]` / `#[singleton]`, and `Cargo.toml`
/// dependencies follow.
///
/// Python (`.py`): `@st.cache` becomes `@st.cache_data` / `@st.cache_resource` (decorators,
/// call forms, `from streamlit import cache`), `st.experimental_memo` / `st.experimental_singleton`
/// are renamed, `st.legacy_caching.clear_cache()` becomes `.clear()` calls, and legacy-only
/// keywords are removed; `requirements*.txt` / `pyproject.toml` pins below streamlit 1.18 are
/// reported.
///
/// Both languages go through one walk and one report; the language is chosen by extension.
/// By default prints a unified diff and a summary and writes nothing.
/// Exit status: 0 clean, 1 `--check` found changes, 2 errors.
#[derive(Debug, Parser)]
#[command(name = "cache-migrate", version)]
struct Cli {
    /// Files or directories to process (default: `.`).
    paths: Vec<PathBuf>,
    /// Apply the edits (refuses files with uncommitted changes unless --allow-dirty).
    #[arg(long, conflicts_with = "check")]
    write: bool,
    /// Write nothing; exit 1 if anything would change.
    #[arg(long)]
    check: bool,
    /// With --check or --write, also print the diff.
    #[arg(long)]
    diff: bool,
    /// Allow --write on files with uncommitted changes.
    #[arg(long)]
    allow_dirty: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Do not touch Cargo.toml files.
    #[arg(long)]
    no_manifest: bool,
    /// Parse every file, not only .rs files that mention `legacy_cache`, a `Shared`-only method
    /// (`mutate`, `ptr_eq`, `refresh`, `snapshot`) or a `try_` companion, and .py files that
    /// mention `streamlit`.
    #[arg(long)]
    parse_all: bool,
    /// Languages to process, comma-separated: `rs`, `py` (default: both).
    #[arg(long, value_name = "LANGS", default_value = "rs,py", value_parser = Languages::parse)]
    lang: Languages,
    /// When to colour the diagnostics.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Files larger than this are an error for that file (exit 2) and are not read; the rest
    /// of the run proceeds. A byte count or K, M, G (binary units).
    #[arg(long, value_name = "SIZE", default_value = "16M", value_parser = parse_size)]
    max_file_size: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mode = if cli.write {
        Mode::Write
    } else if cli.check {
        Mode::Check
    } else {
        Mode::Diff
    };
    let config = Config {
        paths: cli.paths.clone(),
        mode,
        allow_dirty: cli.allow_dirty,
        parse_all: cli.parse_all,
        no_manifest: cli.no_manifest,
        languages: cli.lang,
        max_file_size: Some(cli.max_file_size),
    };
    let report = run(&config);
    let code = report.exit_code(mode);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match cli.format {
        Format::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&render::json(&report, mode)).unwrap_or_default()
        ),
        Format::Text => {
            let styled = match cli.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            let mut text = String::new();
            if mode == Mode::Diff || cli.diff {
                for f in report.changed() {
                    text.push_str(&render::diff(f));
                }
            }
            if mode != Mode::Diff {
                for f in report.changed() {
                    let verb = if f.written {
                        "rewrote"
                    } else if mode == Mode::Write {
                        "not written"
                    } else {
                        "would rewrite"
                    };
                    text.push_str(&format!("{verb}: {}\n", f.path.display()));
                }
            }
            let diags = render::diagnostics(&report, styled);
            let _ = std::io::stderr().write_all(diags.as_bytes());
            text.push_str(&render::summary(&report, mode));
            out.write_all(text.as_bytes())
        }
    };
    if result.is_err() {
        return ExitCode::from(2);
    }
    ExitCode::from(code as u8)
}
