//! A real `redis-server` for tests ([`cache_store::persist::redis_server`]), with the tests'
//! policy for a missing binary: a loud SKIP line naming the Debian package, or, with `CI=true`,
//! a failure, so CI cannot pass by skipping.

#![allow(dead_code)]

use cache_store::persist::redis_server::{self, ServerError};

/// A running server; killed on drop.
pub struct RedisServer(redis_server::RedisServer);

impl RedisServer {
    /// Starts a server for `test`, or returns `None` after a SKIP line when `redis-server` is
    /// missing outside CI.
    pub fn start(test: &str) -> Option<Self> {
        match redis_server::RedisServer::start() {
            Ok(s) => Some(Self(s)),
            Err(ServerError::Missing(why)) => {
                let what = format!("SKIP {test}: {why}");
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("{what} (CI=true: a missing component is a failure)");
                }
                // Straight to the process's stderr: libtest captures `eprintln!` of passing
                // tests, and a skip must be seen.
                use std::io::Write as _;
                let _ = writeln!(std::io::stderr().lock(), "\n!!!!! {what} !!!!!\n");
                None
            }
            Err(e) => panic!("{test}: {e}"),
        }
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.0.url()
    }

    /// A direct connection, for arranging and inspecting data.
    pub fn conn(&self) -> redis::Connection {
        self.0.conn().expect("connect to the test server")
    }

    /// Runs one command on a fresh connection.
    pub fn cmd<T: redis::FromRedisValue>(&self, args: &[&[u8]]) -> T {
        self.0.cmd(args).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    /// Every key matching `pattern` (SCAN), sorted.
    pub fn keys(&self, pattern: &str) -> Vec<String> {
        self.0.keys(pattern).expect("scan")
    }

    /// Kills the server (SIGKILL: no goodbye to clients).
    pub fn kill(&mut self) {
        self.0.kill();
    }

    /// Starts the server again on the same port (empty: persistence is off).
    pub fn restart(&mut self) {
        self.0.restart().expect("restart redis-server");
    }
}
