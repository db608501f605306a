use legacy_cache::cache;
use std::sync::{mpsc, Arc, Mutex};

pub struct PgPool;
pub struct HttpClient;
pub struct BertModel;

#[cache]
fn pool(url: String) -> PgPool {
    PgPool
}

#[cache(persist = true)]
fn client() -> HttpClient {
    HttpClient
}

#[cache]
fn model(path: String) -> Arc<BertModel> {
    Arc::new(BertModel)
}

#[cache]
fn lock() -> Arc<Mutex<Vec<u8>>> {
    Arc::default()
}

#[cache]
fn log_file(p: String) -> std::fs::File {
    std::fs::File::open(p).unwrap()
}

#[cache]
fn channel() -> (mpsc::Sender<u8>, mpsc::Receiver<u8>) {
    mpsc::channel()
}

#[cache]
fn config_model() -> ModelConfig {
    ModelConfig
}
pub struct ModelConfig;
