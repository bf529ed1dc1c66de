//! [`TenantAuditBatch`]: tenant audit records appended as one part of a larger statement.

use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use pa_domain::TenantId;

use crate::{AuditEntry, AuditError};

/// Tenant audit records to append in ONE `INSERT`, written into a statement the caller
/// builds (e.g. a data-modifying CTE that also writes the state change and its events), so
/// a hot path pays one round trip for all of them. Same rows, checks and tenant-context
/// rules as [`record_tenant`](crate::record_tenant): run the statement inside
/// `pa_db::begin_tenant(tenant)`.
#[derive(Debug, Default)]
pub struct TenantAuditBatch<'a> {
    rows: Vec<(TenantId, Uuid, AuditEntry<'a>)>,
}

impl<'a> TenantAuditBatch<'a> {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a record; returns its id (UUID v7).
    pub fn push(&mut self, tenant: TenantId, entry: AuditEntry<'a>) -> Result<Uuid, AuditError> {
        crate::record::check_details(&entry)?;
        let id = Uuid::now_v7();
        self.rows.push((tenant, id, entry));
        Ok(id)
    }

    /// How many records the batch holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the batch holds no record.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Appends `INSERT INTO audit_log (…) SELECT * FROM (VALUES …) AS audit_rows` to `qb`,
    /// binding every value; the caller may append a `WHERE` that applies to the rows (and
    /// must not call this on an empty batch, which has no `VALUES`).
    pub fn push_insert(&self, qb: &mut QueryBuilder<Postgres>) {
        qb.push(
            "INSERT INTO audit_log (tenant_id, id, actor_type, actor_id, action, target_type, \
             target_id, request_id, client_addr, outcome, details) \
             SELECT * FROM (",
        );
        qb.push_values(&self.rows, |mut row, (tenant, id, e)| {
            row.push_bind(*tenant)
                .push_bind(*id)
                .push_bind(e.actor.kind())
                .push_bind(e.actor.id())
                .push_bind(e.action)
                .push_bind(e.target_type)
                .push_bind(e.target_id.as_deref())
                .push_bind(e.request_id)
                .push_bind(e.client_addr)
                .push_bind(e.outcome.as_str())
                .push_bind(&e.details);
        });
        qb.push(") AS audit_rows");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Actor;

    #[test]
    fn a_record_without_object_details_is_refused() {
        let mut batch = TenantAuditBatch::new();
        let entry = AuditEntry::new(Actor::System { component: "t" }, "x.y")
            .details(serde_json::json!([1]));
        assert!(matches!(
            batch.push(TenantId::new(), entry),
            Err(AuditError::DetailsNotAnObject)
        ));
        assert!(batch.is_empty());
    }

    #[test]
    fn the_insert_binds_eleven_values_per_record() {
        let mut batch = TenantAuditBatch::new();
        for action in ["a.one", "a.two"] {
            let entry = AuditEntry::new(Actor::System { component: "t" }, action);
            batch.push(TenantId::new(), entry).expect("object details");
        }
        let mut qb = QueryBuilder::<Postgres>::new("");
        batch.push_insert(&mut qb);
        let sql = qb.into_string();
        assert!(sql.starts_with("INSERT INTO audit_log ("), "{sql}");
        assert!(sql.contains("$22)") && !sql.contains("$23"), "{sql}");
    }
}
