//! [`GeographyStore`] on PostgreSQL: districts, subdistricts and neighbourhoods read in code
//! order, and the overview counts for the city or one district.

use async_trait::async_trait;
use sqlx::{Postgres, QueryBuilder};
use xc_domain::{DistrictCode, SiteKind, SubdistrictCode};
use xc_store::{District, GeographyStore, Neighbourhood, Overview, StoreResult, Subdistrict};

use crate::PgStore;
use crate::codec::{
    district_from_row, get, neighbourhood_from_row, not_found, subdistrict_from_row,
};
use crate::error::store_error;

/// `WHERE district_code = $n` when counting one district, nothing for the whole city.
fn in_district(query: &mut QueryBuilder<Postgres>, column: &str, district: Option<&DistrictCode>) {
    if let Some(district) = district {
        query.push(format_args!(" WHERE {column} = "));
        query.push_bind(district.as_str().to_owned());
    }
}

#[async_trait]
impl GeographyStore for PgStore {
    async fn list_districts(&self) -> StoreResult<Vec<District>> {
        let rows = sqlx::query(
            "SELECT code, name, lon, lat, residents, residents_60_plus FROM districts ORDER BY code",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(district_from_row).collect()
    }

    async fn get_district(&self, code: &DistrictCode) -> StoreResult<District> {
        let row = sqlx::query(
            "SELECT code, name, lon, lat, residents, residents_60_plus FROM districts \
             WHERE code = $1",
        )
        .bind(code.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .ok_or_else(|| not_found("district"))?;
        district_from_row(&row)
    }

    async fn list_subdistricts(&self, district: &DistrictCode) -> StoreResult<Vec<Subdistrict>> {
        let rows = sqlx::query(
            "SELECT code, name, district_code, kind, lon, lat, centroid_generated, residents, \
             residents_60_plus FROM subdistricts WHERE district_code = $1 ORDER BY code",
        )
        .bind(district.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(subdistrict_from_row).collect()
    }

    async fn get_subdistrict(&self, code: &SubdistrictCode) -> StoreResult<Subdistrict> {
        let row = sqlx::query(
            "SELECT code, name, district_code, kind, lon, lat, centroid_generated, residents, \
             residents_60_plus FROM subdistricts WHERE code = $1",
        )
        .bind(code.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .ok_or_else(|| not_found("subdistrict"))?;
        subdistrict_from_row(&row)
    }

    async fn list_neighbourhoods(
        &self,
        subdistrict: &SubdistrictCode,
    ) -> StoreResult<Vec<Neighbourhood>> {
        let rows = sqlx::query(
            "SELECT code, name, subdistrict_code, kind, lon, lat, position_generated, residents, \
             residents_60_plus FROM neighbourhoods WHERE subdistrict_code = $1 ORDER BY code",
        )
        .bind(subdistrict.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(neighbourhood_from_row).collect()
    }

    async fn overview(&self, district: Option<&DistrictCode>, year: i32) -> StoreResult<Overview> {
        // The counts are one statement of scalar subqueries, so they come from one snapshot.
        // Each subquery gets its own WHERE rather than `$1 IS NULL OR ...`, so the planner can
        // use the district indexes.
        let mut query = QueryBuilder::<Postgres>::new("SELECT (SELECT count(*) FROM districts");
        in_district(&mut query, "code", district);
        query.push(") AS districts, (SELECT count(*) FROM subdistricts");
        in_district(&mut query, "district_code", district);
        query.push(") AS subdistricts, (SELECT count(*) FROM neighbourhoods");
        in_district(&mut query, "district_code", district);
        query.push(
            ") AS neighbourhoods, (SELECT coalesce(sum(residents), 0)::BIGINT FROM districts",
        );
        in_district(&mut query, "code", district);
        query.push(
            ") AS residents, (SELECT coalesce(sum(residents_60_plus), 0)::BIGINT FROM districts",
        );
        in_district(&mut query, "code", district);
        query.push(") AS residents_60_plus, (SELECT count(*) FROM institutions");
        in_district(&mut query, "district_code", district);
        query.push(") AS institutions, (SELECT count(*) FROM teachers");
        in_district(&mut query, "district_code", district);
        query.push(") AS teachers, (SELECT count(*) FROM learners");
        in_district(&mut query, "district_code", district);
        query.push(") AS learners, (SELECT count(*) FILTER (WHERE birth_year <= ");
        query.push_bind(year.saturating_sub(60));
        query.push(") FROM learners");
        in_district(&mut query, "district_code", district);
        query.push(") AS learners_60_plus");
        let row = query
            .build()
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;

        let mut by_kind = QueryBuilder::<Postgres>::new("SELECT kind, count(*) AS n FROM sites");
        in_district(&mut by_kind, "district_code", district);
        by_kind.push(" GROUP BY kind");
        let kinds = by_kind
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let mut counted = Vec::with_capacity(kinds.len());
        for kind_row in &kinds {
            let kind = SiteKind::parse(&get::<String>(kind_row, "kind")?)?;
            counted.push((kind, get::<i64>(kind_row, "n")?));
        }
        // In SiteKind::ALL order, kinds with no site left out.
        let sites_by_kind = SiteKind::ALL
            .iter()
            .filter_map(|kind| counted.iter().find(|(k, _)| k == kind).copied())
            .collect();

        Ok(Overview {
            districts: get(&row, "districts")?,
            subdistricts: get(&row, "subdistricts")?,
            neighbourhoods: get(&row, "neighbourhoods")?,
            residents: get(&row, "residents")?,
            residents_60_plus: get(&row, "residents_60_plus")?,
            institutions: get(&row, "institutions")?,
            teachers: get(&row, "teachers")?,
            learners: get(&row, "learners")?,
            learners_60_plus: get(&row, "learners_60_plus")?,
            sites_by_kind,
        })
    }
}
