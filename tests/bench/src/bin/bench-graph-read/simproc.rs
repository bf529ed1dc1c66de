//! The simulator as a separate process (so this process's memory is only the client's):
//! spawned from the `entra-sim` binary, killed when dropped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

pub struct SimProcess {
    child: Child,
    pub base_url: String,
}

impl SimProcess {
    /// Starts `bin` with `args` and waits until `base_url` + `ready_path` answers 200.
    pub async fn start(
        bin: &Path,
        args: &[String],
        base_url: String,
        ready_path: &str,
        log: &Path,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let log_file = std::fs::File::create(log)?;
        let child = Command::new(bin)
            .args(args)
            .env(
                "RUST_LOG",
                std::env::var("PA_BENCH_SIM_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut sim = Self { child, base_url };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + timeout;
        let url = format!("{}{ready_path}", sim.base_url);
        loop {
            if let Some(status) = sim.child.try_wait()? {
                bail!("entra-sim exited with {status} (log: {})", log.display());
            }
            if let Ok(resp) = client.get(&url).send().await
                && resp.status().is_success()
            {
                return Ok(sim);
            }
            if Instant::now() > deadline {
                bail!(
                    "entra-sim not ready after {timeout:?} (log: {})",
                    log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port free right now on 127.0.0.1 (the simulator binds it a moment later).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Peak RSS of another process (VmHWM), in KiB.
pub fn peak_rss_kib_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}
