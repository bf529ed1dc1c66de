//! `make demo` (deploy/local/demo.sh) is the journey a person watches; here it runs against a
//! stack of the harness (its own ports, simulator and sink) twice in a row, as it must work
//! again and again on the same stack.

use std::process::Command;

use pa_e2e::services::Service;
use pa_e2e::stack::{Stack, StackOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn make_demo_walks_the_whole_journey_and_runs_again_on_the_same_stack() {
    let stack = Stack::start(StackOptions::default()).await;
    let mail = stack
        .sink
        .serve_http("127.0.0.1:0")
        .expect("the sink's read API");
    let key = stack.create_operator_key("make demo").await;
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let base = |s: Service| stack.instances(s)[0].base();
    let control = stack.sim.control_url().to_string();
    let env = [
        ("TP", base(Service::TenantProvisioning)),
        ("CONSENT", base(Service::Consent)),
        ("SYNC", base(Service::SyncDispatch)),
        ("CONSOLE", base(Service::AdminConsole)),
        ("SIM", control.trim_end_matches('/').to_owned()),
        ("MAIL", format!("http://{mail}")),
        ("PA_KEY", key),
    ];
    for round in 1..=2 {
        let script = root.join("deploy/local/demo.sh");
        let env = env.clone();
        let output = tokio::task::spawn_blocking(move || {
            Command::new("bash").arg(script).envs(env).output()
        })
        .await
        .expect("the demo task")
        .expect("bash runs the demo");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if round == 1 {
            println!("{stdout}");
        }
        assert!(
            output.status.success(),
            "make demo (round {round}) failed:\n{stdout}\n{stderr}"
        );
        for shown in [
            "14. The first sync",
            "16. The Users page",
            "deactivated in Patient Access after",
            "19. The Users page now",
            "chain intact",
            "Done in",
        ] {
            assert!(
                stdout.contains(shown),
                "round {round} shows {shown:?}:\n{stdout}"
            );
        }
        // The last Users page: the leaver is inactive, everyone else in scope is active.
        let last_page = stdout
            .split("19. The Users page now")
            .nth(1)
            .expect("the last Users page");
        let leaver = last_page
            .lines()
            .find(|l| l.trim_start().starts_with("drew@"))
            .expect("the leaver's row");
        assert!(
            leaver.contains("inactive") && leaver.contains("disabled"),
            "{leaver}"
        );
        let active = last_page.lines().filter(|l| l.contains(" active ")).count();
        assert_eq!(active, 4, "four users stay active:\n{last_page}");
    }
    stack.shutdown().await;
}
