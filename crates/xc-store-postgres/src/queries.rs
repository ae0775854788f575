//! Query shapes the stores share: [`fetch_page`], one page of a filtered list with the size of
//! the whole list, and [`lock_row`], a row locked for the rest of the caller's transaction or
//! `NotFound`. Each is written once here so that every paged list counts, orders and bounds its
//! page the same way, and every lock answers a missing row the same way.

use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgConnection, PgPool, Postgres, QueryBuilder};
use xc_store::{PageRequest, Paged, StoreError, StoreResult};

use crate::error::store_error;

/// Offset and limit as PostgreSQL's BIGINT, the limit bounded as `PageRequest` promises even
/// when a caller built the request by hand.
fn page_bounds(page: PageRequest) -> (i64, i64) {
    let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
    let limit = i64::from(page.limit.min(PageRequest::MAX_LIMIT));
    (offset, limit)
}

/// One page of a list, decoded by `decode`: see [`fetch_page_rows`].
pub(crate) async fn fetch_page<T>(
    pool: &PgPool,
    select: impl Fn(&str) -> QueryBuilder<Postgres>,
    columns: &str,
    order: &str,
    page: PageRequest,
    decode: impl Fn(&PgRow) -> StoreResult<T>,
) -> StoreResult<Paged<T>> {
    let mut connection = pool.acquire().await.map_err(store_error)?;
    let Paged { items, total } =
        fetch_page_rows(&mut connection, select, columns, order, page).await?;
    Ok(Paged {
        items: items.iter().map(decode).collect::<StoreResult<_>>()?,
        total,
    })
}

/// One page of the rows of `select(columns)` (a `SELECT <columns> FROM ... WHERE ...` with its
/// conditions bound) in `order`, and how many rows `select("count(*)")` finds, read on
/// `connection` (e.g. inside a snapshot whose later statements must agree with the page).
pub(crate) async fn fetch_page_rows(
    connection: &mut PgConnection,
    select: impl Fn(&str) -> QueryBuilder<Postgres>,
    columns: &str,
    order: &str,
    page: PageRequest,
) -> StoreResult<Paged<PgRow>> {
    let total: i64 = select("count(*)")
        .build_query_scalar()
        .fetch_one(&mut *connection)
        .await
        .map_err(store_error)?;
    let (offset, limit) = page_bounds(page);
    let mut query = select(columns);
    query
        .push(format_args!(" ORDER BY {order} LIMIT "))
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    let items = query
        .build()
        .fetch_all(&mut *connection)
        .await
        .map_err(store_error)?;
    Ok(Paged {
        items,
        total: u64::try_from(total).unwrap_or(0),
    })
}

/// Runs `statement`, a `SELECT <one column> ... WHERE id = $1 FOR [NO KEY] UPDATE`, inside the
/// caller's transaction and answers the column of the locked row, or `NotFound { what }` when
/// there is no row `id`. The lock holds until the transaction ends.
pub(crate) async fn lock_row<T>(
    connection: &mut PgConnection,
    statement: &'static str,
    id: i64,
    what: &'static str,
) -> StoreResult<T>
where
    T: Send + Unpin,
    (T,): for<'r> FromRow<'r, PgRow>,
{
    sqlx::query_scalar(statement)
        .bind(id)
        .fetch_optional(connection)
        .await
        .map_err(store_error)?
        .ok_or(StoreError::NotFound { what })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_built_pages_stay_bounded() {
        let page = PageRequest {
            offset: u64::MAX,
            limit: 10_000,
        };
        assert_eq!(page_bounds(page), (i64::MAX, 500));
    }
}
