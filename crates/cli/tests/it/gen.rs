//! `hoctap gen` at commune scale on both engines: plausible counts, every value valid by the
//! domain's own parsers, households with one head, unique keys, references that resolve,
//! the same data for the same seed, and no second run without `--append`.

use crate::engines::per_engine;
use crate::harness::fresh_store;
use hoctap_commands::commands::r#gen::{GenError, Options, Scale, generate};
use hoctap_domain::registry::cccd::Cccd;
use hoctap_domain::registry::def::{
    ASSOCIATION_BRANCHES, ASSOCIATION_MEMBERS, CITIZENS, CLAN_MEMBERS, CLANS, FUND_ENTRIES, HOUSEHOLDS, LEARNING_CENTRES, ORGANISATIONS,
    REGISTRIES, Registry, RegistryKind, Value, check_record, key_of, parse_typed_value,
};
use hoctap_domain::registry::person::Sex;
use hoctap_domain::unit::UnitKind;
use hoctap_store::{Engine, RegistryQuery, RegistryRecord, Store, today};
use std::collections::{BTreeMap, BTreeSet};

/// Every active record of a registry within a unit, page by page.
async fn all(store: &Store, reg: &Registry, scope: i64) -> Vec<RegistryRecord> {
    let mut out: Vec<RegistryRecord> = Vec::new();
    loop {
        let after = out.last().map(|r| r.id);
        let page = store
            .registry_list(reg, &RegistryQuery { scope: Some(scope), after, limit: 5_000, ..Default::default() }, today())
            .await
            .unwrap();
        let done = page.len() < 5_000;
        out.extend(page);
        if done {
            return out;
        }
    }
}

fn text<'a>(r: &'a RegistryRecord, column: &str) -> &'a str {
    match r.values.get(column) {
        Some(Value::Text(s)) => s,
        other => panic!("{column}: {other:?}"),
    }
}

async fn demo_commune(store: &Store) -> i64 {
    let province = store.unit_by_code("20", today()).await.unwrap();
    store.children(province.id, today()).await.unwrap()[0].id
}

/// Checks everything generated in a commune; returns the records by registry.
async fn check_commune(store: &Store, commune: i64) -> BTreeMap<RegistryKind, Vec<RegistryRecord>> {
    let mut by_kind = BTreeMap::new();
    for reg in REGISTRIES {
        let records = all(store, reg, commune).await;
        let mut keys = BTreeSet::new();
        for r in &records {
            assert_eq!(check_record(reg, &r.values), vec![], "{} {:?}", reg.slug, r.values);
            // Every value reads back as itself through the parser a form or the API uses.
            for (column, v) in &r.values {
                let field = reg.field(column).unwrap();
                let shown = v.display(field.ty);
                assert_eq!(parse_typed_value(field, &shown), Ok(Some(v.clone())), "{} {column} {shown:?}", reg.slug);
            }
            assert!(keys.insert(key_of(reg, &r.values).unwrap()), "{}: key {:?} twice", reg.slug, key_of(reg, &r.values));
        }
        by_kind.insert(reg.kind, records);
    }

    let citizens = &by_kind[&RegistryKind::Citizens];
    let mut by_household: BTreeMap<&str, Vec<&RegistryRecord>> = BTreeMap::new();
    let mut cccds = BTreeSet::new();
    for c in citizens {
        let cccd = Cccd::parse(text(c, "cccd")).unwrap();
        let Some(Value::Date(birth)) = c.values.get("birth_date") else { panic!("{:?}", c.values) };
        let sex = Sex::parse(text(c, "sex")).unwrap();
        assert_eq!(cccd.check_against(*birth, sex), Ok(()), "{}", text(c, "cccd"));
        cccds.insert(text(c, "cccd").to_string());
        by_household.entry(text(c, "household")).or_default().push(c);
    }
    let households = &by_kind[&RegistryKind::Households];
    assert_eq!(by_household.len(), households.len(), "every household has members and every member a household");
    for h in households {
        let members = &by_household[text(h, "code")];
        let heads: Vec<_> = members.iter().filter(|c| text(c, "relation") == "chu_ho").collect();
        assert_eq!(heads.len(), 1, "{}: one head", text(h, "code"));
        assert_eq!(text(heads[0], "cccd"), text(h, "head_cccd"));
        assert_eq!(text(heads[0], "full_name"), text(h, "head_name"));
        assert_eq!(h.values.get("members"), Some(&Value::Int(members.len() as i64)));
        assert_eq!(h.values.get("village"), heads[0].values.get("village"));
    }

    // References resolve.
    let codes = |kind: RegistryKind| -> BTreeSet<String> { by_kind[&kind].iter().map(|r| text(r, "code").to_string()).collect() };
    let (household_codes, clan_codes, branch_codes) =
        (codes(RegistryKind::Households), codes(RegistryKind::Clans), codes(RegistryKind::AssociationBranches));
    for m in &by_kind[&RegistryKind::ClanMembers] {
        assert!(clan_codes.contains(text(m, "clan")) && household_codes.contains(text(m, "household")));
    }
    for m in &by_kind[&RegistryKind::AssociationMembers] {
        assert!(branch_codes.contains(text(m, "branch")));
        assert!(cccds.contains(text(m, "cccd")));
    }
    for f in &by_kind[&RegistryKind::FundEntries] {
        assert!(branch_codes.contains(text(f, "branch")));
        if let Some(Value::Text(b)) = f.values.get("beneficiary_cccd") {
            assert!(cccds.contains(b));
        }
    }
    by_kind
}

per_engine!(commune_scale_is_valid_deterministic_and_not_generated_twice);
async fn commune_scale_is_valid_deterministic_and_not_generated_twice(engine: Engine) {
    let store = fresh_store(engine).await;
    let commune = demo_commune(&store).await;
    let opts = Options::new(Scale::Commune, 42);
    let s = generate(&store, &opts).await.unwrap();
    assert_eq!(s.communes, 1);
    assert_eq!(s.villages_created, 0, "the demo commune keeps its four villages");
    assert_eq!(s.block, 0);
    for (reg, range) in [
        (&HOUSEHOLDS, 1_000..=1_000),
        (&CITIZENS, 3_300..=4_200),
        (&CLANS, 37..=37),
        (&CLAN_MEMBERS, 300..=900),
        (&ORGANISATIONS, 11..=11),
        (&LEARNING_CENTRES, 1..=1),
        (&ASSOCIATION_BRANCHES, 5..=5),
        (&ASSOCIATION_MEMBERS, 700..=1_500),
        (&FUND_ENTRIES, 60..=200),
    ] {
        let n = s.rows_of(reg.kind);
        assert!(range.contains(&n), "{engine:?} {}: {n}", reg.slug);
        assert_eq!(store.registry_count(reg, Some(commune), today()).await.unwrap(), n as i64, "{}", reg.slug);
    }
    assert_eq!(s.total_rows(), s.rows.iter().map(|(_, n)| n).sum::<u64>());
    let by_kind = check_commune(&store, commune).await;
    let first = s.first_cccd.clone().unwrap();
    assert!(by_kind[&RegistryKind::Citizens].iter().any(|c| text(c, "cccd") == first));
    // Lạng Sơn: mostly Nùng and Tày, and the northern mountain family names.
    let ethnic: BTreeMap<&str, usize> = by_kind[&RegistryKind::Citizens].iter().fold(BTreeMap::new(), |mut m, c| {
        *m.entry(text(c, "ethnicity")).or_default() += 1;
        m
    });
    assert!(
        ethnic.get("Nùng").copied().unwrap_or(0) + ethnic.get("Tày").copied().unwrap_or(0) > ethnic.values().sum::<usize>() / 2,
        "{ethnic:?}"
    );

    // The same seed on another fresh database gives the same data.
    let other = fresh_store(engine).await;
    let again = generate(&other, &opts).await.unwrap();
    assert_eq!(again.first_cccd, s.first_cccd);
    assert_eq!(again.rows.iter().map(|(_, n)| *n).collect::<Vec<_>>(), s.rows.iter().map(|(_, n)| *n).collect::<Vec<_>>());
    let a: Vec<String> = all(&store, &CITIZENS, commune).await.iter().map(|c| format!("{:?}", c.values)).collect();
    let b: Vec<String> = all(&other, &CITIZENS, demo_commune(&other).await).await.iter().map(|c| format!("{:?}", c.values)).collect();
    assert_eq!(a, b);
    let different = generate(&fresh_store(engine).await, &Options::new(Scale::Commune, 43)).await.unwrap();
    assert_ne!(different.first_cccd, s.first_cccd);

    // A second run is refused, in Vietnamese, unless --append.
    let refused = generate(&store, &opts).await;
    match refused {
        Err(GenError::AlreadyGenerated(msg)) => assert!(msg.contains("đã có 1000 hộ gia đình") && msg.contains("--append"), "{msg}"),
        other => panic!("{engine:?}: {other:?}"),
    }
    assert_eq!(store.registry_count(&HOUSEHOLDS, Some(commune), today()).await.unwrap(), 1_000);
    let appended = generate(&store, &Options { append: true, ..opts.clone() }).await.unwrap();
    assert_eq!(appended.block, 1, "a new CCCD serial block");
    assert_eq!(appended.rows_of(RegistryKind::LearningCentres), 0, "one centre per commune");
    assert_eq!(appended.rows_of(RegistryKind::AssociationBranches), 0);
    assert_eq!(appended.rows_of(RegistryKind::Households), 1_000);
    let by_kind = check_commune(&store, commune).await;
    assert_eq!(by_kind[&RegistryKind::Households].len(), 2_000);
    assert_eq!(by_kind[&RegistryKind::LearningCentres].len(), 1);
    other.close().await;
    store.close().await;
}

per_engine!(an_interrupted_run_leaves_whole_provinces_and_resumes_after_them);
/// Province by province (`--scale national` works the same way over the 34): each province's
/// registries commit together with a marker, so a run that fails inside a province leaves it
/// empty, and `--resume` skips the finished ones and numbers CCCDs on after them.
async fn an_interrupted_run_leaves_whole_provinces_and_resumes_after_them(engine: Engine) {
    let store = fresh_store(engine).await;
    let lang_son = store.unit_by_code("20", today()).await.unwrap();
    let cao_bang = store.unit_by_code("04", today()).await.unwrap();
    let light = |provinces: &[&str]| Options {
        provinces: provinces.iter().map(|p| p.to_string()).collect(),
        households_per_commune: Some(3),
        villages_per_commune: 1,
        ..Options::new(Scale::Province, 11)
    };
    let first = generate(&store, &light(&["20"])).await.unwrap();
    let lang_son_households = store.registry_count(&HOUSEHOLDS, Some(lang_son.id), today()).await.unwrap();
    assert!(lang_son_households > 100, "{engine:?}: {lang_son_households}");
    assert_eq!(first.rows_of(RegistryKind::Households) as i64, lang_son_households);

    // Without --resume a second run is refused and told about it.
    match generate(&store, &light(&["20", "04"])).await {
        Err(GenError::AlreadyGenerated(msg)) => assert!(msg.contains("--resume"), "{msg}"),
        other => panic!("{engine:?}: {other:?}"),
    }
    // The learning centre code Cao Bằng's last commune would get is already taken: the run
    // fails inside Cao Bằng, after writing most of it in its transaction.
    let last = store.children(cao_bang.id, today()).await.unwrap().into_iter().rfind(|u| u.kind == UnitKind::Commune).unwrap();
    let taken = format!("TT-{}", last.code);
    store
        .exec_raw(&format!(
            "INSERT INTO reg_learning_centres (unit_id, province_code, search_key, code, valid_from, valid_to) \
             VALUES ({}, '04', 'x', '{taken}', '2020-01-01', '9999-12-31')",
            last.id
        ))
        .await
        .unwrap();
    let failed = generate(&store, &Options { resume: true, ..light(&["20", "04"]) }).await;
    assert!(failed.is_err(), "{engine:?}: the taken code must stop the run");
    assert_eq!(store.registry_count(&HOUSEHOLDS, Some(cao_bang.id), today()).await.unwrap(), 0, "{engine:?}: Cao Bằng rolled back");
    assert_eq!(store.registry_count(&CITIZENS, Some(cao_bang.id), today()).await.unwrap(), 0);
    assert_eq!(store.registry_count(&HOUSEHOLDS, Some(lang_son.id), today()).await.unwrap(), lang_son_households);

    // The centre is removed; the resumed run skips Lạng Sơn and finishes Cao Bằng in the same
    // serial block, continuing its numbering (a clash would break the unique CCCD index).
    store.exec_raw(&format!("DELETE FROM reg_learning_centres WHERE code = '{taken}'")).await.unwrap();
    let resumed = generate(&store, &Options { resume: true, ..light(&["20", "04"]) }).await.unwrap();
    assert_eq!(resumed.block, first.block);
    assert_eq!(store.registry_count(&HOUSEHOLDS, Some(lang_son.id), today()).await.unwrap(), lang_son_households);
    let cao_bang_households = store.registry_count(&HOUSEHOLDS, Some(cao_bang.id), today()).await.unwrap();
    assert_eq!(resumed.rows_of(RegistryKind::Households) as i64, cao_bang_households);
    assert!(cao_bang_households > 100);
    let distinct = store.scalar_i64("SELECT COUNT(DISTINCT cccd) FROM reg_citizens").await.unwrap();
    let total = store.scalar_i64("SELECT COUNT(*) FROM reg_citizens").await.unwrap();
    assert_eq!(distinct, total);
    // Both born in Lạng Sơn's slots: Cao Bằng's migrants from Lạng Sơn numbered after its own.
    let serial_block = store.scalar_i64(&format!("SELECT COUNT(*) FROM reg_citizens WHERE substr(cccd, 7, 1) <> '{}'", first.block)).await;
    assert_eq!(serial_block.unwrap(), 0);
    check_commune(&store, last.id).await;

    // The national load's foreign keys to the units: dropped and re-created, both idempotent
    // (PostgreSQL; SQLite has nothing to drop), and a row of a unit that does not exist stops
    // the re-creation, naming the registry.
    let unit_keys = "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f' AND conname LIKE 'reg%unit_id_fkey'";
    let suspended = store.suspend_registry_unit_keys().await.unwrap();
    assert_eq!(suspended, engine == Engine::Postgres);
    assert!(store.suspend_registry_unit_keys().await.is_ok());
    if suspended {
        assert_eq!(store.scalar_i64(unit_keys).await.unwrap(), 0);
        let first_unit = store.scalar_i64("SELECT unit_id FROM reg_households ORDER BY id LIMIT 1").await.unwrap();
        store.exec_raw("UPDATE reg_households SET unit_id = 987654321 WHERE id = (SELECT MIN(id) FROM reg_households)").await.unwrap();
        let refused = store.restore_registry_unit_keys().await.unwrap_err().to_string();
        assert!(refused.contains("Hộ gia đình"), "{refused}");
        store.exec_raw(&format!("UPDATE reg_households SET unit_id = {first_unit} WHERE unit_id = 987654321")).await.unwrap();
    }
    store.restore_registry_unit_keys().await.unwrap();
    store.restore_registry_unit_keys().await.unwrap();
    if suspended {
        assert_eq!(store.scalar_i64(unit_keys).await.unwrap(), 9);
    }

    // Nothing is left to resume into: a further --resume adds nothing.
    let again = generate(&store, &Options { resume: true, ..light(&["20", "04"]) }).await.unwrap();
    assert_eq!(again.total_rows(), 0);
    store.close().await;
}

per_engine!(a_generated_commune_exports_every_record_in_csv_and_xlsx);
/// `hoctap export` streams one query over the unit's tree (batches of 2,000): a commune's
/// 3,000–4,000 citizens come out whole, each once, in CSV and in the XLSX template, and a
/// village's export holds only its own.
async fn a_generated_commune_exports_every_record_in_csv_and_xlsx(engine: Engine) {
    use calamine::{Reader, open_workbook_auto};
    let url = crate::harness::fresh_url(engine).await;
    let store = Store::connect(&url).await.unwrap();
    let commune = demo_commune(&store).await;
    generate(&store, &Options::new(Scale::Commune, 7)).await.unwrap();
    let citizens = all(&store, &CITIZENS, commune).await;
    let want: BTreeSet<String> = citizens.iter().map(|c| text(c, "cccd").to_string()).collect();
    assert!(want.len() > 2_000, "more than one batch: {}", want.len());
    let code = store.unit(commune).await.unwrap().code;
    let dir = std::env::temp_dir().join(format!("hoctap-export-test-{}-{engine:?}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let export = |unit: String, file: std::path::PathBuf| {
        let url = url.clone();
        async move {
            let args = hoctap_commands::commands::export::Args {
                registry: "cong-dan".into(),
                unit,
                file,
                db: hoctap_commands::commands::DbArgs { database_url: url },
            };
            hoctap_commands::commands::export::run(args).await.unwrap();
        }
    };
    let cccd_column = CITIZENS.fields.iter().position(|f| f.column == "cccd").unwrap();
    // CSV: a BOM, the header, then one line per citizen.
    let csv_path = dir.join("cong-dan.csv");
    export(code.clone(), csv_path.clone()).await;
    let text_csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut reader = csv::Reader::from_reader(text_csv.trim_start_matches('\u{feff}').as_bytes());
    let got: Vec<String> = reader.records().map(|r| r.unwrap()[cccd_column].to_string()).collect();
    assert_eq!(got.len(), want.len(), "{engine:?}: each citizen once");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
    // XLSX: the template's data sheet.
    let xlsx_path = dir.join("cong-dan.xlsx");
    export(code.clone(), xlsx_path.clone()).await;
    let mut book = open_workbook_auto(&xlsx_path).unwrap();
    let sheet = book.worksheet_range(hoctap_docs::registry_xlsx::DATA_SHEET).unwrap();
    let got: Vec<String> = sheet.rows().skip(1).map(|r| r[cccd_column].to_string()).collect();
    assert_eq!(got.len(), want.len(), "{engine:?}: each citizen once in the workbook");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
    // A village: its own citizens only.
    let village = &store.villages(commune, today()).await.unwrap()[0];
    let own: BTreeSet<String> = all(&store, &CITIZENS, village.id).await.iter().map(|c| text(c, "cccd").to_string()).collect();
    let village_csv = dir.join("thon.csv");
    export(village.code.clone(), village_csv.clone()).await;
    let text_csv = std::fs::read_to_string(&village_csv).unwrap();
    let mut reader = csv::Reader::from_reader(text_csv.trim_start_matches('\u{feff}').as_bytes());
    let got: BTreeSet<String> = reader.records().map(|r| r.unwrap()[cccd_column].to_string()).collect();
    assert!(!own.is_empty() && own.len() < want.len());
    assert_eq!(got, own, "{engine:?}: the village's citizens");
    let _ = std::fs::remove_dir_all(&dir);
}
