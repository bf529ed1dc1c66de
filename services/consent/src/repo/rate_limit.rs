//! `consent_start_failures` (platform table): bad setup-link attempts per client address in
//! fixed windows, shared by every instance.

use std::net::IpAddr;

use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};

/// The failures counted in the window that contains `now`, and when that window ends.
pub async fn current(
    conn: &mut PgConnection,
    addr: IpAddr,
    now: OffsetDateTime,
    window: Duration,
) -> Result<Option<(i32, OffsetDateTime)>, pa_db::DbError> {
    let row: Option<(OffsetDateTime, i32)> = sqlx::query_as(
        "SELECT window_start, failures FROM consent_start_failures WHERE client_addr = $1",
    )
    .bind(addr)
    .fetch_optional(conn)
    .await?;
    Ok(row
        .filter(|(start, _)| *start + window > now)
        .map(|(start, failures)| (failures, start + window)))
}

/// Counts one failure at `now` (starting a new window when the last one is over), and
/// forgets addresses whose last window ended a day ago, so a scan from many addresses does
/// not grow the table for ever (failures are rare: the extra statement costs nothing).
pub async fn record_failure(
    conn: &mut PgConnection,
    addr: IpAddr,
    now: OffsetDateTime,
    window: Duration,
) -> Result<(), pa_db::DbError> {
    sqlx::query(
        "DELETE FROM consent_start_failures WHERE window_start + $2 < $1 - interval '1 day'",
    )
    .bind(now)
    .bind(window)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO consent_start_failures AS f (client_addr, window_start, failures) \
         VALUES ($1, $2, 1) \
         ON CONFLICT (client_addr) DO UPDATE SET \
           window_start = CASE WHEN f.window_start + $3 <= $2 THEN $2 ELSE f.window_start END, \
           failures = CASE WHEN f.window_start + $3 <= $2 THEN 1 ELSE f.failures + 1 END",
    )
    .bind(addr)
    .bind(now)
    .bind(window)
    .execute(conn)
    .await?;
    Ok(())
}
