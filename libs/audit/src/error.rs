//! [`AuditError`].

/// Why an audit operation failed. When writing a record: the caller's transaction should be
/// rolled back, as an action without its record must not commit.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// `details` was not a JSON object.
    #[error("audit details must be a JSON object")]
    DetailsNotAnObject,
    /// The row was refused by row-level security: the transaction's tenant context is
    /// unset or belongs to another tenant.
    #[error("audit record refused: tenant context of the transaction does not match")]
    TenantContext(#[source] pa_db::DbError),
    /// Any other database failure.
    #[error("the audit database operation failed")]
    Db(#[source] pa_db::DbError),
    /// A row read back does not have the shape the schema guarantees (e.g. a hash that is
    /// not 32 bytes): the database was changed outside pa-audit.
    #[error("an audit row could not be read: {0}")]
    Unreadable(String),
}

impl From<sqlx::Error> for AuditError {
    fn from(e: sqlx::Error) -> Self {
        // 42501 insufficient_privilege: "new row violates row-level security policy".
        let rls = e
            .as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|c| c == "42501");
        let e = pa_db::DbError::from(e);
        if rls {
            Self::TenantContext(e)
        } else {
            Self::Db(e)
        }
    }
}
