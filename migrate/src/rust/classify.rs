//! Return-type classification for the memo/singleton choice, and recognising hash functions
//! that ignore their input.

/// Return-type verdict for the memo/singleton choice.
pub(super) enum RetClass {
    /// Plain data: `#[memo]`.
    Data,
    /// Looks like a resource (the named type): `#[singleton]`.
    Resource(String),
    /// Cannot be serialized (the phrase says why): `#[singleton]`.
    Unserializable(String),
}

/// Standard and common library types that are resources whatever they hold.
const RESOURCE_EXACT: &[&str] = &[
    "Mutex",
    "RwLock",
    "Sender",
    "SyncSender",
    "Receiver",
    "File",
    "TcpStream",
    "TcpListener",
    "UdpSocket",
    "UnixStream",
    "UnixListener",
    "UnixDatagram",
    "JoinHandle",
    "Condvar",
    "Barrier",
    "Child",
    "ChildStdin",
    "ChildStdout",
    "Stdin",
    "Stdout",
    "Stderr",
    "BufReader",
    "BufWriter",
    "LineWriter",
    "Thread",
    "Runtime",
    "Semaphore",
    "Notify",
    "Once",
    "OnceLock",
];

/// Last CamelCase words that name resources (`PgConnection`, `HttpClient`, `ThreadPool`).
const RESOURCE_SUFFIX: &[&str] = &[
    "Connection",
    "Conn",
    "Pool",
    "Client",
    "Session",
    "Engine",
    "Model",
    "Socket",
    "Handle",
    "Listener",
    "Tokenizer",
    "Pipeline",
    "Module",
    "Driver",
    "Mutex",
    "Lock",
    "Sender",
    "Receiver",
];

fn last_camel_word(name: &str) -> &str {
    let idx = name
        .char_indices()
        .filter(|(_, c)| c.is_ascii_uppercase())
        .map(|(i, _)| i)
        .next_back()
        .unwrap_or(0);
    &name[idx..]
}

/// Decides whether a return type is data, a resource, or unserializable.
pub(super) fn classify(ty: &syn::Type) -> RetClass {
    match ty {
        syn::Type::Reference(_) => RetClass::Unserializable("a reference".into()),
        syn::Type::Ptr(_) => RetClass::Unserializable("a raw pointer".into()),
        syn::Type::ImplTrait(_) => RetClass::Unserializable("an opaque `impl Trait`".into()),
        syn::Type::TraitObject(_) => RetClass::Unserializable("a trait object".into()),
        syn::Type::FnPtr(_) => RetClass::Unserializable("a function pointer".into()),
        syn::Type::Paren(p) => classify(&p.elem),
        syn::Type::Group(g) => classify(&g.elem),
        syn::Type::Array(a) => classify(&a.elem),
        syn::Type::Slice(s) => classify(&s.elem),
        syn::Type::Tuple(t) => t
            .elems
            .iter()
            .map(classify)
            .find(|c| !matches!(c, RetClass::Data))
            .unwrap_or(RetClass::Data),
        syn::Type::Path(p) => {
            let Some(last) = p.path.segments.last() else {
                return RetClass::Data;
            };
            let name = last.ident.to_string();
            if RESOURCE_EXACT.contains(&name.as_str())
                || RESOURCE_SUFFIX.contains(&last_camel_word(&name))
            {
                return RetClass::Resource(name);
            }
            if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                for a in &args.args {
                    if let syn::GenericArgument::Type(t) = a {
                        let c = classify(t);
                        if !matches!(c, RetClass::Data) {
                            return c;
                        }
                    }
                }
            }
            RetClass::Data
        }
        _ => RetClass::Data,
    }
}

/// The last identifiers of every type path in `ty`, generic arguments included
/// (`Vec<(Config, u8)>` names `Vec`, `Config` and `u8`).
pub(super) fn named_types(ty: &syn::Type, out: &mut Vec<String>) {
    match ty {
        syn::Type::Paren(p) => named_types(&p.elem, out),
        syn::Type::Group(g) => named_types(&g.elem, out),
        syn::Type::Array(a) => named_types(&a.elem, out),
        syn::Type::Slice(s) => named_types(&s.elem, out),
        syn::Type::Reference(r) => named_types(&r.elem, out),
        syn::Type::Tuple(t) => t.elems.iter().for_each(|e| named_types(e, out)),
        syn::Type::Path(p) => {
            if let Some(last) = p.path.segments.last() {
                out.push(last.ident.to_string());
                if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                    for a in &args.args {
                        if let syn::GenericArgument::Type(t) = a {
                            named_types(t, out);
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

/// Whether a function body just returns a constant, ignoring its input.
pub(super) fn returns_constant(block: &syn::Block) -> bool {
    fn const_expr(e: &syn::Expr) -> bool {
        match e {
            syn::Expr::Lit(_) => true,
            syn::Expr::Tuple(t) => t.elems.iter().all(const_expr),
            syn::Expr::Array(a) => a.elems.iter().all(const_expr),
            syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Neg(_)) && const_expr(&u.expr),
            syn::Expr::Cast(c) => const_expr(&c.expr),
            syn::Expr::Paren(p) => const_expr(&p.expr),
            syn::Expr::Return(r) => r.expr.as_deref().is_some_and(const_expr),
            syn::Expr::Block(b) => returns_constant(&b.block),
            syn::Expr::Path(p) => p.path.segments.last().is_some_and(|s| {
                let n = s.ident.to_string();
                n == "None"
                    || (n
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
                        && n.chars().any(|c| c.is_ascii_uppercase()))
            }),
            _ => false,
        }
    }
    match block.stmts.as_slice() {
        [syn::Stmt::Expr(e, _)] => const_expr(e),
        [] => true,
        _ => false,
    }
}
