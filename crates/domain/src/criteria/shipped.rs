//! The official criteria sets shipped in `data/criteria/`, compiled into the binary so the
//! CLI and the demo need no file system (the domain crate does no IO).

use super::check::SetErrors;
use super::model::CriteriaSet;

/// `(file name, TOML text)` of every shipped set.
pub const SHIPPED_FILES: &[(&str, &str)] = &[
    ("cdht-xa.toml", include_str!("../../../../data/criteria/cdht-xa.toml")),
    ("cdht-xa-tt44.toml", include_str!("../../../../data/criteria/cdht-xa-tt44.toml")),
    ("cdht-huyen.toml", include_str!("../../../../data/criteria/cdht-huyen.toml")),
    ("cdht-tinh.toml", include_str!("../../../../data/criteria/cdht-tinh.toml")),
    ("dvht-tt22.toml", include_str!("../../../../data/criteria/dvht-tt22.toml")),
    ("dvht-tt24.toml", include_str!("../../../../data/criteria/dvht-tt24.toml")),
    ("gdht.toml", include_str!("../../../../data/criteria/gdht.toml")),
    ("gdht-2015.toml", include_str!("../../../../data/criteria/gdht-2015.toml")),
    ("dhht.toml", include_str!("../../../../data/criteria/dhht.toml")),
    ("cdht-thon.toml", include_str!("../../../../data/criteria/cdht-thon.toml")),
    ("dvht-xa.toml", include_str!("../../../../data/criteria/dvht-xa.toml")),
    ("cdht-congdan.toml", include_str!("../../../../data/criteria/cdht-congdan.toml")),
    ("thidua-bd-tinh.toml", include_str!("../../../../data/criteria/thidua-bd-tinh.toml")),
    ("thidua-bd-mttq.toml", include_str!("../../../../data/criteria/thidua-bd-mttq.toml")),
    ("thidua-bd-so-nganh.toml", include_str!("../../../../data/criteria/thidua-bd-so-nganh.toml")),
    ("thidua-bd-huyen.toml", include_str!("../../../../data/criteria/thidua-bd-huyen.toml")),
    ("thidua-bd-xa.toml", include_str!("../../../../data/criteria/thidua-bd-xa.toml")),
    ("thidua-bd-ho-dong-ho.toml", include_str!("../../../../data/criteria/thidua-bd-ho-dong-ho.toml")),
    ("thidua-bd-doanh-nghiep.toml", include_str!("../../../../data/criteria/thidua-bd-doanh-nghiep.toml")),
    ("thidua-bd-ca-nhan.toml", include_str!("../../../../data/criteria/thidua-bd-ca-nhan.toml")),
];

/// Parses every shipped set. Fails (with every error, named by file) only if a shipped file
/// is broken, which the test suite rules out.
pub fn shipped_sets() -> Result<Vec<CriteriaSet>, SetErrors> {
    let mut sets = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in SHIPPED_FILES {
        match CriteriaSet::parse_toml(text) {
            Ok(s) => sets.push(s),
            Err(SetErrors(es)) => errors.extend(es.into_iter().map(|mut e| {
                e.file = (*name).to_string();
                e
            })),
        }
    }
    if errors.is_empty() { Ok(sets) } else { Err(SetErrors(errors)) }
}

/// The shipped set with this id.
pub fn shipped_set(id: &str) -> Option<CriteriaSet> {
    shipped_sets().ok()?.into_iter().find(|s| s.id == id)
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, clippy::panic, reason = "a test fails loudly, naming what it missed")]
    use super::*;

    /// A variable counted from recognitions names shipped sets that recognise that kind of
    /// subject, at levels (or bands) those sets have.
    #[test]
    fn registry_sources_name_real_sets_and_levels() {
        let sets = shipped_sets().unwrap();
        let mut sourced = 0;
        for s in &sets {
            for v in &s.variables {
                let Some(src) = &v.source else { continue };
                sourced += 1;
                assert!(src.count.applies_to(s.subject), "{}: {}", s.id, v.id);
                for id in &src.recognised_by {
                    let r = sets.iter().find(|x| &x.id == id).unwrap_or_else(|| panic!("{}: {} names unknown set {id}", s.id, v.id));
                    assert_eq!(Some(r.subject), src.count.recognised_subject(), "{}: {}", s.id, v.id);
                }
                for l in &src.levels {
                    assert!(
                        src.recognised_by.iter().filter_map(|id| sets.iter().find(|x| &x.id == id)).any(|r| r
                            .levels
                            .iter()
                            .any(|x| &x.id == l)
                            || r.bands.iter().any(|x| &x.id == l)),
                        "{}: {} level {l}",
                        s.id,
                        v.id
                    );
                }
            }
        }
        assert!(sourced >= 16, "{sourced}");
    }
}
