//! [`DbError`] and recognising constraint violations where the query runs.

use std::fmt;

/// Every failure pa-db reports.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A unique, foreign-key, check, not-null or exclusion constraint rejected the
    /// statement. Callers map the named constraint to 409/422 at the query site.
    #[error("{violation}")]
    Constraint {
        /// Which constraint, and what kind (boxed: the error stays small on the `Ok` path).
        violation: Box<ConstraintViolation>,
        /// The driver error.
        #[source]
        source: sqlx::Error,
    },
    /// PostgreSQL could not be reached or no pooled connection was free in time:
    /// transient, worth retrying / answering 503.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// Any other statement or protocol failure.
    #[error("database query failed")]
    Query(#[source] sqlx::Error),
    /// Applying migrations failed.
    #[error("database migration failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// The settings (e.g. the URL) are unusable.
    #[error("invalid database settings: {0}")]
    Config(String),
}

impl DbError {
    /// The violated constraint, if that is what this error is.
    pub fn violation(&self) -> Option<&ConstraintViolation> {
        match self {
            Self::Constraint { violation, .. } => Some(violation),
            _ => None,
        }
    }

    /// True when a unique/primary-key constraint named `constraint` was violated.
    pub fn is_unique_violation(&self, constraint: &str) -> bool {
        self.is_violation(ViolationKind::Unique, constraint)
    }

    /// True when a foreign-key constraint named `constraint` was violated.
    pub fn is_foreign_key_violation(&self, constraint: &str) -> bool {
        self.is_violation(ViolationKind::ForeignKey, constraint)
    }

    /// True when a check constraint named `constraint` was violated.
    pub fn is_check_violation(&self, constraint: &str) -> bool {
        self.is_violation(ViolationKind::Check, constraint)
    }

    /// True when a constraint of `kind` named `constraint` was violated.
    pub fn is_violation(&self, kind: ViolationKind, constraint: &str) -> bool {
        self.violation()
            .is_some_and(|v| v.kind == kind && v.constraint == constraint)
    }

    /// True for failures that may succeed when retried: connection trouble, pool
    /// exhaustion, serialization failures and deadlocks.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unavailable(_) => true,
            Self::Query(e) => is_transient_db_error(e),
            _ => false,
        }
    }
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        if let Some(violation) = constraint_violation(&e) {
            return Self::Constraint {
                violation: Box::new(violation),
                source: e,
            };
        }
        if is_unavailable(&e) {
            Self::Unavailable(e)
        } else {
            Self::Query(e)
        }
    }
}

/// True when `e` means PostgreSQL is unreachable or overloaded right now (I/O, TLS, pool
/// timeout/closed, server shutting down or refusing connections, too many connections):
/// retry later rather than give up.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        e => e
            .as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|code| matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")),
    }
}

/// serialization_failure and deadlock_detected: the transaction may succeed if rerun.
fn is_transient_db_error(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|code| matches!(&*code, "40001" | "40P01"))
}

/// The kinds of integrity constraint PostgreSQL reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViolationKind {
    /// `unique_violation` (23505), including primary keys.
    Unique,
    /// `foreign_key_violation` (23503).
    ForeignKey,
    /// `check_violation` (23514).
    Check,
    /// `not_null_violation` (23502).
    NotNull,
    /// `exclusion_violation` (23P01).
    Exclusion,
}

impl fmt::Display for ViolationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unique => "unique",
            Self::ForeignKey => "foreign key",
            Self::Check => "check",
            Self::NotNull => "not null",
            Self::Exclusion => "exclusion",
        })
    }
}

/// A violated constraint, named so the caller can decide between 409 and 422.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstraintViolation {
    /// What kind of constraint.
    pub kind: ViolationKind,
    /// Constraint (or unique index) name; for not-null violations the column name.
    pub constraint: String,
    /// The table, when PostgreSQL reports it.
    pub table: Option<String>,
    /// The domain whose CHECK rejected the value, when the rule belongs to a column's
    /// domain type rather than to the table (migrations 0008, 0016).
    pub domain: Option<String>,
}

impl fmt::Display for ConstraintViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} constraint {} violated", self.kind, self.constraint)?;
        if let Some(table) = &self.table {
            write!(f, " on table {table}")?;
        }
        if let Some(domain) = &self.domain {
            write!(f, " by a value of domain {domain}")?;
        }
        Ok(())
    }
}

/// Recognises a constraint violation in a raw `sqlx::Error` (for code that runs its own
/// queries): `constraint_violation(&e).is_some_and(|v| v.constraint == "tenants_slug_key")`.
pub fn constraint_violation(e: &sqlx::Error) -> Option<ConstraintViolation> {
    let db = e.as_database_error()?;
    let kind = match db.kind() {
        sqlx::error::ErrorKind::UniqueViolation => ViolationKind::Unique,
        sqlx::error::ErrorKind::ForeignKeyViolation => ViolationKind::ForeignKey,
        sqlx::error::ErrorKind::CheckViolation => ViolationKind::Check,
        sqlx::error::ErrorKind::NotNullViolation => ViolationKind::NotNull,
        sqlx::error::ErrorKind::ExclusionViolation => ViolationKind::Exclusion,
        _ => return None,
    };
    let pg = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>();
    let constraint = db
        .constraint()
        .or_else(|| pg.and_then(|p| p.column()))
        .unwrap_or_default()
        .to_owned();
    Some(ConstraintViolation {
        kind,
        constraint,
        table: db.table().map(str::to_owned),
        domain: pg.and_then(|p| p.data_type()).map(str::to_owned),
    })
}
