//! A throwaway `redis-server` (cargo feature `redis-server`): started on a free loopback port with
//! persistence off (`--save "" --appendonly no`) in a fresh directory, killed and cleaned up when
//! the guard drops. The tests of the Redis backend and the benchmark harness both use it; each
//! decides what a missing binary means for it (a skip line, or a failure under CI).
//!
//! ```no_run
//! use cache_store::persist::redis_server::{RedisServer, ServerError};
//!
//! match RedisServer::start() {
//!     Ok(server) => {
//!         let _: () = server.cmd(&[b"SET", b"k", b"v"]).unwrap();
//!         assert_eq!(server.keys("*").unwrap(), vec!["k".to_string()]);
//!     }
//!     Err(ServerError::Missing(why)) => eprintln!("SKIP: {why}"),
//!     Err(e) => panic!("{e}"),
//! }
//! ```

use std::fmt;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The package that provides the binary, for messages.
pub const INSTALL_HINT: &str =
    "install it (apt-get install redis-server) or point REDIS_SERVER at the binary";

/// Why no server runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerError {
    /// No `redis-server` binary (the message names the package to install).
    Missing(String),
    /// The binary exists but the server did not start or answer.
    Failed(String),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Missing(m) | ServerError::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ServerError {}

/// The server binary: `$REDIS_SERVER`, else `redis-server` on the PATH.
pub fn binary() -> PathBuf {
    std::env::var_os("REDIS_SERVER")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("redis-server"))
}

/// Whether [`binary`] runs (`redis-server --version`).
pub fn available() -> bool {
    Command::new(binary())
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A running server; killed (and waited for) on drop, its directory removed.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts a server on a free loopback port and waits (up to 10 s) until it answers `PING`.
    pub fn start() -> Result<Self, ServerError> {
        if !available() {
            return Err(ServerError::Missing(format!(
                "redis-server not found (`{}`); {INSTALL_HINT}",
                binary().display()
            )));
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| ServerError::Failed(format!("no free loopback port: {e}")))?
            .port();
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "redis-server-{}-{}-{port}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|e| ServerError::Failed(format!("cannot create {}: {e}", dir.display())))?;
        let mut server = Self {
            child: None,
            port,
            dir,
        };
        server.spawn()?;
        Ok(server)
    }

    fn spawn(&mut self) -> Result<(), ServerError> {
        let child = Command::new(binary())
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .args(["--loglevel", "warning"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| ServerError::Failed(format!("cannot start redis-server: {e}")))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ping = self
                .connect(Duration::from_millis(200))
                .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
            match ping {
                Ok(_) => return Ok(()),
                Err(e) if Instant::now() >= deadline => {
                    self.kill();
                    return Err(ServerError::Failed(format!(
                        "redis-server on port {} did not answer within 10 s: {e}",
                        self.port
                    )));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    fn connect(&self, timeout: Duration) -> redis::RedisResult<redis::Connection> {
        redis::Client::open(self.url()).and_then(|c| c.get_connection_with_timeout(timeout))
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A direct connection, for arranging and inspecting data.
    pub fn conn(&self) -> redis::RedisResult<redis::Connection> {
        self.connect(Duration::from_secs(2))
    }

    /// Runs one command (name first) on a fresh connection.
    pub fn cmd<T: redis::FromRedisValue>(&self, args: &[&[u8]]) -> redis::RedisResult<T> {
        let Some((name, rest)) = args.split_first() else {
            return Err(redis::RedisError::from((
                redis::ErrorKind::Client,
                "empty command",
            )));
        };
        let mut cmd = redis::Cmd::new();
        cmd.arg(*name);
        for a in rest {
            cmd.arg(*a);
        }
        cmd.query(&mut self.conn()?)
    }

    /// Every key matching `pattern` (found with `SCAN`), sorted.
    pub fn keys(&self, pattern: &str) -> redis::RedisResult<Vec<String>> {
        let mut conn = self.conn()?;
        let mut out: Vec<String> = redis::cmd("SCAN")
            .cursor_arg(0)
            .arg("MATCH")
            .arg(pattern)
            .clone()
            .iter::<String>(&mut conn)?
            .collect::<redis::RedisResult<_>>()?;
        out.sort();
        Ok(out)
    }

    /// Kills the server (SIGKILL: no goodbye to clients).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port (empty: persistence is off).
    pub fn restart(&mut self) -> Result<(), ServerError> {
        self.kill();
        self.spawn()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
