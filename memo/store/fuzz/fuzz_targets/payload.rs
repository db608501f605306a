//! The typed payload decoder on arbitrary bytes, for a type with every serde shape persistence
//! meets (integers, floats, strings, bytes, options, sequences, maps, tuples, nested structs,
//! enums of every variant kind, recursion): never panics, and what it accepts survives a round
//! trip (decoding its encoding gives a value with the same encoding; bytes rather than values
//! are compared because NaN != NaN, and the first encoding may differ from the input where
//! bincode accepts a non-minimal form).
#![no_main]

use std::collections::BTreeMap;

use cache_store::persist::codec::{decode, encode};
use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, PartialEq)]
enum Node {
    Leaf,
    Value(i64),
    Pair(u8, char),
    Named { label: String, children: Vec<Node> },
    Boxed(Box<Node>),
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Record {
    id: u128,
    ratio: f64,
    name: String,
    bytes: Vec<u8>,
    tags: Option<Vec<String>>,
    index: BTreeMap<String, (u16, i32)>,
    tree: Node,
    unit: (),
}

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = decode::<Record>(data) {
        let once = encode(&record).expect("decoded values encode");
        let again: Record = decode(&once).expect("our own encoding decodes");
        assert_eq!(encode(&again).expect("encodes"), once);
    }
    let _ = decode::<Vec<Node>>(data);
    let _ = decode::<String>(data);
});
