//! Keyset pagination: parsing `cursor` / `limit` and cutting a fetched page.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::{Cursor, PageLimit};
use crate::error::ApiError;

/// Parsed paging parameters.
#[derive(Clone, Copy, Debug)]
pub struct Paging {
    pub cursor: Option<Cursor>,
    pub limit: PageLimit,
}

impl Paging {
    /// 400 `invalid_cursor` / `invalid_query_parameter` (limit) on bad input.
    pub fn parse(cursor: Option<&str>, limit: Option<u64>) -> Result<Self, ApiError> {
        let cursor = cursor
            .map(Cursor::decode)
            .transpose()
            .map_err(|_| ApiError::InvalidCursor)?;
        let limit = limit
            .map(PageLimit::parse)
            .transpose()
            .map_err(|message| ApiError::InvalidQueryParameter {
                name: "limit",
                message,
            })?
            .unwrap_or_default();
        Ok(Self { cursor, limit })
    }

    /// The LIMIT to query with: one more than the page, to learn whether another follows.
    pub fn fetch_limit(&self) -> i64 {
        self.limit.get() + 1
    }

    /// Cuts `rows` (fetched with [`Self::fetch_limit`]) to the page and computes the
    /// next cursor from the last row kept.
    pub fn page<R>(
        &self,
        mut rows: Vec<R>,
        key: impl Fn(&R) -> (OffsetDateTime, Uuid),
    ) -> (Vec<R>, Option<String>) {
        let limit = usize::try_from(self.limit.get()).unwrap_or(usize::MAX);
        if rows.len() <= limit {
            return (rows, None);
        }
        rows.truncate(limit);
        let next = rows.last().map(|r| {
            let (at, id) = key(r);
            Cursor::after(at, id).encode()
        });
        (rows, next)
    }
}
