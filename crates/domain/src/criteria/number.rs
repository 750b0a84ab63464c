//! Exact numbers of the criteria engine: [`Points`] (fixed-point, two decimals) for points,
//! pass marks and bands, and [`Number`] (an exact fraction) for percentages, counts and the
//! values of computed indicators. No decision is ever taken on a float: a float read from a
//! file or from JSON is turned into its shortest decimal text first and parsed exactly.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// Why a text or number could not be read as an exact number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("\"{0}\" không phải là số (viết như 84,5 hoặc 84.5)")]
    Malformed(String),
    #[error("\"{0}\" có quá 2 chữ số thập phân")]
    TooPrecise(String),
    #[error("\"{0}\" vượt quá giới hạn cho phép")]
    TooLarge(String),
}

/// Points with two decimals, held as an integer count of hundredths (`84,5` = 8450).
/// Parsed from `"84.5"`, `"84,5"`, `84.5` or `84`; displayed the Vietnamese way (`84,5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Points(i64);

/// The largest magnitude accepted for points (10^12 points): far above any real set, and
/// small enough that a sum of 10^6 of them cannot overflow an `i64`.
const POINTS_LIMIT: i64 = 100_000_000_000_000;

impl Points {
    pub const ZERO: Points = Points(0);

    /// Whole points.
    pub const fn whole(points: i64) -> Points {
        Points(points * 100)
    }

    /// From a count of hundredths (`8450` = `84,5`).
    pub const fn from_hundredths(hundredths: i64) -> Points {
        Points(hundredths)
    }

    /// The count of hundredths.
    pub const fn hundredths(self) -> i64 {
        self.0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Adds, saturating at the bounds of `i64` (never reached with validated sets).
    pub fn saturating_add(self, other: Points) -> Points {
        Points(self.0.saturating_add(other.0))
    }

    pub fn saturating_sub(self, other: Points) -> Points {
        Points(self.0.saturating_sub(other.0))
    }

    /// Parses `84.5`, `84,5`, `-3`, `100`. At most two decimals.
    pub fn parse(input: &str) -> Result<Points, NumberError> {
        let n = Number::parse(input)?;
        Points::try_from(n).map_err(|e| match e {
            NumberError::TooPrecise(_) => NumberError::TooPrecise(input.trim().to_string()),
            NumberError::TooLarge(_) => NumberError::TooLarge(input.trim().to_string()),
            other => other,
        })
    }

    /// The exact fraction.
    pub fn to_number(self) -> Number {
        Number::new_reduced(i128::from(self.0), 100)
    }
}

impl TryFrom<Number> for Points {
    type Error = NumberError;
    /// Succeeds only when the fraction has at most two decimals and is in range.
    fn try_from(n: Number) -> Result<Points, NumberError> {
        let scaled = n.num.checked_mul(100).ok_or_else(|| NumberError::TooLarge(n.to_string()))?;
        if scaled % n.den != 0 {
            return Err(NumberError::TooPrecise(n.to_string()));
        }
        let h = scaled / n.den;
        if h.unsigned_abs() > POINTS_LIMIT as u128 {
            return Err(NumberError::TooLarge(n.to_string()));
        }
        i64::try_from(h).map(Points).map_err(|_| NumberError::TooLarge(n.to_string()))
    }
}

impl fmt::Display for Points {
    /// `84,5`, `80`, `0,25`, `-3`: Vietnamese decimal comma, no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (int, frac) = (abs / 100, abs % 100);
        if frac == 0 {
            write!(f, "{sign}{int}")
        } else if frac % 10 == 0 {
            write!(f, "{sign}{int},{}", frac / 10)
        } else {
            write!(f, "{sign}{int},{frac:02}")
        }
    }
}

impl Serialize for Points {
    /// A JSON/TOML number: an integer when whole, otherwise the two-decimal value.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            s.serialize_i64(self.0 / 100)
        } else {
            // Display only: the decimal value is exact in two decimals and round-trips through
            // the shortest-representation float printer used by serde_json and toml.
            s.serialize_f64(self.0 as f64 / 100.0)
        }
    }
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Points, D::Error> {
        let n = Number::deserialize(d)?;
        Points::try_from(n).map_err(de::Error::custom)
    }
}

/// An exact fraction `num/den` (reduced, `den > 0`), used for percentages, counts and the
/// values of computed indicators, so that `households_gdht / households * 100 >= 70` is decided
/// without rounding. Displayed rounded to two decimals with a Vietnamese comma.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Number {
    num: i128,
    den: i128,
}

/// Why an arithmetic step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ArithmeticError {
    #[error("chia cho 0")]
    DivisionByZero,
    #[error("số quá lớn")]
    Overflow,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

impl Number {
    pub const ZERO: Number = Number { num: 0, den: 1 };

    fn new_reduced(num: i128, den: i128) -> Number {
        // Callers guarantee den != 0; a zero den is mapped to zero rather than panicking.
        if den == 0 {
            return Number::ZERO;
        }
        let g = gcd(num, den).max(1);
        let (mut n, mut d) = (num / g, den / g);
        if d < 0 {
            n = -n;
            d = -d;
        }
        Number { num: n, den: d }
    }

    /// A fraction; `None` when `den` is 0.
    pub fn ratio(num: i128, den: i128) -> Option<Number> {
        (den != 0).then(|| Number::new_reduced(num, den))
    }

    pub fn integer(n: i64) -> Number {
        Number { num: i128::from(n), den: 1 }
    }

    pub fn numerator(self) -> i128 {
        self.num
    }

    pub fn denominator(self) -> i128 {
        self.den
    }

    pub fn is_negative(self) -> bool {
        self.num < 0
    }

    /// Exact text for storage: `70`, `137/2` (a third stays a third), read back by
    /// [`Number::parse_exact`].
    pub fn to_exact(self) -> String {
        if self.den == 1 { self.num.to_string() } else { format!("{}/{}", self.num, self.den) }
    }

    /// Reads [`Number::to_exact`]'s text, or a decimal.
    pub fn parse_exact(input: &str) -> Result<Number, NumberError> {
        match input.trim().split_once('/') {
            Some((n, d)) => {
                let bad = || NumberError::Malformed(input.trim().to_string());
                let (n, d) = (n.trim().parse::<i128>().map_err(|_| bad())?, d.trim().parse::<i128>().map_err(|_| bad())?);
                Number::ratio(n, d).ok_or_else(bad)
            }
            None => Number::parse(input),
        }
    }

    /// Parses a decimal: `70`, `70.5`, `70,5`, `-1`, `1e3` is refused. Up to 12 decimals.
    pub fn parse(input: &str) -> Result<Number, NumberError> {
        let s = input.trim();
        let bad = || NumberError::Malformed(s.to_string());
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac) = match body.split_once(['.', ',']) {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if int.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if body.ends_with(['.', ',']) || frac.len() > 12 || int.len() > 18 {
            return Err(if frac.len() > 12 { NumberError::TooPrecise(s.to_string()) } else { bad() });
        }
        let mut num: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            num = num * 10 + i128::from(b - b'0');
        }
        let den = 10i128.pow(frac.len() as u32);
        Ok(Number::new_reduced(if neg { -num } else { num }, den))
    }

    pub fn checked_add(self, o: Number) -> Result<Number, ArithmeticError> {
        let num = self
            .num
            .checked_mul(o.den)
            .and_then(|a| o.num.checked_mul(self.den).and_then(|b| a.checked_add(b)))
            .ok_or(ArithmeticError::Overflow)?;
        let den = self.den.checked_mul(o.den).ok_or(ArithmeticError::Overflow)?;
        Ok(Number::new_reduced(num, den))
    }

    pub fn checked_neg(self) -> Result<Number, ArithmeticError> {
        Ok(Number { num: self.num.checked_neg().ok_or(ArithmeticError::Overflow)?, den: self.den })
    }

    pub fn checked_sub(self, o: Number) -> Result<Number, ArithmeticError> {
        self.checked_add(o.checked_neg()?)
    }

    pub fn checked_mul(self, o: Number) -> Result<Number, ArithmeticError> {
        let num = self.num.checked_mul(o.num).ok_or(ArithmeticError::Overflow)?;
        let den = self.den.checked_mul(o.den).ok_or(ArithmeticError::Overflow)?;
        Ok(Number::new_reduced(num, den))
    }

    pub fn checked_div(self, o: Number) -> Result<Number, ArithmeticError> {
        if o.num == 0 {
            return Err(ArithmeticError::DivisionByZero);
        }
        let num = self.num.checked_mul(o.den).ok_or(ArithmeticError::Overflow)?;
        let den = self.den.checked_mul(o.num).ok_or(ArithmeticError::Overflow)?;
        Ok(Number::new_reduced(num, den))
    }

    /// The value rounded half away from zero to two decimals, for display.
    pub fn rounded_hundredths(self) -> i128 {
        let scaled = self.num.saturating_mul(100);
        let q = scaled / self.den;
        let r = (scaled % self.den).abs();
        if r.saturating_mul(2) >= self.den { q + scaled.signum() } else { q }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        // Denominators are positive, so cross-multiplication keeps the order. Values come from
        // files and counts far below 10^18, so the products stay inside i128; on the impossible
        // overflow the saturated products still order correctly by sign.
        let a = self.num.saturating_mul(other.den);
        let b = other.num.saturating_mul(self.den);
        a.cmp(&b)
    }
}

impl From<Points> for Number {
    fn from(p: Points) -> Number {
        p.to_number()
    }
}

impl fmt::Display for Number {
    /// Rounded to two decimals, Vietnamese comma: `66,67`, `70`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self.rounded_hundredths();
        let clamped = i64::try_from(h).unwrap_or(if h < 0 { i64::MIN } else { i64::MAX });
        let approx = if i128::from(clamped) * self.den == self.num * 100 { "" } else { "≈" };
        write!(f, "{approx}{}", Points(clamped))
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.den == 1
            && let Ok(i) = i64::try_from(self.num)
        {
            return s.serialize_i64(i);
        }
        // Serialisation is for people and files, not for decisions; exact values with up to
        // 12 decimals round-trip through the shortest float printer.
        s.serialize_f64(self.num as f64 / self.den as f64)
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Number, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("một số (ví dụ 80 hoặc 84.5)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number::integer(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
                Ok(Number { num: i128::from(v), den: 1 })
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
                if !v.is_finite() {
                    return Err(E::custom("số không hữu hạn"));
                }
                // `{}` prints the shortest decimal that reads back as the same float: 84.5
                // stays "84.5", so the exact value written in the file is recovered.
                Number::parse(&format!("{v}")).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
                Number::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod exact_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn exact_text_round_trips(n in -1_000_000_000i64..1_000_000_000, d in 1i64..100_000) {
            let x = Number::ratio(i128::from(n), i128::from(d)).unwrap_or(Number::ZERO);
            prop_assert_eq!(Number::parse_exact(&x.to_exact()), Ok(x));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_parse_and_display_with_vietnamese_comma() {
        assert_eq!(Points::parse("84.5"), Ok(Points::from_hundredths(8450)));
        assert_eq!(Points::parse("84,5"), Ok(Points::from_hundredths(8450)));
        assert_eq!(Points::parse("84.5").map(|p| p.to_string()), Ok("84,5".to_string()));
        assert_eq!(Points::whole(80).to_string(), "80");
        assert_eq!(Points::from_hundredths(25).to_string(), "0,25");
        assert_eq!(Points::from_hundredths(-305).to_string(), "-3,05");
        assert!(matches!(Points::parse("1.234"), Err(NumberError::TooPrecise(_))));
        assert!(Points::parse("abc").is_err());
        assert!(Points::parse("1e3").is_err());
        assert!(Points::parse(".").is_err());
    }

    #[test]
    fn numbers_compare_exactly() {
        let two_thirds = Number::ratio(2, 3).unwrap_or(Number::ZERO);
        let hundred = Number::integer(100);
        let pct = two_thirds.checked_mul(hundred).unwrap_or(Number::ZERO);
        assert!(pct < Number::integer(67));
        assert!(pct > Number::parse("66.66").unwrap_or(Number::ZERO));
        assert_eq!(pct.to_string(), "≈66,67");
        assert_eq!(Number::ratio(7, 10).map(|n| n.to_string()), Some("0,7".to_string()));
    }
}
