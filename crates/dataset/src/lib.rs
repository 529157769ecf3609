//! CDS-R as data: loads and checks the reference data, and validates records against it.
//!
//! Nothing about an individual field is written in this crate: headers, types, code lists,
//! requirements and rules all come from `reference-data/`. The code knows only the *kinds*
//! of check (see [`model::RuleKind`]).

pub mod catalogue;
pub mod due;
pub mod error;
pub mod form;
mod load;
pub mod model;
mod rules_file;
pub mod source;

pub use catalogue::{
    Catalogue, ConsentCodes, DatasetVersion, ProvenanceCount, ReferenceData, ReferenceInfo,
};
pub use error::{ErrorCode, ReferenceError, ReferenceProblem, ValidationError};
pub use form::{Choice, Form, FormField, FormGroup};
pub use model::{Dataset, Section, Severity};
pub use source::{FileSet, Origin};
mod places;
pub mod rows;
mod stretch;
pub mod validate;
pub mod values;

pub use validate::{FileCheck, FileReport, Finding, Record, Validator};
pub mod journey;
pub mod period;

pub use journey::{EpisodeDates, journeys};
pub use period::{PeriodError, ReportingPeriod};
pub mod generate;
pub mod schema;

pub use generate::{GenerateOptions, Generated, Injected, generate};
