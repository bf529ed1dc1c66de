//! The embedded schema migrations (`migrations/` at the workspace root).

use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::postgres::PgConnection;

use crate::DbError;
use crate::pool::connect_options;

/// Every migration of the workspace, embedded at compile time.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// Applies pending migrations, connecting with `owner_url` (the schema owner `pa_owner`).
///
/// sqlx holds a PostgreSQL advisory lock while migrating, so concurrent callers are safe:
/// one applies, the others wait and then find nothing to do.
pub async fn migrate(owner_url: &str) -> Result<(), DbError> {
    // Migrations may legitimately run long (index builds): no statement timeout.
    let options = connect_options(owner_url, 0)?;
    let mut conn = PgConnection::connect_with(&options).await?;
    let result = migrate_with(&mut conn).await;
    // Closing is best effort; the migration outcome is what matters.
    let _ = conn.close().await;
    result
}

/// Applies pending migrations on an existing connection (which must belong to the owner).
pub async fn migrate_with(conn: &mut PgConnection) -> Result<(), DbError> {
    MIGRATOR.run(conn).await.map_err(DbError::Migrate)?;
    Ok(())
}
