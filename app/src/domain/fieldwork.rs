//! Field work rules: the purposes of a visit, the order Jingxi suggests for a day's visits, the
//! life of a plan or a daily report between a rep and their manager, and the efficiency figures.

text_enum! {
    /// Why a rep visits a customer.
    pub enum VisitPurpose {
        Develop => "develop",
        Research => "research",
        Collection => "collection",
        Service => "service",
        Complaint => "complaint",
        TakeOrder => "take_order",
        Other => "other",
    }
}

text_enum! {
    /// Where a day's plan or report stands. A rep edits a draft or a sent-back one and submits it;
    /// their manager approves it or sends it back with a comment.
    pub enum SheetStatus {
        Draft => "draft",
        Submitted => "submitted",
        Approved => "approved",
        SentBack => "sent_back",
    }
}

text_enum! {
    pub enum SheetAction {
        Submit => "submit",
        Approve => "approve",
        SendBack => "send_back",
    }
}

text_enum! {
    /// The two sheets of a rep's day: the morning's visit plan and the evening's report.
    pub enum SheetKind {
        Plan => "plan",
        Report => "report",
    }
}

text_enum! {
    /// How the rep spent the day, as the report states it.
    pub enum Attendance {
        Present => "present",
        HalfDay => "half_day",
        Leave => "leave",
    }
}

text_enum! {
    pub enum ExpenseKind {
        Travel => "travel",
        Meal => "meal",
        Lodging => "lodging",
        Gift => "gift",
        Other => "other",
    }
}

/// Company rules of field work, set by an administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FieldRules {
    /// The report is due by this many minutes after midnight of its day (default 19:00).
    pub report_due_minutes: u32,
}

impl Default for FieldRules {
    fn default() -> Self {
        FieldRules {
            report_due_minutes: 19 * 60,
        }
    }
}

impl FieldRules {
    pub fn due_at(&self, day: chrono::NaiveDate) -> chrono::NaiveDateTime {
        day.and_hms_opt(0, 0, 0).unwrap_or_default()
            + chrono::Duration::minutes(i64::from(self.report_due_minutes))
    }

    /// A report is late when it was submitted after the due time, or is still not submitted once
    /// the due time has passed (all times local).
    pub fn report_late(
        &self,
        day: chrono::NaiveDate,
        submitted_at: Option<chrono::NaiveDateTime>,
        now: chrono::NaiveDateTime,
    ) -> bool {
        let due = self.due_at(day);
        match submitted_at {
            Some(at) => at > due,
            None => now > due,
        }
    }
}

/// `"19:00"` as minutes after midnight.
pub fn parse_clock(text: &str) -> Option<u32> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours < 24 && minutes < 60 && !text.trim().starts_with('+')).then_some(hours * 60 + minutes)
}

pub fn clock_text(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The share of a month's target that falls on one working day (Monday to Friday) of that month,
/// rounded half up; a weekend day or a month without target has none.
pub fn day_target(month_target: i64, day: chrono::NaiveDate) -> i64 {
    use chrono::Datelike;
    let is_working = |d: chrono::NaiveDate| d.weekday().number_from_monday() <= 5;
    if !is_working(day) {
        return 0;
    }
    let first = day.with_day(1).unwrap_or(day);
    let working = first
        .iter_days()
        .take_while(|d| d.month() == day.month())
        .filter(|d| is_working(*d))
        .count() as i64;
    ratio(month_target, working, 1).unwrap_or(0)
}

/// Why a plan or report cannot move as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetError {
    /// Only a draft or a sent-back sheet is submitted, only a submitted one approved or sent back.
    WrongStatus,
    /// Nobody approves their own sheet.
    OwnSheet,
    /// Approving and sending back are a manager's, submitting the author's.
    NotTheirs,
}

/// The next status of a sheet, if `action` is allowed from `status` for this person.
pub fn next_status(
    status: SheetStatus,
    action: SheetAction,
    is_author: bool,
    leads_author: bool,
) -> Result<SheetStatus, SheetError> {
    match action {
        SheetAction::Submit if !is_author => Err(SheetError::NotTheirs),
        SheetAction::Submit => match status {
            SheetStatus::Draft | SheetStatus::SentBack => Ok(SheetStatus::Submitted),
            _ => Err(SheetError::WrongStatus),
        },
        SheetAction::Approve | SheetAction::SendBack if is_author => Err(SheetError::OwnSheet),
        SheetAction::Approve | SheetAction::SendBack if !leads_author => Err(SheetError::NotTheirs),
        SheetAction::Approve | SheetAction::SendBack if status != SheetStatus::Submitted => {
            Err(SheetError::WrongStatus)
        }
        SheetAction::Approve => Ok(SheetStatus::Approved),
        SheetAction::SendBack => Ok(SheetStatus::SentBack),
    }
}

/// A planned visit as the suggestion sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    pub district: String,
    /// Latitude and longitude in degrees, where the customer has them.
    pub at: Option<(f64, f64)>,
}

/// Great-circle distance in kilometres.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1, lat2, lon2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// Nearest neighbour from the first located stop; stops without coordinates keep their order after.
fn nearest_neighbour(stops: &[Stop], indices: Vec<usize>) -> Vec<usize> {
    let (mut located, unlocated): (Vec<usize>, Vec<usize>) =
        indices.into_iter().partition(|&i| stops[i].at.is_some());
    let mut route = Vec::with_capacity(located.len() + unlocated.len());
    if !located.is_empty() {
        let mut current = located.remove(0);
        route.push(current);
        while !located.is_empty() {
            let here = stops[current].at.unwrap_or_default();
            let (position, _) = located
                .iter()
                .enumerate()
                .map(|(position, &i)| {
                    (position, distance_km(here, stops[i].at.unwrap_or_default()))
                })
                .fold((0, f64::INFINITY), |best, candidate| {
                    if candidate.1 < best.1 {
                        candidate
                    } else {
                        best
                    }
                });
            current = located.remove(position);
            route.push(current);
        }
    }
    route.extend(unlocated);
    route
}

/// The order Jingxi suggests for a day's visits (indices into `stops`): visits grouped by district
/// in the order the districts first appear, and within a district a short route by nearest
/// neighbour where the customers have coordinates.
pub fn suggested_order(stops: &[Stop]) -> Vec<usize> {
    let mut districts: Vec<&str> = Vec::new();
    for stop in stops {
        if !districts.contains(&stop.district.as_str()) {
            districts.push(&stop.district);
        }
    }
    districts
        .into_iter()
        .flat_map(|district| {
            nearest_neighbour(
                stops,
                (0..stops.len())
                    .filter(|&i| stops[i].district == district)
                    .collect(),
            )
        })
        .collect()
}

/// What a rep (team, company) did in the field over some days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldFigures {
    /// Days with a plan or a check-in.
    pub days: i64,
    pub planned_visits: i64,
    /// Planned visits that were checked in.
    pub planned_done: i64,
    /// All visits checked in (planned or not).
    pub visits: i64,
    pub cost_fen: i64,
    pub orders: i64,
    pub sales_fen: i64,
    pub new_customers: i64,
}

impl std::ops::AddAssign for FieldFigures {
    fn add_assign(&mut self, other: FieldFigures) {
        self.days += other.days;
        self.planned_visits += other.planned_visits;
        self.planned_done += other.planned_done;
        self.visits += other.visits;
        self.cost_fen += other.cost_fen;
        self.orders += other.orders;
        self.sales_fen += other.sales_fen;
        self.new_customers += other.new_customers;
    }
}

/// `numerator × scale ÷ denominator`, rounded half up; None without a denominator.
fn ratio(numerator: i64, denominator: i64, scale: i64) -> Option<i64> {
    (denominator > 0)
        .then(|| {
            (i128::from(numerator) * i128::from(scale) * 2 + i128::from(denominator))
                / (i128::from(denominator) * 2)
        })
        .map(|v| v as i64)
}

impl FieldFigures {
    /// Visits per day in tenths.
    pub fn visits_per_day_tenths(&self) -> Option<i64> {
        ratio(self.visits, self.days, 10)
    }
    /// Planned visits done, in basis points.
    pub fn plan_completion_bp(&self) -> Option<i64> {
        ratio(self.planned_done, self.planned_visits, 10_000)
    }
    pub fn cost_per_visit_fen(&self) -> Option<i64> {
        ratio(self.cost_fen, self.visits, 1)
    }
    /// Orders per visit in basis points (of an order).
    pub fn orders_per_visit_bp(&self) -> Option<i64> {
        ratio(self.orders, self.visits, 10_000)
    }
    pub fn sales_per_visit_fen(&self) -> Option<i64> {
        ratio(self.sales_fen, self.visits, 1)
    }
    /// New customers per visit in basis points.
    pub fn new_customers_per_visit_bp(&self) -> Option<i64> {
        ratio(self.new_customers, self.visits, 10_000)
    }
}

/// The periods of a roll-up between two days: ISO weeks (Monday to Sunday) or calendar months,
/// the first and last clipped to the range.
pub fn roll_up_periods(
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    monthly: bool,
) -> Vec<(chrono::NaiveDate, chrono::NaiveDate)> {
    use chrono::Datelike;
    let mut periods = Vec::new();
    let mut start = from;
    while start <= to {
        let end = if monthly {
            let next_month = if start.month() == 12 {
                chrono::NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
            } else {
                chrono::NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
            };
            next_month.map_or(to, |d| d - chrono::Duration::days(1))
        } else {
            start + chrono::Duration::days(6 - i64::from(start.weekday().num_days_from_monday()))
        };
        let end = end.min(to);
        periods.push((start, end));
        start = end + chrono::Duration::days(1);
    }
    periods
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_plan_goes_from_the_rep_to_the_manager_and_back() {
        use SheetAction::*;
        use SheetStatus::*;
        assert_eq!(next_status(Draft, Submit, true, false), Ok(Submitted));
        assert_eq!(next_status(Submitted, Approve, false, true), Ok(Approved));
        assert_eq!(next_status(Submitted, SendBack, false, true), Ok(SentBack));
        assert_eq!(
            next_status(SentBack, Submit, true, false),
            Ok(Submitted),
            "fixed and sent again"
        );
        assert_eq!(
            next_status(Submitted, Approve, true, true),
            Err(SheetError::OwnSheet),
            "a manager's own plan goes to their manager"
        );
        assert_eq!(
            next_status(Submitted, Approve, false, false),
            Err(SheetError::NotTheirs)
        );
        assert_eq!(
            next_status(Draft, Approve, false, true),
            Err(SheetError::WrongStatus),
            "nothing to approve yet"
        );
        assert_eq!(
            next_status(Approved, Submit, true, false),
            Err(SheetError::WrongStatus)
        );
        assert_eq!(
            next_status(Draft, Submit, false, true),
            Err(SheetError::NotTheirs),
            "a manager does not submit for a rep"
        );
    }

    fn stop(district: &str, at: Option<(f64, f64)>) -> Stop {
        Stop {
            district: district.into(),
            at,
        }
    }

    #[test]
    fn visits_are_grouped_by_district_then_chained_by_distance() {
        // 浦东: A far east, B near the start, C between; 徐汇 in between the 浦东 stops as entered.
        let stops = vec![
            stop("浦东新区", Some((31.22, 121.54))),
            stop("徐汇区", Some((31.19, 121.44))),
            stop("浦东新区", Some((31.20, 121.80))),
            stop("浦东新区", Some((31.23, 121.55))),
            stop("浦东新区", None),
            stop("浦东新区", Some((31.21, 121.65))),
        ];
        assert_eq!(suggested_order(&stops), vec![0, 3, 5, 2, 4, 1]);
    }

    #[test]
    fn distances_are_roughly_right() {
        // People's Square to Lujiazui is about 4 km.
        let d = distance_km((31.2304, 121.4737), (31.2397, 121.4998));
        assert!((2.0..4.5).contains(&d), "{d}");
        assert_eq!(distance_km((31.0, 121.0), (31.0, 121.0)), 0.0);
    }

    #[test]
    fn efficiency_is_rounded_and_undefined_without_visits() {
        let week = FieldFigures {
            days: 5,
            planned_visits: 20,
            planned_done: 15,
            visits: 18,
            cost_fen: 900_00,
            orders: 3,
            sales_fen: 54_000_00,
            new_customers: 1,
        };
        assert_eq!(week.visits_per_day_tenths(), Some(36));
        assert_eq!(week.plan_completion_bp(), Some(7500));
        assert_eq!(week.cost_per_visit_fen(), Some(50_00));
        assert_eq!(week.orders_per_visit_bp(), Some(1667));
        assert_eq!(week.sales_per_visit_fen(), Some(3_000_00));
        assert_eq!(week.new_customers_per_visit_bp(), Some(556));
        assert_eq!(FieldFigures::default().cost_per_visit_fen(), None);
    }

    #[test]
    fn a_report_is_late_after_the_due_time() {
        let rules = FieldRules::default();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let at = |h: u32, m: u32| day.and_hms_opt(h, m, 0).unwrap();
        assert!(!rules.report_late(day, None, at(18, 59)), "not due yet");
        assert!(
            rules.report_late(day, None, at(19, 1)),
            "missing after 19:00"
        );
        assert!(
            !rules.report_late(day, Some(at(18, 30)), at(23, 0)),
            "in on time"
        );
        assert!(
            rules.report_late(day, Some(at(20, 0)), at(23, 0)),
            "in late"
        );
        assert!(
            rules.report_late(day, None, at(0, 0) + chrono::Duration::days(1)),
            "the next morning"
        );
    }

    #[test]
    fn clock_times_parse_strictly() {
        assert_eq!(parse_clock("19:00"), Some(1140));
        assert_eq!(parse_clock(" 7:05 "), Some(425));
        assert_eq!(parse_clock("24:00"), None);
        assert_eq!(parse_clock("18:60"), None);
        assert_eq!(parse_clock("1900"), None);
        assert_eq!(parse_clock("+1:00"), None);
        assert_eq!(clock_text(1140), "19:00");
    }

    #[test]
    fn a_working_day_carries_its_share_of_the_month() {
        // November 2026 has 21 working days; the 21st is a Saturday.
        let monday = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(day_target(21_000_00, monday), 1_000_00);
        assert_eq!(
            day_target(10_00, monday),
            48,
            "10 yuan over 21 days, rounded"
        );
        assert_eq!(
            day_target(
                21_000_00,
                chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
            ),
            0
        );
    }

    #[test]
    fn roll_ups_follow_weeks_and_months() {
        let d = |m: u32, day: u32| chrono::NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        // 2026-11-04 is a Wednesday.
        assert_eq!(
            roll_up_periods(d(11, 4), d(11, 20), false),
            vec![
                (d(11, 4), d(11, 8)),
                (d(11, 9), d(11, 15)),
                (d(11, 16), d(11, 20))
            ]
        );
        assert_eq!(
            roll_up_periods(d(10, 15), d(12, 3), true),
            vec![
                (d(10, 15), d(10, 31)),
                (d(11, 1), d(11, 30)),
                (d(12, 1), d(12, 3))
            ]
        );
        assert!(roll_up_periods(d(11, 5), d(11, 4), true).is_empty());
    }

    proptest! {
        #[test]
        fn roll_up_periods_tile_the_range(start in 0i64..800, length in 0i64..400, monthly: bool) {
            let from = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Duration::days(start);
            let to = from + chrono::Duration::days(length);
            let periods = roll_up_periods(from, to, monthly);
            prop_assert_eq!(periods.first().map(|p| p.0), Some(from));
            prop_assert_eq!(periods.last().map(|p| p.1), Some(to));
            for pair in periods.windows(2) {
                prop_assert_eq!(pair[0].1 + chrono::Duration::days(1), pair[1].0);
            }
            for (first, last) in &periods {
                prop_assert!(first <= last);
                let longest = if monthly { 31 } else { 7 };
                prop_assert!((*last - *first).num_days() < longest);
            }
        }

        #[test]
        fn the_suggestion_visits_every_stop_once(districts in proptest::collection::vec((0u8..4, proptest::option::of((30.0f64..32.0, 120.0f64..122.0))), 0..30)) {
            let stops: Vec<Stop> = districts.iter().map(|(d, at)| Stop { district: format!("区{d}"), at: *at }).collect();
            let mut order = suggested_order(&stops);
            // A district's stops are consecutive.
            let names: Vec<&str> = order.iter().map(|&i| stops[i].district.as_str()).collect();
            let mut seen: Vec<&str> = Vec::new();
            for (position, name) in names.iter().enumerate() {
                if position == 0 || names[position - 1] != *name {
                    prop_assert!(!seen.contains(name), "{name} split");
                    seen.push(name);
                }
            }
            order.sort_unstable();
            prop_assert_eq!(order, (0..stops.len()).collect::<Vec<_>>());
        }

        #[test]
        fn figures_add_up(a in 0i64..1000, b in 0i64..1000) {
            let mut total = FieldFigures { visits: a, ..Default::default() };
            total += FieldFigures { visits: b, ..Default::default() };
            prop_assert_eq!(total.visits, a + b);
        }
    }
}
