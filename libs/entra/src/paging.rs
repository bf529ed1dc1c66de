//! Streaming pagination over `@odata.nextLink` (reference §4.5).
//!
//! A [`Pager`] holds only the next link: each [`Pager::next_page`] fetches one page and deserialises
//! its `value` array straight into typed items (no intermediate `serde_json::Value`), so memory is
//! bounded by one page whatever the directory size. Links are followed verbatim (never rebuilt), and
//! `ConsistencyLevel: eventual` is re-sent on every page of a query that needs it.

use std::marker::PhantomData;

use futures::Stream;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{Endpoint, EntraError};
use crate::graph::GraphClient;

/// How many times a page may name itself as its nextLink in a row before paging is declared stuck
/// (a duplicated page is re-read: consumers must tolerate repeated items, as with real Graph).
const MAX_REPEATED_LINK: u32 = 3;

/// One page of a collection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    /// The items (may be empty even when more pages follow).
    pub items: Vec<T>,
    /// `@odata.count` (first page of a `$count=true` query with `ConsistencyLevel: eventual`).
    pub count: Option<u64>,
}

/// The body shape of every collection page (also delta pages).
#[derive(Deserialize)]
pub(crate) struct PageBody<T> {
    #[serde(default = "Vec::new")]
    pub(crate) value: Vec<T>,
    #[serde(default, rename = "@odata.nextLink")]
    pub(crate) next_link: Option<String>,
    #[serde(default, rename = "@odata.deltaLink")]
    pub(crate) delta_link: Option<String>,
    #[serde(default, rename = "@odata.count")]
    pub(crate) count: Option<u64>,
}

/// Page-by-page reader of a Graph collection.
#[derive(Debug)]
pub struct Pager<T> {
    graph: GraphClient,
    next: Option<String>,
    eventual: bool,
    pages_read: u64,
    repeats: u32,
    _item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Pager<T> {
    pub(crate) fn new(graph: GraphClient, first_url: String, eventual: bool) -> Self {
        Self {
            graph,
            next: Some(first_url),
            eventual,
            pages_read: 0,
            repeats: 0,
            _item: PhantomData,
        }
    }

    /// Fetches the next page; `Ok(None)` after the last one.
    pub async fn next_page(&mut self) -> Result<Option<Page<T>>, EntraError> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        let body: PageBody<T> = self.graph.get_json(&url, self.eventual).await?;
        self.pages_read += 1;
        if let Some(link) = &body.next_link {
            self.graph.check_link(link)?;
            if *link == url {
                self.repeats += 1;
                if self.repeats >= MAX_REPEATED_LINK {
                    return Err(EntraError::unexpected(
                        Endpoint::Graph,
                        None,
                        "paging is stuck on one nextLink",
                    ));
                }
            } else {
                self.repeats = 0;
            }
        }
        self.next = body.next_link;
        Ok(Some(Page {
            items: body.value,
            count: body.count,
        }))
    }

    /// Whether another page remains.
    pub fn has_more(&self) -> bool {
        self.next.is_some()
    }

    /// Pages fetched so far.
    pub fn pages_read(&self) -> u64 {
        self.pages_read
    }

    /// The pages as a `Stream` (same memory behaviour as `next_page`).
    pub fn into_stream(self) -> impl Stream<Item = Result<Page<T>, EntraError>> + Send
    where
        T: Send,
    {
        futures::stream::try_unfold(self, |mut pager| async move {
            Ok(pager.next_page().await?.map(|page| (page, pager)))
        })
    }

    /// Reads every page into one `Vec`. Only for collections known to be small (memory grows with
    /// the result); stream with [`Self::next_page`] otherwise.
    pub async fn collect_all(mut self) -> Result<Vec<T>, EntraError> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            all.extend(page.items);
        }
        Ok(all)
    }
}
