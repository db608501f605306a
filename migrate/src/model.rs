//! Shared vocabulary: rules, edits, findings and their classification.

use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// How much trust an edit deserves, in the sense of ruff's fix applicability.
///
/// ```
/// use migrate::Applicability;
/// assert_eq!(Applicability::Review.as_str(), "review");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Mechanical: behaviour is unchanged.
    Safe,
    /// Applied, but a human should check it: behaviour may change.
    Review,
    /// Informational only.
    Info,
}

impl Applicability {
    /// The kebab-case name used in JSON and in the text report.
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Review => "review",
            Applicability::Info => "info",
        }
    }
}

/// Every rule the rewriter knows. The kebab-case name is stable and appears in reports.
///
/// ```
/// use migrate::Rule;
/// assert_eq!(Rule::CacheToMemo.as_str(), "cache-to-memo");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// `#[cache]` without `allow_output_mutation` becomes `#[memo]`.
    CacheToMemo,
    /// `#[cache(allow_output_mutation = true)]` becomes `#[singleton]`.
    CacheToSingleton,
    /// The return type looks like a resource, so `#[singleton]` was chosen.
    ResourceToSingleton,
    /// The return type cannot be serialized, so `#[singleton]` was chosen.
    UnserializableReturn,
    /// `persist = true` becomes `persist = "disk"`.
    PersistToDisk,
    /// `persist` dropped because singletons are not persisted.
    PersistDropped,
    /// An option with no successor (`suppress_st_warning`, `allow_output_mutation`, `persist = false`).
    OptionDropped,
    /// The harness-only `sampling` option dropped.
    SamplingDropped,
    /// `max_entries` kept: the successors evict by CLOCK where the legacy cache evicted the
    /// least recently used entry.
    EvictionClock,
    /// A constant `hash_funcs` entry replaced by `_`-prefixed parameters.
    HashFuncsUnderscore,
    /// A `hash_funcs` entry that had to be kept.
    HashFuncsKept,
    /// A `hash_funcs` entry that matches no hashed parameter (the successors reject it).
    HashFuncsDropped,
    /// A `#[memo]` return type defined in the file without `Serialize + Deserialize`.
    NotStorable,
    /// A parameter already named `_x`: hashed before, ignored now.
    UnderscoreParam,
    /// A result mutated through `Shared::mutate` or `Shared::try_mutate`: the function keeps
    /// the legacy cache.
    SharedMutation,
    /// A result used through another `Shared<T>`-only API (`ptr_eq`, `refresh`, `snapshot`, a
    /// `Shared<T>`-typed local), or the function called through its `try_f` companion: the
    /// function keeps the legacy cache.
    SharedApi,
    /// `Shared<T>` written in a type position.
    SharedType,
    /// `legacy_cache::clear_cache()` replaced by the primitives' global clears.
    ClearCache,
    /// `use` declarations rewritten.
    Import,
    /// `Cargo.toml` dependencies rewritten.
    Manifest,
    /// Legacy code inside a macro body, which syn cannot see into.
    MacroBody,
    /// A legacy attribute in a form the tool does not rewrite.
    Unsupported,
    /// The file could not be read.
    IoError,
    /// The file is not UTF-8.
    NonUtf8,
    /// The file is larger than `--max-file-size`.
    FileTooLarge,
    /// The file does not parse.
    ParseError,
    /// The rewritten text failed validation (a bug in the tool; nothing was written).
    InternalError,
    // Python front end (Streamlit apps).
    /// `st.cache` becomes `st.cache_data`.
    CacheToCacheData,
    /// `st.cache(allow_output_mutation=True)` becomes `st.cache_resource`.
    CacheToCacheResource,
    /// The function returns a resource (connection, model, handle), so `st.cache_resource`.
    ResourceReturn,
    /// `allow_output_mutation=True` on a function that returns data.
    DataInResource,
    /// `st.experimental_memo` / `st.experimental_singleton` renamed.
    ExperimentalRename,
    /// A legacy-only keyword removed from `st.cache_data` / `st.cache_resource`.
    LegacyKeyword,
    /// An `st.*` element or widget call inside a function that becomes `st.cache_data`.
    ElementInCacheData,
    /// A method's `self` would now be hashed.
    SelfHashed,
    /// A caller mutates the shared result of a `st.cache_resource` function.
    MutatedResource,
    /// `requirements.txt` / `pyproject.toml` pins Streamlit below 1.18.
    StreamlitPin,
}

impl Rule {
    /// The kebab-case name used in JSON and in the text report.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::CacheToMemo => "cache-to-memo",
            Rule::CacheToSingleton => "cache-to-singleton",
            Rule::ResourceToSingleton => "resource-to-singleton",
            Rule::UnserializableReturn => "unserializable-return",
            Rule::PersistToDisk => "persist-to-disk",
            Rule::PersistDropped => "persist-dropped",
            Rule::OptionDropped => "option-dropped",
            Rule::SamplingDropped => "sampling-dropped",
            Rule::EvictionClock => "eviction-clock",
            Rule::HashFuncsUnderscore => "hash-funcs-underscore",
            Rule::HashFuncsKept => "hash-funcs-kept",
            Rule::HashFuncsDropped => "hash-funcs-dropped",
            Rule::NotStorable => "not-storable",
            Rule::UnderscoreParam => "underscore-param",
            Rule::SharedMutation => "shared-mutation",
            Rule::SharedApi => "shared-api",
            Rule::SharedType => "shared-type",
            Rule::ClearCache => "clear-cache",
            Rule::Import => "import",
            Rule::Manifest => "manifest",
            Rule::MacroBody => "macro-body",
            Rule::Unsupported => "unsupported",
            Rule::IoError => "io-error",
            Rule::NonUtf8 => "non-utf8",
            Rule::FileTooLarge => "file-too-large",
            Rule::ParseError => "parse-error",
            Rule::InternalError => "internal-error",
            Rule::CacheToCacheData => "cache-to-cache-data",
            Rule::CacheToCacheResource => "cache-to-cache-resource",
            Rule::ResourceReturn => "resource-return",
            Rule::DataInResource => "data-in-resource",
            Rule::ExperimentalRename => "experimental-rename",
            Rule::LegacyKeyword => "legacy-keyword",
            Rule::ElementInCacheData => "element-in-cache-data",
            Rule::SelfHashed => "self-hashed",
            Rule::MutatedResource => "mutated-resource",
            Rule::StreamlitPin => "streamlit-pin",
        }
    }
}

/// One byte-range splice on the original text.
///
/// ```
/// use migrate::{Applicability, Edit, Rule};
/// let e = Edit::new(0..5, "memo", Rule::CacheToMemo, Applicability::Safe, "rename");
/// assert_eq!(e.range, 0..5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Byte range in the original text.
    pub range: Range<usize>,
    /// Text that replaces the range.
    pub replacement: String,
    /// The rule that produced the edit.
    pub rule: Rule,
    /// Whether the edit is mechanical or needs a look.
    pub applicability: Applicability,
    /// One-line description.
    pub message: String,
}

impl Edit {
    /// Builds an edit.
    pub fn new(
        range: Range<usize>,
        replacement: impl Into<String>,
        rule: Rule,
        applicability: Applicability,
        message: impl Into<String>,
    ) -> Self {
        Edit {
            range,
            replacement: replacement.into(),
            rule,
            applicability,
            message: message.into(),
        }
    }
}

/// Something a human should know: a hazard, a skipped site, or a note about an edit.
///
/// ```
/// use migrate::{Applicability, Finding, Rule};
/// let f = Finding::new(3..8, Rule::SharedType, Applicability::Review, "Shared<T> here");
/// assert!(f.help.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Byte range in the original text that the finding points at.
    pub range: Range<usize>,
    /// Rule name.
    pub rule: Rule,
    /// `Review` (needs a human) or `Info`.
    pub applicability: Applicability,
    /// What was found.
    pub message: String,
    /// The fix, or why the tool did not apply one.
    pub help: Option<String>,
}

impl Finding {
    /// Builds a finding without help text.
    pub fn new(
        range: Range<usize>,
        rule: Rule,
        applicability: Applicability,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            range,
            rule,
            applicability,
            message: message.into(),
            help: None,
        }
    }

    /// Adds help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Which successor primitives a file or package uses after migration.
///
/// ```
/// use migrate::Primitives;
/// let mut p = Primitives::default();
/// p.memo = true;
/// assert!(p.any());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Primitives {
    /// `#[memo]` is used.
    pub memo: bool,
    /// `#[singleton]` is used.
    pub singleton: bool,
}

impl Primitives {
    /// True when either primitive is used.
    pub fn any(self) -> bool {
        self.memo || self.singleton
    }

    /// Union of two sets.
    pub fn union(self, other: Primitives) -> Primitives {
        Primitives {
            memo: self.memo || other.memo,
            singleton: self.singleton || other.singleton,
        }
    }
}

/// Converts a byte offset to a 1-based (line, column) pair; the column counts characters.
///
/// ```
/// assert_eq!(migrate::line_col("ab\ncd", 4), (2, 2));
/// ```
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_col(text, offset)
}

/// The start of every line of a text, so that [`line_col`] lookups cost a binary search and the
/// length of one line instead of a scan from the start: a file with many findings would
/// otherwise take time quadratic in its size.
///
/// ```
/// let text = "ab\ncd\né!";
/// let index = migrate::LineIndex::new(text);
/// assert_eq!(index.line_col(text, 4), (2, 2));
/// assert_eq!(index.line_col(text, 8), (3, 2));
/// assert_eq!(index.line_span(text, 4..4), (3..5, 2));
/// ```
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 0-based index of the line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// 1-based (line, column) of a byte offset of the indexed `text`; the column counts
    /// characters.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let col = text[self.starts[line]..offset].chars().count() + 1;
        (line + 1, col)
    }

    /// The whole lines a byte range of `text` touches, without the final line break, and the
    /// 1-based number of the first.
    pub fn line_span(&self, text: &str, range: Range<usize>) -> (Range<usize>, usize) {
        let first = self.line_of(range.start.min(text.len()));
        let last = self.line_of(range.end.min(text.len()));
        let end = self
            .starts
            .get(last + 1)
            .map_or(text.len(), |&next| next - 1);
        let end = if end > self.starts[first] && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end - 1
        } else {
            end
        };
        (self.starts[first]..end.max(self.starts[first]), first + 1)
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Facts gathered from every file before any file is rewritten (by a front end's pre-scan, such
/// as [`crate::prescan`]).
///
/// ```
/// let facts = migrate::GlobalFacts::default();
/// assert!(facts.blocked.is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct GlobalFacts {
    /// Names of functions that carry a legacy cache attribute somewhere in the run.
    pub legacy_fns: HashSet<String>,
    /// Functions that must stay on the legacy cache, with the reasons (file:line locations).
    pub blocked: HashMap<String, Vec<String>>,
    /// Names the legacy attribute is re-exported under somewhere in the run.
    pub reexported_attrs: HashSet<String>,
    /// Names the legacy crate is re-exported under somewhere in the run.
    pub reexported_crates: HashSet<String>,
}

/// A file-level problem: the file is left untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// Rule name (`parse-error`, `macro-body`, ...).
    pub rule: Rule,
    /// Human-readable message.
    pub message: String,
    /// Where, when known (byte range in the file).
    pub range: Option<Range<usize>>,
}

/// The result of analysing one file, whatever its language.
#[derive(Debug, Clone)]
pub struct FileAnalysis {
    /// The rewritten text (equal to the input when there are no edits). Already re-parsed.
    pub output: String,
    /// Edits on the original text.
    pub edits: Vec<Edit>,
    /// Findings, sorted by position.
    pub findings: Vec<Finding>,
    /// Primitives the rewritten sites of this file use.
    pub uses: Primitives,
    /// A `clear_cache()` call was left because this file uses no primitive; the driver retries
    /// with the package's primitives.
    pub unresolved_clear: bool,
    /// Number of legacy `clear_cache()` calls found.
    pub clear_sites: usize,
    /// Number of legacy attribute sites left on the legacy cache.
    pub kept_sites: usize,
    /// The rewritten text still names `legacy_cache`.
    pub legacy_remaining: bool,
}

/// Package-level context the driver hands to a file's analysis.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnalyzeOptions {
    /// Primitives to clear in `clear_cache()` replacements when the file itself uses none.
    pub fallback_clear: Primitives,
    /// Keep a `legacy_cache::clear_cache()` call in each replacement, because some functions of
    /// the package stay on the legacy cache.
    pub keep_legacy_clear: bool,
}
