//! A real `redis-server` for tests: started on a free loopback port with persistence off
//! (`--save "" --appendonly no`), stopped when the guard drops.
//!
//! Without the binary the tests print a loud SKIP line naming the Debian package; with `CI=true`
//! a missing binary fails the test instead, so CI cannot pass by skipping.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The server binary: `$REDIS_SERVER`, else `redis-server` on the PATH.
fn binary() -> PathBuf {
    std::env::var_os("REDIS_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("redis-server"))
}

/// A running server; killed (and waited for) on drop.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts a server for `test`, or returns `None` after a SKIP line when `redis-server` is
    /// missing outside CI.
    pub fn start(test: &str) -> Option<Self> {
        let found = Command::new(binary())
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            let what = format!(
                "SKIP {test}: redis-server not found; install it (apt-get install redis-server) \
                 or point REDIS_SERVER at the binary"
            );
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{what} (CI=true: a missing component is a failure)");
            }
            // Straight to the process's stderr: libtest captures `eprintln!` of passing tests,
            // and a skip must be seen.
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr().lock(), "\n!!!!! {what} !!!!!\n");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let mut server = Self {
            child: None,
            port,
            dir: tempfile::Builder::new()
                .prefix("memo-redis-test-")
                .tempdir()
                .expect("temp dir"),
        };
        server.spawn();
        Some(server)
    }

    fn spawn(&mut self) {
        let child = Command::new(binary())
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--loglevel", "warning"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ping = redis::Client::open(self.url())
                .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
                .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
            if ping.is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server on port {} did not answer within 10 s: {ping:?}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// A direct connection, for arranging and inspecting data.
    pub fn conn(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(2)))
            .expect("connect to the test server")
    }

    /// Runs one command on a fresh connection.
    pub fn cmd<T: redis::FromRedisValue>(&self, args: &[&[u8]]) -> T {
        let mut cmd = redis::cmd(std::str::from_utf8(args[0]).expect("command name"));
        for a in &args[1..] {
            cmd.arg(*a);
        }
        cmd.query(&mut self.conn())
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    /// Every key matching `pattern` (SCAN), sorted.
    pub fn keys(&self, pattern: &str) -> Vec<String> {
        let mut conn = self.conn();
        let mut out: Vec<String> = redis::cmd("SCAN")
            .cursor_arg(0)
            .arg("MATCH")
            .arg(pattern)
            .clone()
            .iter::<String>(&mut conn)
            .expect("scan")
            .map(|k| k.expect("key"))
            .collect();
        out.sort();
        out
    }

    /// Kills the server (SIGKILL: no goodbye to clients).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port (empty: persistence is off).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
