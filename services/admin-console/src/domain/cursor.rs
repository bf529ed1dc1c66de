//! [`Cursor`]: an opaque keyset position `(sort key, id)` for the console's lists.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The last row of a page: its sort key (text form) and id. On the wire: base64url of a small
/// versioned JSON document, tagged with the list and sort it belongs to so a cursor from another
/// list or sort is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "v")]
    version: u8,
    /// Which list/sort issued it.
    #[serde(rename = "l")]
    pub list: String,
    /// The sort key of the last row (`None` sorts first/last as the list defines).
    #[serde(rename = "k")]
    pub key: Option<String>,
    #[serde(rename = "i")]
    pub id: Uuid,
}

impl Cursor {
    pub fn new(list: impl Into<String>, key: Option<String>, id: Uuid) -> Self {
        Self {
            version: 1,
            list: list.into(),
            key,
            id,
        }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Parses a cursor issued for `list`; `None` otherwise.
    pub fn decode(text: &str, list: &str) -> Option<Self> {
        if text.len() > 2_048 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let cursor: Self = serde_json::from_slice(&bytes).ok()?;
        (cursor.version == 1 && cursor.list == list).then_some(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_belong_to_their_list() {
        let c = Cursor::new("users:display_name", Some("Ada".into()), Uuid::now_v7());
        assert_eq!(
            Cursor::decode(&c.encode(), "users:display_name"),
            Some(c.clone())
        );
        assert_eq!(Cursor::decode(&c.encode(), "users:upn"), None);
        assert_eq!(Cursor::decode("!!", "users:upn"), None);
    }
}
