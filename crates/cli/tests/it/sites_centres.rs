//! The sites' "learning centres of the area" section on both engines (issue 17 §1): the
//! centres of the site's area with their public programme of the year, through
//! `app::learning::public_programme` (activities shown, never a learner), on the commune's
//! association site, its unit site and the province's.

use crate::engines::per_engine;
use crate::harness::TestApp;
use hoctap_store::Engine;
use reqwest::StatusCode;

per_engine!(a_sites_home_lists_the_areas_learning_centres_with_their_programme_and_no_learner);
async fn a_sites_home_lists_the_areas_learning_centres_with_their_programme_and_no_learner(engine: Engine) {
    let app = TestApp::start(engine).await;
    let province = app.unit_id("20").await;
    let commune = app.demo_commune().await;
    hoctap_commands::commands::demo::seed_association(&app.store, commune).await.unwrap();
    hoctap_commands::commands::demo_sites::seed_sites(&app.store, province).await.unwrap();
    hoctap_commands::commands::demo_learning::seed_learning(&app.store, commune).await.unwrap();
    let today = hoctap_store::today();
    let centre = app.store.learning_centres(Some(commune), today).await.unwrap().remove(0);
    let activities = app.store.centre_activities(centre.id, today.year()).await.unwrap();
    assert!(!activities.is_empty(), "{engine:?}: the demo centre has a programme");
    let learners = app.store.enrolments(activities[0].id).await.unwrap();
    assert!(!learners.is_empty(), "{engine:?}: and learners, which no public page shows");

    let branch = app.store.branch_by_code("HKH-XA-MAU").await.unwrap();
    let hoi = app.store.site_of_branch(branch.id).await.unwrap();
    let tinh = app.store.site_of_branch(app.store.branch_by_code("HKH-TINH-MAU").await.unwrap().id).await.unwrap();
    let unit = app.store.unit(commune).await.unwrap();
    let anon = reqwest::Client::new();
    for path in [hoi.path(), tinh.path(), format!("/don-vi/{}/trang", unit.code)] {
        let res = anon.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{engine:?}: {path}");
        let html = res.text().await.unwrap();
        let section = html.split("Trung tâm học tập cộng đồng trên địa bàn").nth(1).unwrap_or_default();
        let section = section.split("</section>").next().unwrap_or_default();
        assert!(
            section.contains(&format!("href=\"/trung-tam/{}/chuong-trinh\"", centre.id)) && section.contains(&centre.name),
            "{engine:?}: {path}: {section}"
        );
        assert!(section.contains(&activities[0].title), "{engine:?}: {path}: the programme's first activity: {section}");
        for l in &learners {
            assert!(!section.contains(&l.full_name), "{engine:?}: {path}: no learner on a public page ({})", l.full_name);
        }
    }
}
