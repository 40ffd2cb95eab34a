//! Errors for invalid supply inputs.

use thiserror::Error;

/// Why supply inputs were rejected; every variant names the offending field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SupplyError {
    /// A basis-point value exceeded 10000 (100%).
    #[error("{field} is {value} basis points, above 10000")]
    BasisPointsOutOfRange {
        /// The field holding the value.
        field: String,
        /// The rejected value.
        value: u32,
    },
    /// A field that must be positive was zero.
    #[error("{field} must be positive")]
    Zero {
        /// The field holding the value.
        field: String,
    },
    /// A generation name was empty (after trimming whitespace).
    #[error("generation name must not be empty")]
    EmptyName,
    /// Two generations share a name.
    #[error("generations[{generation}].name {name:?} is used twice")]
    DuplicateName {
        /// Index of the second generation bearing the name.
        generation: usize,
        /// The repeated name.
        name: String,
    },
    /// No generations were given to the planner.
    #[error("generations must not be empty")]
    NoGenerations,
    /// A per-period (or per-generation) vector has the wrong length.
    #[error("{field} has length {actual}, expected {expected}")]
    LengthMismatch {
        /// The field holding the vector.
        field: String,
        /// The length required.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// Fixed-mix shares do not sum to 10000 basis points.
    #[error("policy.FixedMix shares sum to {sum} basis points, expected 10000")]
    SharesDoNotSum {
        /// The sum of the shares given.
        sum: u64,
    },
    /// A priority order is not a permutation of the generation indices.
    #[error("policy.Priority order {order:?} is not a permutation of 0..{generations}")]
    PriorityNotPermutation {
        /// The order given.
        order: Vec<usize>,
        /// Number of generations.
        generations: usize,
    },
    /// A quantity grew beyond what a u64 can hold.
    #[error("{field} overflows u64 in period {period}")]
    Overflow {
        /// The quantity that overflowed.
        field: String,
        /// The period in which it overflowed.
        period: usize,
    },
}
