//! Just enough MIME (RFC 2045–2047, 5322) to read what lettre and ordinary clients send:
//! header unfolding, encoded words, Content-Type parameters, multipart splitting and the
//! quoted-printable / base64 transfer encodings.
//!
//! Everything here works on text whose line endings were normalised to `\n`.

use base64::Engine as _;

/// One MIME entity: unfolded headers in order, and the body that follows the blank line.
pub(crate) struct Entity<'a> {
    pub headers: Vec<(String, String)>,
    pub body: &'a str,
}

impl<'a> Entity<'a> {
    /// Splits `text` (LF line endings) at the first empty line. Continuation lines (starting with
    /// a space or tab) are unfolded into the previous header by removing only the line break.
    pub fn parse(text: &'a str) -> Self {
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut rest = text;
        loop {
            let (line, next) = match rest.find('\n') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, ""),
            };
            if line.is_empty() {
                return Entity {
                    headers,
                    body: next,
                };
            }
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = headers.last_mut() {
                    value.push_str(line);
                }
            } else if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_string(), value.to_string()));
            }
            // A line that is neither a header nor a continuation is ignored (lenient).
            if next.is_empty() {
                return Entity { headers, body: "" };
            }
            rest = next;
        }
    }

    /// First header called `name` (case-insensitive), unfolded and trimmed, still encoded.
    pub fn raw_header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    }
}

/// `text/plain; charset="utf-8"` → (`text/plain`, [("charset", "utf-8")]). The type and the
/// parameter names are lower-cased; quoted values are unquoted.
pub(crate) fn parse_content_type(value: &str) -> (String, Vec<(String, String)>) {
    let mut parts = split_params(value).into_iter();
    let mime = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let params = parts
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((k.trim().to_ascii_lowercase(), unquote(v.trim())))
        })
        .collect();
    (mime, params)
}

pub(crate) fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Splits on `;` outside double quotes.
fn split_params(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => {
                cur.push(c);
                escaped = true;
            }
            '"' => {
                in_quotes = !in_quotes;
                cur.push(c);
            }
            ';' if !in_quotes => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn unquote(v: &str) -> String {
    match v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }
        None => v.to_string(),
    }
}

/// The parts of a multipart body between `--boundary` delimiter lines (preamble and epilogue
/// dropped). The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
pub(crate) fn split_multipart<'a>(body: &'a str, boundary: &str) -> Vec<&'a str> {
    let open = format!("--{boundary}");
    let close = format!("--{boundary}--");
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    let mut offset: usize = 0;
    for line in body.split_inclusive('\n') {
        let bare = line.trim_end();
        let is_close = bare == close;
        if is_close || bare == open {
            if let Some(s) = start {
                // exclude the '\n' that precedes this delimiter line
                let end = offset.saturating_sub(1).max(s);
                parts.push(&body[s..end]);
            }
            if is_close {
                return parts;
            }
            start = Some(offset + line.len());
        }
        offset += line.len();
    }
    // No close delimiter (truncated message): keep what the last part has.
    if let Some(s) = start
        && s <= body.len()
    {
        parts.push(&body[s..]);
    }
    parts
}

/// Decodes a body according to its Content-Transfer-Encoding (7bit/8bit/binary pass through).
pub(crate) fn decode_transfer(body: &str, encoding: Option<&str>) -> Vec<u8> {
    match encoding.map(|e| e.trim().to_ascii_lowercase()).as_deref() {
        Some("quoted-printable") => decode_quoted_printable(body),
        Some("base64") => decode_base64_lenient(body).unwrap_or_else(|| body.as_bytes().to_vec()),
        _ => body.as_bytes().to_vec(),
    }
}

/// Quoted-printable (RFC 2045 §6.7): `=XX` octets, `=` at the end of a line is a soft break,
/// trailing whitespace on a line is transport padding. Malformed escapes are kept literally.
pub(crate) fn decode_quoted_printable(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        let line = line.trim_end_matches([' ', '\t', '\r']);
        let (content, soft) = match line.strip_suffix('=') {
            Some(c) => (c, true),
            None => (line, false),
        };
        let bytes = content.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'='
                && i + 2 < bytes.len()
                && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
            {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        if !soft && lines.peek().is_some() {
            out.push(b'\n');
        }
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Base64 ignoring line breaks and other whitespace, padding optional.
pub(crate) fn decode_base64_lenient(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let trimmed = compact.trim_end_matches('=');
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed)
        .ok()
}

/// Bytes in `charset` → String. UTF-8 and US-ASCII are decoded lossily; ISO-8859-1 (and, as an
/// approximation, windows-1252) byte-for-byte; anything else is tried as UTF-8.
pub(crate) fn decode_charset(bytes: &[u8], charset: Option<&str>) -> String {
    match charset.map(|c| c.trim().to_ascii_lowercase()).as_deref() {
        Some("iso-8859-1" | "latin1" | "iso_8859-1" | "windows-1252" | "cp1252") => {
            bytes.iter().map(|&b| char::from(b)).collect()
        }
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?iso-8859-1?q?…?=`) in a header value.
/// Whitespace between two adjacent encoded words is dropped, and their bytes are joined before
/// charset decoding so a character split across words (lettre does that) survives.
pub(crate) fn decode_encoded_words(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut pending: Vec<u8> = Vec::new();
    let mut pending_charset = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    loop {
        let Some(word) = find_encoded_word(rest, 0) else {
            flush(&mut out, &mut pending, &pending_charset);
            out.push_str(rest);
            return out;
        };
        let between = &rest[..word.start];
        let joins = last_was_word && between.chars().all(char::is_whitespace);
        if !joins || pending_charset != word.charset {
            flush(&mut out, &mut pending, &pending_charset);
        }
        if !joins {
            out.push_str(between);
        }
        pending.extend_from_slice(&word.bytes);
        pending_charset = word.charset;
        last_was_word = true;
        rest = &rest[word.end..];
    }
}

fn flush(out: &mut String, pending: &mut Vec<u8>, charset: &str) {
    if !pending.is_empty() {
        out.push_str(&decode_charset(pending, Some(charset)));
        pending.clear();
    }
}

struct EncodedWord {
    start: usize,
    end: usize,
    charset: String,
    bytes: Vec<u8>,
}

fn find_encoded_word(s: &str, from: usize) -> Option<EncodedWord> {
    let mut pos = from;
    while let Some(rel) = s.get(pos..)?.find("=?") {
        let start = pos + rel;
        if let Some(word) = parse_encoded_word(s, start) {
            return Some(word);
        }
        pos = start + 2;
    }
    None
}

fn parse_encoded_word(s: &str, start: usize) -> Option<EncodedWord> {
    let body = s.get(start + 2..)?;
    let (charset, after) = body.split_once('?')?;
    let (enc, after) = after.split_once('?')?;
    let text_end = after.find("?=")?;
    let text = &after[..text_end];
    if charset.is_empty() || charset.contains(char::is_whitespace) || text.contains(' ') {
        return None;
    }
    let bytes = match enc {
        "b" | "B" => decode_base64_lenient(text)?,
        "q" | "Q" => decode_q(text),
        _ => return None,
    };
    // consumed: "=?" + charset + "?" + enc + "?" + text + "?="
    let end = start + 2 + charset.len() + 1 + enc.len() + 1 + text.len() + 2;
    // RFC 2231 language suffix: utf-8*en
    let charset = charset
        .split('*')
        .next()
        .unwrap_or(charset)
        .to_ascii_lowercase();
    Some(EncodedWord {
        start,
        end,
        charset,
        bytes,
    })
}

fn decode_q(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'='),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_soft_breaks_and_escapes_are_decoded() {
        let qp =
            "caf=C3=A9 and a very long line that was wrap=\nped here\nsecond line=3D ok  \nend";
        let decoded = String::from_utf8(decode_quoted_printable(qp)).expect("utf-8");
        assert_eq!(
            decoded,
            "café and a very long line that was wrapped here\nsecond line= ok\nend"
        );
    }

    #[test]
    fn quoted_printable_keeps_malformed_escapes_literally() {
        assert_eq!(decode_quoted_printable("a=ZZb=4"), b"a=ZZb=4");
        assert_eq!(decode_quoted_printable("x=\n"), b"x");
    }

    #[test]
    fn base64_with_line_breaks_and_missing_padding_is_decoded() {
        assert_eq!(
            decode_base64_lenient("aGVs\nbG8g\r\nd29y bGQ=").as_deref(),
            Some(&b"hello world"[..])
        );
        assert_eq!(
            decode_base64_lenient("YWJjZA").as_deref(),
            Some(&b"abcd"[..])
        );
        assert_eq!(decode_base64_lenient("!!!"), None);
    }

    #[test]
    fn encoded_words_are_decoded_and_adjacent_words_joined() {
        assert_eq!(
            decode_encoded_words("=?utf-8?b?QWRtaW5pc3RyYXTDtnI=?="),
            "Administratör"
        );
        assert_eq!(
            decode_encoded_words("Hello =?ISO-8859-1?Q?J=F6rg_B?= there"),
            "Hello Jörg B there"
        );
        // "é" (C3 A9) split across two words, separated by folding whitespace
        assert_eq!(
            decode_encoded_words("=?utf-8?b?Y2Fmww==?= =?utf-8?b?qQ==?="),
            "café"
        );
        assert_eq!(decode_encoded_words("plain =?bogus"), "plain =?bogus");
        assert_eq!(decode_encoded_words("a =?x?z?y?= b"), "a =?x?z?y?= b");
    }

    #[test]
    fn content_type_parameters_are_parsed_with_quotes() {
        let (mime, params) =
            parse_content_type("Multipart/Alternative; boundary=\"a;b\\\"c\"; charset=utf-8");
        assert_eq!(mime, "multipart/alternative");
        assert_eq!(param(&params, "boundary"), Some("a;b\"c"));
        assert_eq!(param(&params, "charset"), Some("utf-8"));
    }

    #[test]
    fn headers_are_unfolded_and_the_body_split_off() {
        let e = Entity::parse("Subject: one\n two\nX-A: b\n\nbody\nmore");
        assert_eq!(e.raw_header("subject"), Some("one two"));
        assert_eq!(e.raw_header("x-a"), Some("b"));
        assert_eq!(e.body, "body\nmore");
    }

    #[test]
    fn multipart_parts_exclude_preamble_epilogue_and_delimiter_line_breaks() {
        let body = "preamble\n--b\nA: 1\n\none\n--b \n\ntwo\n\n--b--\nepilogue";
        assert_eq!(split_multipart(body, "b"), vec!["A: 1\n\none", "\ntwo\n"]);
    }
}
