//! The setup-link e-mail: subject, plain-text and HTML bodies.

use std::fmt::Write;

use ipnet::IpNet;
use pa_domain::Environment;
use pa_mail::{Rendered, escape_html as escape};
use time::OffsetDateTime;
use time::macros::format_description;

/// What goes into a setup e-mail. `link` holds the secret token: render, send, drop.
pub struct SetupEmail<'a> {
    pub display_name: &'a str,
    pub environment: Environment,
    pub link: &'a str,
    pub expires_at: OffsetDateTime,
    pub egress_cidrs: &'a [IpNet],
    pub egress_manifest_url: &'a str,
}

const PERMISSIONS: [&str; 4] = [
    "Read directory data",
    "Read all groups",
    "Sign in and read user profile",
    "Read all users' full profiles",
];

impl SetupEmail<'_> {
    /// Renders subject and both bodies.
    pub fn render(&self) -> Rendered {
        Rendered {
            subject: format!("Set up Patient Access for {}", self.display_name),
            text: self.text(),
            html: self.html(),
        }
    }

    fn expiry(&self) -> String {
        let fmt = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
        self.expires_at
            .to_offset(time::UtcOffset::UTC)
            .format(&fmt)
            .unwrap_or_else(|_| self.expires_at.to_string())
    }

    fn environment_label(&self) -> &'static str {
        match self.environment {
            Environment::Production => "production",
            Environment::NonProduction => "non-production",
        }
    }

    fn text(&self) -> String {
        let mut t = String::new();
        let _ = write!(
            t,
            "Hello,\n\n\
             Patient Access ({env}) has been provisioned for {name}. The link below starts \
             the one-time setup wizard that connects Patient Access to your Microsoft Entra ID \
             tenant.\n\n\
             Start setup: {link}\n\n\
             The link can be used once and expires on {expiry}. Anyone who has it can start \
             setup for your organisation, so do not forward this e-mail.\n\n\
             BEFORE YOU START\n\
             1. Have a Microsoft Entra ID Global Administrator or Privileged Role \
             Administrator at hand.\n\
             2. In Entra ID, go to Security > Named locations, create an IP ranges location \
             marked as trusted with the addresses below, and add the same addresses to the \
             multifactor authentication trusted IPs if your users have per-user MFA:\n",
            env = self.environment_label(),
            name = self.display_name,
            link = self.link,
            expiry = self.expiry(),
        );
        for cidr in self.egress_cidrs {
            let _ = writeln!(t, "     {cidr}");
        }
        let _ = write!(
            t,
            "   (machine-readable list: {manifest})\n\
             3. Create a security group for Patient Access administrators, for example \
             \"Patient Access Admins\", with at least one member.\n\n\
             WHAT THE WIZARD WILL ASK\n\
             1. Your Microsoft Entra ID tenant ID; you then sign in to Microsoft.\n\
             2. Consent, as Global Administrator or Privileged Role Administrator, to these \
             permissions: {perms}.\n\
             3. To exclude the Patient Access sync application from Conditional Access \
             policies that require multifactor authentication.\n\
             4. The username (UPN) of the first Patient Access administrator.\n\
             5. The admin group(s) to sync; you can add more admin and user groups later.\n\n\
             If you did not expect this e-mail, ignore it: nothing happens unless the link is \
             used, and it expires on its own.\n\n\
             Patient Access\n",
            manifest = self.egress_manifest_url,
            perms = PERMISSIONS.join(", "),
        );
        t
    }

    fn html(&self) -> String {
        let cidrs: String = self
            .egress_cidrs
            .iter()
            .map(|c| format!("<li><code>{c}</code></li>"))
            .collect();
        let perms: String = PERMISSIONS
            .iter()
            .map(|p| format!("<li>{}</li>", escape(p)))
            .collect();
        format!(
            "<!DOCTYPE html>\n<html><body style=\"font-family: sans-serif\">\n\
             <p>Hello,</p>\n\
             <p>Patient Access ({env}) has been provisioned for <strong>{name}</strong>. The \
             button below starts the one-time setup wizard that connects Patient Access to \
             your Microsoft Entra ID tenant.</p>\n\
             <p><a href=\"{link}\">Start setup</a></p>\n\
             <p>If the button does not work, copy this address into your browser:<br>\
             <code>{link}</code></p>\n\
             <p>The link can be used once and expires on {expiry}. Anyone who has it can start \
             setup for your organisation, so do not forward this e-mail.</p>\n\
             <h3>Before you start</h3>\n<ol>\n\
             <li>Have a Microsoft Entra ID Global Administrator or Privileged Role \
             Administrator at hand.</li>\n\
             <li>In Entra ID, go to <em>Security &gt; Named locations</em>, create an IP ranges \
             location marked as trusted with these addresses, and add the same addresses to \
             the multifactor authentication trusted IPs if your users have per-user MFA:\
             <ul>{cidrs}</ul>(<a href=\"{manifest}\">machine-readable list</a>)</li>\n\
             <li>Create a security group for Patient Access administrators, for example \
             &quot;Patient Access Admins&quot;, with at least one member.</li>\n</ol>\n\
             <h3>What the wizard will ask</h3>\n<ol>\n\
             <li>Your Microsoft Entra ID tenant ID; you then sign in to Microsoft.</li>\n\
             <li>Consent, as Global Administrator or Privileged Role Administrator, to these \
             permissions:<ul>{perms}</ul></li>\n\
             <li>To exclude the Patient Access sync application from Conditional Access \
             policies that require multifactor authentication.</li>\n\
             <li>The username (UPN) of the first Patient Access administrator.</li>\n\
             <li>The admin group(s) to sync; you can add more admin and user groups \
             later.</li>\n</ol>\n\
             <p>If you did not expect this e-mail, ignore it: nothing happens unless the link \
             is used, and it expires on its own.</p>\n<p>Patient Access</p>\n</body></html>\n",
            env = self.environment_label(),
            name = escape(self.display_name),
            link = escape(self.link),
            expiry = self.expiry(),
            manifest = escape(self.egress_manifest_url),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample<'a>(name: &'a str, cidrs: &'a [IpNet]) -> SetupEmail<'a> {
        SetupEmail {
            display_name: name,
            environment: Environment::Production,
            link: "https://wizard.example/setup#token=pa_setup_abc",
            expires_at: time::macros::datetime!(2026-03-01 12:30 UTC),
            egress_cidrs: cidrs,
            egress_manifest_url: "https://api.example/v1/egress-ips",
        }
    }

    #[test]
    fn both_bodies_carry_the_name_link_expiry_and_egress_addresses() {
        let cidrs: Vec<IpNet> = vec!["44.207.16.175/32".parse().expect("cidr")];
        let r = sample("Acme Health", &cidrs).render();
        assert_eq!(r.subject, "Set up Patient Access for Acme Health");
        for body in [&r.text, &r.html] {
            assert!(body.contains("Acme Health"));
            assert!(body.contains("https://wizard.example/setup#token=pa_setup_abc"));
            assert!(body.contains("2026-03-01 12:30 UTC"));
            assert!(body.contains("44.207.16.175/32"));
            assert!(body.contains("Read all groups"));
            assert!(body.contains("tenant ID"));
        }
    }

    #[test]
    fn html_escapes_the_display_name() {
        let r = sample("<b>Tom & Jerry's</b>", &[]).render();
        assert!(r.html.contains("&lt;b&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;"));
        assert!(!r.html.contains("<b>Tom"));
    }
}
