//! Area attributes of an administrative unit (thuộc tính địa bàn) that change thresholds,
//! e.g. the CDHT pass mark of 70 instead of 80 points in remote and ethnic-minority areas.

use serde::{Deserialize, Serialize};

/// One area attribute. Attributes are effective-dated on a unit; the store keeps the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaAttribute {
    /// Miền núi (mountainous).
    MienNui,
    /// Vùng đặc biệt khó khăn (extremely difficult area).
    DacBietKhoKhan,
    /// Vùng đồng bào dân tộc thiểu số (ethnic-minority area).
    DanTocThieuSo,
}

impl AreaAttribute {
    pub const ALL: [AreaAttribute; 3] = [Self::MienNui, Self::DacBietKhoKhan, Self::DanTocThieuSo];

    /// The stable code used in files, URLs and the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::MienNui => "mien_nui",
            Self::DacBietKhoKhan => "dac_biet_kho_khan",
            Self::DanTocThieuSo => "dan_toc_thieu_so",
        }
    }

    /// Vietnamese label shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::MienNui => "Miền núi",
            Self::DacBietKhoKhan => "Vùng đặc biệt khó khăn",
            Self::DanTocThieuSo => "Vùng đồng bào dân tộc thiểu số",
        }
    }

    /// Parses the stable code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code.trim())
    }
}
