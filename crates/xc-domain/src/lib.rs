//! The domain of xuecheng: the small named types every other crate speaks in (ids, administrative
//! codes, national ID numbers, roles, kinds of site and institution) and the pure rules over them
//! (who may see whom). Nothing here does IO; every type that can be invalid has a `parse`
//! constructor, so an invalid value cannot exist past the edge of the system.

pub mod access;
pub mod account;
pub mod codes;
pub mod credit;
pub mod error;
pub mod geo;
pub mod ids;
pub mod kinds;
pub mod national_id;
pub mod share;

pub use access::{Action, LearnerScope, Principal, Role, Scope};
pub use account::{DisplayName, Password, PhoneNumber, Username, masked_name};
pub use codes::{DistrictCode, NeighbourhoodCode, SubdistrictCode};
pub use error::Invalid;
pub use geo::GeoPoint;
pub use ids::{InstitutionId, LearnerId, SiteId, TeacherId, UserId};
pub use kinds::{
    Gender, InstitutionKind, NeighbourhoodKind, SiteKind, SubdistrictKind, TeacherKind, Topic,
};
pub use national_id::NationalId;
pub use share::{ShareDuration, ShareField};
