//! The effective-dated administrative hierarchy and its lineage (lịch sử sáp nhập), in memory.
//!
//! A unit keeps its identity (`UnitId`) for as long as it exists; its parent is an
//! effective-dated edge, so a village survives the merger of its commune by moving to the
//! successor. Renames, merges and splits end units and start others, linked by lineage
//! events. The store loads the part of the hierarchy an operation touches into a
//! [`Hierarchy`], asks it for a [`Plan`], and writes the plan in one transaction; the same
//! code runs in property tests over random trees.

use crate::date::{Validity, format_vn};
use crate::unit::{UnitCode, UnitKind, UnitName, UnitType};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Internal identity of a unit (codes are reused across eras, ids never are).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnitId(pub i64);

/// One unit as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRecord {
    pub id: UnitId,
    pub code: UnitCode,
    pub name: UnitName,
    pub unit_type: UnitType,
    pub validity: Validity,
}

impl UnitRecord {
    pub fn kind(&self) -> UnitKind {
        self.unit_type.kind()
    }
}

/// "Unit `child` hangs under `parent` during `validity`."
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentEdge {
    pub child: UnitId,
    pub parent: UnitId,
    pub validity: Validity,
}

/// Kinds of lineage events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineageKind {
    /// Sáp nhập: several units become one (new or existing).
    Merge,
    /// Chia tách: one unit becomes several.
    Split,
    /// Đổi tên.
    Rename,
    /// Giải thể / kết thúc hoạt động.
    Abolish,
    /// Điều chỉnh địa giới, chuyển đơn vị cấp trên.
    Reparent,
}

impl LineageKind {
    pub const ALL: [LineageKind; 5] = [Self::Merge, Self::Split, Self::Rename, Self::Abolish, Self::Reparent];

    pub fn code(self) -> &'static str {
        match self {
            Self::Merge => "merge",
            Self::Split => "split",
            Self::Rename => "rename",
            Self::Abolish => "abolish",
            Self::Reparent => "reparent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Merge => "Sáp nhập",
            Self::Split => "Chia tách",
            Self::Rename => "Đổi tên",
            Self::Abolish => "Giải thể, kết thúc hoạt động",
            Self::Reparent => "Chuyển đơn vị cấp trên",
        }
    }
}

/// A link of a lineage event: `predecessor`'s territory (or part of it) went to `successor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LineageLink {
    pub predecessor: UnitId,
    pub successor: UnitId,
}

/// A lineage event with its legal act (căn cứ pháp lý).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineageEvent {
    pub kind: LineageKind,
    pub effective_on: Date,
    pub legal_act: String,
    pub links: Vec<LineageLink>,
}

/// Why a hierarchy operation was refused. Messages are shown to administrators as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReorgError {
    #[error("không tìm thấy đơn vị mã số nội bộ {0}")]
    UnknownUnit(i64),
    #[error("đơn vị {0} không còn hiệu lực vào ngày {1}")]
    NotValidOn(String, String),
    #[error("cần ít nhất hai đơn vị để sáp nhập, hoặc một đơn vị sáp nhập vào đơn vị khác")]
    NothingToMerge,
    #[error("đơn vị {0} được chọn hai lần")]
    Duplicate(String),
    #[error("không thể sáp nhập đơn vị {0} vào chính nó")]
    IntoItself(String),
    #[error("các đơn vị phải cùng cấp: {0} là {1}, {2} là {3}")]
    MixedKinds(String, &'static str, String, &'static str),
    #[error("{child} ({child_kind}) không thể trực thuộc {parent} ({parent_kind})")]
    WrongParentKind { child: String, child_kind: &'static str, parent: String, parent_kind: &'static str },
    #[error("mã {0} đã được dùng cho đơn vị \"{1}\" còn hiệu lực vào ngày {2}")]
    CodeTaken(String, String, String),
    #[error("cần ít nhất hai đơn vị sau chia tách")]
    SplitTooFew,
    #[error("đơn vị trực thuộc {0} được giao cho phần {1}, nhưng chỉ có {2} phần")]
    BadAssignment(String, usize, usize),
    #[error("không thể giải thể {0}: còn {1} đơn vị trực thuộc, hãy sáp nhập hoặc chuyển chúng trước")]
    HasChildren(String, usize),
    #[error("tên mới trùng tên hiện tại")]
    SameName,
    #[error("thiếu căn cứ pháp lý (số, ký hiệu văn bản)")]
    MissingLegalAct,
    #[error("đơn vị {0} đã trực thuộc {1}")]
    SameParent(String, String),
    #[error("không thể chuyển {0} vào đơn vị trực thuộc chính nó")]
    Cycle(String),
}

/// A unit that an operation creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUnit {
    pub code: UnitCode,
    pub name: UnitName,
    pub unit_type: UnitType,
    /// None only for provinces.
    pub parent: Option<UnitId>,
}

/// Either an existing unit or the n-th unit the plan creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnitRef {
    Existing(UnitId),
    New(usize),
}

/// Where merged units go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MergeTarget {
    Existing(UnitId),
    New(NewUnit),
}

/// A reorganisation an administrator asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reorganisation {
    Merge {
        predecessors: Vec<UnitId>,
        into: MergeTarget,
    },
    /// `children`: which part (index into `parts`) each child goes to; unlisted children go to part 0.
    Split {
        unit: UnitId,
        parts: Vec<MergeTarget>,
        children: BTreeMap<UnitId, usize>,
    },
    Rename {
        unit: UnitId,
        name: UnitName,
    },
    Reparent {
        unit: UnitId,
        parent: UnitId,
    },
    Abolish {
        unit: UnitId,
    },
}

/// What to write, computed from a [`Reorganisation`]. Applying it is mechanical.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub kind: LineageKind,
    pub effective_on: Date,
    pub legal_act: String,
    /// Units that end the day before `effective_on` (with their parent edges).
    pub close_units: Vec<UnitId>,
    /// Units to create, valid from `effective_on`.
    pub new_units: Vec<NewUnit>,
    /// Children whose current parent edge ends and a new one starts.
    pub move_children: Vec<(UnitId, UnitRef)>,
    /// Lineage links (predecessor, successor).
    pub links: Vec<(UnitId, UnitRef)>,
    /// Where the users (and local data) of each closed unit go.
    pub successor_of: Vec<(UnitId, UnitRef)>,
}

/// An invariant broken in a hierarchy; see [`Hierarchy::violations`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    NoParent { unit: UnitId, on: Date },
    SeveralParents { unit: UnitId, on: Date, count: usize },
    ParentNotValid { unit: UnitId, parent: UnitId, on: Date },
    WrongParentKind { unit: UnitId, parent: UnitId },
    DuplicateCode { code: String, on: Date },
    LineageCycle { unit: UnitId },
    LinkBackInTime { predecessor: UnitId, successor: UnitId },
}

/// An in-memory (part of the) hierarchy.
#[derive(Debug, Clone, Default)]
pub struct Hierarchy {
    units: BTreeMap<UnitId, UnitRecord>,
    edges: Vec<ParentEdge>,
    events: Vec<LineageEvent>,
}

impl Hierarchy {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert_unit(&mut self, unit: UnitRecord) {
        self.units.insert(unit.id, unit);
    }

    pub fn insert_edge(&mut self, edge: ParentEdge) {
        self.edges.push(edge);
    }

    pub fn insert_event(&mut self, event: LineageEvent) {
        self.events.push(event);
    }

    pub fn unit(&self, id: UnitId) -> Option<&UnitRecord> {
        self.units.get(&id)
    }

    pub fn units(&self) -> impl Iterator<Item = &UnitRecord> {
        self.units.values()
    }

    pub fn edges(&self) -> &[ParentEdge] {
        &self.edges
    }

    pub fn events(&self) -> &[LineageEvent] {
        &self.events
    }

    fn get(&self, id: UnitId) -> Result<&UnitRecord, ReorgError> {
        self.units.get(&id).ok_or(ReorgError::UnknownUnit(id.0))
    }

    fn valid_unit(&self, id: UnitId, on: Date) -> Result<&UnitRecord, ReorgError> {
        let u = self.get(id)?;
        if !u.validity.contains(on) {
            return Err(ReorgError::NotValidOn(describe(u), format_vn(on)));
        }
        Ok(u)
    }

    /// Units valid on a date.
    pub fn valid_on(&self, on: Date) -> impl Iterator<Item = &UnitRecord> {
        self.units.values().filter(move |u| u.validity.contains(on))
    }

    /// The parent of a unit on a date.
    pub fn parent_on(&self, id: UnitId, on: Date) -> Option<UnitId> {
        self.edges.iter().find(|e| e.child == id && e.validity.contains(on)).map(|e| e.parent)
    }

    /// Children of a unit on a date.
    pub fn children_on(&self, id: UnitId, on: Date) -> Vec<UnitId> {
        self.edges
            .iter()
            .filter(|e| e.parent == id && e.validity.contains(on))
            .filter(|e| self.units.get(&e.child).is_some_and(|c| c.validity.contains(on)))
            .map(|e| e.child)
            .collect()
    }

    /// Ancestors on a date, nearest first.
    pub fn ancestors_on(&self, id: UnitId, on: Date) -> Vec<UnitId> {
        let mut out = Vec::new();
        let mut cur = id;
        while let Some(p) = self.parent_on(cur, on) {
            if out.contains(&p) || p == id {
                break;
            }
            out.push(p);
            cur = p;
        }
        out
    }

    fn direct_successors(&self, id: UnitId) -> BTreeSet<UnitId> {
        self.events.iter().flat_map(|e| e.links.iter()).filter(|l| l.predecessor == id && l.successor != id).map(|l| l.successor).collect()
    }

    fn direct_predecessors(&self, id: UnitId) -> BTreeSet<UnitId> {
        self.events
            .iter()
            .flat_map(|e| e.links.iter())
            .filter(|l| l.successor == id && l.predecessor != id)
            .map(|l| l.predecessor)
            .collect()
    }

    /// The units valid on `on` that carry on `id`, following lineage links forward.
    /// A unit still valid on `on` is its own successor.
    pub fn successors_on(&self, id: UnitId, on: Date) -> BTreeSet<UnitId> {
        let mut out = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut stack = vec![id];
        while let Some(cur) = stack.pop() {
            if !seen.insert(cur) {
                continue;
            }
            if self.units.get(&cur).is_some_and(|u| u.validity.contains(on)) {
                out.insert(cur);
                continue;
            }
            stack.extend(self.direct_successors(cur));
        }
        out
    }

    /// Every unit that went, directly or not, into `id`.
    pub fn predecessors(&self, id: UnitId) -> BTreeSet<UnitId> {
        let mut out = BTreeSet::new();
        let mut stack: Vec<UnitId> = self.direct_predecessors(id).into_iter().collect();
        while let Some(cur) = stack.pop() {
            if cur != id && out.insert(cur) {
                stack.extend(self.direct_predecessors(cur));
            }
        }
        out
    }

    /// Checks the invariants on every date where something changes.
    pub fn violations(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        let mut dates: BTreeSet<Date> = BTreeSet::new();
        for u in self.units.values() {
            dates.insert(u.validity.from);
            if !u.validity.is_open() {
                dates.insert(u.validity.to);
            }
        }
        for e in &self.edges {
            dates.insert(e.validity.from);
        }
        for &on in &dates {
            let mut codes: BTreeMap<&str, usize> = BTreeMap::new();
            for u in self.valid_on(on) {
                *codes.entry(u.code.as_str()).or_default() += 1;
                let parents: Vec<&ParentEdge> = self.edges.iter().filter(|e| e.child == u.id && e.validity.contains(on)).collect();
                match parents.as_slice() {
                    [] if u.kind() != UnitKind::Province => {
                        out.push(Violation::NoParent { unit: u.id, on });
                    }
                    [] => {}
                    [edge] => match self.units.get(&edge.parent) {
                        Some(p) if !p.validity.contains(on) => out.push(Violation::ParentNotValid { unit: u.id, parent: p.id, on }),
                        Some(p) if !u.kind().allowed_parents().contains(&p.kind()) => {
                            out.push(Violation::WrongParentKind { unit: u.id, parent: p.id })
                        }
                        Some(_) => {}
                        None => out.push(Violation::ParentNotValid { unit: u.id, parent: edge.parent, on }),
                    },
                    many => out.push(Violation::SeveralParents { unit: u.id, on, count: many.len() }),
                }
            }
            for (code, n) in codes {
                if n > 1 {
                    out.push(Violation::DuplicateCode { code: code.to_string(), on });
                }
            }
        }
        for u in self.units.values() {
            if self.predecessors(u.id).contains(&u.id) {
                out.push(Violation::LineageCycle { unit: u.id });
            }
        }
        for l in self.events.iter().flat_map(|e| e.links.iter()) {
            if let (Some(p), Some(s)) = (self.units.get(&l.predecessor), self.units.get(&l.successor))
                && l.predecessor != l.successor
                && s.validity.to <= p.validity.from
            {
                out.push(Violation::LinkBackInTime { predecessor: p.id, successor: s.id });
            }
        }
        out
    }

    /// Computes what a reorganisation writes, or why it cannot be done.
    pub fn plan(&self, op: &Reorganisation, effective_on: Date, legal_act: &str) -> Result<Plan, ReorgError> {
        let legal_act = legal_act.trim();
        if legal_act.is_empty() {
            return Err(ReorgError::MissingLegalAct);
        }
        let on = effective_on;
        let mut plan = Plan {
            kind: LineageKind::Merge,
            effective_on,
            legal_act: legal_act.to_string(),
            close_units: Vec::new(),
            new_units: Vec::new(),
            move_children: Vec::new(),
            links: Vec::new(),
            successor_of: Vec::new(),
        };
        match op {
            Reorganisation::Merge { predecessors, into } => {
                plan.kind = LineageKind::Merge;
                let preds = self.distinct_valid(predecessors, on)?;
                let first = preds.first().ok_or(ReorgError::NothingToMerge)?;
                let target = self.target(into, first.kind(), on, &mut plan)?;
                if let UnitRef::Existing(t) = target {
                    if preds.iter().any(|p| p.id == t) {
                        return Err(ReorgError::IntoItself(describe(self.get(t)?)));
                    }
                } else if preds.len() < 2 {
                    return Err(ReorgError::NothingToMerge);
                }
                for p in &preds {
                    self.same_kind(first, p)?;
                    self.close_into(p.id, target, on, &mut plan);
                }
            }
            Reorganisation::Split { unit, parts, children } => {
                plan.kind = LineageKind::Split;
                let u = self.valid_unit(*unit, on)?;
                if parts.len() < 2 {
                    return Err(ReorgError::SplitTooFew);
                }
                let mut targets = Vec::new();
                for part in parts {
                    let t = self.target(part, u.kind(), on, &mut plan)?;
                    if t == UnitRef::Existing(u.id) {
                        return Err(ReorgError::IntoItself(describe(u)));
                    }
                    targets.push(t);
                }
                plan.close_units.push(u.id);
                for t in &targets {
                    plan.links.push((u.id, *t));
                }
                if let Some(first) = targets.first() {
                    plan.successor_of.push((u.id, *first));
                }
                for child in self.children_on(u.id, on) {
                    let part = children.get(&child).copied().unwrap_or(0);
                    let t = targets.get(part).ok_or_else(|| {
                        ReorgError::BadAssignment(self.units.get(&child).map(describe).unwrap_or_default(), part + 1, targets.len())
                    })?;
                    plan.move_children.push((child, *t));
                }
            }
            Reorganisation::Rename { unit, name } => {
                plan.kind = LineageKind::Rename;
                let u = self.valid_unit(*unit, on)?;
                if &u.name == name {
                    return Err(ReorgError::SameName);
                }
                let parent = self.parent_on(u.id, on);
                plan.new_units.push(NewUnit { code: u.code.clone(), name: name.clone(), unit_type: u.unit_type, parent });
                self.close_into(u.id, UnitRef::New(0), on, &mut plan);
            }
            Reorganisation::Reparent { unit, parent } => {
                plan.kind = LineageKind::Reparent;
                let u = self.valid_unit(*unit, on)?;
                let p = self.valid_unit(*parent, on)?;
                check_parent_kind(u.kind(), u, p)?;
                if self.parent_on(u.id, on) == Some(p.id) {
                    return Err(ReorgError::SameParent(describe(u), describe(p)));
                }
                if p.id == u.id || self.ancestors_on(p.id, on).contains(&u.id) {
                    return Err(ReorgError::Cycle(describe(u)));
                }
                plan.move_children.push((u.id, UnitRef::Existing(p.id)));
                plan.links.push((u.id, UnitRef::Existing(u.id)));
            }
            Reorganisation::Abolish { unit } => {
                plan.kind = LineageKind::Abolish;
                let u = self.valid_unit(*unit, on)?;
                let n = self.children_on(u.id, on).len();
                if n > 0 {
                    return Err(ReorgError::HasChildren(describe(u), n));
                }
                plan.close_units.push(u.id);
            }
        }
        Ok(plan)
    }

    fn distinct_valid(&self, ids: &[UnitId], on: Date) -> Result<Vec<&UnitRecord>, ReorgError> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for &id in ids {
            let u = self.valid_unit(id, on)?;
            if !seen.insert(id) {
                return Err(ReorgError::Duplicate(describe(u)));
            }
            out.push(u);
        }
        Ok(out)
    }

    fn same_kind(&self, a: &UnitRecord, b: &UnitRecord) -> Result<(), ReorgError> {
        if a.kind() != b.kind() {
            return Err(ReorgError::MixedKinds(describe(a), a.kind().label(), describe(b), b.kind().label()));
        }
        Ok(())
    }

    /// Resolves a target, adding a new unit to the plan if asked for.
    fn target(&self, t: &MergeTarget, kind: UnitKind, on: Date, plan: &mut Plan) -> Result<UnitRef, ReorgError> {
        match t {
            MergeTarget::Existing(id) => {
                let u = self.valid_unit(*id, on)?;
                if u.kind() != kind {
                    return Err(ReorgError::MixedKinds(describe(u), u.kind().label(), String::new(), kind.label()));
                }
                Ok(UnitRef::Existing(*id))
            }
            MergeTarget::New(n) => {
                if n.unit_type.kind() != kind {
                    return Err(ReorgError::MixedKinds(
                        format!("{} {}", n.code, n.name),
                        n.unit_type.kind().label(),
                        String::new(),
                        kind.label(),
                    ));
                }
                if let Some(taken) = self.valid_on(on).find(|u| u.code == n.code) {
                    return Err(ReorgError::CodeTaken(n.code.to_string(), taken.name.to_string(), format_vn(on)));
                }
                if plan.new_units.iter().any(|x| x.code == n.code) {
                    return Err(ReorgError::Duplicate(n.code.to_string()));
                }
                match n.parent {
                    Some(pid) => {
                        let p = self.valid_unit(pid, on)?;
                        let child_label = format!("{} {}", n.code, n.name);
                        if !kind.allowed_parents().contains(&p.kind()) {
                            return Err(ReorgError::WrongParentKind {
                                child: child_label,
                                child_kind: kind.label(),
                                parent: describe(p),
                                parent_kind: p.kind().label(),
                            });
                        }
                    }
                    None if kind != UnitKind::Province => {
                        return Err(ReorgError::WrongParentKind {
                            child: format!("{} {}", n.code, n.name),
                            child_kind: kind.label(),
                            parent: "(không có)".into(),
                            parent_kind: "—",
                        });
                    }
                    None => {}
                }
                plan.new_units.push(n.clone());
                Ok(UnitRef::New(plan.new_units.len() - 1))
            }
        }
    }

    fn close_into(&self, id: UnitId, target: UnitRef, on: Date, plan: &mut Plan) {
        plan.close_units.push(id);
        plan.links.push((id, target));
        plan.successor_of.push((id, target));
        for child in self.children_on(id, on) {
            plan.move_children.push((child, target));
        }
    }

    /// Applies a plan in memory, giving new units ids from `next_id` on. The store does the
    /// same in SQL; property tests use this to check that plans keep the invariants.
    pub fn apply(&mut self, plan: &Plan, next_id: &mut i64) -> Vec<UnitId> {
        let on = plan.effective_on;
        let mut new_ids = Vec::new();
        for n in &plan.new_units {
            let id = UnitId(*next_id);
            *next_id += 1;
            self.units.insert(
                id,
                UnitRecord { id, code: n.code.clone(), name: n.name.clone(), unit_type: n.unit_type, validity: Validity::since(on) },
            );
            if let Some(parent) = n.parent {
                self.edges.push(ParentEdge { child: id, parent, validity: Validity::since(on) });
            }
            new_ids.push(id);
        }
        let resolve = |r: UnitRef| match r {
            UnitRef::Existing(id) => Some(id),
            UnitRef::New(i) => new_ids.get(i).copied(),
        };
        for &id in &plan.close_units {
            if let Some(u) = self.units.get_mut(&id) {
                u.validity.to = on;
            }
            end_edges(&mut self.edges, id, on);
        }
        for &(child, to) in &plan.move_children {
            end_edges(&mut self.edges, child, on);
            if let Some(parent) = resolve(to) {
                self.edges.push(ParentEdge { child, parent, validity: Validity::since(on) });
            }
        }
        let links = plan.links.iter().filter_map(|&(p, s)| resolve(s).map(|s| LineageLink { predecessor: p, successor: s })).collect();
        self.events.push(LineageEvent { kind: plan.kind, effective_on: on, legal_act: plan.legal_act.clone(), links });
        new_ids
    }
}

/// Ends the open parent edges of `child` on `on` (drops those that had not started yet).
fn end_edges(edges: &mut Vec<ParentEdge>, child: UnitId, on: Date) {
    edges.retain(|e| !(e.child == child && e.validity.from >= on));
    for e in edges.iter_mut().filter(|e| e.child == child && e.validity.contains(on)) {
        e.validity.to = on;
    }
}

fn check_parent_kind(kind: UnitKind, child: &UnitRecord, parent: &UnitRecord) -> Result<(), ReorgError> {
    if !kind.allowed_parents().contains(&parent.kind()) {
        return Err(ReorgError::WrongParentKind {
            child: describe(child),
            child_kind: kind.label(),
            parent: describe(parent),
            parent_kind: parent.kind().label(),
        });
    }
    Ok(())
}

/// "00004 Phường Ba Đình".
pub fn describe(u: &UnitRecord) -> String {
    format!("{} {}", u.code, u.name)
}

/// One row of the ancestor (closure) table: `ancestor` is above `descendant` at `depth`
/// during `validity`. Depth 0 rows pair each unit with itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ClosureRow {
    pub ancestor: UnitId,
    pub descendant: UnitId,
    pub depth: u8,
    pub from: Date,
    pub to: Date,
}

/// Computes the closure rows of the given units from the parent edges of the hierarchy,
/// which must contain every ancestor edge of those units. Each path's validity is the
/// intersection of the edges' validities and the descendant's own.
pub fn closure_rows(h: &Hierarchy, of: &[UnitId]) -> Vec<ClosureRow> {
    let mut by_child: BTreeMap<UnitId, Vec<&ParentEdge>> = BTreeMap::new();
    for e in &h.edges {
        by_child.entry(e.child).or_default().push(e);
    }
    let mut out = Vec::new();
    for &d in of {
        let Some(unit) = h.units.get(&d) else { continue };
        // Depth-first over upward paths; the hierarchy has at most four levels.
        let mut stack: Vec<(UnitId, u8, Date, Date)> = vec![(d, 0, unit.validity.from, unit.validity.to)];
        while let Some((cur, depth, from, to)) = stack.pop() {
            out.push(ClosureRow { ancestor: cur, descendant: d, depth, from, to });
            if depth >= 8 {
                continue;
            }
            for e in by_child.get(&cur).map(Vec::as_slice).unwrap_or_default() {
                let f = from.max(e.validity.from);
                let t = to.min(e.validity.to);
                if f < t {
                    stack.push((e.parent, depth + 1, f, t));
                }
            }
        }
    }
    out.sort();
    out
}

/// A lineage link leaving an ended unit, as the re-basing rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebaseLink {
    pub successor: UnitId,
    /// The successor is of the unit's own level (a district's communes are not).
    pub same_kind: bool,
    /// Nhập một phần: only part of the unit's territory went to this successor.
    pub partial: bool,
    /// The successor holds the unit's former seat (trụ sở).
    pub seat: bool,
}

/// Why an ended unit's figures (số liệu) go to the successor they go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RebaseRule {
    /// An administrator named this successor for the unit.
    Override,
    /// A partially merged unit: the successor holding its seat, by default.
    Seat,
    /// The unit went whole into this successor.
    Whole,
    /// No whole or seat link of the same level: the first successor.
    Other,
}

impl RebaseRule {
    /// Vietnamese wording for pages and notes.
    pub fn label(self) -> &'static str {
        match self {
            Self::Override => "do quản trị chỉ định",
            Self::Seat => "đơn vị kế thừa trụ sở (mặc định khi nhập một phần)",
            Self::Whole => "nhập toàn bộ",
            Self::Other => "đơn vị kế thừa đầu tiên",
        }
    }
}

/// The successor that carries an ended unit's figures on today's tree, one step: the
/// administrator's override when it names one of the unit's successors; else, for a partially
/// merged unit, the successor holding its seat; else a whole successor of the same level; else
/// any successor of the same level; else the first. The figures are never split: they go whole
/// to one successor (share 100 %), the other parts get none (see [`rebase_shares`]).
pub fn rebase_step(links: &[RebaseLink], over: Option<UnitId>) -> Option<(UnitId, RebaseRule)> {
    if let Some(o) = over.filter(|o| links.iter().any(|l| l.successor == *o)) {
        return Some((o, RebaseRule::Override));
    }
    let same: Vec<&RebaseLink> = links.iter().filter(|l| l.same_kind).collect();
    if let Some(l) = same.iter().find(|l| l.partial && l.seat) {
        return Some((l.successor, RebaseRule::Seat));
    }
    if let Some(l) = same.iter().find(|l| !l.partial) {
        return Some((l.successor, RebaseRule::Whole));
    }
    same.first().copied().or(links.first()).map(|l| (l.successor, RebaseRule::Other))
}

/// The share (in %) of an ended unit's figures that each of its successors carries under
/// [`rebase_step`]: 100 for the chosen one, 0 for the others.
pub fn rebase_shares(links: &[RebaseLink], over: Option<UnitId>) -> Vec<(UnitId, u8)> {
    let chosen = rebase_step(links, over).map(|(u, _)| u);
    links.iter().map(|l| (l.successor, if Some(l.successor) == chosen { 100 } else { 0 })).collect()
}

#[cfg(test)]
mod tests;
