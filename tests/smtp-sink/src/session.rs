//! One SMTP session (RFC 5321, with the ESMTP extensions 8BITMIME, SIZE, PIPELINING, SMTPUTF8,
//! ENHANCEDSTATUSCODES and AUTH PLAIN/LOGIN that accepts any credentials).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::store::{Envelope, Store};

/// Longest command line accepted (RFC 4954 allows AUTH lines of 12,288 octets).
const MAX_COMMAND_LINE: usize = 16 * 1024;
/// RFC 5321 §4.5.3.2.7 suggests 10 minutes for the data block; commands get the configured timeout.
const DATA_TIMEOUT: Duration = Duration::from_secs(600);
/// After this many failed commands in a row the session is closed (e.g. something that is not
/// an SMTP client talking to the port).
const MAX_CONSECUTIVE_ERRORS: u32 = 20;

pub(crate) async fn run(stream: TcpStream, peer: SocketAddr, store: Arc<Store>) {
    let _ = stream.set_nodelay(true);
    let (r, w) = stream.into_split();
    let mut session = Session {
        reader: BufReader::new(r),
        writer: BufWriter::new(w),
        store,
        helo: None,
        esmtp: false,
        auth_user: None,
        mail_from: None,
        rcpt_to: Vec::new(),
        errors: 0,
    };
    match session.serve().await {
        Ok(()) => tracing::debug!(%peer, "smtp session closed"),
        Err(e) => tracing::debug!(%peer, error = %e, "smtp session ended"),
    }
}

struct Session {
    reader: BufReader<OwnedReadHalf>,
    writer: BufWriter<OwnedWriteHalf>,
    store: Arc<Store>,
    helo: Option<String>,
    esmtp: bool,
    auth_user: Option<String>,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
    errors: u32,
}

enum Line {
    Complete,
    TooLong,
    Eof,
}

/// What to do after a command.
enum Next {
    Continue,
    Quit,
}

impl Session {
    async fn serve(&mut self) -> io::Result<()> {
        let greeting = format!("{} ESMTP smtp-sink ready", self.store.config.hostname);
        self.reply(220, &greeting).await?;
        let mut buf = Vec::with_capacity(512);
        loop {
            let timeout = self.store.config.command_timeout;
            let read = tokio::time::timeout(
                timeout,
                read_line(&mut self.reader, &mut buf, MAX_COMMAND_LINE),
            )
            .await;
            let line = match read {
                Err(_elapsed) => {
                    self.reply(421, "4.4.2 Idle timeout, closing connection")
                        .await?;
                    return Ok(());
                }
                Ok(read) => match read? {
                    Line::Eof => return Ok(()),
                    Line::TooLong => {
                        self.error(500, "5.5.2 Line too long").await?;
                        continue;
                    }
                    Line::Complete => String::from_utf8_lossy(strip_eol(&buf)).into_owned(),
                },
            };
            if let Next::Quit = self.command(&line).await? {
                return Ok(());
            }
            if self.errors >= MAX_CONSECUTIVE_ERRORS {
                self.reply(421, "4.7.0 Too many errors, closing connection")
                    .await?;
                return Ok(());
            }
        }
    }

    async fn command(&mut self, line: &str) -> io::Result<Next> {
        let (verb, arg) = match line.split_once(' ') {
            Some((v, a)) => (v, a.trim()),
            None => (line.trim(), ""),
        };
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" => self.ehlo(arg, true).await?,
            "HELO" => self.ehlo(arg, false).await?,
            "MAIL" => self.mail(arg).await?,
            "RCPT" => self.rcpt(arg).await?,
            "DATA" => self.data(arg).await?,
            "AUTH" => self.auth(arg).await?,
            "RSET" => {
                self.reset();
                self.ok(250, "2.0.0 OK").await?;
            }
            "NOOP" => self.ok(250, "2.0.0 OK").await?,
            "QUIT" => {
                self.reply(221, "2.0.0 Bye").await?;
                return Ok(Next::Quit);
            }
            "VRFY" => {
                self.ok(252, "2.5.2 Cannot VRFY user, but will accept message")
                    .await?
            }
            "HELP" => {
                self.ok(
                    214,
                    "2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT AUTH VRFY HELP",
                )
                .await?
            }
            "STARTTLS" | "BDAT" | "EXPN" | "ETRN" | "TURN" => {
                self.error(502, "5.5.1 Command not implemented").await?
            }
            _ => self.error(500, "5.5.2 Command unrecognized").await?,
        }
        Ok(Next::Continue)
    }

    async fn ehlo(&mut self, arg: &str, esmtp: bool) -> io::Result<()> {
        let domain = arg.split_whitespace().next().unwrap_or("");
        if domain.is_empty() {
            let verb = if esmtp { "EHLO" } else { "HELO" };
            return self
                .error(501, &format!("5.5.4 Syntax: {verb} hostname"))
                .await;
        }
        // RFC 5321 §4.1.4: EHLO/HELO in the middle of a session resets the transaction.
        self.reset();
        self.helo = Some(domain.to_string());
        self.esmtp = esmtp;
        let host = &self.store.config.hostname;
        let first = format!("{host} Hello {domain}");
        if !esmtp {
            return self.ok(250, &first).await;
        }
        let size = format!("SIZE {}", self.store.config.max_message_bytes);
        let lines = [
            first.as_str(),
            "PIPELINING",
            "8BITMIME",
            "SMTPUTF8",
            size.as_str(),
            "ENHANCEDSTATUSCODES",
            "AUTH PLAIN LOGIN",
        ];
        self.errors = 0;
        self.reply_multi(250, &lines).await
    }

    async fn mail(&mut self, arg: &str) -> io::Result<()> {
        if self.helo.is_none() {
            return self.error(503, "5.5.1 Send EHLO or HELO first").await;
        }
        if self.mail_from.is_some() {
            return self.error(503, "5.5.1 Sender already specified").await;
        }
        let Some(rest) = strip_prefix_ci(arg, "FROM:") else {
            return self.error(501, "5.5.4 Syntax: MAIL FROM:<address>").await;
        };
        let Some((address, params)) = parse_path(rest) else {
            return self.error(501, "5.1.7 Bad sender address syntax").await;
        };
        if !params.is_empty() && !self.esmtp {
            return self.error(555, "5.5.4 Parameters need EHLO").await;
        }
        for p in &params {
            let (key, value) = match p.split_once('=') {
                Some((k, v)) => (k.to_ascii_uppercase(), Some(v)),
                None => (p.to_ascii_uppercase(), None),
            };
            match (key.as_str(), value) {
                ("SIZE", Some(v)) => match v.parse::<u64>() {
                    Ok(n) if n > self.store.config.max_message_bytes as u64 => {
                        return self
                            .error(552, "5.3.4 Message size exceeds fixed maximum message size")
                            .await;
                    }
                    Ok(_) => {}
                    Err(_) => return self.error(501, "5.5.4 Bad SIZE parameter").await,
                },
                ("BODY", Some(v))
                    if v.eq_ignore_ascii_case("7BIT") || v.eq_ignore_ascii_case("8BITMIME") => {}
                ("BODY", _) => return self.error(501, "5.5.4 Unsupported BODY type").await,
                ("SMTPUTF8", None) | ("AUTH", Some(_)) => {}
                _ => return self.error(555, "5.5.4 Unsupported MAIL parameter").await,
            }
        }
        self.mail_from = Some(address);
        self.ok(250, "2.1.0 Sender OK").await
    }

    async fn rcpt(&mut self, arg: &str) -> io::Result<()> {
        if self.mail_from.is_none() {
            return self.error(503, "5.5.1 Need MAIL before RCPT").await;
        }
        let Some(rest) = strip_prefix_ci(arg, "TO:") else {
            return self.error(501, "5.5.4 Syntax: RCPT TO:<address>").await;
        };
        let Some((address, params)) = parse_path(rest) else {
            return self.error(501, "5.1.3 Bad recipient address syntax").await;
        };
        if address.is_empty() {
            return self.error(501, "5.1.3 Bad recipient address syntax").await;
        }
        if !params.is_empty() {
            return self.error(555, "5.5.4 Unsupported RCPT parameter").await;
        }
        if self.rcpt_to.len() >= self.store.config.max_recipients {
            return self.error(452, "4.5.3 Too many recipients").await;
        }
        if self.store.temporary_failure.load(Ordering::Relaxed) {
            return self
                .error(451, "4.3.0 Temporary failure (switched on by the test)")
                .await;
        }
        self.rcpt_to.push(address);
        self.ok(250, "2.1.5 Recipient OK").await
    }

    async fn data(&mut self, arg: &str) -> io::Result<()> {
        if !arg.is_empty() {
            return self.error(501, "5.5.4 Syntax: DATA").await;
        }
        if self.mail_from.is_none() {
            return self.error(503, "5.5.1 Need MAIL command").await;
        }
        if self.rcpt_to.is_empty() {
            return self.error(503, "5.5.1 Need RCPT command").await;
        }
        self.reply(354, "End data with <CR><LF>.<CR><LF>").await?;

        let max = self.store.config.max_message_bytes;
        let mut data: Vec<u8> = Vec::new();
        let mut too_big = false;
        let mut buf = Vec::with_capacity(1024);
        loop {
            // A line can't be longer than the whole message may be (plus its line break).
            let read =
                tokio::time::timeout(DATA_TIMEOUT, read_line(&mut self.reader, &mut buf, max + 2))
                    .await;
            match read {
                Err(_elapsed) => {
                    self.reply(421, "4.4.2 Timeout waiting for data, closing connection")
                        .await?;
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "data timeout"));
                }
                Ok(read) => match read? {
                    Line::Eof => {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "connection closed during DATA",
                        ));
                    }
                    Line::TooLong => too_big = true,
                    Line::Complete => {
                        let content = strip_eol(&buf);
                        if content == b"." {
                            break;
                        }
                        // RFC 5321 §4.5.2: a leading dot was doubled by the client.
                        let content = content.strip_prefix(b".").unwrap_or(content);
                        if !too_big {
                            if data.len() + content.len() + 2 > max {
                                too_big = true;
                                data = Vec::new();
                            } else {
                                data.extend_from_slice(content);
                                data.extend_from_slice(b"\r\n");
                            }
                        }
                    }
                },
            }
        }

        let envelope = Envelope {
            mail_from: self.mail_from.take().unwrap_or_default(),
            rcpt_to: std::mem::take(&mut self.rcpt_to),
            auth_user: self.auth_user.clone(),
        };
        self.reset();
        if too_big {
            return self
                .error(552, "5.3.4 Message size exceeds fixed maximum message size")
                .await;
        }
        match self.store.deliver(envelope, data).await {
            Ok(mail) => {
                tracing::info!(
                    id = mail.id,
                    from = %mail.mail_from,
                    to = ?mail.rcpt_to,
                    subject = mail.subject().unwrap_or_default(),
                    bytes = mail.raw.len(),
                    "mail received"
                );
                self.ok(250, &format!("2.0.0 OK: queued as {}", mail.id))
                    .await
            }
            Err(e) => {
                tracing::error!(error = %e, "could not store mail");
                self.error(451, "4.3.0 Local error in processing").await
            }
        }
    }

    async fn auth(&mut self, arg: &str) -> io::Result<()> {
        if self.helo.is_none() || !self.esmtp {
            return self.error(503, "5.5.1 Send EHLO first").await;
        }
        if self.auth_user.is_some() {
            return self.error(503, "5.5.1 Already authenticated").await;
        }
        if self.mail_from.is_some() {
            return self.error(503, "5.5.1 Mail transaction in progress").await;
        }
        let mut words = arg.split_whitespace();
        let mechanism = words.next().unwrap_or("").to_ascii_uppercase();
        let initial = words.next();
        let user = match mechanism.as_str() {
            "PLAIN" => {
                let response = match initial {
                    // "=" is an empty initial response (RFC 4954 §4).
                    Some("=") => String::new(),
                    Some(r) => r.to_string(),
                    None => match self.challenge("").await? {
                        Some(r) => r,
                        None => return Ok(()),
                    },
                };
                match decode_b64(&response) {
                    // authzid \0 authcid \0 password
                    Some(bytes) if bytes.iter().filter(|&&b| b == 0).count() == 2 => {
                        let mut fields = bytes.split(|&b| b == 0);
                        let _authzid = fields.next();
                        String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned()
                    }
                    _ => {
                        return self
                            .error(501, "5.5.2 Cannot decode AUTH PLAIN response")
                            .await;
                    }
                }
            }
            "LOGIN" => {
                let user_b64 = match initial {
                    Some(r) => r.to_string(),
                    None => match self.challenge("VXNlcm5hbWU6").await? {
                        Some(r) => r,
                        None => return Ok(()),
                    },
                };
                let Some(user) = decode_b64(&user_b64) else {
                    return self.error(501, "5.5.2 Cannot decode user name").await;
                };
                let Some(password) = self.challenge("UGFzc3dvcmQ6").await? else {
                    return Ok(());
                };
                if decode_b64(&password).is_none() {
                    return self.error(501, "5.5.2 Cannot decode password").await;
                }
                String::from_utf8_lossy(&user).into_owned()
            }
            "" => return self.error(501, "5.5.4 Syntax: AUTH mechanism").await,
            _ => {
                return self
                    .error(504, "5.5.4 Unrecognized authentication mechanism")
                    .await;
            }
        };
        tracing::debug!(user = %user, "client authenticated (any credentials are accepted)");
        self.auth_user = Some(user);
        self.ok(235, "2.7.0 Authentication successful").await
    }

    /// Sends a `334` challenge and reads the client's response line. `None` when the client
    /// cancelled with `*` or sent something unusable (the error reply is already sent).
    async fn challenge(&mut self, text: &str) -> io::Result<Option<String>> {
        self.reply(334, text).await?;
        let mut buf = Vec::new();
        let timeout = self.store.config.command_timeout;
        let read = tokio::time::timeout(
            timeout,
            read_line(&mut self.reader, &mut buf, MAX_COMMAND_LINE),
        )
        .await;
        match read {
            Err(_elapsed) => Err(io::Error::new(io::ErrorKind::TimedOut, "auth timeout")),
            Ok(read) => match read? {
                Line::Eof => Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "closed during AUTH",
                )),
                Line::TooLong => {
                    self.error(500, "5.5.2 Line too long").await?;
                    Ok(None)
                }
                Line::Complete => {
                    let response = String::from_utf8_lossy(strip_eol(&buf)).trim().to_string();
                    if response == "*" {
                        self.error(501, "5.0.0 Authentication cancelled").await?;
                        return Ok(None);
                    }
                    Ok(Some(response))
                }
            },
        }
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.rcpt_to.clear();
    }

    async fn ok(&mut self, code: u16, text: &str) -> io::Result<()> {
        self.errors = 0;
        self.reply(code, text).await
    }

    async fn error(&mut self, code: u16, text: &str) -> io::Result<()> {
        self.errors += 1;
        self.reply(code, text).await
    }

    async fn reply(&mut self, code: u16, text: &str) -> io::Result<()> {
        let line = format!("{code} {text}\r\n");
        self.writer.write_all(line.as_bytes()).await?;
        self.writer.flush().await
    }

    async fn reply_multi(&mut self, code: u16, lines: &[&str]) -> io::Result<()> {
        let mut out = String::new();
        for (i, text) in lines.iter().enumerate() {
            let sep = if i + 1 == lines.len() { ' ' } else { '-' };
            out.push_str(&format!("{code}{sep}{text}\r\n"));
        }
        self.writer.write_all(out.as_bytes()).await?;
        self.writer.flush().await
    }
}

/// Reads one line (through `\n`) into `buf`. A line longer than `limit` is consumed and
/// reported as `TooLong` (buf left empty), so memory stays bounded.
async fn read_line(
    reader: &mut BufReader<OwnedReadHalf>,
    buf: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Line> {
    buf.clear();
    let mut too_long = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(Line::Eof);
        }
        let (n, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if !too_long {
            if buf.len() + n > limit {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&available[..n]);
            }
        }
        reader.consume(n);
        if done {
            return Ok(if too_long {
                Line::TooLong
            } else {
                Line::Complete
            });
        }
    }
}

fn strip_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn decode_b64(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()
}

/// `<user@host> SIZE=12 BODY=8BITMIME` → ("user@host", ["SIZE=12", "BODY=8BITMIME"]).
/// Accepts a bare address without brackets (lenient) and drops an RFC 5321 source route
/// (`<@a,@b:user@host>`). `None` on unbalanced brackets or whitespace/control characters in the
/// address.
fn parse_path(s: &str) -> Option<(String, Vec<String>)> {
    let s = s.trim_start();
    let (inner, rest) = if let Some(after) = s.strip_prefix('<') {
        let mut in_quotes = false;
        let mut escaped = false;
        let mut close = None;
        for (i, c) in after.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if in_quotes => escaped = true,
                '"' => in_quotes = !in_quotes,
                '>' if !in_quotes => {
                    close = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let close = close?;
        (&after[..close], &after[close + 1..])
    } else {
        let end = s.find(char::is_whitespace).unwrap_or(s.len());
        if end == 0 {
            return None;
        }
        (&s[..end], &s[end..])
    };
    let inner = match inner.strip_prefix('@') {
        Some(route) => route.split_once(':')?.1,
        None => inner,
    };
    let mut in_quotes = false;
    for c in inner.chars() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if c.is_control() || (c.is_whitespace() && !in_quotes) || (c == '<' && !in_quotes) {
            return None;
        }
    }
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let params = rest.split_whitespace().map(str::to_string).collect();
    Some((inner.to_string(), params))
}

#[cfg(test)]
mod tests {
    use super::parse_path;

    fn path(s: &str) -> Option<(String, Vec<String>)> {
        parse_path(s)
    }

    #[test]
    fn paths_are_parsed_with_parameters_and_source_routes() {
        assert_eq!(path("<a@b.c>"), Some(("a@b.c".into(), vec![])));
        assert_eq!(
            path(" <a@b.c> SIZE=10 BODY=8BITMIME"),
            Some((
                "a@b.c".into(),
                vec!["SIZE=10".into(), "BODY=8BITMIME".into()]
            ))
        );
        assert_eq!(path("<>"), Some((String::new(), vec![])));
        assert_eq!(
            path("<@relay.example,@r2.example:joe@example.com>"),
            Some(("joe@example.com".into(), vec![]))
        );
        assert_eq!(
            path("<\"odd > name\"@example.com>"),
            Some(("\"odd > name\"@example.com".into(), vec![]))
        );
        assert_eq!(
            path("bare@example.com"),
            Some(("bare@example.com".into(), vec![]))
        );
    }

    #[test]
    fn malformed_paths_are_rejected() {
        assert_eq!(path("<a@b.c"), None);
        assert_eq!(path("<a b@c.d>"), None);
        assert_eq!(path("<a@b.c>junk"), None);
        assert_eq!(path(""), None);
    }
}
