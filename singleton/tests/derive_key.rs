//! `singleton::CacheKey` puts every variant in the key.

use singleton::{CacheKey, singleton};

#[derive(serde::Serialize, CacheKey)]
#[serde(untagged)]
enum Endpoint {
    Primary(String),
    Replica(String),
}

/// Regression: through serde an untagged enum is keyed by its content alone, so the replica's
/// client would be the primary's.
#[test]
fn untagged_variants_get_their_own_resource() {
    #[singleton]
    fn client(e: Endpoint) -> String {
        match e {
            Endpoint::Primary(h) => format!("rw@{h}"),
            Endpoint::Replica(h) => format!("ro@{h}"),
        }
    }
    assert_eq!(*client(Endpoint::Primary("db".into())), "rw@db");
    assert_eq!(*client(Endpoint::Replica("db".into())), "ro@db");
}
