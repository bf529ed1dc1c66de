//! The guide's journey through public APIs only: the vendor provisions a tenant, the setup
//! mail arrives, the wizard connects the directory, the first sync completes, the
//! administrator signs in and sees the users with their roles, a leaver disabled at
//! Microsoft is deactivated and signed out within the incremental interval, and the audit
//! log holds every step with its chain intact.
//!
//! [`run`] walks it on a [`Stack`], injecting a [`Fault`] at its [`Point`] and recording the
//! time of every step; [`state::EndState`] is what every variant must end in.

pub mod console;
pub mod directory;
pub mod faults;
pub mod state;
pub mod vendor;
pub mod wizard;

use std::sync::Arc;
use std::time::Duration;

use crate::client::{Balancer, Browser, ClientTrace};
use crate::services::Service;
use crate::stack::Stack;
use crate::timing::Timings;
pub use directory::Directory;
pub use faults::{Fault, Point};

/// Where a journey stands: its clients, the directory, what it created so far.
pub struct Journey {
    pub label: String,
    pub dir: Directory,
    pub timings: Timings,
    pub trace: Option<Arc<ClientTrace>>,
    pub tp: Balancer,
    pub consent: Balancer,
    pub sync: Balancer,
    pub console: Balancer,
    /// The operator's API client (bearer operator key).
    pub operator: Browser,
    /// The customer's IT admin's browser in the wizard.
    pub wizard: Browser,
    /// Console browsers of the administrator and of the leaver, once signed in.
    pub admin: Option<Browser>,
    pub leaver: Option<Browser>,
    pub tenant: String,
    pub contact: String,
    pub setup_token: String,
    /// The wizard's finish went through.
    pub finished: bool,
    /// Measured: the leaver's deactivation and sign-out after the disable at Microsoft.
    pub leaver_deactivated_after: Option<Duration>,
    pub leaver_signed_out_after: Option<Duration>,
}

impl Journey {
    /// A journey on `stack` (its directory created in the simulator).
    pub fn new(label: &str, stack: &Stack, trace: Option<Arc<ClientTrace>>) -> Self {
        Self {
            label: label.to_owned(),
            dir: Directory::create(&stack.sim),
            timings: Timings::new(label),
            trace: trace.clone(),
            tp: stack.balancer(Service::TenantProvisioning),
            consent: stack.balancer(Service::Consent),
            sync: stack.balancer(Service::SyncDispatch),
            console: stack.balancer(Service::AdminConsole),
            operator: Browser::new(trace.clone()),
            wizard: Browser::new(trace),
            admin: None,
            leaver: None,
            tenant: String::new(),
            contact: String::new(),
            setup_token: String::new(),
            finished: false,
            leaver_deactivated_after: None,
            leaver_signed_out_after: None,
        }
    }
}

/// Walks the whole journey on `stack`, with `fault` injected at its point; prints the step
/// timings and checks the end state. Returns the journey (timings, ids) for more checks.
pub async fn run(label: &str, stack: &mut Stack, fault: Fault) -> Journey {
    run_traced(label, stack, fault, None).await
}

/// [`run`], with every request carrying the client trace `trace`.
pub async fn run_traced(
    label: &str,
    stack: &mut Stack,
    fault: Fault,
    trace: Option<Arc<ClientTrace>>,
) -> Journey {
    let mut j = Journey::new(label, stack, trace);
    vendor::operator_key(&mut j, stack).await;
    vendor::provision(&mut j).await;
    fault.inject(Point::AfterProvision, stack, &mut j).await;
    vendor::setup_mail(&mut j, stack).await;
    wizard::walk(&mut j, stack).await;
    fault.inject(Point::BeforeFinish, stack, &mut j).await;
    if !j.finished {
        wizard::finish(&mut j).await;
    }
    fault.inject(Point::AfterFinish, stack, &mut j).await;
    vendor::tenant_active(&mut j).await;
    console::first_sync(&mut j).await;
    console::welcome_mail(&mut j, stack).await;
    console::admin_signs_in(&mut j, stack).await;
    console::users_page(&mut j).await;
    console::sync_now(&mut j).await;
    fault.inject(Point::BeforeLeaver, stack, &mut j).await;
    console::leaver(&mut j, stack).await;
    console::audit(&mut j).await;
    j.timings
        .step("end state: nothing lost, nothing applied twice");
    let actual = state::EndState::read(stack, &j).await;
    let expected = state::EndState::expected(&j);
    j.timings.print();
    let runs = state::runs_summary(stack, &j).await;
    let failed = runs.iter().filter(|r| r.contains(" failed ")).count();
    println!(
        "[{label}] {} sync runs, {failed} failed: {}",
        runs.len(),
        runs.join("; ")
    );
    assert_eq!(actual, expected, "the journey's end state");
    j
}
