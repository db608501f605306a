//! Generated programs for the structured fuzz target: imports of the legacy crate in every form
//! the tool resolves, cached functions with any mix of options, parameters and return types in
//! modules, impls and function bodies, and callers that read, mutate, clone, compare or clear.
//! Rendering is deterministic and always produces text; whether it parses is the tool's
//! business (a syntax error must be a clean per-file error).

use arbitrary::Arbitrary;
use std::fmt::Write;

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Name {
    A,
    B,
    Cached,
    Lc,
    F,
    Inner,
}

impl Name {
    fn as_str(self) -> &'static str {
        match self {
            Name::A => "a",
            Name::B => "b",
            Name::Cached => "cached",
            Name::Lc => "lc",
            Name::F => "f",
            Name::Inner => "inner",
        }
    }
}

#[derive(Arbitrary, Debug)]
pub enum Import {
    Cache,
    CacheAs(Name),
    Crate,
    CrateAs(Name),
    Glob,
    Group,
    Shared,
    ClearAs(Name),
    ExternAs(Name),
    PubReexport(Name),
    Memo,
    Singleton,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum AttrForm {
    Bare,
    Qualified,
    LeadingColons,
    Alias(Name),
    CfgAttr,
    CfgAttrNested,
    Unrelated,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Ty {
    U32,
    Str,
    VecU8,
    Db,
    Path,
    Generic,
}

impl Ty {
    fn as_str(self) -> &'static str {
        match self {
            Ty::U32 => "u32",
            Ty::Str => "&str",
            Ty::VecU8 => "Vec<u8>",
            Ty::Db => "&Db",
            Ty::Path => "&db::Conn",
            Ty::Generic => "Option<Vec<u8>>",
        }
    }
    fn key(self) -> &'static str {
        match self {
            Ty::U32 => "u32",
            Ty::Str => "str",
            Ty::VecU8 => "Vec<u8>",
            Ty::Db => "Db",
            Ty::Path => "db::Conn",
            Ty::Generic => "Option<Vec<u8>>",
        }
    }
}

#[derive(Arbitrary, Debug)]
pub enum Opt {
    Ttl(u16),
    TtlStr,
    MaxEntries(u8),
    Persist(bool),
    AllowMutation(bool),
    SuppressWarning,
    Sampling(bool),
    ShowSpinner(bool),
    HashFuncs(Vec<(Ty, bool)>),
    InImpl,
    Unknown,
    Comment,
    Flag,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Param {
    Plain(Ty),
    Underscore(Ty),
    Wild(Ty),
    Raw(Ty),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Ret {
    Unit,
    U32,
    VecU32,
    Conn,
    Ref,
    ImplIter,
    Result,
    Mutex,
    Shared,
    Tuple,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Body {
    Const,
    UsesParams,
    Empty,
    Macro,
    Shadow,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Place {
    Top,
    Mod(Name),
    Impl,
    FnLocal,
    MacroRules,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Use {
    Read,
    Mutate,
    MutateClone,
    TryMutate,
    PtrEq,
    TryCompanion,
    Refresh,
    Snapshot,
    Destructure,
    Assign,
    Clear,
    ClearAlias(Name),
    SharedTyped,
    InMacro,
}

#[derive(Arbitrary, Debug)]
pub struct Item {
    pub attr: AttrForm,
    pub options: Vec<Opt>,
    pub name: Name,
    pub params: Vec<Param>,
    pub ret: Ret,
    pub body: Body,
    pub place: Place,
    pub uses: Vec<Use>,
    pub comment: bool,
}

#[derive(Arbitrary, Debug)]
pub struct Program {
    pub imports: Vec<Import>,
    pub items: Vec<Item>,
    pub crlf: bool,
    pub bom: bool,
}

impl Program {
    /// The program as source text.
    pub fn render(&self) -> String {
        let mut s = String::new();
        if self.bom {
            s.push('\u{feff}');
        }
        for i in &self.imports {
            s.push_str(&render_import(i));
            s.push('\n');
        }
        s.push_str("pub struct Db;\nmod db {\n    pub struct Conn;\n}\nfn zero<T: ?Sized>(_v: &T) -> u64 {\n    0\n}\nfn size<T: ?Sized>(v: &T) -> usize {\n    std::mem::size_of_val(v)\n}\n\n");
        for (n, item) in self.items.iter().enumerate() {
            render_item(&mut s, item, n);
        }
        if self.crlf {
            s = s.replace('\n', "\r\n");
        }
        s
    }
}

fn render_import(i: &Import) -> String {
    match i {
        Import::Cache => "use legacy_cache::cache;".into(),
        Import::CacheAs(n) => format!("use legacy_cache::cache as {};", n.as_str()),
        Import::Crate => "use legacy_cache;".into(),
        Import::CrateAs(n) => format!("use legacy_cache as {};", n.as_str()),
        Import::Glob => "use legacy_cache::*;".into(),
        Import::Group => "use legacy_cache::{cache, clear_cache, Shared};".into(),
        Import::Shared => "use legacy_cache::Shared;".into(),
        Import::ClearAs(n) => format!("use legacy_cache::clear_cache as {};", n.as_str()),
        Import::ExternAs(n) => format!("extern crate legacy_cache as {};", n.as_str()),
        Import::PubReexport(n) => format!("pub use legacy_cache::cache as {};", n.as_str()),
        Import::Memo => "use memo::memo;".into(),
        Import::Singleton => "use {singleton::singleton, std::fmt};".into(),
    }
}

fn render_opt(o: &Opt) -> String {
    match o {
        Opt::Ttl(t) => format!("ttl = {t}"),
        Opt::TtlStr => "ttl = \"1h\"".into(),
        Opt::MaxEntries(m) => format!("max_entries = {m}"),
        Opt::Persist(b) => format!("persist = {b}"),
        Opt::AllowMutation(b) => format!("allow_output_mutation = {b}"),
        Opt::SuppressWarning => "suppress_st_warning = true".into(),
        Opt::Sampling(b) => format!("sampling = {b}"),
        Opt::ShowSpinner(b) => format!("show_spinner = {b}"),
        Opt::HashFuncs(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(t, constant)| {
                    format!("{} = {}", t.key(), if *constant { "zero" } else { "size" })
                })
                .collect();
            format!("hash_funcs({})", inner.join(", "))
        }
        Opt::InImpl => "in_impl".into(),
        Opt::Unknown => "frobnicate = 3".into(),
        Opt::Comment => "/* kept */ ttl = 1 // note\n".into(),
        Opt::Flag => "show_spinner".into(),
    }
}

fn render_attr(item: &Item) -> String {
    let opts: Vec<String> = item.options.iter().map(render_opt).collect();
    let args = if opts.is_empty() {
        String::new()
    } else {
        format!("({})", opts.join(", "))
    };
    match item.attr {
        AttrForm::Bare => format!("#[cache{args}]"),
        AttrForm::Qualified => format!("#[legacy_cache::cache{args}]"),
        AttrForm::LeadingColons => format!("#[::legacy_cache::cache{args}]"),
        AttrForm::Alias(n) => format!("#[{}{args}]", n.as_str()),
        AttrForm::CfgAttr => format!("#[cfg_attr(not(test), cache{args})]"),
        AttrForm::CfgAttrNested => {
            format!("#[cfg_attr(unix, cfg_attr(not(test), legacy_cache::cache{args}))]")
        }
        AttrForm::Unrelated => format!("#[inline]\n#[cache{args}]"),
    }
}

fn render_ret(r: Ret) -> (&'static str, &'static str) {
    // (return type, a value of it)
    match r {
        Ret::Unit => ("", ""),
        Ret::U32 => (" -> u32", "1"),
        Ret::VecU32 => (" -> Vec<u32>", "vec![1]"),
        Ret::Conn => (" -> PgConnection", "PgConnection::open()"),
        Ret::Ref => (" -> &'static str", "\"x\""),
        Ret::ImplIter => (" -> impl Iterator<Item = u8>", "0..3"),
        Ret::Result => (" -> Result<u32, String>", "Ok(1)"),
        Ret::Mutex => (" -> std::sync::Mutex<u32>", "std::sync::Mutex::new(0)"),
        Ret::Shared => (" -> Shared<u32>", "todo!()"),
        Ret::Tuple => (" -> (u32, Vec<u8>)", "(1, vec![])"),
    }
}

fn render_item(s: &mut String, item: &Item, n: usize) {
    let name = format!("{}_{n}", item.name.as_str());
    let mut params = Vec::new();
    let mut names = Vec::new();
    for (i, p) in item.params.iter().enumerate() {
        let (pat, ty) = match p {
            Param::Plain(t) => (format!("p{i}"), t),
            Param::Underscore(t) => (format!("_p{i}"), t),
            Param::Wild(t) => ("_".to_string(), t),
            Param::Raw(t) => (format!("r#p{i}"), t),
        };
        if pat != "_" {
            names.push(pat.clone());
        }
        params.push(format!("{pat}: {}", ty.as_str()));
    }
    let (ret, value) = render_ret(item.ret);
    let body = match item.body {
        Body::Const => value.to_string(),
        Body::UsesParams => {
            let used: Vec<String> = names.iter().map(|n| format!("let _ = &{n};")).collect();
            format!("{}\n    {value}", used.join("\n    "))
        }
        Body::Empty => String::new(),
        Body::Macro => format!(
            "println!(\"{{}}\", {});\n    {value}",
            names.first().map_or("0", String::as_str)
        ),
        Body::Shadow => format!(
            "let {} = 1;\n    {value}",
            names.first().map_or("q", String::as_str)
        ),
    };
    let mut f = String::new();
    if item.comment {
        f.push_str("// a cached function\n");
    }
    f.push_str(&render_attr(item));
    f.push('\n');
    let receiver = if matches!(item.place, Place::Impl) {
        "&self, "
    } else {
        ""
    };
    let _ = write!(
        f,
        "fn {name}({receiver}{}){ret} {{\n    {body}\n}}\n",
        params.join(", ")
    );
    let call_args = vec!["Default::default()"; item.params.len()].join(", ");
    let call = match item.place {
        Place::Impl => format!("S.{name}({call_args})"),
        _ => format!("{name}({call_args})"),
    };
    match item.place {
        Place::Top => s.push_str(&f),
        Place::Mod(m) => {
            let _ = write!(s, "mod {}_{n} {{\n    use super::*;\n{f}}}\n", m.as_str());
        }
        Place::Impl => {
            let _ = write!(s, "pub struct S;\nimpl S {{\n{f}}}\n");
        }
        Place::FnLocal => {
            let _ = write!(s, "pub fn outer_{n}() {{\n{f}}}\n");
        }
        Place::MacroRules => {
            let _ = write!(
                s,
                "macro_rules! make_{n} {{\n    () => {{\n{f}    }};\n}}\n"
            );
        }
    }
    let _ = writeln!(s, "pub fn caller_{n}() {{");
    for u in &item.uses {
        let line = match u {
            Use::Read => format!("let _ = {call};"),
            Use::Mutate => format!("{call}.mutate(|v| *v = Default::default());"),
            Use::MutateClone => {
                format!("let h = {call};\n    let mut h2 = h.clone();\n    h2.mutate(|_| ());")
            }
            Use::TryMutate => format!("let mut t = {call};\n    let _ = t.try_mutate(|_| ());"),
            Use::PtrEq => format!("let _ = Shared::ptr_eq(&{call}, &{call});"),
            Use::TryCompanion => match item.place {
                Place::Impl => format!("let _ = S.try_{name}({call_args});"),
                _ => format!("let _ = try_{name}({call_args});"),
            },
            Use::Refresh => format!("let mut r = {call};\n    r.refresh();"),
            Use::Snapshot => format!("let _ = {call}.snapshot();"),
            Use::Destructure => format!("let (mut d, _) = ({call}, 1);\n    d.mutate(|_| ());"),
            Use::Assign => format!("let mut x;\n    x = {call};\n    x.mutate(|_| ());"),
            Use::Clear => "legacy_cache::clear_cache();".into(),
            Use::ClearAlias(a) => format!("{}();", a.as_str()),
            Use::SharedTyped => format!("let _t: Shared<_> = {call};"),
            Use::InMacro => format!("assert!({call} == {call});"),
        };
        let _ = writeln!(s, "    {line}");
    }
    s.push_str("}\n\n");
}
