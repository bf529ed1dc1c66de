//! Delta queries for users and groups (reference §5).
//!
//! A round starts from [`DeltaStart`] and is read page by page with [`DeltaPager::next_page`]; the
//! last page carries the [`DeltaCursor`] (the `@odata.deltaLink` URL, verbatim) to persist and resume
//! from next time. An expired or reset cursor (`syncStateNotFound`, `resyncRequired`, 410 Gone) is
//! reported as [`DeltaError::ResyncRequired`]: discard the cursor and run a full round.

use std::marker::PhantomData;

use super::GraphClient;
use super::changes::{DeltaCursor, GroupChange, UserChange};
use super::groups::GROUP_SELECT;
use super::query::Query;
use super::users::USER_SELECT;
use crate::error::{EntraError, ErrorKind};
use crate::paging::PageBody;

/// Where a delta round starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeltaStart {
    /// A full initial round: every object, then a cursor.
    Initial,
    /// "Sync from now" (`$deltatoken=latest`): no objects, just a cursor.
    Latest,
    /// Changes since a stored cursor.
    Resume(DeltaCursor),
}

/// A delta failure: either "start over" or an ordinary error.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeltaError {
    /// The cursor expired or the service reset sync state: drop the cursor and run
    /// [`DeltaStart::Initial`] (a full resync).
    #[error("delta state must be rebuilt (full resync): {code}")]
    ResyncRequired {
        /// Graph code (`syncStateNotFound`, `resyncRequired`, …) or why the cursor was refused.
        code: String,
        /// The `Location` of a 410 Gone (the initial query Graph suggests), if given.
        restart_url: Option<String>,
    },
    /// Any other failure.
    #[error(transparent)]
    Entra(#[from] EntraError),
}

impl DeltaError {
    /// The typed classification ([`ErrorKind::ResyncRequired`] for the resync signal).
    pub fn kind(&self) -> ErrorKind {
        match self {
            DeltaError::ResyncRequired { .. } => ErrorKind::ResyncRequired,
            DeltaError::Entra(e) => e.kind(),
        }
    }

    fn from_entra(e: EntraError) -> Self {
        match e {
            EntraError::Graph(g) if g.kind == ErrorKind::ResyncRequired => {
                DeltaError::ResyncRequired {
                    code: g.code,
                    restart_url: g.location,
                }
            }
            other => DeltaError::Entra(other),
        }
    }
}

/// One page of a delta round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeltaPage<T> {
    /// Changes on this page (an object can appear more than once per round).
    pub changes: Vec<T>,
    /// On the last page: the cursor to persist for the next round.
    pub cursor: Option<DeltaCursor>,
}

/// Page-by-page reader of one delta round.
#[derive(Debug)]
pub struct DeltaPager<T> {
    graph: GraphClient,
    next: Option<Result<String, DeltaError>>,
    pages_read: u64,
    _item: PhantomData<fn() -> T>,
}

impl<T: serde::de::DeserializeOwned> DeltaPager<T> {
    fn new(graph: GraphClient, resource: &str, select: String, start: DeltaStart) -> Self {
        let next = match start {
            DeltaStart::Initial => Ok(graph.url(
                &format!("{resource}/delta"),
                &Query::new().push("$select", select),
            )),
            DeltaStart::Latest => Ok(graph.url(
                &format!("{resource}/delta"),
                &Query::new()
                    .push("$select", select)
                    .push("$deltatoken", "latest"),
            )),
            DeltaStart::Resume(cursor) => match graph.check_link(cursor.as_str()) {
                Ok(()) => Ok(cursor.0),
                Err(_) => Err(DeltaError::ResyncRequired {
                    code: "cursorForAnotherGraphEndpoint".into(),
                    restart_url: None,
                }),
            },
        };
        Self {
            graph,
            next: Some(next),
            pages_read: 0,
            _item: PhantomData,
        }
    }

    /// Fetches the next page of the round; `Ok(None)` once the cursor has been returned.
    pub async fn next_page(&mut self) -> Result<Option<DeltaPage<T>>, DeltaError> {
        let url = match self.next.take() {
            None => return Ok(None),
            Some(next) => next?,
        };
        let body: PageBody<T> = self
            .graph
            .get_json(&url, false)
            .await
            .map_err(DeltaError::from_entra)?;
        self.pages_read += 1;
        let cursor = match (body.next_link, body.delta_link) {
            (Some(next), _) => {
                self.graph.check_link(&next)?;
                self.next = Some(Ok(next));
                None
            }
            (None, Some(delta)) => {
                self.graph.check_link(&delta)?;
                Some(DeltaCursor(delta))
            }
            (None, None) => {
                return Err(DeltaError::Entra(EntraError::unexpected(
                    crate::error::Endpoint::Graph,
                    Some(200),
                    "delta page has neither @odata.nextLink nor @odata.deltaLink",
                )));
            }
        };
        Ok(Some(DeltaPage {
            changes: body.value,
            cursor,
        }))
    }

    /// Pages fetched so far.
    pub fn pages_read(&self) -> u64 {
        self.pages_read
    }
}

impl GraphClient {
    /// A users delta round (`/users/delta?$select=…`).
    pub fn users_delta(&self, start: DeltaStart) -> DeltaPager<UserChange> {
        DeltaPager::new(self.clone(), "users", USER_SELECT.to_owned(), start)
    }

    /// A groups delta round (`/groups/delta?$select=…,members`), with `members@delta`.
    pub fn groups_delta(&self, start: DeltaStart) -> DeltaPager<GroupChange> {
        DeltaPager::new(
            self.clone(),
            "groups",
            format!("{GROUP_SELECT},members"),
            start,
        )
    }
}
