//! The authorisation matrix, generated from the router: every (method, path) of
//! `hoctap_web::route_table()` × every demo role (and an officer of another commune, and no
//! login at all) × an object in the user's scope and one in another province, with the status
//! each must get. A route without its row in [`ROWS`] fails the test, so none ships without one.
//!
//! Writes are sent with an empty body (only the CSRF token): the answer of a user who may not
//! act (401, 403, 404) must come before any validation (never 422), and a user who may act
//! gets anything but 401/403/404 (a 422 for the empty form is fine) and never a 5xx.

use crate::engines::per_engine;
use crate::harness::{PASSWORD, TestApp};
use crate::workflow::as_user;
use hoctap_domain::access::Role;
use hoctap_domain::date::Validity;
use hoctap_domain::registry::def::{ASSOCIATION_BRANCHES, ASSOCIATION_MEMBERS, CITIZENS, HOUSEHOLDS, Value, Values};
use hoctap_domain::unit::UnitCode;
use hoctap_store::{Actor, Engine, TaskFilter};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::BTreeMap;

/// Where a user works.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Home {
    /// The demo commune (Lạng Sơn).
    Commune,
    /// The demo province (Lạng Sơn).
    Province,
    /// The whole country.
    National,
    /// Another commune of the demo province (`xa.khac`).
    OtherCommune,
}

pub(crate) struct User {
    pub(crate) name: &'static str,
    pub(crate) role: Role,
    pub(crate) home: Home,
}

pub(crate) const USERS: &[User] = &[
    User { name: "020190001234", role: Role::Citizen, home: Home::Commune },
    User { name: "xa.canbo", role: Role::UnitOfficer, home: Home::Commune },
    User { name: "xa.thamdinh", role: Role::Reviewer, home: Home::Commune },
    User { name: "xa.lanhdao", role: Role::Signer, home: Home::Commune },
    User { name: "hkh.xa", role: Role::AssociationOfficer, home: Home::Commune },
    User { name: "tinh.canbo", role: Role::UnitOfficer, home: Home::Province },
    User { name: "tinh.thamdinh", role: Role::Reviewer, home: Home::Province },
    User { name: "tinh.lanhdao", role: Role::Signer, home: Home::Province },
    User { name: "bo.thamdinh", role: Role::MinistryReviewer, home: Home::National },
    User { name: "quantri", role: Role::SystemAdmin, home: Home::National },
    User { name: "xa.khac", role: Role::UnitOfficer, home: Home::OtherCommune },
];

/// What a request must get.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Exp {
    /// Anything but 401/403/404 and 5xx.
    Open,
    /// 401 (API) or a redirect to the login page.
    Login,
    Forbidden,
    NotFound,
    /// A public lookup by code: 200, or 404/422 for a code that is not found.
    Lookup,
}

/// Who may use a route.
#[derive(Clone, Copy)]
pub(crate) enum Who {
    /// Anyone, logged in or not.
    Public,
    /// Anyone, looking something up by a code that may not exist.
    PublicLookup,
    /// Any logged-in user (own account, reference data: no scope).
    LoggedIn,
    /// These roles, inside their scope; any other role 403.
    Roles(&'static [Role]),
    /// As `Roles`, and the citizen the dossier is about: for any other dossier a citizen gets 404.
    Dossier(&'static [Role]),
    /// The login form's post: refused (403) without the form's own CSRF cookie, whoever sends it.
    LoginForm,
    /// Logging out: back to the login page.
    Logout,
    /// An officer of a province (or the administrator): launching a movement.
    ProvinceOfficer,
    /// The administrator, or the officer of the object's own unit (a province's board, plan,
    /// task): others in scope 403.
    Manager,
    /// Reporting on a task: the administrator, the officers of the plan's unit and of the unit
    /// the task is handed to; others in scope 403.
    Reporter,
}

use Role::{
    AssociationOfficer as Ao, Citizen as Ci, MinistryReviewer as Mr, Reviewer as Re, Signer as Si, SystemAdmin as Ad, UnitOfficer as Uo,
};

/// Roles that read local data (`Action::ReadLocal`).
const READ: &[Role] = &[Ad, Uo, Re, Si, Ao, Mr];
/// `Action::EditUnits`, `EditRegistries`, `ManageUsers`.
const EDIT: &[Role] = &[Ad, Uo];
/// `Action::EditAssociation`.
const ASSOC: &[Role] = &[Ad, Uo, Ao];
/// `Action::ReadAudit`.
const AUDIT: &[Role] = &[Ad, Uo, Re, Si];
/// `Action::Reorganise`.
const ADMIN: &[Role] = &[Ad];
/// Who sends changes made offline: those who fill registry or dossier forms, and citizens.
const SYNC: &[Role] = &[Ad, Uo, Ao, Ci];
/// Editors of the public sites (`hoctap_app::sites::role_edits`).
const SITE: &[Role] = &[Ad, Uo, Ao];
/// Everybody logged in, scope checked.
const ALL: &[Role] = &[Ad, Uo, Re, Si, Ao, Mr, Ci];

/// An object a path parameter names; the fixture holds one in scope and one outside.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) enum Obj {
    Commune,
    CommuneCode,
    Village,
    Slug,
    Household,
    User,
    CriteriaSet,
    Campaign,
    CitizenCampaign,
    Dossier,
    Evidence,
    Decision,
    Recognition,
    Movement,
    Participant,
    Achievement,
    Nomination,
    RewardDecision,
    Reward,
    Board,
    BoardMember,
    Task,
    TaskReport,
    Plan,
    Branch,
    BranchCode,
    Officer,
    EntryNo,
    AssociationMember,
    Code,
    /// A checked upload (its SHA-256): only its owner has it, so none here.
    Upload,
    /// A citizen's correction request: none in the fixture (every officer 404, others 403).
    Correction,
    /// Learning (issue 16): a centre, its activity, a session, a citizen, other learning.
    Centre,
    Activity,
    /// A learner of that activity (the citizen's enrolment).
    Enrolment,
    LearningSession,
    Citizen,
    OtherLearning,
    /// A public site (the branch's), by id and by address; an item of it, by id and address.
    Site,
    SiteSlug,
    Post,
    PostSlug,
}

/// How far an object is seen.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Level {
    /// In the demo commune: its users, the province's and the national ones.
    Commune,
    /// The demo province's own: the province's users and the national ones.
    Province,
    /// The demo province's, read by every user in the province (a movement, a plan).
    Shared,
    /// Not local data (criteria sets, the registry's name).
    Global,
    /// In another province: national users only.
    Outside,
    /// Does not exist: nobody finds it.
    Missing,
}

pub(crate) struct Row {
    pub(crate) method: Method,
    pub(crate) path: &'static str,
    pub(crate) who: Who,
    /// What fills each `{param}`, in order.
    pub(crate) objs: &'static [Obj],
}

const fn row(method: Method, path: &'static str, who: Who, objs: &'static [Obj]) -> Row {
    Row { method, path, who, objs }
}

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const PUT: Method = Method::PUT;
const PATCH: Method = Method::PATCH;
const DELETE: Method = Method::DELETE;

use Obj as O;
use Who::{Dossier, LoggedIn, LoginForm, Logout, Manager, ProvinceOfficer, Public, PublicLookup, Reporter, Roles};

/// The expected-status table: one row per route.
pub(crate) const ROWS: &[Row] = &[
    row(GET, "/healthz", Public, &[]),
    row(GET, "/static/app.css", Public, &[]),
    row(GET, "/static/app.js", Public, &[]),
    row(GET, "/api/openapi.json", Public, &[]),
    // pages::offline (issue 18): the installable app's files are public; what the device holds is the user's.
    row(GET, "/manifest.webmanifest", Public, &[]),
    row(GET, "/sw.js", Public, &[]),
    row(GET, "/static/offline/offline.js", Public, &[]),
    row(GET, "/static/offline/criteria.js", Public, &[]),
    row(GET, "/static/icons/hoctap-192.png", Public, &[]),
    row(GET, "/static/icons/hoctap-512.png", Public, &[]),
    row(GET, "/ngoai-tuyen", LoggedIn, &[]),
    // pages::mod
    row(POST, "/trang-chu/nhac-bao-cao", Roles(EDIT), &[]),
    row(POST, "/trang-chu/tra-bao-cao", Roles(EDIT), &[]),
    row(GET, "/", Public, &[]),
    row(GET, "/dang-nhap", Public, &[]),
    row(POST, "/dang-nhap", LoginForm, &[]),
    row(POST, "/dang-xuat", Logout, &[]),
    row(GET, "/doi-mat-khau", LoggedIn, &[]),
    row(POST, "/doi-mat-khau", LoggedIn, &[]),
    // units
    row(GET, "/don-vi", LoggedIn, &[]),
    row(GET, "/don-vi/{id}", Roles(ALL), &[O::Village]),
    row(POST, "/don-vi/{id}/thon", Roles(EDIT), &[O::Commune]),
    row(POST, "/don-vi/{id}/thon-sua", Roles(EDIT), &[O::Village]),
    row(POST, "/don-vi/{id}/thon-ket-thuc", Roles(EDIT), &[O::Village]),
    row(POST, "/don-vi/{id}/thuoc-tinh", Roles(EDIT), &[O::Commune]),
    row(POST, "/don-vi/{id}/sua", Roles(ADMIN), &[O::Commune]),
    row(POST, "/don-vi/{id}/lien-ket", Roles(ADMIN), &[O::Commune]),
    row(POST, "/don-vi/{id}/lien-ket/xoa", Roles(ADMIN), &[O::Commune]),
    row(GET, "/nhap-thon", Roles(EDIT), &[]),
    row(POST, "/nhap-thon", Roles(EDIT), &[]),
    row(POST, "/nhap-thon/ap-dung", Roles(EDIT), &[]),
    row(GET, "/nhap-thon/mau.csv", Roles(EDIT), &[]),
    row(GET, "/sap-xep", Roles(ADMIN), &[]),
    row(POST, "/sap-xep", Roles(ADMIN), &[]),
    // criteria
    row(GET, "/tieu-chi", LoggedIn, &[]),
    row(GET, "/tieu-chi/nhap", Roles(ADMIN), &[]),
    row(POST, "/tieu-chi/nhap", Roles(ADMIN), &[]),
    row(GET, "/tieu-chi/{id}", Public, &[O::CriteriaSet]),
    row(GET, "/tieu-chi/{id}/thu-cham", LoggedIn, &[O::CriteriaSet]),
    row(POST, "/tieu-chi/{id}/thu-cham", LoggedIn, &[O::CriteriaSet]),
    row(GET, "/tieu-chi/{id}/tai-ve.xlsx", LoggedIn, &[O::CriteriaSet]),
    row(GET, "/tieu-chi/{id}/tai-ve.toml", LoggedIn, &[O::CriteriaSet]),
    row(POST, "/tieu-chi/{id}/hieu-chinh", Roles(ADMIN), &[O::CriteriaSet]),
    // registries
    row(GET, "/so", Roles(READ), &[]),
    row(GET, "/so/{slug}", Roles(READ), &[O::Slug]),
    row(GET, "/so/{slug}/moi", Roles(EDIT), &[O::Slug]),
    row(POST, "/so/{slug}/moi", Roles(EDIT), &[O::Slug]),
    row(GET, "/so/{slug}/mau.xlsx", Roles(EDIT), &[O::Slug]),
    row(GET, "/so/{slug}/xuat.csv", Roles(EDIT), &[O::Slug]),
    row(GET, "/so/{slug}/nhap", Roles(EDIT), &[O::Slug]),
    row(POST, "/so/{slug}/nhap", Roles(EDIT), &[O::Slug]),
    row(POST, "/so/{slug}/nhap/ap-dung", Roles(EDIT), &[O::Slug]),
    row(GET, "/so/{slug}/nhap/{sha}/bao-cao.xlsx", Roles(EDIT), &[O::Slug, O::Upload]),
    row(GET, "/so/{slug}/{id}", Roles(READ), &[O::Slug, O::Household]),
    row(POST, "/so/{slug}/{id}", Roles(EDIT), &[O::Slug, O::Household]),
    row(POST, "/so/{slug}/{id}/ket-thuc", Roles(EDIT), &[O::Slug, O::Household]),
    // association
    row(GET, "/hoi-khuyen-hoc", Roles(READ), &[]),
    row(GET, "/hoi-khuyen-hoc/{id}", Roles(READ), &[O::Branch]),
    row(POST, "/hoi-khuyen-hoc/{id}/can-bo", Roles(ASSOC), &[O::Branch]),
    row(POST, "/hoi-khuyen-hoc/{id}/can-bo/{officer}/ket-thuc", Roles(ASSOC), &[O::Branch, O::Officer]),
    row(GET, "/hoi-khuyen-hoc/{id}/so-quy", Roles(READ), &[O::Branch]),
    row(POST, "/hoi-khuyen-hoc/{id}/so-quy", Roles(ASSOC), &[O::Branch]),
    row(GET, "/hoi-khuyen-hoc/{id}/so-quy.xlsx", Roles(ASSOC), &[O::Branch]),
    row(POST, "/hoi-khuyen-hoc/{id}/so-quy/{entry}/dao", Roles(ASSOC), &[O::Branch, O::EntryNo]),
    row(GET, "/hoi-khuyen-hoc/{id}/so-quy/{entry}/phieu.pdf", Roles(READ), &[O::Branch, O::EntryNo]),
    row(GET, "/hoi-khuyen-hoc/{id}/so-quy.pdf", Roles(READ), &[O::Branch]),
    row(GET, "/hoi-khuyen-hoc/{id}/hoi-phi", Roles(READ), &[O::Branch]),
    row(POST, "/hoi-khuyen-hoc/{id}/hoi-phi", Roles(ASSOC), &[O::Branch]),
    row(GET, "/hoi-khuyen-hoc/{id}/so-vang", Roles(READ), &[O::Branch]),
    row(GET, "/hoi-khuyen-hoc/{id}/hoc-bong", Roles(READ), &[O::Branch]),
    row(GET, "/hoi-khuyen-hoc/{id}/hoc-bong.xlsx", Roles(ASSOC), &[O::Branch]),
    row(GET, "/hoi-vien/{id}/the.pdf", Roles(READ), &[O::AssociationMember]),
    row(GET, "/the-hoi-vien/{code}", PublicLookup, &[O::Code]),
    // assessments
    row(GET, "/viec-cua-toi", Roles(READ), &[]),
    row(GET, "/tu-danh-gia", Roles(&[Ci]), &[]),
    row(POST, "/tu-danh-gia/{campaign}", Roles(&[Ci]), &[O::CitizenCampaign]),
    row(GET, "/dot-danh-gia", Roles(READ), &[]),
    row(POST, "/dot-danh-gia", Roles(ASSOC), &[]),
    row(GET, "/dot-danh-gia/{id}", Roles(READ), &[O::Campaign]),
    row(POST, "/dot-danh-gia/{id}/ho-so", Roles(ASSOC), &[O::Campaign]),
    row(POST, "/dot-danh-gia/{id}/thong-qua", Roles(&[Ad, Uo, Re, Ao, Mr]), &[O::Campaign]),
    row(GET, "/dot-danh-gia/{id}/tien-do.xlsx", Roles(READ), &[O::Campaign]),
    row(POST, "/dot-danh-gia/{id}/lap-hang-loat", Roles(ASSOC), &[O::Campaign]),
    row(GET, "/dot-danh-gia/{id}/bang-cham.xlsx", Roles(ASSOC), &[O::Campaign]),
    row(GET, "/dot-danh-gia/{id}/bang-cham", Roles(ASSOC), &[O::Campaign]),
    row(POST, "/dot-danh-gia/{id}/bang-cham", Roles(ASSOC), &[O::Campaign]),
    row(POST, "/dot-danh-gia/{id}/bang-cham/ghi", Roles(ASSOC), &[O::Campaign]),
    row(POST, "/dot-danh-gia/{id}/chuyen-hang-loat", Roles(READ), &[O::Campaign]),
    row(POST, "/dot-danh-gia/{id}/minh-chung-chung", Roles(ASSOC), &[O::Campaign]),
    row(GET, "/ho-so/{id}", Dossier(ALL), &[O::Dossier]),
    row(POST, "/ho-so/{id}/luu", Dossier(&[Ad, Uo, Ao, Ci]), &[O::Dossier]),
    row(POST, "/ho-so/{id}/so-lieu", Dossier(&[Ad, Uo, Ao, Ci]), &[O::Dossier]),
    row(POST, "/ho-so/{id}/chuyen", Dossier(ALL), &[O::Dossier]),
    row(POST, "/ho-so/{id}/minh-chung", Dossier(&[Ad, Uo, Ao, Ci]), &[O::Dossier]),
    row(GET, "/minh-chung/{id}", Dossier(ALL), &[O::Evidence]),
    // decisions
    row(GET, "/dot-danh-gia/{id}/quyet-dinh", Roles(&[Ad, Si]), &[O::Campaign]),
    row(POST, "/dot-danh-gia/{id}/quyet-dinh", Roles(&[Ad, Si]), &[O::Campaign]),
    row(GET, "/quyet-dinh/{id}", Roles(ALL), &[O::Decision]),
    row(GET, "/quyet-dinh/{id}/tai-ve.docx", Roles(ALL), &[O::Decision]),
    row(GET, "/quyet-dinh/{id}/tai-ve.pdf", Roles(ALL), &[O::Decision]),
    row(GET, "/cong-nhan/{id}", Roles(ALL), &[O::Recognition]),
    row(GET, "/cong-nhan/{id}/giay.pdf", Roles(ALL), &[O::Recognition]),
    row(GET, "/cong-nhan/{id}/qr.svg", Roles(ALL), &[O::Recognition]),
    row(POST, "/cong-nhan/{id}/thu-hoi", Roles(&[Ad, Si]), &[O::Recognition]),
    row(GET, "/cong-nhan/{id}/ob3.jwt", Roles(ALL), &[O::Recognition]),
    row(GET, "/khoa/{unit}", PublicLookup, &[O::Commune]),
    row(GET, "/trang-thai/{unit}", PublicLookup, &[O::Commune]),
    row(GET, "/xac-minh", Public, &[]),
    row(GET, "/xac-minh/{code}", PublicLookup, &[O::Code]),
    // movement
    row(GET, "/thi-dua", Roles(READ), &[]),
    row(POST, "/thi-dua", ProvinceOfficer, &[]),
    row(GET, "/thi-dua/{id}", Roles(READ), &[O::Movement]),
    row(POST, "/thi-dua/{id}/tham-gia", Roles(ASSOC), &[O::Movement]),
    row(GET, "/thi-dua/{id}/khen-thuong", Roles(&[Ad, Si]), &[O::Movement]),
    row(POST, "/thi-dua/{id}/khen-thuong", Roles(&[Ad, Si]), &[O::Movement]),
    row(GET, "/thi-dua/{id}/thong-ke", Roles(READ), &[O::Movement]),
    row(GET, "/thi-dua/{id}/thong-ke.xlsx", Roles(READ), &[O::Movement]),
    row(GET, "/tham-gia/{id}", Roles(READ), &[O::Participant]),
    row(POST, "/tham-gia/{id}/thanh-tich", Roles(ASSOC), &[O::Participant]),
    row(GET, "/thanh-tich/{id}/tep", Roles(READ), &[O::Achievement]),
    row(POST, "/tham-gia/{id}/de-nghi", Roles(ASSOC), &[O::Participant]),
    row(GET, "/de-nghi/{id}", Roles(READ), &[O::Nomination]),
    row(POST, "/de-nghi/{id}/luu", Roles(ASSOC), &[O::Nomination]),
    row(POST, "/de-nghi/{id}/chuyen", Roles(READ), &[O::Nomination]),
    row(POST, "/cong-nhan/{id}/de-nghi-khen-thuong", Roles(ASSOC), &[O::Recognition]),
    row(GET, "/khen-thuong/{id}", Roles(READ), &[O::RewardDecision]),
    row(GET, "/khen-thuong/{id}/tai-ve.docx", Roles(READ), &[O::RewardDecision]),
    row(GET, "/khen-thuong/{id}/tai-ve.pdf", Roles(READ), &[O::RewardDecision]),
    row(GET, "/phan-thuong/{id}/bang.pdf", Roles(READ), &[O::Reward]),
    // movement_report
    row(GET, "/thi-dua/{id}/bao-cao", Roles(READ), &[O::Movement]),
    row(POST, "/thi-dua/{id}/bao-cao", Roles(EDIT), &[O::Movement]),
    row(GET, "/thi-dua/{id}/bao-cao.docx", Roles(READ), &[O::Movement]),
    row(GET, "/thi-dua/{id}/bao-cao.pdf", Roles(READ), &[O::Movement]),
    row(GET, "/thi-dua/{id}/bao-cao.xlsx", Roles(READ), &[O::Movement]),
    row(GET, "/thi-dua/{id}/so-ket", Roles(READ), &[O::Movement]),
    row(POST, "/thi-dua/{id}/so-ket", Roles(EDIT), &[O::Movement]),
    row(GET, "/thi-dua/{id}/so-ket.docx", Roles(READ), &[O::Movement]),
    row(GET, "/thi-dua/{id}/so-ket.pdf", Roles(READ), &[O::Movement]),
    row(GET, "/thi-dua/{id}/so-ket.xlsx", Roles(READ), &[O::Movement]),
    // dashboard
    row(GET, "/tong-hop", Roles(READ), &[]),
    row(GET, "/tong-hop/{unit}", Roles(READ), &[O::Commune]),
    row(GET, "/tong-hop/{unit}/bang.xlsx", Roles(READ), &[O::Commune]),
    row(GET, "/tong-hop/{unit}/chi-so.csv", Roles(READ), &[O::Commune]),
    row(GET, "/tong-hop/{unit}/chi-so.adx.xml", Roles(READ), &[O::Commune]),
    row(POST, "/tong-hop/{unit}/bao-cao-chi-so", Roles(EDIT), &[O::Commune]),
    // report
    row(GET, "/bao-cao", Roles(READ), &[]),
    row(GET, "/bao-cao/{unit}", Roles(READ), &[O::Commune]),
    row(POST, "/bao-cao/{unit}", Roles(EDIT), &[O::Commune]),
    row(GET, "/bao-cao/{unit}/bao-cao.docx", Roles(READ), &[O::Commune]),
    row(GET, "/bao-cao/{unit}/bao-cao.pdf", Roles(READ), &[O::Commune]),
    row(GET, "/bao-cao/{unit}/bao-cao.xlsx", Roles(READ), &[O::Commune]),
    // plans
    row(GET, "/ke-hoach", Roles(READ), &[]),
    row(GET, "/ke-hoach/{id}", Roles(READ), &[O::Plan]),
    row(GET, "/ke-hoach/{id}/phan-bo", Manager, &[O::Plan]),
    row(POST, "/ke-hoach/{id}/phan-bo", Manager, &[O::Plan]),
    // boards
    row(GET, "/ban-chi-dao", Roles(READ), &[]),
    row(POST, "/ban-chi-dao", Roles(EDIT), &[]),
    row(GET, "/ban-chi-dao/{id}", Roles(READ), &[O::Board]),
    row(POST, "/ban-chi-dao/{id}/thanh-vien", Manager, &[O::Board]),
    row(POST, "/ban-chi-dao/{id}/thanh-vien/{member}/ket-thuc", Manager, &[O::Board, O::BoardMember]),
    row(GET, "/nhiem-vu", Roles(READ), &[]),
    row(GET, "/nhiem-vu.xlsx", Roles(READ), &[]),
    row(GET, "/nhiem-vu/{id}", Roles(READ), &[O::Task]),
    row(POST, "/nhiem-vu/{id}/giao", Manager, &[O::Task]),
    row(POST, "/nhiem-vu/{id}/bao-cao", Reporter, &[O::Task]),
    row(GET, "/bao-cao-tien-do/{id}/tep", Roles(READ), &[O::TaskReport]),
    row(POST, "/ke-hoach/{id}/nhiem-vu", Manager, &[O::Plan]),
    // users, audit
    row(GET, "/nguoi-dung", Roles(EDIT), &[]),
    row(POST, "/nguoi-dung", Roles(EDIT), &[]),
    row(POST, "/nguoi-dung/{id}/dat-lai-mat-khau", Roles(EDIT), &[O::User]),
    row(POST, "/nguoi-dung/{id}/trang-thai", Roles(EDIT), &[O::User]),
    row(GET, "/nhat-ky", Roles(AUDIT), &[]),
    // API
    row(GET, "/api/v1/session", LoggedIn, &[]),
    row(POST, "/api/v1/session", Public, &[]),
    row(DELETE, "/api/v1/session", LoggedIn, &[]),
    row(GET, "/api/v1/units", LoggedIn, &[]),
    row(GET, "/api/v1/units/by-code/{code}", LoggedIn, &[O::CommuneCode]),
    row(GET, "/api/v1/units/{id}", Roles(ALL), &[O::Village]),
    row(PATCH, "/api/v1/units/{id}", Roles(ADMIN), &[O::Commune]),
    row(GET, "/api/v1/units/{id}/children", Roles(ALL), &[O::Village]),
    row(GET, "/api/v1/units/{id}/lineage", Roles(ALL), &[O::Village]),
    row(PUT, "/api/v1/units/{id}/rebase", Roles(ADMIN), &[O::Commune]),
    row(GET, "/api/v1/units/{id}/attributes", Roles(ALL), &[O::Village]),
    row(POST, "/api/v1/units/{id}/attributes", Roles(EDIT), &[O::Commune]),
    row(GET, "/api/v1/units/{id}/villages", Roles(ALL), &[O::Commune]),
    row(POST, "/api/v1/units/{id}/villages", Roles(EDIT), &[O::Commune]),
    row(GET, "/api/v1/tree", LoggedIn, &[]),
    row(POST, "/api/v1/villages/import", Roles(EDIT), &[]),
    row(PATCH, "/api/v1/villages/{id}", Roles(EDIT), &[O::Village]),
    row(DELETE, "/api/v1/villages/{id}", Roles(EDIT), &[O::Village]),
    row(POST, "/api/v1/reorganisations", Roles(ADMIN), &[]),
    row(POST, "/api/v1/lineage-links", Roles(ADMIN), &[]),
    row(DELETE, "/api/v1/lineage-links", Roles(ADMIN), &[]),
    row(GET, "/api/v1/users", Roles(EDIT), &[]),
    row(POST, "/api/v1/users", Roles(EDIT), &[]),
    row(POST, "/api/v1/users/{id}/password-reset", Roles(EDIT), &[O::User]),
    row(POST, "/api/v1/me/password", LoggedIn, &[]),
    row(GET, "/api/v1/audit", Roles(AUDIT), &[]),
    row(GET, "/api/v1/criteria-sets", LoggedIn, &[]),
    row(POST, "/api/v1/criteria-sets", Roles(ADMIN), &[]),
    row(GET, "/api/v1/criteria-sets/applicable", LoggedIn, &[]),
    row(GET, "/api/v1/criteria-sets/{id}", LoggedIn, &[O::CriteriaSet]),
    row(POST, "/api/v1/criteria-sets/{id}/evaluate", LoggedIn, &[O::CriteriaSet]),
    row(POST, "/api/v1/criteria-sets/{id}/corrections", Roles(ADMIN), &[O::CriteriaSet]),
    row(GET, "/api/v1/registries", Roles(READ), &[]),
    row(GET, "/api/v1/registries/{slug}", Roles(READ), &[O::Slug]),
    row(POST, "/api/v1/registries/{slug}", Roles(EDIT), &[O::Slug]),
    row(POST, "/api/v1/registries/{slug}/import", Roles(EDIT), &[O::Slug]),
    row(GET, "/api/v1/registries/{slug}/export.csv", Roles(EDIT), &[O::Slug]),
    row(GET, "/api/v1/registries/{slug}/export.xlsx", Roles(EDIT), &[O::Slug]),
    row(GET, "/api/v1/registries/{slug}/{id}", Roles(READ), &[O::Slug, O::Household]),
    row(PATCH, "/api/v1/registries/{slug}/{id}", Roles(EDIT), &[O::Slug, O::Household]),
    row(DELETE, "/api/v1/registries/{slug}/{id}", Roles(EDIT), &[O::Slug, O::Household]),
    row(GET, "/api/v1/campaigns", Roles(READ), &[]),
    row(POST, "/api/v1/campaigns", Roles(ASSOC), &[]),
    row(GET, "/api/v1/campaigns/{id}", Roles(READ), &[O::Campaign]),
    row(POST, "/api/v1/campaigns/{id}/assessments", Roles(ASSOC), &[O::Campaign]),
    row(POST, "/api/v1/campaigns/{id}/assessments/bulk", Roles(ASSOC), &[O::Campaign]),
    row(GET, "/api/v1/campaigns/{id}/dossiers", Roles(READ), &[O::Campaign]),
    row(POST, "/api/v1/campaigns/{id}/transitions", Roles(READ), &[O::Campaign]),
    row(GET, "/api/v1/campaigns/{id}/tally.xlsx", Roles(ASSOC), &[O::Campaign]),
    row(POST, "/api/v1/campaigns/{id}/tally", Roles(ASSOC), &[O::Campaign]),
    row(GET, "/api/v1/campaigns/{id}/gaps", Roles(READ), &[O::Campaign]),
    row(GET, "/api/v1/assessments/{id}", Roles(READ), &[O::Dossier]),
    row(PUT, "/api/v1/assessments/{id}/answers", Roles(ASSOC), &[O::Dossier]),
    row(POST, "/api/v1/assessments/{id}/transitions", Roles(READ), &[O::Dossier]),
    row(GET, "/api/v1/funds/{branch}/balance", Roles(READ), &[O::BranchCode]),
    row(GET, "/api/v1/funds/{branch}/entries", Roles(READ), &[O::BranchCode]),
    row(POST, "/api/v1/funds/{branch}/entries", Roles(ASSOC), &[O::BranchCode]),
    row(POST, "/api/v1/funds/{branch}/entries/{entry_no}/reverse", Roles(ASSOC), &[O::BranchCode, O::EntryNo]),
    row(GET, "/api/v1/funds/{branch}/dues", Roles(READ), &[O::BranchCode]),
    row(POST, "/api/v1/funds/{branch}/dues", Roles(ASSOC), &[O::BranchCode]),
    row(GET, "/api/v1/movements", Roles(READ), &[]),
    row(GET, "/api/v1/movements/{id}", Roles(READ), &[O::Movement]),
    row(GET, "/api/v1/participants/{id}", Roles(READ), &[O::Participant]),
    row(POST, "/api/v1/participants/{id}/achievements", Roles(ASSOC), &[O::Participant]),
    row(GET, "/api/v1/achievements/{id}/file", Roles(READ), &[O::Achievement]),
    row(GET, "/api/v1/nominations/{id}", Roles(READ), &[O::Nomination]),
    row(POST, "/api/v1/nominations/{id}/transitions", Roles(READ), &[O::Nomination]),
    row(GET, "/api/v1/stats/{unit}", Roles(READ), &[O::Commune]),
    row(GET, "/api/v1/plans", Roles(READ), &[]),
    row(GET, "/api/v1/tasks", Roles(READ), &[]),
    row(GET, "/api/v1/tasks/{id}", Roles(READ), &[O::Task]),
    row(POST, "/api/v1/tasks/{id}/reports", Reporter, &[O::Task]),
    row(GET, "/api/v1/boards", Roles(READ), &[]),
    row(GET, "/api/v1/boards/{id}", Roles(READ), &[O::Board]),
    // api::sync (issue 18): the device's changes, as the forms they were typed in.
    row(POST, "/api/v1/sync/changes", Roles(SYNC), &[]),
    row(GET, "/api/v1/sync/registries/{slug}/{id}", Roles(READ), &[O::Slug, O::Household]),
    row(GET, "/api/v1/sync/assessments/{id}", Dossier(ALL), &[O::Dossier]),
    row(GET, "/api/v1/sync/roll-calls/{id}", Roles(ASSOC), &[O::LearningSession]),
    // learning (issue 16)
    row(GET, "/hoc-tap", Roles(READ), &[]),
    row(GET, "/hoc-tap/trung-tam/{id}", Roles(READ), &[O::Centre]),
    row(POST, "/hoc-tap/trung-tam/{id}", Roles(ASSOC), &[O::Centre]),
    row(GET, "/hoc-tap/hoat-dong/{id}", Roles(READ), &[O::Activity]),
    row(POST, "/hoc-tap/hoat-dong/{id}/buoi", Roles(ASSOC), &[O::Activity]),
    row(POST, "/hoc-tap/hoat-dong/{id}/nguoi-hoc", Roles(ASSOC), &[O::Activity]),
    row(POST, "/hoc-tap/hoat-dong/{id}/xoa", Roles(ASSOC), &[O::Activity]),
    row(POST, "/hoc-tap/hoat-dong/{id}/nguoi-hoc/{enrolment}/xoa", Roles(ASSOC), &[O::Activity, O::Enrolment]),
    row(GET, "/hoc-tap/hoat-dong/{id}/danh-sach.xlsx", Roles(ASSOC), &[O::Activity]),
    row(POST, "/hoc-tap/hoat-dong/{id}/quan-tam", Roles(&[Ci]), &[O::Activity]),
    row(GET, "/hoc-tap/buoi/{id}/diem-danh", Roles(ASSOC), &[O::LearningSession]),
    row(POST, "/hoc-tap/buoi/{id}/diem-danh", Roles(ASSOC), &[O::LearningSession]),
    row(GET, "/hoc-tap/bao-cao", Roles(READ), &[]),
    row(GET, "/hoc-tap/bao-cao.xlsx", Roles(READ), &[]),
    row(GET, "/hoc-tap/bao-cao.docx", Roles(READ), &[]),
    row(GET, "/hoc-tap/bao-cao.pdf", Roles(READ), &[]),
    row(GET, "/hoc-tap/cong-dan/{id}", Roles(READ), &[O::Citizen]),
    row(POST, "/hoc-tap/cong-dan/{id}", Roles(ASSOC), &[O::Citizen]),
    row(POST, "/hoc-tap/hoc-tap-khac/{id}/xac-nhan", Roles(ASSOC), &[O::OtherLearning]),
    row(GET, "/ho-so-hoc-tap", Roles(&[Ci]), &[]),
    row(POST, "/ho-so-hoc-tap", Roles(&[Ci]), &[]),
    row(GET, "/trung-tam/{id}/chuong-trinh", Public, &[O::Centre]),
    row(GET, "/api/v1/learning/topics", LoggedIn, &[]),
    row(GET, "/api/v1/learning/centres", Roles(READ), &[]),
    row(GET, "/api/v1/learning/centres/{id}/activities", Roles(READ), &[O::Centre]),
    row(POST, "/api/v1/learning/centres/{id}/activities", Roles(ASSOC), &[O::Centre]),
    row(GET, "/api/v1/learning/activities/{id}", Roles(READ), &[O::Activity]),
    row(PUT, "/api/v1/learning/activities/{id}", Roles(ASSOC), &[O::Activity]),
    row(DELETE, "/api/v1/learning/activities/{id}", Roles(ASSOC), &[O::Activity]),
    row(POST, "/api/v1/learning/activities/{id}/sessions", Roles(ASSOC), &[O::Activity]),
    row(POST, "/api/v1/learning/activities/{id}/learners", Roles(ASSOC), &[O::Activity]),
    row(POST, "/api/v1/learning/activities/{id}/attendance-import", Roles(ASSOC), &[O::Activity]),
    row(GET, "/hoc-tap/hoat-dong/{id}/diem-danh.xlsx", Roles(ASSOC), &[O::Activity]),
    row(POST, "/hoc-tap/hoat-dong/{id}/diem-danh", Roles(ASSOC), &[O::Activity]),
    row(POST, "/hoc-tap/hoat-dong/{id}/diem-danh/ghi", Roles(ASSOC), &[O::Activity]),
    row(DELETE, "/api/v1/learning/sessions/{id}", Roles(ASSOC), &[O::LearningSession]),
    row(DELETE, "/api/v1/learning/activities/{id}/learners/{enrolment}", Roles(ASSOC), &[O::Activity, O::Enrolment]),
    row(PUT, "/api/v1/learning/sessions/{id}/attendance", Roles(ASSOC), &[O::LearningSession]),
    row(GET, "/api/v1/learning/citizens/{id}/record", Roles(READ), &[O::Citizen]),
    row(POST, "/api/v1/learning/citizens/{id}/other", Roles(ASSOC), &[O::Citizen]),
    row(POST, "/api/v1/learning/other/{id}/confirm", Roles(ASSOC), &[O::OtherLearning]),
    row(GET, "/api/v1/learning/me", Roles(&[Ci]), &[]),
    row(POST, "/api/v1/learning/me/other", Roles(&[Ci]), &[]),
    row(GET, "/api/v1/learning/report", Roles(READ), &[]),
    row(POST, "/api/v1/credentials/verify", Public, &[]),
    // citizen self-service, correction requests, notifications
    row(GET, "/cong-dan", Roles(&[Ci]), &[]),
    row(GET, "/cong-dan/dinh-chinh", Roles(&[Ci]), &[]),
    row(POST, "/cong-dan/dinh-chinh", Roles(&[Ci]), &[]),
    row(GET, "/yeu-cau-dinh-chinh", Roles(EDIT), &[]),
    row(POST, "/yeu-cau-dinh-chinh/{id}/duyet", Roles(EDIT), &[O::Correction]),
    row(POST, "/yeu-cau-dinh-chinh/{id}/tu-choi", Roles(EDIT), &[O::Correction]),
    row(GET, "/ma-kich-hoat", Roles(EDIT), &[]),
    row(POST, "/ma-kich-hoat", Roles(EDIT), &[]),
    // api::citizen (issue 17): the citizen's own data, correction requests, notifications.
    row(GET, "/api/v1/citizen/me", Roles(&[Ci]), &[]),
    row(GET, "/api/v1/citizen/corrections", Roles(&[Ci]), &[]),
    row(POST, "/api/v1/citizen/corrections", Roles(&[Ci]), &[]),
    row(GET, "/api/v1/corrections", Roles(EDIT), &[]),
    row(POST, "/api/v1/corrections/{id}/answer", Roles(EDIT), &[O::Correction]),
    row(GET, "/api/v1/notifications", LoggedIn, &[]),
    row(POST, "/api/v1/notifications/read", LoggedIn, &[]),
    row(GET, "/api/v1/notifications/preferences", LoggedIn, &[]),
    row(PUT, "/api/v1/notifications/preferences", LoggedIn, &[]),
    row(GET, "/thong-bao", LoggedIn, &[]),
    row(POST, "/thong-bao/da-doc", LoggedIn, &[]),
    row(POST, "/thong-bao/cai-dat", LoggedIn, &[]),
    // sites
    row(GET, "/hoi", Public, &[]),
    row(GET, "/hoi/{slug}", PublicLookup, &[O::SiteSlug]),
    row(GET, "/hoi/{slug}/feed.atom", PublicLookup, &[O::SiteSlug]),
    row(GET, "/hoi/{slug}/bai/{post}", PublicLookup, &[O::SiteSlug, O::PostSlug]),
    row(GET, "/hoi/{slug}/{muc}", PublicLookup, &[O::SiteSlug, O::Slug]),
    row(GET, "/don-vi/{id}/trang", PublicLookup, &[O::CommuneCode]),
    row(GET, "/don-vi/{id}/trang/feed.atom", PublicLookup, &[O::CommuneCode]),
    row(GET, "/don-vi/{id}/trang/bai/{post}", PublicLookup, &[O::CommuneCode, O::PostSlug]),
    row(GET, "/don-vi/{id}/trang/{muc}", PublicLookup, &[O::CommuneCode, O::Slug]),
    row(GET, "/tim-kiem", Public, &[]),
    row(GET, "/sitemap.xml", Public, &[]),
    row(GET, "/tep/{sha}", PublicLookup, &[O::Upload]),
    row(GET, "/ket-qua/{code}", PublicLookup, &[O::CommuneCode]),
    row(GET, "/tra-cuu-danh-hieu", Public, &[]),
    row(GET, "/trang-tin", Roles(SITE), &[]),
    row(GET, "/trang-tin/{site}", Roles(SITE), &[O::Site]),
    row(POST, "/trang-tin/{site}", Roles(SITE), &[O::Site]),
    row(GET, "/trang-tin/bai/{post}", Roles(SITE), &[O::Post]),
    row(POST, "/trang-tin/bai/{post}", Roles(SITE), &[O::Post]),
    row(GET, "/trang-tin/bai/{post}/xem-truoc", Roles(SITE), &[O::Post]),
    row(POST, "/trang-tin/bai/{post}/dang", Roles(SITE), &[O::Post]),
    row(POST, "/trang-tin/bai/{post}/go", Roles(SITE), &[O::Post]),
    row(GET, "/trang-tin/bai/{post}/lich-su", Roles(SITE), &[O::Post]),
];

/// The objects of both sides: (in the demo commune or province, in another province, how far
/// the first is seen).
pub(crate) struct Fixture {
    objs: BTreeMap<Obj, (String, String, Level)>,
}

impl Fixture {
    pub(crate) fn fill(&self, row: &Row, own: bool) -> (String, Level) {
        let mut path = row.path.to_string();
        let mut level = Level::Global;
        for o in row.objs {
            let (mine, theirs, l) = self.objs.get(o).unwrap_or_else(|| panic!("no fixture for {o:?}"));
            let start = path.find('{').unwrap_or_else(|| panic!("{}: more objects than parameters", row.path));
            let end = start + path[start..].find('}').unwrap();
            path.replace_range(start..=end, if own { mine } else { theirs });
            let value = if own { mine } else { theirs };
            level = if value.starts_with("99999") {
                Level::Missing
            } else if own || *l == Level::Global {
                *l
            } else {
                Level::Outside
            };
        }
        assert!(!path.contains('{'), "{}: a parameter has no object", row.path);
        (path, level)
    }
}

fn sees(home: Home, level: Level) -> bool {
    match (home, level) {
        (_, Level::Global) | (Home::National, Level::Commune | Level::Province | Level::Shared | Level::Outside) => true,
        (_, Level::Missing) => false,
        (Home::Province, Level::Commune | Level::Province | Level::Shared) => true,
        (Home::Commune, Level::Commune | Level::Shared) => true,
        (Home::OtherCommune, Level::Shared) => true,
        _ => false,
    }
}

pub(crate) fn expected(who: Who, user: Option<&User>, level: Level, own: bool) -> Exp {
    let Some(u) = user else {
        return match who {
            Who::Public => Exp::Open,
            Who::PublicLookup => Exp::Lookup,
            Who::LoginForm => Exp::Forbidden,
            _ => Exp::Login,
        };
    };
    let in_scope = sees(u.home, level);
    match who {
        Who::Public => Exp::Open,
        Who::PublicLookup => Exp::Lookup,
        Who::LoginForm => Exp::Forbidden,
        Who::Logout => Exp::Login,
        Who::LoggedIn => Exp::Open,
        Who::Roles(roles) | Who::Dossier(roles) if !roles.contains(&u.role) => Exp::Forbidden,
        // Never the demo citizen's own dossier: a citizen finds no other.
        Who::Dossier(_) if u.role == Ci => Exp::NotFound,
        Who::Roles(_) | Who::Dossier(_) if !in_scope => Exp::NotFound,
        Who::Roles(_) | Who::Dossier(_) => Exp::Open,
        Who::ProvinceOfficer if u.role == Ad || (u.role == Uo && u.home == Home::Province) => Exp::Open,
        Who::ProvinceOfficer => Exp::Forbidden,
        Who::Manager if !matches!(u.role, Ad | Uo) => Exp::Forbidden,
        Who::Reporter if !READ.contains(&u.role) => Exp::Forbidden,
        Who::Manager | Who::Reporter if !in_scope => Exp::NotFound,
        Who::Manager | Who::Reporter if u.role == Ad => Exp::Open,
        Who::Manager if u.role == Uo && own && u.home == Home::Province => Exp::Open,
        Who::Reporter if u.role == Uo && own && matches!(u.home, Home::Province | Home::Commune) => Exp::Open,
        Who::Manager | Who::Reporter => Exp::Forbidden,
    }
}

fn matches(exp: Exp, status: StatusCode, location: &str) -> bool {
    let to_login = status.is_redirection() && location.starts_with("/dang-nhap");
    match exp {
        Exp::Open => !to_login && !matches!(status.as_u16(), 401 | 403 | 404) && !status.is_server_error(),
        Exp::Login => status == StatusCode::UNAUTHORIZED || to_login,
        Exp::Forbidden => status == StatusCode::FORBIDDEN,
        Exp::NotFound => status == StatusCode::NOT_FOUND,
        Exp::Lookup => matches!(status.as_u16(), 200 | 404 | 422),
    }
}

/// Every fixture object's name carries this: a refusal (403, 404) must not show it.
const MARK: &str = "Ma Trận";

/// Sends the request with an empty body (the CSRF token only, where writes need one); returns
/// the status, where it redirects, and the body.
async fn send(client: reqwest::Client, csrf: String, url: String, method: Method, path: String) -> (StatusCode, String, String) {
    let mut req = client.request(method.clone(), &url);
    if method != Method::GET {
        req = req.header("x-csrf-token", &csrf);
        req = if path.starts_with("/api/") {
            req.header("content-type", "application/json").body("{}")
        } else if MULTIPART.contains(&path_pattern(&path).as_str()) {
            req.multipart(reqwest::multipart::Form::new().text("csrf", csrf.clone()))
        } else {
            req.form(&[("csrf", csrf.as_str())])
        };
    }
    let res = req.send().await.unwrap();
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let status = res.status();
    (status, location, res.text().await.unwrap_or_default())
}

/// Page routes whose form is a file upload.
const MULTIPART: &[&str] = &[
    "/nhap-thon",
    "/so/*/nhap",
    "/ho-so/*/minh-chung",
    "/tham-gia/*/thanh-tich",
    "/nhiem-vu/*/bao-cao",
    "/tieu-chi/nhap",
    "/dot-danh-gia/*/bang-cham",
    "/dot-danh-gia/*/minh-chung-chung",
    "/hoc-tap/hoat-dong/*/diem-danh",
    "/trang-tin/*",
    "/trang-tin/bai/*",
];

/// The path with each numeric or slug segment after a known prefix replaced by `*`, for
/// [`MULTIPART`].
fn path_pattern(path: &str) -> String {
    let segs: Vec<&str> = path.split('/').collect();
    segs.iter()
        .enumerate()
        .map(|(i, s)| {
            let activity = i == 3 && segs[1] == "hoc-tap" && segs[2] == "hoat-dong";
            let site_post = i == 3 && segs[1] == "trang-tin" && segs[2] == "bai";
            let listed =
                i == 2 && matches!(segs[1], "so" | "ho-so" | "tham-gia" | "nhiem-vu" | "dot-danh-gia" | "trang-tin") && *s != "bai";
            if activity || site_post || listed { "*" } else { s }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// One side of the world: a village, a household, a Hội Khuyến học with a member, an officer and
/// a posting, a campaign with a dossier and its evidence, a movement with a participant, an
/// achievement with its file and a nomination, a board with a member, a plan's task with a
/// report and its file. Returns the objects by kind.
async fn side(
    app: &TestApp,
    officer: &TestApp,
    province: i64,
    commune: i64,
    plan: hoctap_store::PlanRow,
    tag: &str,
) -> BTreeMap<Obj, String> {
    let store = &app.store;
    let actor = Actor::system("kiểm thử");
    let today = hoctap_store::today();
    let commune_row = store.unit(commune).await.unwrap();
    let village = store.create_village(&actor, commune, &format!("Thôn Ma Trận {tag}"), "thôn", today).await.unwrap();
    let mut o = BTreeMap::new();
    o.insert(O::Commune, commune.to_string());
    o.insert(O::CommuneCode, commune_row.code.clone());
    o.insert(O::Village, village.id.to_string());
    o.insert(O::Slug, "ho-gia-dinh".to_string());

    let mut h = Values::new();
    h.insert("code", text(&format!("HGD-MT-{tag}")));
    h.insert("head_name", text("Hoàng Ma Trận"));
    h.insert("village", Value::Unit(UnitCode::parse(&village.code).unwrap()));
    let household = store.registry_create(&actor, &HOUSEHOLDS, h, None, today).await.unwrap();
    o.insert(O::Household, household.id.to_string());

    // The association.
    let code = format!("HKH-MT-{tag}");
    let mut b = Values::new();
    b.insert("code", text(&code));
    b.insert("name", text(&format!("Hội Khuyến học {}", commune_row.name)));
    b.insert("level", text("xa"));
    b.insert("unit", Value::Unit(UnitCode::parse(&commune_row.code).unwrap()));
    store.registry_create(&actor, &ASSOCIATION_BRANCHES, b, None, today).await.unwrap();
    let branch = store.branch_by_code(&code).await.unwrap();
    o.insert(O::Branch, branch.id.to_string());
    o.insert(O::BranchCode, branch.code.clone());
    let cccd = format!("0201{}{:06}", 72, if tag == "A" { 990_001 } else { 990_002 });
    let mut c = Values::new();
    c.insert("cccd", text(&cccd));
    c.insert("full_name", text("Nông Thị Ma"));
    c.insert("birth_date", Value::Date(jiff::civil::date(1972, 3, 8)));
    c.insert("sex", text("nu"));
    c.insert("village", Value::Unit(UnitCode::parse(&village.code).unwrap()));
    store.registry_create(&actor, &CITIZENS, c, None, today).await.unwrap();
    let mut m = Values::new();
    m.insert("branch", text(&code));
    m.insert("cccd", text(&cccd));
    m.insert("full_name", text("Nông Thị Ma"));
    m.insert("joined_on", Value::Date(jiff::civil::date(2020, 1, 1)));
    m.insert("dues_per_year", Value::Int(24_000));
    let member = store.registry_create(&actor, &ASSOCIATION_MEMBERS, m, None, jiff::civil::date(2020, 1, 1)).await.unwrap();
    o.insert(O::AssociationMember, member.id.to_string());
    let officer_id = store
        .officer_add(&actor, &branch, "Nông Thị Ma", hoctap_domain::fund::OfficerRole::ChuTich, None, jiff::civil::date(2021, 1, 1))
        .await
        .unwrap();
    o.insert(O::Officer, officer_id.to_string());
    let entry = hoctap_domain::fund::NewEntry {
        kind: hoctap_domain::fund::EntryKind::parse("thu_ung_ho").unwrap(),
        amount: hoctap_domain::fund::Dong::new(1_000_000),
        counterparty: Some("Công ty Ma Trận".into()),
        beneficiary_cccd: None,
        decision: None,
    };
    let posted = store.fund_post(&actor, &branch, &entry, None, today, None).await.unwrap();
    o.insert(O::EntryNo, posted.entry_no.clone());
    // The branch's public site with a draft.
    let site = store.site_of_branch(branch.id).await.unwrap();
    let html = hoctap_app::sites::render_markdown("Tin **Ma Trận**");
    let content = hoctap_store::PostContent {
        kind: hoctap_domain::site::PostKind::News,
        title: &format!("Tin Ma Trận {tag}"),
        summary: "",
        body_md: "Tin **Ma Trận**",
        body_html: &html,
        topic: "",
        video_url: "",
        search_text: "tin ma tran",
        cover: None,
        file: None,
    };
    let post = store.post_create(&actor, &site, &content).await.unwrap();
    o.insert(O::Site, site.id.to_string());
    o.insert(O::SiteSlug, site.slug.clone());
    o.insert(O::Post, post.id.to_string());
    o.insert(O::PostSlug, post.slug.clone());

    // A campaign of the commune with a dossier and its evidence.
    let year = today.year().to_string();
    let (s, c) =
        officer.post("/api/v1/campaigns", json!({"year": year, "set_id": "cdht-thon", "title": format!("Đợt {MARK} {tag}")})).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let cid = c["id"].as_i64().unwrap();
    o.insert(O::Campaign, cid.to_string());
    let (s, c) = officer
        .post("/api/v1/campaigns", json!({"year": year, "set_id": "cdht-congdan", "title": format!("Đợt công dân {MARK} {tag}")}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    o.insert(O::CitizenCampaign, c["id"].as_i64().unwrap().to_string());
    let (s, a) = officer.post(&format!("/api/v1/campaigns/{cid}/assessments"), json!({"subject": village.code})).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let aid = a["id"].as_i64().unwrap();
    o.insert(O::Dossier, aid.to_string());
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let ev = store
        .add_evidence(
            &actor,
            aid,
            village.id,
            hoctap_store::NewEvidence {
                bytes: &pdf,
                mime: "application/pdf",
                file_name: "minh-chung.pdf",
                doc_type: "Biên bản",
                title: "Biên bản họp thôn",
                issued_on: "",
                issuer: "",
                indicators: &["CT1".to_string()],
            },
        )
        .await
        .unwrap();
    o.insert(O::Evidence, ev.id.to_string());

    // The movement of the province, a participant of the commune with a proved achievement and a nomination.
    let movement = hoctap_domain::emulation::shipped_movements().unwrap().remove(0);
    let mid = match store.movements(None, today).await.unwrap().into_iter().find(|m| m.unit_id == province) {
        Some(m) => m.id,
        None => store.movement_launch(&actor, &movement, province).await.unwrap(),
    };
    o.insert(O::Movement, mid.to_string());
    let pid =
        store.participant_register(&actor, mid, "ho_gia_dinh_dong_ho", &format!("Gia đình Ma Trận {tag}"), commune, None).await.unwrap();
    o.insert(O::Participant, pid.to_string());
    let p = store.participant(pid).await.unwrap();
    let ach = store
        .achievement_add(
            &actor,
            &p,
            &hoctap_store::NewAchievement {
                year: i64::from(today.year()) - 1,
                kind: "sang_kien".into(),
                title: "Tủ sách cộng đồng".into(),
                evidence: "QĐ 05/QĐ-UBND".into(),
                recognition_id: None,
                file: Some(hoctap_store::AttachedFile { bytes: pdf.clone(), mime: "application/pdf".into(), name: "sang-kien.pdf".into() }),
            },
        )
        .await
        .unwrap();
    o.insert(O::Achievement, ach.to_string());
    let (s, loc, body) =
        crate::workflow::post(officer, &format!("/tham-gia/{pid}/de-nghi"), &[("year", "2025"), ("form", "giay_khen")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{tag}: {body}");
    o.insert(O::Nomination, loc.trim_start_matches("/de-nghi/").to_string());

    // The province's steering board with a member; a plan of the province with its tasks and a report.
    let board = store
        .board_create(
            &actor,
            &hoctap_store::NewBoard {
                unit_id: province,
                kind: hoctap_domain::board::BoardKind::XayDungXhht,
                name: "Ban Chỉ đạo Ma Trận",
                decision: "QĐ 1/QĐ-UBND",
                decision_on: None,
                standing_agency: "Sở Giáo dục và Đào tạo",
                term: Validity::since(jiff::civil::date(2022, 8, 1)),
            },
        )
        .await
        .unwrap();
    let board_row = store.board(board).await.unwrap();
    let member = store
        .board_member_add(
            &actor,
            &board_row,
            &hoctap_store::NewMember {
                full_name: "Đoàn Thu Ma",
                position: "Phó Chủ tịch UBND tỉnh",
                role: hoctap_domain::board::MemberRole::UyVien,
                user_id: None,
                from: jiff::civil::date(2022, 8, 1),
            },
        )
        .await
        .unwrap();
    o.insert(O::Board, board.to_string());
    o.insert(O::BoardMember, member.to_string());
    o.insert(O::Plan, plan.id.to_string());
    store.tasks_materialise(&actor, &plan).await.unwrap();
    let task = store.tasks(&TaskFilter { plan_id: Some(plan.id), ..TaskFilter::default() }).await.unwrap().remove(0);
    // Handed to the commune: its officers report on it.
    store
        .task_assign(&actor, &task, &hoctap_store::Assignment { agency: commune_row.name.clone(), unit_id: Some(commune), user_id: None })
        .await
        .unwrap();
    let task = store.task(task.id).await.unwrap();
    o.insert(O::Task, task.id.to_string());
    let report = hoctap_domain::board::StatusReport::new(
        hoctap_domain::board::TaskStatus::DangThucHien,
        hoctap_domain::board::Progress::new(40).unwrap(),
        "Đang làm.",
    )
    .unwrap();
    let rid = store
        .task_report_add(
            &actor,
            &task,
            &hoctap_store::NewTaskReport { report: &report, reported_on: today, evidence: Some((&pdf, "application/pdf", "bao-cao.pdf")) },
        )
        .await
        .unwrap();
    o.insert(O::TaskReport, rid.to_string());

    // Learning: a centre of the commune with an activity, a session, the citizen enrolled and
    // their other learning.
    let mut tt = Values::new();
    tt.insert("code", text(&format!("TT-MT-{tag}")));
    tt.insert("name", text(&format!("Trung tâm Ma Trận {tag}")));
    tt.insert("commune", Value::Unit(UnitCode::parse(&commune_row.code).unwrap()));
    let centre_rec = store.registry_create(&actor, &hoctap_domain::registry::def::LEARNING_CENTRES, tt, None, today).await.unwrap();
    let centre = store.learning_centre(centre_rec.id).await.unwrap();
    o.insert(O::Centre, centre.id.to_string());
    let new = hoctap_store::NewActivity {
        kind: hoctap_domain::learning::ActivityKind::KhoaHoc,
        title: format!("Lớp {MARK} {tag}"),
        topic: hoctap_domain::learning::TopicCode::parse("phap-luat").unwrap(),
        starts_on: today,
        ends_on: today,
        place_kind: hoctap_domain::learning::PlaceKind::TaiTrungTam,
        place: String::new(),
        teacher: String::new(),
        partner_kind: hoctap_domain::learning::PartnerKind::Khong,
        partner: String::new(),
        capacity: None,
        funding: hoctap_domain::learning::Funding::NganSach,
        note: String::new(),
    };
    let aid = store.activity_create(&actor, &centre, &new).await.unwrap();
    let activity = store.activity(aid).await.unwrap();
    o.insert(O::Activity, aid.to_string());
    let sid = store.session_add(&actor, &activity, today, hoctap_domain::learning::Hours(20), "").await.unwrap();
    o.insert(O::LearningSession, sid.to_string());
    let (citizen_id, citizen_unit, ..) = store.learning_citizen_by_cccd(&cccd).await.unwrap().unwrap();
    o.insert(O::Citizen, citizen_id.to_string());
    let enrolment = store.enrol(&actor, &activity, &hoctap_store::Learner::Citizen(citizen_id)).await.unwrap();
    o.insert(O::Enrolment, enrolment.to_string());
    let other = hoctap_store::NewOther {
        year: today.year(),
        title: "Khóa học trực tuyến".into(),
        topic: None,
        provider: String::new(),
        hours: hoctap_domain::learning::Hours(100),
        evidence: "Chứng chỉ".into(),
        by_citizen: false,
    };
    let other_id = store.other_learning_add(&actor, citizen_id, citizen_unit, &other).await.unwrap();
    o.insert(O::OtherLearning, other_id.to_string());
    o
}

/// The whole fixture: the demo commune's side (with a recognition and its decision from the
/// demo's movement seed) and another province's.
pub(crate) async fn fixture(app: &TestApp) -> Fixture {
    let today = hoctap_store::today();
    let store = &app.store;
    let province = app.unit_id("20").await;
    let commune = app.demo_commune().await;
    let (_, recognition) =
        hoctap_commands::commands::demo::seed_movement(store, province, commune, &crate::harness::deployment_key()).await.unwrap();
    let rec = store.recognitions_by_id(recognition).await.unwrap();

    let admin = as_user(app, "quantri").await;
    // Another province of today's map; the plan outside is Bình Dương's (merged away since).
    let other_province = store.provinces(today).await.unwrap().into_iter().find(|p| p.id != province).unwrap().id;
    let other_commune = store
        .children(other_province, today)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.kind == hoctap_domain::unit::UnitKind::Commune)
        .unwrap();
    let plans = store.all_plans().await.unwrap();
    let own_plan = plans.iter().find(|p| p.unit_id == province).unwrap().clone();
    let other_plan = plans.iter().find(|p| p.key.starts_with("binh-duong")).unwrap().clone();
    for (name, unit) in [("xa.ngoai", other_commune.code.clone()), ("xa.tam", store.unit(commune).await.unwrap().code)] {
        let (s, v) = admin
            .post(
                "/api/v1/users",
                json!({"username": name, "full_name": "Cán Bộ Ma Trận", "role": "unit_officer", "unit_code": unit, "password": PASSWORD}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let own_officer = as_user(app, "xa.canbo").await;
    let other_officer = as_user(app, "xa.ngoai").await;
    let mine = side(app, &own_officer, province, commune, own_plan, "A").await;
    let theirs = side(app, &other_officer, other_province, other_commune.id, other_plan, "B").await;

    let level = |o: Obj| match o {
        O::Slug | O::CriteriaSet | O::Code | O::Plan | O::SiteSlug | O::PostSlug => Level::Global,
        O::RewardDecision | O::Reward => Level::Missing,
        O::Movement => Level::Shared,
        // A task handed to the commune is read there too.
        O::Board | O::BoardMember => Level::Province,
        _ => Level::Commune,
    };
    let mut objs = BTreeMap::new();
    for (o, mine_id) in &mine {
        objs.insert(*o, (mine_id.clone(), theirs[o].clone(), level(*o)));
    }
    let user_id = |name: &'static str| async move { store.user_by_username(name).await.unwrap().unwrap().id.to_string() };
    objs.insert(O::User, (user_id("xa.tam").await, user_id("xa.ngoai").await, Level::Commune));
    objs.insert(O::CriteriaSet, ("cdht-thon".into(), "cdht-thon".into(), Level::Global));
    // No other province's decision: its scope is that of the dossier it recognised (same code path).
    objs.insert(O::Decision, (rec.decision_id.to_string(), "999999".into(), Level::Commune));
    objs.insert(O::Recognition, (recognition.to_string(), "999999".into(), Level::Commune));
    objs.insert(O::RewardDecision, ("999999".into(), "999998".into(), Level::Missing));
    objs.insert(O::Reward, ("999999".into(), "999998".into(), Level::Missing));
    objs.insert(O::Code, (rec.code.clone(), "ABCDEFGH23".into(), Level::Global));
    objs.insert(O::Upload, ("9".repeat(64), "9".repeat(63) + "8", Level::Missing));
    objs.insert(O::Correction, ("999999".into(), "999998".into(), Level::Missing));
    Fixture { objs }
}

/// Tags a future's output with its index.
trait MapWith: std::future::Future + Sized {
    fn map_with(self, i: usize) -> impl std::future::Future<Output = (usize, Self::Output)> {
        async move { (i, self.await) }
    }
}

impl<F: std::future::Future> MapWith for F {}

per_engine!(every_route_answers_every_role_in_and_out_of_scope_before_reading_the_request, flavor = "multi_thread", worker_threads = 2);
async fn every_route_answers_every_role_in_and_out_of_scope_before_reading_the_request(engine: Engine) {
    let routes = hoctap_web::route_table();
    let mut missing = Vec::new();
    for (m, p) in &routes {
        if !ROWS.iter().any(|r| r.method == *m && r.path == p) {
            missing.push(format!("{m} {p}"));
        }
    }
    assert!(missing.is_empty(), "routes without a row in the authorisation matrix:\n{}", missing.join("\n"));
    for r in ROWS {
        assert!(
            routes.iter().any(|(m, p)| r.method == *m && r.path == p),
            "a row for a route that does not exist: {} {}",
            r.method,
            r.path
        );
    }

    let app = TestApp::start(engine).await;
    let fx = fixture(&app).await;
    let mut sessions = vec![app.other_commune_officer().await];
    for u in USERS.iter().filter(|u| u.name != "xa.khac") {
        sessions.insert(sessions.len() - 1, as_user(&app, u.name).await);
    }
    let anon = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut wrong = Vec::new();
    let mut count = 0;
    for r in ROWS {
        // Logging out ends the session: those rows get sessions of their own.
        let logout = matches!(r.path, "/dang-xuat" | "/api/v1/session") && r.method != GET;
        for own in [true, false] {
            if !own && r.objs.is_empty() {
                continue;
            }
            let (path, level) = fx.fill(r, own);
            // Every user at once for reads (one row at a time): the rows' order stays as written.
            let users: Vec<Option<&User>> = std::iter::once(None).chain(USERS.iter().map(Some)).collect();
            let mut answers = tokio::task::JoinSet::new();
            for (i, user) in users.iter().enumerate() {
                let fresh = match user {
                    Some(u) if logout => Some(as_user(&app, u.name).await),
                    _ => None,
                };
                let session = fresh.as_ref().or(i.checked_sub(1).map(|i| &sessions[i]));
                let client = session.map(|a| a.client.clone()).unwrap_or_else(|| anon.clone());
                let csrf = session.map(|a| a.csrf.clone()).unwrap_or_default();
                let answer = send(client, csrf, app.url(&path), r.method.clone(), path.clone()).map_with(i);
                if r.method == GET {
                    answers.spawn(answer);
                } else {
                    // Writes one after another: concurrent writers are another test's subject.
                    let done = answer.await;
                    answers.spawn(async move { done });
                }
            }
            let mut got: Vec<(usize, (StatusCode, String, String))> = answers.join_all().await;
            got.sort_by_key(|(i, _)| *i);
            for (i, (status, location, body)) in got {
                let user = users[i];
                let exp = expected(r.who, user, level, own);
                count += 1;
                let leaks = matches!(status.as_u16(), 401 | 403 | 404) && body.contains(MARK);
                if !matches(exp, status, &location) || leaks {
                    wrong.push(
                        format!(
                            "{} {} ({}) as {}: expected {exp:?}, got {status}{}",
                            r.method,
                            r.path,
                            path,
                            user.map(|u| u.name).unwrap_or("anonymous"),
                            if location.is_empty() { String::new() } else { format!(" → {location}") }
                        ) + if leaks { " showing the object" } else { "" },
                    );
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{engine:?}: {} of {count} answers differ from the matrix:\n{}", wrong.len(), wrong.join("\n"));
}

/// Answers every indicator of a set so the dossier passes (yes, or the maximum points).
async fn full_answers(app: &TestApp, set: &str) -> serde_json::Map<String, serde_json::Value> {
    let (_, set) = app.get(&format!("/api/v1/criteria-sets/{set}")).await;
    let mut answers = serde_json::Map::new();
    for c in set["criteria"].as_array().unwrap() {
        for i in c["indicators"].as_array().unwrap() {
            let v = if i["kind"] == "yes_no" {
                json!(true)
            } else {
                json!(i["max_points"].as_str().map(|m| m.replace(',', ".").parse::<f64>().unwrap()).unwrap_or(100.0))
            };
            answers.insert(i["id"].as_str().unwrap().to_string(), v);
        }
    }
    answers
}

per_engine!(a_write_to_a_closed_dossier_answers_409_and_writes_no_audit_row);
async fn a_write_to_a_closed_dossier_answers_409_and_writes_no_audit_row(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let year = hoctap_store::today().year().to_string();
    let (s, c) = officer.post("/api/v1/campaigns", json!({"year": year, "set_id": "cdht-thon"})).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let cid = c["id"].as_i64().unwrap();
    let village = officer.store.villages(officer.demo_commune().await, hoctap_store::today()).await.unwrap()[0].clone();
    let (_, a) = officer.post(&format!("/api/v1/campaigns/{cid}/assessments"), json!({"subject": village.code})).await;
    let aid = a["id"].as_i64().unwrap();
    let answers = full_answers(&officer, "cdht-thon").await;
    let answers_path = format!("/api/v1/assessments/{aid}/answers");
    let (s, v) = officer.send(Method::PUT, &answers_path, Some(json!({"answers": answers}))).await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: a draft takes answers: {v}");
    let (s, v) = officer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "submit"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Submitted (then approved): closed to changes, by the page and the API alike.
    for closing in [None, Some("start_review"), Some("approve")] {
        if let Some(action) = closing {
            let reviewer = as_user(&officer, "xa.thamdinh").await;
            let (s, v) = reviewer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": action})).await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        let before = officer.store.audit_count().await.unwrap();
        let (s, v) = officer.send(Method::PUT, &answers_path, Some(json!({"answers": answers}))).await;
        assert_eq!(s, StatusCode::CONFLICT, "{engine:?} after {closing:?}: {v}");
        assert!(v.to_string().contains("không sửa được"), "{v}");
        let (s, body) = officer.post_form(&format!("/ho-so/{aid}/luu"), &[("a:CT1", "1")]).await;
        assert_eq!(s, StatusCode::CONFLICT, "{engine:?} after {closing:?}: {body}");
        let (s, _) = officer.post_form(&format!("/ho-so/{aid}/so-lieu"), &[]).await;
        assert_eq!(s, StatusCode::CONFLICT, "{engine:?} after {closing:?}");
        assert_eq!(officer.store.audit_count().await.unwrap(), before, "{engine:?} after {closing:?}: nothing written, nothing audited");
    }
    assert_eq!(officer.store.assessment(aid).await.unwrap().dossier.state.code(), "approved");
}

per_engine!(bulk_approval_checks_role_and_scope_before_reading_any_dossier);
async fn bulk_approval_checks_role_and_scope_before_reading_any_dossier(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let year = hoctap_store::today().year().to_string();
    let (_, c) = officer.post("/api/v1/campaigns", json!({"year": year, "set_id": "cdht-thon", "title": "Đợt Bí Mật"})).await;
    let cid = c["id"].as_i64().unwrap();
    let village = officer.store.villages(officer.demo_commune().await, hoctap_store::today()).await.unwrap()[0].clone();
    let (_, a) = officer.post(&format!("/api/v1/campaigns/{cid}/assessments"), json!({"subject": village.code})).await;
    let aid = a["id"].as_i64().unwrap();
    let answers = full_answers(&officer, "cdht-thon").await;
    officer.send(Method::PUT, &format!("/api/v1/assessments/{aid}/answers"), Some(json!({"answers": answers}))).await;
    officer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "submit"})).await;
    let chosen = format!("chon:{aid}");
    // A signer approves nothing: 403 before the loop, the campaign's title not shown.
    let signer = as_user(&officer, "xa.lanhdao").await;
    let stranger = officer.other_commune_officer().await;
    let before = officer.store.audit_count().await.unwrap();
    let (s, body) = signer.post_form(&format!("/dot-danh-gia/{cid}/thong-qua"), &[(&chosen, "1")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{engine:?}");
    assert!(!body.contains("Bí Mật"), "{engine:?}: the refusal shows nothing of the campaign");
    // Another commune's officer: 404, whichever dossier ids the form names.
    let (s, body) = stranger.post_form(&format!("/dot-danh-gia/{cid}/thong-qua"), &[(&chosen, "1")]).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{engine:?}");
    assert!(!body.contains("Bí Mật"), "{engine:?}");
    assert_eq!(officer.store.audit_count().await.unwrap(), before, "{engine:?}: nothing audited");
    assert_eq!(officer.store.assessment(aid).await.unwrap().dossier.state.code(), "submitted", "{engine:?}");
}

per_engine!(a_write_to_a_submitted_nomination_answers_409_and_writes_no_audit_row);
async fn a_write_to_a_submitted_nomination_answers_409_and_writes_no_audit_row(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let province = officer.unit_id("20").await;
    let (mid, _) = hoctap_commands::commands::demo::seed_movement(
        &officer.store,
        province,
        officer.demo_commune().await,
        &crate::harness::deployment_key(),
    )
    .await
    .unwrap();
    let post = |path: String, fields: Vec<(&'static str, &'static str)>| {
        let officer = &officer;
        async move { crate::workflow::post(officer, &path, &fields).await }
    };
    let (s, participant, _) =
        post(format!("/thi-dua/{mid}/tham-gia"), vec![("actor_type", "ho_gia_dinh_dong_ho"), ("name", "Gia đình Đóng Hồ Sơ")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, nomination, body) = post(format!("{participant}/de-nghi"), vec![("year", "2025"), ("form", "bang_khen")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let answer = vec![("a:HO.1", "1"), ("m:HO.1", "Quyết định công nhận GĐHT")];
    let (s, _, _) = post(format!("{nomination}/luu"), answer.clone()).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: a draft takes answers");
    let (s, _, body) = post(format!("{nomination}/chuyen"), vec![("action", "submit")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let before = officer.store.audit_count().await.unwrap();
    let (s, _, body) = post(format!("{nomination}/luu"), answer).await;
    assert_eq!(s, StatusCode::CONFLICT, "{engine:?}: {body}");
    assert!(body.contains("không sửa được"), "{engine:?}: {body}");
    assert_eq!(officer.store.audit_count().await.unwrap(), before, "{engine:?}: nothing written, nothing audited");
}
