//! `requirements*.txt` and `pyproject.toml`: a `streamlit` pin that excludes 1.18 (the first
//! release with `st.cache_data` / `st.cache_resource`) gets a finding. The files are not edited.

use crate::model::{Applicability, Finding, Rule};

/// The first Streamlit release with the new decorators.
const NEEDED: [u64; 2] = [1, 18];

/// Findings for every `streamlit` requirement in `text` that rules out Streamlit 1.18 and later.
/// `pyproject` selects the `pyproject.toml` forms (PEP 621 strings and Poetry tables).
///
/// ```
/// let f = migrate::python::pin_findings("streamlit==1.12.0\npandas\n", false);
/// assert_eq!(f.len(), 1);
/// assert!(migrate::python::pin_findings("streamlit>=1.20\n", false).is_empty());
/// ```
pub fn pin_findings(text: &str, pyproject: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let code = line.split('#').next().unwrap_or("");
        let found = if pyproject {
            pyproject_spec(code)
        } else {
            requirement_spec(code.trim()).map(|s| (s, false))
        };
        let Some((spec, poetry)) = found else {
            continue;
        };
        if allows_needed(&spec, poetry) {
            continue;
        }
        let lead = line.len() - line.trim_start().len();
        let end = start + code.trim_end().len();
        out.push(
            Finding::new(
                start + lead..end.max(start + lead),
                Rule::StreamlitPin,
                Applicability::Review,
                format!(
                    "streamlit is pinned to `{}`: the migrated code needs streamlit >= 1.18 (st.cache_data / st.cache_resource)",
                    spec.trim()
                ),
            )
            .with_help("raise the pin, e.g. `streamlit>=1.18` (st.cache itself is gone from 1.62 on)"),
        );
    }
    out
}

/// `streamlit[extras] <specifiers> ; markers` -> the specifiers.
fn requirement_spec(req: &str) -> Option<String> {
    // Distribution names are case-insensitive.
    let head = req.get(..9)?;
    if !head.eq_ignore_ascii_case("streamlit") {
        return None;
    }
    let rest = &req[9..];
    if rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.') {
        return None;
    }
    let rest = match rest.trim_start().strip_prefix('[') {
        Some(r) => r.split_once(']').map_or("", |(_, after)| after),
        None => rest,
    };
    let spec = rest.split(';').next().unwrap_or("").trim();
    Some(spec.to_string())
}

/// A `streamlit` requirement in a pyproject line: `"streamlit>=1.2"` or `streamlit = "^1.2"`.
fn pyproject_spec(line: &str) -> Option<(String, bool)> {
    let t = line.trim();
    if let Some(rest) = t.strip_prefix("streamlit") {
        let rest = rest.trim_start();
        if let Some(v) = rest.strip_prefix('=') {
            // Poetry: `streamlit = "1.2"` or `streamlit = { version = "1.2", ... }`.
            let v = v.trim();
            let v = match v.find("version") {
                Some(i) if v.starts_with('{') => &v[i + "version".len()..],
                _ => v,
            };
            let q = v.split('"').nth(1)?;
            return Some((q.to_string(), true));
        }
    }
    for part in t.split(['"', '\'']).skip(1).step_by(2) {
        if let Some(spec) = requirement_spec(part.trim()) {
            return Some((spec, false));
        }
    }
    None
}

fn version(v: &str) -> Vec<u64> {
    v.trim()
        .split('.')
        .map_while(|p| p.parse::<u64>().ok())
        .collect()
}

fn cmp(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0)))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// Whether some version >= 1.18 satisfies every upper bound of `spec`.
fn allows_needed(spec: &str, poetry: bool) -> bool {
    use std::cmp::Ordering::*;
    let spec = spec.trim();
    if spec.is_empty() || spec == "*" {
        return true;
    }
    for clause in spec.split(',') {
        let c = clause.trim();
        let (op, v) = ["===", "==", "~=", "<=", ">=", "!=", "<", ">", "^", "~", "="]
            .iter()
            .find_map(|op| c.strip_prefix(op).map(|v| (*op, v.trim())))
            .unwrap_or((if poetry { "==" } else { "" }, c));
        if v.contains('*') {
            // `==1.5.*`: compare the fixed prefix.
            let fixed = version(v.trim_end_matches(".*"));
            if matches!(op, "==" | "===") && cmp(&fixed, &NEEDED[..fixed.len().min(2)]) == Less {
                return false;
            }
            continue;
        }
        let ver = version(v);
        if ver.is_empty() {
            continue;
        }
        let ok = match op {
            "==" | "===" | "=" => cmp(&ver, &NEEDED) != Less,
            "<" => cmp(&ver, &NEEDED) == Greater,
            "<=" => cmp(&ver, &NEEDED) != Less,
            // `~=1.10` allows < 2; `~=1.10.0` allows < 1.11. Poetry `~1.10` allows < 1.11.
            "~=" | "~" => {
                let keep = if op == "~" {
                    ver.len().min(2)
                } else {
                    ver.len().saturating_sub(1).max(1)
                };
                let mut upper = ver[..keep].to_vec();
                if let Some(last) = upper.last_mut() {
                    *last += 1;
                }
                if op == "~" && ver.len() == 1 {
                    upper = vec![ver[0] + 1];
                }
                cmp(&upper, &NEEDED) == Greater
            }
            // Poetry caret: `^1.10` < 2.0, `^0.89` < 0.90.
            "^" => {
                let upper = match ver.as_slice() {
                    [0, minor, ..] => vec![0, minor + 1],
                    [major, ..] => vec![major + 1],
                    [] => continue,
                };
                cmp(&upper, &NEEDED) == Greater
            }
            _ => true,
        };
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_bounds() {
        for (spec, poetry, ok) in [
            ("==1.12.0", false, false),
            ("==1.18.0", false, true),
            ("<1.18", false, false),
            ("<1.18.1", false, true),
            ("<=1.17.9", false, false),
            ("~=1.10", false, true),
            ("~=1.10.0", false, false),
            (">=0.80,<1.0", false, false),
            (">=1.0", false, true),
            ("==1.5.*", false, false),
            ("1.12.0", true, false),
            ("^1.10", true, true),
            ("^0.89", true, false),
            ("~1.10", true, false),
            ("", false, true),
        ] {
            assert_eq!(allows_needed(spec, poetry), ok, "{spec} poetry={poetry}");
        }
    }

    #[test]
    fn pyproject_forms() {
        let text = "[project]\ndependencies = [\n  \"pandas>=2\",\n  \"streamlit==1.10.0\",\n]\n[tool.poetry.dependencies]\nstreamlit = { version = \"^0.89\", optional = true }\nstreamlit-aggrid = \"0.1\"\n";
        let f = pin_findings(text, true);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].message.contains("==1.10.0"));
        assert!(f[1].message.contains("^0.89"));
    }

    #[test]
    fn requirement_names_are_exact() {
        assert!(pin_findings("streamlit-aggrid==0.1\n", false).is_empty());
        assert_eq!(pin_findings("Streamlit==1.0\n", false).len(), 1);
        assert_eq!(
            pin_findings(
                "streamlit[charts] == 1.11 ; python_version > '3.8'\n",
                false
            )
            .len(),
            1
        );
    }
}
