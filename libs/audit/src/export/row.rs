//! One exported record, and its CSV and NDJSON forms.

use std::io::Write as _;

use ipnet::IpNet;
use time::OffsetDateTime;
use uuid::Uuid;

use super::csv::push_opt;
use crate::chain::rfc3339_micros;

/// The CSV header (the NDJSON keys are the same names).
pub(crate) const CSV_HEADER: &str = "id,occurred_at,actor_type,actor_id,action,target_type,\
     target_id,request_id,client_addr,outcome,details,chain_seq,chain_hash\r\n";

/// The select list of an [`ExportRow`]: `details` as PostgreSQL's jsonb text (no parse and
/// re-serialise per row), the chain hash as hex.
pub(crate) const EXPORT_COLUMNS: &str = "SELECT l.id, l.occurred_at, \
     l.actor_type::text AS actor_type, l.actor_id::text AS actor_id, l.action::text AS action, \
     l.target_type::text AS target_type, l.target_id::text AS target_id, \
     l.request_id::text AS request_id, l.client_addr, l.outcome::text AS outcome, \
     l.details::text AS details, c.seq AS chain_seq, encode(c.hash, 'hex') AS chain_hash";

#[derive(sqlx::FromRow)]
pub(crate) struct ExportRow {
    pub id: Uuid,
    pub occurred_at: OffsetDateTime,
    actor_type: String,
    actor_id: String,
    action: String,
    target_type: Option<String>,
    target_id: Option<String>,
    request_id: Option<String>,
    client_addr: Option<IpNet>,
    outcome: String,
    details: String,
    chain_seq: Option<i64>,
    chain_hash: Option<String>,
}

impl ExportRow {
    fn addr(&self) -> Option<String> {
        // pa-audit writes host addresses; a network (written some other way) keeps its prefix.
        self.client_addr.map(|net| {
            if net.prefix_len() == net.max_prefix_len() {
                net.addr().to_string()
            } else {
                net.to_string()
            }
        })
    }

    /// One CSV line (RFC 4180, CRLF).
    pub(crate) fn write_csv(&self, out: &mut Vec<u8>) {
        let id = self.id.to_string();
        let at = rfc3339_micros(self.occurred_at);
        let addr = self.addr();
        let seq = self.chain_seq.map(|s| s.to_string());
        let cells: [Option<&str>; 13] = [
            Some(&id),
            Some(&at),
            Some(&self.actor_type),
            Some(&self.actor_id),
            Some(&self.action),
            self.target_type.as_deref(),
            self.target_id.as_deref(),
            self.request_id.as_deref(),
            addr.as_deref(),
            Some(&self.outcome),
            Some(&self.details),
            seq.as_deref(),
            self.chain_hash.as_deref(),
        ];
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_opt(out, cell);
        }
        out.extend_from_slice(b"\r\n");
    }

    /// One NDJSON line: a JSON object with `details` as an object, then `\n`.
    pub(crate) fn write_ndjson(&self, out: &mut Vec<u8>) {
        let at = rfc3339_micros(self.occurred_at);
        let addr = self.addr();
        out.extend_from_slice(b"{\"id\":\"");
        // A UUID and the timestamp need no escaping.
        let _ = write!(out, "{}\",\"occurred_at\":\"{at}\"", self.id);
        string(out, "actor_type", Some(&self.actor_type));
        string(out, "actor_id", Some(&self.actor_id));
        string(out, "action", Some(&self.action));
        string(out, "target_type", self.target_type.as_deref());
        string(out, "target_id", self.target_id.as_deref());
        string(out, "request_id", self.request_id.as_deref());
        string(out, "client_addr", addr.as_deref());
        string(out, "outcome", Some(&self.outcome));
        // jsonb's text output is JSON already.
        out.extend_from_slice(b",\"details\":");
        out.extend_from_slice(self.details.as_bytes());
        match self.chain_seq {
            Some(seq) => {
                let _ = write!(out, ",\"chain_seq\":{seq}");
            }
            None => out.extend_from_slice(b",\"chain_seq\":null"),
        }
        string(out, "chain_hash", self.chain_hash.as_deref());
        out.extend_from_slice(b"}\n");
    }
}

fn string(out: &mut Vec<u8>, key: &str, value: Option<&str>) {
    let _ = write!(out, ",\"{key}\":");
    match value {
        // Serialising a &str into a Vec cannot fail.
        Some(v) => {
            let _ = serde_json::to_writer(&mut *out, v);
        }
        None => out.extend_from_slice(b"null"),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn row() -> ExportRow {
        ExportRow {
            id: Uuid::nil(),
            occurred_at: datetime!(2026-05-06 07:08:09.5 UTC),
            actor_type: "console_user".into(),
            actor_id: "=cmd|' /C calc'!A0".into(),
            action: "user.deactivated".into(),
            target_type: Some("user".into()),
            target_id: None,
            request_id: Some("r\"1".into()),
            client_addr: Some("2001:db8::1/128".parse().expect("net")),
            outcome: "success".into(),
            details: r#"{"why": "left, \"today\""}"#.into(),
            chain_seq: Some(7),
            chain_hash: Some("ab".repeat(32)),
        }
    }

    #[test]
    fn a_csv_line_quotes_and_neutralises_each_cell_on_its_own() {
        let mut out = Vec::new();
        row().write_csv(&mut out);
        let line = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            line,
            format!(
                "00000000-0000-0000-0000-000000000000,2026-05-06T07:08:09.500000Z,console_user,\
                 \"'=cmd|' /C calc'!A0\",user.deactivated,user,,\"r\"\"1\",2001:db8::1,success,\
                 \"{{\"\"why\"\": \"\"left, \\\"\"today\\\"\"\"\"}}\",7,{}\r\n",
                "ab".repeat(32)
            )
        );
        assert_eq!(CSV_HEADER.split(',').count(), 13);
    }

    #[test]
    fn an_ndjson_line_is_one_json_object_with_details_as_an_object() {
        let mut out = Vec::new();
        row().write_ndjson(&mut out);
        assert_eq!(out.last(), Some(&b'\n'));
        let value: serde_json::Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(value["details"]["why"], "left, \"today\"");
        assert_eq!(value["actor_id"], "=cmd|' /C calc'!A0");
        assert_eq!(value["target_id"], serde_json::Value::Null);
        assert_eq!(value["chain_seq"], 7);
        assert_eq!(value["client_addr"], "2001:db8::1");
        assert_eq!(value["occurred_at"], "2026-05-06T07:08:09.500000Z");
        assert_eq!(value.as_object().map(|o| o.len()), Some(13));
    }
}
