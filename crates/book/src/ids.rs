//! Index newtypes and time.

use std::fmt;

/// A planning period: an index into the horizon (0 = the horizon's first month).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Period(pub u32);

/// Index of a generation in the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GenIdx(pub u16);
/// Index of a SKU in the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SkuIdx(pub u32);
/// Index of a customer in the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CustomerIdx(pub u32);
/// Index of an order in the book (its placement position).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderIdx(pub u32);
/// Index of a reservation in the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReservationIdx(pub u32);

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u8,
}

impl YearMonth {
    /// The last month a period can be written as: 9999-12 (`YYYY-MM` has four digits for the
    /// year). [`YearMonth::plus`] may go past it; such a month has no written form that reads
    /// back.
    pub const MAX: YearMonth = YearMonth {
        year: 9999,
        month: 12,
    };
    /// A month; `month` is 1-12, the year 1970-9999.
    pub fn new(year: i32, month: u8) -> Option<YearMonth> {
        ((1..=12).contains(&month) && (1970..=9999).contains(&year))
            .then_some(YearMonth { year, month })
    }
    /// The month (UTC) of an instant given in seconds since 1970-01-01; `None` outside
    /// 1970-9999. The book reads no clock: the CLI and the server pass the time in, and both
    /// take "this month" from here.
    pub fn of_unix_secs(secs: i64) -> Option<YearMonth> {
        let (y, m) = crate::civil_month(secs.div_euclid(86_400));
        YearMonth::new(y, m)
    }
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Option<YearMonth> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        YearMonth::new(y.parse().ok()?, m.parse().ok()?)
    }
    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }
    /// The month, 1-12.
    pub fn month(self) -> u8 {
        self.month
    }
    /// Months since year 0, for arithmetic.
    fn ordinal(self) -> i64 {
        self.year as i64 * 12 + (self.month as i64 - 1)
    }
    /// The month `n` months later.
    pub fn plus(self, n: u32) -> YearMonth {
        let o = self.ordinal() + n as i64;
        YearMonth {
            year: (o / 12) as i32,
            month: (o % 12 + 1) as u8,
        }
    }
    /// Whole months from `self` to `later` (negative if `later` is earlier).
    pub fn months_until(self, later: YearMonth) -> i64 {
        later.ordinal() - self.ordinal()
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The planning horizon: a first month and a number of monthly periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizon {
    start: YearMonth,
    periods: u32,
}

impl Horizon {
    /// A horizon of `periods` months from `start` (validated by `Book::new`).
    pub fn new(start: YearMonth, periods: u32) -> Horizon {
        Horizon { start, periods }
    }
    /// The first month.
    pub fn start(self) -> YearMonth {
        self.start
    }
    /// Number of periods.
    pub fn periods(self) -> u32 {
        self.periods
    }
    /// The calendar month of period `p`.
    pub fn month_of(self, p: Period) -> YearMonth {
        self.start.plus(p.0)
    }
    /// The period of a calendar month, if inside the horizon.
    pub fn period_of(self, m: YearMonth) -> Option<Period> {
        let d = self.start.months_until(m);
        (0..self.periods as i64)
            .contains(&d)
            .then_some(Period(d as u32))
    }
    /// The month just after the last period: where an exclusive end at the horizon's end falls.
    pub fn end_month(self) -> YearMonth {
        self.start.plus(self.periods)
    }
    /// Checks that every month of the horizon, and the month just after it (an exclusive end
    /// may name it), can be written `YYYY-MM`, i.e. is at most [`YearMonth::MAX`]. A book made
    /// from a file must pass it, so that it exports to a file that loads back.
    pub fn check_writable(self) -> Result<(), String> {
        if self.end_month() <= YearMonth::MAX {
            return Ok(());
        }
        let most = self.start.months_until(YearMonth::MAX).max(0);
        Err(format!(
            "{} periods from {} run past {}, the last month a period can be written as (the \
             month after the horizon, where an exclusive end may fall, counts too): from {} at \
             most {most} periods",
            self.periods,
            self.start,
            YearMonth::MAX,
            self.start
        ))
    }
    /// The month of period index `p` (which may lie past the horizon, e.g. a first ship
    /// date), if it can be written `YYYY-MM`; otherwise why not.
    pub fn writable_month(self, p: u32) -> Result<YearMonth, String> {
        let m = self.start.plus(p);
        if m <= YearMonth::MAX {
            Ok(m)
        } else {
            Err(format!(
                "period {p} is the month {m}, past {}, the last month a period can be written \
                 as: counted from {}, at most period {}",
                YearMonth::MAX,
                self.start,
                self.start.months_until(YearMonth::MAX)
            ))
        }
    }
    /// The period containing `m`, clamped into the horizon (used for "now").
    pub fn clamp_period(self, m: YearMonth) -> Period {
        Period(self.start.months_until(m).clamp(0, self.periods as i64 - 1) as u32)
    }
    /// Parses a period written as `YYYY-MM` (inside the horizon) or as a period index.
    pub fn parse_period(self, s: &str) -> Result<Period, String> {
        let s = s.trim();
        if let Some(m) = YearMonth::parse(s) {
            return self.period_of(m).ok_or_else(|| {
                format!(
                    "{m} is outside the horizon {}..{}",
                    self.start,
                    self.start.plus(self.periods - 1)
                )
            });
        }
        match s.parse::<u32>() {
            Ok(p) if p < self.periods => Ok(Period(p)),
            Ok(p) => Err(format!(
                "period {p} is outside the horizon of {} periods",
                self.periods
            )),
            Err(_) => Err(format!("{s:?} is neither YYYY-MM nor a period number")),
        }
    }
    /// Like [`Horizon::parse_period`] but also accepts the period just past the end (for exclusive ends).
    pub fn parse_period_end(self, s: &str) -> Result<Period, String> {
        let s = s.trim();
        if let Some(m) = YearMonth::parse(s) {
            let d = self.start.months_until(m);
            return if (1..=self.periods as i64).contains(&d) {
                Ok(Period(d as u32))
            } else {
                Err(format!("{m} is not an end inside the horizon"))
            };
        }
        match s.parse::<u32>() {
            Ok(p) if p <= self.periods => Ok(Period(p)),
            Ok(p) => Err(format!(
                "end period {p} is past the horizon of {} periods",
                self.periods
            )),
            Err(_) => Err(format!("{s:?} is neither YYYY-MM nor a period number")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::YearMonth;
    use crate::days_from_civil;

    fn ym(y: i32, m: u8) -> Option<YearMonth> {
        YearMonth::new(y, m)
    }

    #[test]
    fn the_month_of_an_instant_changes_at_midnight_utc_on_the_first() {
        let day = 86_400;
        assert_eq!(YearMonth::of_unix_secs(0), ym(1970, 1));
        let nov = days_from_civil(2026, 11) * day;
        assert_eq!(YearMonth::of_unix_secs(nov), ym(2026, 11));
        assert_eq!(YearMonth::of_unix_secs(nov - 1), ym(2026, 10));
        let march = days_from_civil(2028, 3) * day; // after a leap day
        assert_eq!(YearMonth::of_unix_secs(march - 1), ym(2028, 2));
        assert_eq!(YearMonth::of_unix_secs(march), ym(2028, 3));
    }

    #[test]
    fn instants_outside_1970_to_9999_have_no_month() {
        assert_eq!(YearMonth::of_unix_secs(-1), None);
        let y10k = days_from_civil(10_000, 1) * 86_400;
        assert_eq!(YearMonth::of_unix_secs(y10k - 1), ym(9999, 12));
        assert_eq!(YearMonth::of_unix_secs(y10k), None);
    }
}
