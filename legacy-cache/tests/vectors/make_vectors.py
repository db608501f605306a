"""Test vectors for legacy-cache/tests/hasher.rs, computed with Streamlit's own legacy hasher.

Streamlit 1.35.0 is the last release that ships `@st.cache` and its `_CodeHasher`. Run:

    python3 -m venv /tmp/st135
    /tmp/st135/bin/pip install streamlit==1.35.0
    /tmp/st135/bin/python legacy-cache/tests/vectors/make_vectors.py

and paste the printed rows into `STREAMLIT_VECTORS` in hasher.rs. Each digest is
`hashlib.md5(_CodeHasher().to_bytes(value)).hexdigest()`, which is what `hash_value!` computes,
and for a tuple of arguments it is Streamlit's value key of the call. The names are the keys the
Rust test uses to pick the equivalent Rust value; keep the two lists in step.
"""

import hashlib
import math
import sys

import streamlit
from streamlit.runtime.legacy_caching.hashing import _CodeHasher

VECTORS = [
    # Integers: Python's one `int`, minimal two's-complement little-endian bytes.
    ("int 0", 0),
    ("int 1", 1),
    ("int -1", -1),
    ("int 127", 127),
    ("int 128", 128),
    ("int -128", -128),
    ("int -129", -129),
    ("int i64::MAX", 2**63 - 1),
    ("int i64::MIN", -(2**63)),
    ("int u64::MAX", 2**64 - 1),
    ("int u128::MAX", 2**128 - 1),
    ("bool true", True),
    ("bool false", False),
    # Floats go through CPython's numeric hash(), which maps -0.0 to 0 like 0.0.
    ("float 0.0", 0.0),
    ("float -0.0", -0.0),
    ("float 1.5", 1.5),
    ("float 0.1", 0.1),
    ("float -2.5", -2.5),
    ("float 1e300", 1e300),
    ("float inf", math.inf),
    ("float -inf", -math.inf),
    ("str empty", ""),
    ("str hello", "hello"),
    ("str non-ascii", "hellö ✓"),
    ("None", None),
    ("list empty", []),
    ("list 1 2 3", [1, 2, 3]),
    ("list nested", [[1], [], ["a"]]),
    ("tuple empty", ()),
    ("tuple 1", (1,)),
    ("tuple mixed", ("a", [1, 2], None, 1.5, -3, True)),
    # Dicts: items in insertion order, each as the tuple (k, v).
    ("dict empty", {}),
    ("dict a=1", {"a": 1}),
    ("dict a=1 b=2", {"a": 1, "b": 2}),
    ("dict b=2 a=1", {"b": 2, "a": 1}),
    ("dict int keys", {1: [1, 2], 2: None, 3: "x"}),
    ("dict nested", {"x": {"y": 1.5}, "z": [{"k": -1}]}),
    ("dict one entry list value", {"rows": [1, 2, 3]}),
    ("args (dict,)", ({"a": 1, "b": 2},)),
]


def main() -> None:
    print(f"# streamlit {streamlit.__version__}, CPython {sys.version.split()[0]}")
    for name, value in VECTORS:
        digest = hashlib.md5(_CodeHasher().to_bytes(value)).hexdigest()
        print(f'    ("{name}", "{digest}"),')


if __name__ == "__main__":
    main()
