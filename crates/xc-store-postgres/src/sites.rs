//! [`SiteStore`] on PostgreSQL: learning sites filtered by district, subdistrict and kind and
//! paged in id order, and institutions by id.

use async_trait::async_trait;
use sqlx::{Postgres, QueryBuilder};
use xc_domain::{InstitutionId, SiteId};
use xc_store::{Institution, PageRequest, Paged, Site, SiteFilter, SiteStore, StoreResult};

use crate::PgStore;
use crate::codec::{institution_from_row, not_found, site_columns, site_from_row};
use crate::error::store_error;
use crate::queries::fetch_page;

/// `SELECT <select> FROM sites WHERE ...` with the filter's conditions bound.
fn filtered_sites(select: &str, filter: &SiteFilter) -> QueryBuilder<Postgres> {
    let mut query = QueryBuilder::new(format!("SELECT {select} FROM sites WHERE TRUE"));
    if let Some(district) = &filter.district {
        query
            .push(" AND district_code = ")
            .push_bind(district.as_str().to_owned());
    }
    if let Some(subdistrict) = &filter.subdistrict {
        query
            .push(" AND subdistrict_code = ")
            .push_bind(subdistrict.as_str().to_owned());
    }
    if let Some(kind) = filter.kind {
        query.push(" AND kind = ").push_bind(kind.as_str());
    }
    if let Some(institution) = filter.institution {
        query
            .push(" AND institution_id = ")
            .push_bind(institution.get());
    }
    query
}

#[async_trait]
impl SiteStore for PgStore {
    async fn list_sites(&self, filter: &SiteFilter, page: PageRequest) -> StoreResult<Paged<Site>> {
        fetch_page(
            &self.pool,
            |select| filtered_sites(select, filter),
            site_columns!(),
            "id",
            page,
            site_from_row,
        )
        .await
    }

    async fn get_site(&self, id: SiteId) -> StoreResult<Site> {
        let row = sqlx::query(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .ok_or_else(|| not_found("site"))?;
        site_from_row(&row)
    }

    async fn get_institution(&self, id: InstitutionId) -> StoreResult<Institution> {
        let row =
            sqlx::query("SELECT id, name, kind, district_code FROM institutions WHERE id = $1")
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?
                .ok_or_else(|| not_found("institution"))?;
        institution_from_row(&row)
    }
}
