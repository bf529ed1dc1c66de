//! [`AuditError`].

/// Why an audit record could not be written. The caller's transaction should be rolled
/// back: an action without its record must not commit.
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
    #[error("writing the audit record failed")]
    Db(#[source] pa_db::DbError),
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
