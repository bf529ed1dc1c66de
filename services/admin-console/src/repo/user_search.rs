//! The Users search (`GET /v1/users?search=…`): one statement that reads about one page of
//! rows, whatever the number of matches.
//!
//! What matches (as Entra's own `$search`): every word of the term is the start of a word of
//! the person's display name, or of their UPN or mail before the `@`; words are runs of
//! letters and digits, compared lower-cased (`console_search_words`, migration 0045); a term
//! with an `@` must also be the start of the UPN or the mail. "gar" finds Mary Garcia,
//! "garcia mary" too, "arcia" nothing.
//!
//! Where it reads: `console_user_words` (0045) holds one row per (person, word) with both
//! sort keys, in b-trees ordered (tenant, word, sort key, object id). Everyone with the word
//! "garcia" is one run of that index, already in page order, so a page is the first
//! `limit` entries of the run after the cursor (index-only). A term word is a prefix, so it
//! covers the runs of every word it starts ("ander": anderson, andersen): the statement
//! finds those words one index probe each (a skip scan, at most [`RUNS`]), reads `limit`
//! entries of each and merges them. With several term words, one of them drives (the one
//! whose people are spread widest in the sort order), the others are checked per entry
//! through the person's own words, and the walk is confined to the sort-key range every
//! word's people lie in: "mary garcia" walks only the Garcias between the first and the last
//! "Mary …", about a page. Filters (role, status, group, the `@` prefix) are checked per
//! entry before the `limit`.
//!
//! A term word that starts more than [`RUNS`] different words (one or two letters) cannot
//! drive; then the people with the longest term word are read at once if there are fewer
//! than [`WIDE_CAP`] (index-only), or else, being that common, found by walking the tenant
//! in sort order (`directory_users`' sort index) and checking each person's words.
//!
//! The statement is its own transaction (autocommit, [`super::directory::list_users`] on the search pool): its
//! first CTE sets the tenant's row-level security context from the tenant parameter, and
//! the final `SELECT`, which every other part runs under, waits for it
//! ([`pa_db::IN_TENANT_CONTEXT`], a one-time filter at the top of the plan). Run inside a
//! tenant transaction it sets the same context again.
//!
//! Every comparison an index walk depends on (`=`, `<`, `>=` on text and uuid) is leakproof,
//! so row-level security (`tenant_isolation` on both tables) never stops the index from
//! being used; every query also names the tenant explicitly.

use pa_db::IN_TENANT_CONTEXT;
use pa_domain::TenantId;
use sqlx::postgres::PgArguments;
use sqlx::{Arguments, Postgres, QueryBuilder};
use uuid::Uuid;

use super::directory::{UserFilter, UserSort};

/// Distinct words a term word may start and still drive the walk (more: the fall-backs).
pub const RUNS: u32 = 32;
/// Above this many people with the longest term word, walk the tenant in sort order instead
/// of reading them all.
pub const WIDE_CAP: u32 = 4000;

/// The columns of a user row, without `blocked` (`du`: directory_users).
const INNER_COLUMNS: &str = "du.object_id, du.user_principal_name, du.display_name, du.mail, \
    du.account_enabled, du.directory_state, du.role, du.role_source, du.status, du.status_reason, \
    du.status_changed_at";

/// Numbered placeholders for the statement's arguments, each bound once and referred to by
/// its `$n` wherever the SQL needs it.
struct Binds {
    args: PgArguments,
    count: usize,
}

impl Binds {
    fn bind<T>(&mut self, value: T) -> Result<String, sqlx::Error>
    where
        T: for<'q> sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + Send + 'static,
    {
        self.args.add(value).map_err(sqlx::Error::Encode)?;
        self.count += 1;
        Ok(format!("${}", self.count))
    }
}

/// The statement's shape: which key it sorts by, in which direction.
struct Order {
    /// The sort key's column in `console_user_words`.
    words_key: &'static str,
    /// The same key on `directory_users du`.
    users_key: &'static str,
    dir: &'static str,
    descending: bool,
}

impl Order {
    fn of(sort: UserSort) -> Self {
        let (words_key, users_key, descending) = match sort {
            UserSort::DisplayName { descending } => {
                ("name_key", "coalesce(du.display_name, '')", descending)
            }
            UserSort::UserPrincipalName { descending } => {
                ("upn_key", "du.user_principal_name", descending)
            }
        };
        Self {
            words_key,
            users_key,
            dir: if descending { "DESC" } else { "ASC" },
            descending,
        }
    }
}

/// The parts of the statement that depend on the request's filters and cursor.
struct Conditions {
    tenant: String,
    /// `AND …` on the sort key and object id after the cursor, with `{k}`/`{id}` to fill.
    cursor: Option<(String, String)>,
    role: Option<String>,
    status: Option<String>,
    group: Option<String>,
    /// The whole term, when it has an `@` (the UPN or mail must start with it).
    address: Option<String>,
}

impl Conditions {
    /// Whether the filters read `directory_users` (joined as `du`).
    fn need_user_row(&self) -> bool {
        self.role.is_some() || self.status.is_some() || self.address.is_some()
    }

    /// `AND …` for an entry whose sort key is `key` and object id `id`.
    fn after_cursor(&self, key: &str, id: &str, order: &Order) -> String {
        let Some((k, i)) = &self.cursor else {
            return String::new();
        };
        let (loose, strict) = if order.descending {
            ("<=", "<")
        } else {
            (">=", ">")
        };
        format!(" AND {key} {loose} {k} AND ({key} {strict} {k} OR {id} {strict} {i})")
    }

    /// `AND …` for the filters; `id` is the entry's object id, `du` its user row if joined.
    fn filters(&self, id: &str) -> String {
        let mut sql = String::new();
        if let Some(role) = &self.role {
            sql.push_str(&format!(" AND du.role = {role}"));
        }
        if let Some(status) = &self.status {
            sql.push_str(&format!(" AND du.status = {status}"));
        }
        if let Some(group) = &self.group {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM directory_user_grants g WHERE g.tenant_id = {} \
                 AND g.object_id = {id} AND g.group_id = {group})",
                self.tenant
            ));
        }
        if let Some(term) = &self.address {
            sql.push_str(&format!(
                " AND (starts_with(lower(du.user_principal_name), lower({term})) \
                 OR starts_with(lower(du.mail), lower({term})))"
            ));
        }
        sql
    }

    /// `JOIN directory_users du` for an entry with object id `id`, when the filters need it.
    fn user_join(&self, id: &str) -> String {
        if self.need_user_row() {
            format!(
                " JOIN directory_users du ON du.tenant_id = {} AND du.object_id = {id}",
                self.tenant
            )
        } else {
            String::new()
        }
    }

    /// `NOT EXISTS …`: every term word `o` (other than those `skip` excludes) starts a word
    /// of the person `id`.
    fn other_words(&self, id: &str, skip: &str) -> String {
        format!(
            "NOT EXISTS (SELECT FROM terms o WHERE {skip} AND NOT EXISTS (\
             SELECT FROM console_user_words y WHERE y.tenant_id = {t} AND y.object_id = {id} \
             AND y.word >= o.word AND y.word < o.word_end))",
            t = self.tenant
        )
    }
}

/// One page of the search `term` (already trimmed, 1–100 characters), the same rows and
/// order as `directory::list_users_query` without a search.
pub fn page_query(
    tenant: TenantId,
    term: &str,
    filter: &UserFilter,
    sort: UserSort,
    after: Option<(String, Uuid)>,
    limit: i64,
) -> Result<QueryBuilder<Postgres>, sqlx::Error> {
    let mut b = Binds {
        args: PgArguments::default(),
        count: 0,
    };
    let t = b.bind(tenant)?;
    let q = b.bind(term.to_owned())?;
    // A literal, not a parameter: with `LIMIT $n` a generic plan assumes a tenth of the
    // tenant per page and joins the page by hashing the whole tenant. An integer cannot
    // carry SQL; the API allows 1–200 (+1).
    let l = limit.clamp(1, 1_000).to_string();
    let cursor = match after {
        Some((k, id)) => Some((b.bind(k)?, b.bind(id)?)),
        None => None,
    };
    let c = Conditions {
        tenant: t.clone(),
        cursor,
        role: filter.role.clone().map(|r| b.bind(r)).transpose()?,
        status: filter.status.clone().map(|s| b.bind(s)).transpose()?,
        group: filter.group_id.map(|g| b.bind(g)).transpose()?,
        address: term.contains('@').then(|| q.clone()),
    };
    let o = Order::of(sort);
    let sql = statement(&t, &q, &l, &c, &o);
    Ok(QueryBuilder::with_arguments(sql, b.args))
}

fn statement(t: &str, q: &str, l: &str, c: &Conditions, o: &Order) -> String {
    let (key, users_key, dir) = (o.words_key, o.users_key, o.dir);
    format!(
        "WITH RECURSIVE \
         tenant_context AS (SELECT set_config('app.tenant_id', {t}::text, true)), \
         terms AS MATERIALIZED (\
             SELECT DISTINCT w AS word, w || chr(1114111) AS word_end \
               FROM unnest(console_search_words(split_part({q}, '@', 1))) AS w), \
         runs (term, word, word_end, i) AS (\
             SELECT t.word, (SELECT x.word FROM console_user_words x \
                              WHERE x.tenant_id = {t} AND x.word >= t.word AND x.word < t.word_end \
                              ORDER BY x.word LIMIT 1), t.word_end, 1 \
               FROM terms t \
             UNION ALL \
             SELECT r.term, (SELECT x.word FROM console_user_words x \
                              WHERE x.tenant_id = {t} AND x.word > r.word AND x.word < r.word_end \
                              ORDER BY x.word LIMIT 1), r.word_end, r.i + 1 \
               FROM runs r WHERE r.word IS NOT NULL AND r.i <= {RUNS}), \
         spans AS MATERIALIZED (\
             SELECT r.term, count(*) AS n, min(f.k) AS lo, max(z.k) AS hi \
               FROM runs r \
              CROSS JOIN LATERAL (SELECT x.{key} AS k FROM console_user_words x \
                                   WHERE x.tenant_id = {t} AND x.word = r.word \
                                   ORDER BY x.{key}, x.object_id LIMIT 1) f \
              CROSS JOIN LATERAL (SELECT x.{key} AS k FROM console_user_words x \
                                   WHERE x.tenant_id = {t} AND x.word = r.word \
                                   ORDER BY x.{key} DESC, x.object_id DESC LIMIT 1) z \
              WHERE r.word IS NOT NULL GROUP BY r.term), \
         known AS MATERIALIZED (SELECT * FROM spans WHERE n <= {RUNS}), \
         driver AS MATERIALIZED (\
             SELECT term FROM known ORDER BY lo, hi DESC, length(term) DESC, term LIMIT 1), \
         bounds AS MATERIALIZED (SELECT max(lo) AS lo, min(hi) AS hi FROM known), \
         ok AS MATERIALIZED (\
             SELECT EXISTS (SELECT FROM terms) \
                    AND (SELECT count(*) FROM spans) = (SELECT count(*) FROM terms) AS ok), \
         hits AS (\
             SELECT DISTINCT ON (h.k, h.object_id) h.k, h.object_id \
               FROM runs r \
              CROSS JOIN LATERAL (\
                  SELECT x.{key} AS k, x.object_id FROM console_user_words x{join_x} \
                   WHERE x.tenant_id = {t} AND x.word = r.word \
                     AND x.{key} >= (SELECT lo FROM bounds) AND x.{key} <= (SELECT hi FROM bounds)\
                     {cursor_x} AND {others_x}{filters_x} \
                   ORDER BY x.{key} {dir}, x.object_id {dir} LIMIT {l}) h \
              WHERE r.word IS NOT NULL AND r.term = (SELECT term FROM driver) AND (SELECT ok FROM ok) \
              ORDER BY h.k {dir}, h.object_id {dir} LIMIT {l}), \
         wide AS MATERIALIZED (\
             SELECT word, word_end FROM terms ORDER BY length(word) DESC, word LIMIT 1), \
         wide_rows AS MATERIALIZED (\
             SELECT x.{key} AS k, x.object_id, w.word AS term \
               FROM wide w JOIN console_user_words x \
                 ON x.tenant_id = {t} AND x.word >= w.word AND x.word < w.word_end \
              WHERE (SELECT ok FROM ok) AND NOT EXISTS (SELECT FROM driver) \
              LIMIT {WIDE_CAP}), \
         all_hits AS (\
             SELECT DISTINCT ON (x.k, x.object_id) x.k, x.object_id FROM wide_rows x{join_x} \
              WHERE (SELECT count(*) FROM wide_rows) < {WIDE_CAP}{cursor_w} \
                AND {others_w}{filters_x} \
              ORDER BY x.k {dir}, x.object_id {dir} LIMIT {l}), \
         walk AS (\
             SELECT {users_key} AS k, du.object_id FROM directory_users du \
              WHERE du.tenant_id = {t} AND (SELECT count(*) FROM wide_rows) >= {WIDE_CAP}\
                {cursor_du} AND {others_du}{filters_du} \
              ORDER BY {users_key} {dir}, du.object_id {dir} LIMIT {l}) \
         SELECT du.tenant_id, {INNER_COLUMNS}, EXISTS (SELECT 1 FROM console_user_blocks b \
                WHERE b.tenant_id = du.tenant_id AND b.object_id = du.object_id) AS blocked \
           FROM (SELECT k, object_id FROM hits \
                 UNION ALL SELECT k, object_id FROM all_hits \
                 UNION ALL SELECT k, object_id FROM walk) AS page \
           JOIN directory_users du ON du.tenant_id = {t} AND du.object_id = page.object_id \
          WHERE {IN_TENANT_CONTEXT} \
          ORDER BY page.k {dir}, page.object_id {dir}",
        join_x = c.user_join("x.object_id"),
        cursor_x = c.after_cursor(&format!("x.{key}"), "x.object_id", o),
        others_x = c.other_words("x.object_id", "o.word <> r.term"),
        filters_x = c.filters("x.object_id"),
        cursor_w = c.after_cursor("x.k", "x.object_id", o),
        others_w = c.other_words("x.object_id", "o.word <> x.term"),
        cursor_du = c.after_cursor(users_key, "du.object_id", o),
        others_du = c.other_words("du.object_id", "true"),
        filters_du = c.filters("du.object_id"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(term: &str, filter: &UserFilter, after: Option<(String, Uuid)>) -> String {
        page_query(
            TenantId::from_uuid(Uuid::nil()),
            term,
            filter,
            UserSort::UserPrincipalName { descending: true },
            after,
            51,
        )
        .expect("encodes")
        .sql()
        .as_str()
        .to_owned()
    }

    #[test]
    fn every_argument_is_bound_once_and_every_branch_applies_the_filters_and_cursor() {
        let filter = UserFilter {
            search: Some("mary.g@contoso".into()),
            role: Some("admin".into()),
            status: Some("active".into()),
            group_id: Some(Uuid::nil()),
        };
        let text = sql("mary.g@contoso", &filter, Some(("k".into(), Uuid::nil())));
        // $1 tenant, $2 term, $3/$4 cursor, $5 role, $6 status, $7 group.
        assert!(text.contains("$7") && !text.contains("$8"), "{text}");
        for (needle, branches) in [
            ("du.role = $5", 3),
            ("du.status = $6", 3),
            ("g.group_id = $7", 3),
            ("starts_with(lower(du.user_principal_name), lower($2))", 3),
            ("OR du.object_id < $4)", 1),
            ("OR x.object_id < $4)", 2),
            ("LIMIT 51", 4),
        ] {
            assert_eq!(text.matches(needle).count(), branches, "{needle}");
        }
        assert!(text.contains("ORDER BY page.k DESC, page.object_id DESC"));
        assert!(text.contains("x.upn_key"));
    }

    #[test]
    fn a_term_without_an_at_sign_and_filters_reads_no_user_rows_until_the_page() {
        let text = sql("garcia", &UserFilter::default(), None);
        assert!(text.contains("$2") && !text.contains("$3"), "{text}");
        assert_eq!(
            text.matches("JOIN directory_users du").count(),
            1,
            "the page only"
        );
        assert!(!text.contains("starts_with"));
    }
}
