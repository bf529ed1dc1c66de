//! Restarting the shared RabbitMQ and PostgreSQL (only `fault_…` tests do this; CI runs them
//! one at a time). Each outage is a guard that starts the server again when dropped, even
//! when the test fails, so a failing test never leaves the shared infrastructure down.

use std::process::Command;
use std::time::{Duration, Instant};

fn run(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// RabbitMQ's application stopped (`rabbitmqctl stop_app`).
#[derive(Debug)]
pub struct BrokerOutage {
    running: bool,
}

impl BrokerOutage {
    pub fn begin() -> Self {
        assert!(run("rabbitmqctl", &["stop_app"]), "rabbitmqctl stop_app");
        Self { running: false }
    }

    /// Starts the broker again and waits until it runs.
    pub fn end(&mut self) {
        if !self.running {
            assert!(run("rabbitmqctl", &["start_app"]), "rabbitmqctl start_app");
            assert!(
                run("rabbitmqctl", &["await_startup"]),
                "rabbitmqctl await_startup"
            );
            self.running = true;
        }
    }
}

impl Drop for BrokerOutage {
    fn drop(&mut self) {
        if !self.running {
            let _ = run("rabbitmqctl", &["start_app"]);
            let _ = run("rabbitmqctl", &["await_startup"]);
        }
    }
}

/// `pg_ctlcluster <version> main <action>` for the machine's cluster.
fn pg_ctlcluster(action: &str) -> bool {
    let script = format!(
        "pg_ctlcluster --skip-systemctl-redirect \"$(ls /etc/postgresql | sort -V | tail -n1)\" main {action}"
    );
    run("bash", &["-c", &script])
}

fn pg_ready() -> bool {
    run("pg_isready", &["-q", "-h", "127.0.0.1", "-p", "5432"])
}

/// PostgreSQL stopped (fast shutdown: every connection is cut).
#[derive(Debug)]
pub struct PostgresOutage {
    running: bool,
}

impl PostgresOutage {
    pub fn begin() -> Self {
        assert!(pg_ctlcluster("stop -m fast"), "stopping PostgreSQL");
        Self { running: false }
    }

    /// Starts PostgreSQL again and waits until it accepts connections.
    pub fn end(&mut self) {
        if !self.running {
            assert!(pg_ctlcluster("start"), "starting PostgreSQL");
            let deadline = Instant::now() + Duration::from_secs(60);
            while !pg_ready() {
                assert!(
                    Instant::now() < deadline,
                    "PostgreSQL accepts connections again"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
            self.running = true;
        }
    }
}

impl Drop for PostgresOutage {
    fn drop(&mut self) {
        if !self.running {
            let _ = pg_ctlcluster("start");
        }
    }
}
