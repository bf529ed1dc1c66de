//! A received message and the accessors tests use to read it.

use std::time::SystemTime;

use crate::mime::{self, Entity};

/// How deep nested multiparts are followed before giving up.
const MAX_MIME_DEPTH: usize = 16;

/// One message accepted by the sink: the SMTP envelope plus the message exactly as transmitted
/// (after dot-unstuffing, CRLF line endings, without the terminating `.` line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// Sequence number within this sink, starting at 1.
    pub id: u64,
    pub received_at: SystemTime,
    /// Envelope sender (`MAIL FROM`) without angle brackets; empty for the null sender `<>`.
    pub mail_from: String,
    /// Envelope recipients (`RCPT TO`) without angle brackets, in the order given.
    pub rcpt_to: Vec<String>,
    /// The user name the client authenticated as (any credentials are accepted), if it did.
    pub auth_user: Option<String>,
    /// The message (headers and body). Bytes that are not UTF-8 are replaced (U+FFFD).
    pub raw: String,
}

impl ReceivedMail {
    /// True when `rcpt` is one of the envelope recipients (case-insensitive).
    pub fn is_addressed_to(&self, rcpt: &str) -> bool {
        let rcpt = rcpt.trim().trim_start_matches('<').trim_end_matches('>');
        self.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(rcpt))
    }

    /// The decoded `Subject` header (RFC 2047 encoded words decoded, folding removed).
    pub fn subject(&self) -> Option<String> {
        self.header("Subject")
    }

    /// The first top-level header called `name` (case-insensitive): unfolded, trimmed, with
    /// RFC 2047 encoded words decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let text = self.normalized();
        let top = Entity::parse(&text);
        top.raw_header(name).map(mime::decode_encoded_words)
    }

    /// Every top-level header called `name`, decoded like [`ReceivedMail::header`].
    pub fn header_all(&self, name: &str) -> Vec<String> {
        let text = self.normalized();
        let top = Entity::parse(&text);
        top.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| mime::decode_encoded_words(v.trim()))
            .collect()
    }

    /// The `text/plain` body, transfer encoding (quoted-printable, base64) and charset decoded,
    /// line endings as `\n`. For multipart mail the first `text/plain` part that is not an
    /// attachment is returned (so the plain alternative of `multipart/alternative`). A message
    /// without a Content-Type is text/plain. `None` when there is no such part.
    pub fn text_body(&self) -> Option<String> {
        self.body_of_type("text/plain")
    }

    /// The `text/html` body, decoded like [`ReceivedMail::text_body`].
    pub fn html_body(&self) -> Option<String> {
        self.body_of_type("text/html")
    }

    /// The `http://` and `https://` URLs in the text body (or, failing that, the HTML body), in
    /// order of appearance.
    pub fn links(&self) -> Vec<String> {
        let Some(text) = self.text_body().or_else(|| self.html_body()) else {
            return Vec::new();
        };
        let mut links = Vec::new();
        let mut rest = text.as_str();
        while let Some(start) = find_url_start(rest) {
            let candidate = &rest[start..];
            let end = candidate
                .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | ')'))
                .unwrap_or(candidate.len());
            let url = candidate[..end].trim_end_matches(['.', ',', ';', ':', '!', '?']);
            links.push(url.to_string());
            rest = &candidate[end..];
        }
        links
    }

    fn body_of_type(&self, mime_type: &str) -> Option<String> {
        let text = self.normalized();
        let top = Entity::parse(&text);
        find_part(&top, mime_type, 0)
    }

    fn normalized(&self) -> String {
        self.raw.replace("\r\n", "\n")
    }
}

fn find_url_start(s: &str) -> Option<usize> {
    match (s.find("http://"), s.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn find_part(entity: &Entity<'_>, wanted: &str, depth: usize) -> Option<String> {
    let (mime_type, params) = match entity.raw_header("Content-Type") {
        Some(ct) => mime::parse_content_type(ct),
        None => ("text/plain".to_string(), Vec::new()),
    };
    if mime_type.starts_with("multipart/") {
        if depth >= MAX_MIME_DEPTH {
            return None;
        }
        let boundary = mime::param(&params, "boundary")?;
        return mime::split_multipart(entity.body, boundary)
            .into_iter()
            .find_map(|part| find_part(&Entity::parse(part), wanted, depth + 1));
    }
    let attachment = entity
        .raw_header("Content-Disposition")
        .is_some_and(|d| mime::parse_content_type(d).0 == "attachment");
    if mime_type != wanted || attachment {
        return None;
    }
    let bytes = mime::decode_transfer(entity.body, entity.raw_header("Content-Transfer-Encoding"));
    let text = mime::decode_charset(&bytes, mime::param(&params, "charset"));
    Some(text.replace("\r\n", "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(raw: &str) -> ReceivedMail {
        ReceivedMail {
            id: 1,
            received_at: SystemTime::UNIX_EPOCH,
            mail_from: "a@example.com".into(),
            rcpt_to: vec!["B@Example.com".into()],
            auth_user: None,
            raw: raw.replace('\n', "\r\n"),
        }
    }

    #[test]
    fn a_message_without_content_type_is_plain_text() {
        let m = mail("Subject: Hi\n\nline one\nline two\n");
        assert_eq!(m.subject().as_deref(), Some("Hi"));
        assert_eq!(m.text_body().as_deref(), Some("line one\nline two\n"));
        assert_eq!(m.html_body(), None);
    }

    #[test]
    fn recipients_match_case_insensitively_with_or_without_brackets() {
        let m = mail("\n");
        assert!(m.is_addressed_to("b@example.COM"));
        assert!(m.is_addressed_to("<b@example.com>"));
        assert!(!m.is_addressed_to("c@example.com"));
    }

    #[test]
    fn the_plain_part_of_multipart_alternative_is_returned_decoded() {
        let m = mail(concat!(
            "Subject: =?utf-8?b?V2lsbGtvbW1lbiBpbSBQb3J0YWwg4oCU?=\n",
            " =?utf-8?b?IFNldHVw?=\n",
            "MIME-Version: 1.0\n",
            "Content-Type: multipart/mixed; boundary=\"outer\"\n",
            "\n",
            "--outer\n",
            "Content-Type: multipart/alternative;\n boundary=\"inner\"\n",
            "\n",
            "--inner\n",
            "Content-Type: text/plain; charset=utf-8\n",
            "Content-Transfer-Encoding: quoted-printable\n",
            "\n",
            "Gr=C3=BC=C3=9Fe, open https://example.com/setup?token=3Dabc&x=3D1 to conti=\n",
            "nue.\n",
            "--inner\n",
            "Content-Type: text/html; charset=utf-8\n",
            "Content-Transfer-Encoding: base64\n",
            "\n",
            "PHA+SGk8L3A+\n",
            "--inner--\n",
            "--outer\n",
            "Content-Type: text/plain\n",
            "Content-Disposition: attachment; filename=\"x.txt\"\n",
            "\n",
            "not this\n",
            "--outer--\n",
        ));
        assert_eq!(m.subject().as_deref(), Some("Willkommen im Portal — Setup"));
        assert_eq!(
            m.text_body().as_deref(),
            Some("Grüße, open https://example.com/setup?token=abc&x=1 to continue.")
        );
        assert_eq!(m.html_body().as_deref(), Some("<p>Hi</p>"));
        assert_eq!(
            m.links(),
            vec!["https://example.com/setup?token=abc&x=1".to_string()]
        );
    }

    #[test]
    fn a_base64_plain_body_with_latin1_charset_is_decoded() {
        let m = mail(concat!(
            "Content-Type: text/plain; charset=ISO-8859-1\n",
            "Content-Transfer-Encoding: BASE64\n",
            "\n",
            "SvZyZw0KbmV4dA==\n",
        ));
        assert_eq!(m.text_body().as_deref(), Some("Jörg\nnext"));
    }

    #[test]
    fn headers_are_found_case_insensitively_and_repeated_ones_listed() {
        let m = mail("X-Tag: one\nx-tag: two\nTo: \"Ann\" <ann@example.com>\n\nbody");
        assert_eq!(m.header("x-TAG").as_deref(), Some("one"));
        assert_eq!(
            m.header_all("X-Tag"),
            vec!["one".to_string(), "two".to_string()]
        );
        assert_eq!(m.header("to").as_deref(), Some("\"Ann\" <ann@example.com>"));
        assert_eq!(m.header("Missing"), None);
    }

    #[test]
    fn a_multipart_without_a_plain_part_has_no_text_body() {
        let m = mail(concat!(
            "Content-Type: multipart/alternative; boundary=b\n\n",
            "--b\nContent-Type: text/html\n\n<b>x</b>\n--b--\n"
        ));
        assert_eq!(m.text_body(), None);
        assert_eq!(m.html_body().as_deref(), Some("<b>x</b>"));
    }
}
