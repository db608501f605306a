//! Which front end handles a file: decided by its name, and restricted by `--lang`.

use std::path::Path;

/// A front end of `cache-migrate`.
///
/// ```
/// use migrate::lang::Language;
/// use std::path::Path;
/// assert_eq!(Language::of(Path::new("app.py")), Some(Language::Python));
/// assert_eq!(Language::of(Path::new("requirements-dev.txt")), Some(Language::PythonRequirements));
/// assert_eq!(Language::of(Path::new("notes.txt")), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// A `.rs` file.
    Rust,
    /// A `.py` file (a Streamlit app or module).
    Python,
    /// `requirements*.txt` or `pyproject.toml`: checked for a Streamlit pin, never edited.
    PythonRequirements,
}

impl Language {
    /// The front end for a walked file, or `None` for files no front end reads.
    pub fn of(path: &Path) -> Option<Language> {
        let name = path.file_name()?.to_str()?;
        if name.ends_with(".rs") {
            Some(Language::Rust)
        } else if name.ends_with(".py") {
            Some(Language::Python)
        } else if name == "pyproject.toml"
            || (name.starts_with("requirements") && name.ends_with(".txt"))
        {
            Some(Language::PythonRequirements)
        } else {
            None
        }
    }
}

/// The languages a run processes (`--lang rs,py`); both by default.
///
/// ```
/// use migrate::lang::{Language, Languages};
/// let only_py = Languages::parse("py").unwrap();
/// assert!(only_py.wants(Language::PythonRequirements) && !only_py.wants(Language::Rust));
/// assert!(Languages::parse("rs,cobol").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Languages {
    /// Process `.rs` files (and `Cargo.toml`).
    pub rust: bool,
    /// Process `.py` files and Python requirement files.
    pub python: bool,
}

impl Default for Languages {
    fn default() -> Self {
        Languages {
            rust: true,
            python: true,
        }
    }
}

impl Languages {
    /// Parses a comma-separated list of `rs`/`rust` and `py`/`python`.
    pub fn parse(list: &str) -> Result<Languages, String> {
        let mut l = Languages {
            rust: false,
            python: false,
        };
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "rs" | "rust" => l.rust = true,
                "py" | "python" => l.python = true,
                other => {
                    return Err(format!(
                        "unknown language `{other}`: expected a comma-separated list of `rs` and `py`"
                    ));
                }
            }
        }
        if !l.rust && !l.python {
            return Err("no language given: expected `rs`, `py` or `rs,py`".into());
        }
        Ok(l)
    }

    /// Whether files of `lang` are processed.
    pub fn wants(self, lang: Language) -> bool {
        match lang {
            Language::Rust => self.rust,
            Language::Python | Language::PythonRequirements => self.python,
        }
    }
}
