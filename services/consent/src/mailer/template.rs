//! The welcome e-mail: subject, plain-text and HTML bodies.

use pa_domain::text::strip_bidi_controls;
use pa_mail::{Rendered, escape_html as escape};

/// What goes into the welcome e-mail (nothing secret: the console URL only names the tenant).
pub struct WelcomeEmail<'a> {
    pub admin_name: &'a str,
    pub tenant_name: &'a str,
    pub console_url: &'a str,
}

impl WelcomeEmail<'_> {
    /// Renders subject and bodies. The names come from Microsoft Graph and the tenant
    /// registry: their Unicode bidirectional formatting characters are dropped, so a name
    /// cannot reorder the subject or the text around it (pa-domain's text rules).
    pub fn render(&self) -> Rendered {
        let admin_name = strip_bidi_controls(self.admin_name);
        let tenant_name = strip_bidi_controls(self.tenant_name);
        let subject = format!("Your Patient Access admin console for {tenant_name}");
        let text = format!(
            "Hello {admin},\n\n\
             Patient Access is now connected to your Microsoft Entra ID directory for {tenant}, \
             and you are its first administrator.\n\n\
             Sign in to the Patient Access Admin Console with your Microsoft Entra ID account:\n\
             {url}\n\n\
             User sync runs in the background: the Users tab fills as it progresses. You can add \
             more admin and user groups in the console.\n\n\
             If you did not expect this e-mail, tell your IT department.\n\nPatient Access\n",
            admin = admin_name,
            tenant = tenant_name,
            url = self.console_url,
        );
        let html = format!(
            "<!DOCTYPE html>\n<html><body>\n<p>Hello {admin},</p>\n\
             <p>Patient Access is now connected to your Microsoft Entra ID directory for \
             {tenant}, and you are its first administrator.</p>\n\
             <p><a href=\"{url}\">Sign in to the Patient Access Admin Console</a> with your \
             Microsoft Entra ID account.</p>\n\
             <p>User sync runs in the background: the Users tab fills as it progresses. You can \
             add more admin and user groups in the console.</p>\n\
             <p>If you did not expect this e-mail, tell your IT department.</p>\n\
             <p>Patient Access</p>\n</body></html>\n",
            admin = escape(&admin_name),
            tenant = escape(&tenant_name),
            url = escape(self.console_url),
        );
        Rendered {
            subject,
            text,
            html,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_bodies_carry_the_console_url_and_html_is_escaped() {
        let r = WelcomeEmail {
            admin_name: "Avery <Admin>",
            tenant_name: "Contoso & Co",
            console_url: "http://console.example/?tenant=1",
        }
        .render();
        assert_eq!(
            r.subject,
            "Your Patient Access admin console for Contoso & Co"
        );
        assert!(r.text.contains("http://console.example/?tenant=1"));
        assert!(r.html.contains("href=\"http://console.example/?tenant=1\""));
        assert!(r.html.contains("Avery &lt;Admin&gt;"));
        assert!(r.html.contains("Contoso &amp; Co"));
    }

    #[test]
    fn names_from_graph_lose_their_bidirectional_formatting() {
        let r = WelcomeEmail {
            admin_name: "Avery\u{202E}nimda",
            tenant_name: "Contoso\u{2066} Clinic\u{2069}",
            console_url: "http://console.example/",
        }
        .render();
        assert_eq!(
            r.subject,
            "Your Patient Access admin console for Contoso Clinic"
        );
        assert!(r.text.contains("Hello Averynimda,"));
        assert!(!r.html.contains('\u{202E}'));
    }
}
