//! What a Graph handler gets: the caller, its tenant, the parsed query, and helpers for links and knobs.

use std::sync::Arc;

use super::auth::Caller;
use super::filter::{self, Expr, Target};
use super::query::{Params, cursor, link};
use super::response::GraphError;
use super::search::{self, SExpr};
use crate::state::SimState;
use crate::store::TenantCell;

pub struct Ctx<'a> {
    pub st: &'a SimState,
    pub caller: &'a Caller,
    pub tenant: Arc<TenantCell>,
    /// Path after `/v1.0/` as the client addressed it (used in `@odata.nextLink`).
    pub path: String,
    pub p: Params,
}

impl Ctx<'_> {
    pub fn tid(&self) -> uuid::Uuid {
        self.tenant.id()
    }

    /// Consume one `duplicate_pages` knob unit, if any.
    pub fn take_duplicate(&self) -> bool {
        let mut c = self.tenant.control.lock();
        if c.faults.duplicate_pages > 0 {
            c.faults.duplicate_pages -= 1;
            true
        } else {
            false
        }
    }

    /// Consume one `empty_pages` knob unit, if any.
    pub fn take_empty(&self) -> bool {
        let mut c = self.tenant.control.lock();
        if c.faults.empty_pages > 0 {
            c.faults.empty_pages -= 1;
            true
        } else {
            false
        }
    }

    /// Position encoded in `$skiptoken` (0 when absent).
    pub fn position(&self, kind: &str) -> Result<(u64, u64), GraphError> {
        match &self.p.skiptoken {
            Some(t) => {
                let c = cursor::decode(t, self.tid(), kind)?;
                Ok((c.p, c.v))
            }
            None => Ok((0, 0)),
        }
    }

    /// `@odata.nextLink` for position `pos`, keeping every original parameter.
    pub fn next_link(&self, kind: &str, pos: u64, version: u64) -> String {
        let tok = cursor::encode(&cursor::Cursor {
            t: self.tid(),
            k: kind.to_string(),
            p: pos,
            v: version,
        });
        link(
            &self.st.graph_base,
            &self.path,
            &self.p.pairs,
            &["$skiptoken"],
            ("$skiptoken", &tok),
        )
    }

    pub fn filter(&self, target: Target) -> Result<Option<Expr>, GraphError> {
        self.p
            .filter
            .as_deref()
            .map(|f| filter::compile(f, target, self.p.advanced()))
            .transpose()
    }

    /// `$search` requires `ConsistencyLevel: eventual` on directory objects.
    pub fn search(&self, target: Target) -> Result<Option<SExpr>, GraphError> {
        let Some(s) = self.p.search.as_deref() else {
            return Ok(None);
        };
        if !self.p.eventual {
            return Err(GraphError::unsupported(
                "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
            ));
        }
        search::compile(s, target).map(Some)
    }

    /// `@odata.count` is emitted only with the header and `$count=true`, on the first page.
    pub fn wants_count(&self) -> bool {
        self.p.count && self.p.eventual && self.p.skiptoken.is_none()
    }

    pub fn reject_expand(&self) -> Result<(), GraphError> {
        if self.p.expand.is_some() {
            return Err(GraphError::new(
                501,
                "NotImplemented",
                "entra-sim does not implement $expand.",
            ));
        }
        Ok(())
    }

    /// `/$count` segments need the header.
    pub fn require_count_header(&self) -> Result<(), GraphError> {
        if !self.p.eventual {
            return Err(GraphError::bad_request(
                "$count is not currently supported.",
            ));
        }
        Ok(())
    }
}
