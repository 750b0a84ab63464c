//! Criteria engine: shipped sets, boundaries, bad input, properties.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use hoctap_domain::criteria::*;

#[test]
fn every_shipped_file_parses_and_validates() {
    let sets = shipped_sets().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sets.len(), SHIPPED_FILES.len());
    assert!(check_files(SHIPPED_FILES.iter().copied()).is_empty());
}
