//! Customer rules: the ladder, promotion suggestions, new/old customers, duplicate detection keys
//! and when a neglected customer goes back to the lead pool.
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

text_enum! {
    /// The customer ladder (客户阶梯), plus the two states outside it.
    pub enum LadderStage {
        Target => "target",
        Potential => "potential",
        Prospect => "prospect",
        Customer => "customer",
        Vip => "vip",
        Dormant => "dormant",
        Lost => "lost",
    }
}

text_enum! {
    pub enum FollowUpKind {
        Visit => "visit",
        Call => "call",
        Message => "message",
        Email => "email",
        Demo => "demo",
        Event => "event",
        QuoteSent => "quote_sent",
        Collection => "collection",
        Service => "service",
        Complaint => "complaint",
        Other => "other",
    }
}

text_enum! {
    /// How likely the customer is to buy, as judged after a follow-up.
    pub enum Intent {
        High => "high",
        Medium => "medium",
        Low => "low",
        None => "none",
    }
}

text_enum! {
    /// Where a customer came from.
    pub enum Source {
        Referral => "referral",
        Exhibition => "exhibition",
        Web => "web",
        ColdCall => "cold_call",
        Partner => "partner",
        Advertising => "advertising",
        Other => "other",
    }
}

text_enum! {
    /// A contact's part in the buying decision.
    pub enum BuyingRole {
        DecisionMaker => "decision_maker",
        Influencer => "influencer",
        User => "user",
        Gatekeeper => "gatekeeper",
        Other => "other",
    }
}

text_enum! {
    /// Descriptive fields of the customer file (客户资料卡), stored together as one JSON object
    /// because nothing filters on them; filterable fields (industry, region, source) are columns.
    pub enum ProfileField {
        LegalRep => "legal_rep",
        DecisionMaker => "decision_maker",
        OrgForm => "org_form",
        Founded => "founded",
        Employees => "employees",
        RevenueBand => "revenue_band",
        ServiceArea => "service_area",
        SalesCapacity => "sales_capacity",
        GrowthPotential => "growth_potential",
        BusinessFocus => "business_focus",
        CooperationAttitude => "cooperation_attitude",
        CompetitorRelations => "competitor_relations",
        ManagementQuality => "management_quality",
    }
}

text_enum! {
    /// The three parts of the customer file the profile fields belong to.
    pub enum ProfileSection {
        Basic => "basic",
        Characteristics => "characteristics",
        BusinessStatus => "business_status",
    }
}

impl ProfileField {
    pub const MAX_CHARS: usize = 200;

    pub fn section(self) -> ProfileSection {
        use ProfileField::*;
        match self {
            LegalRep | DecisionMaker | OrgForm | Founded | Employees | RevenueBand => {
                ProfileSection::Basic
            }
            ServiceArea | SalesCapacity | GrowthPotential | BusinessFocus => {
                ProfileSection::Characteristics
            }
            CooperationAttitude | CompetitorRelations | ManagementQuality => {
                ProfileSection::BusinessStatus
            }
        }
    }
}

text_enum! {
    /// Orders of the customer list; `Neglected` puts the longest without a follow-up first.
    pub enum CustomerSort {
        Updated => "updated",
        Name => "name",
        Neglected => "neglected",
        Created => "created",
    }
}

/// Everything a customer search looks through, in one lower-cased text: names, pinyin initials,
/// phone digits and each contact's name and phone digits. Fields are separated by a newline, which
/// no search needle contains, so a match never spans two fields.
pub fn search_text(
    name: &str,
    short_name: &str,
    initials: &str,
    phone: &str,
    contacts: &[(&str, &str)],
) -> String {
    let mut parts = vec![
        name.to_lowercase(),
        short_name.to_lowercase(),
        initials.to_lowercase(),
        phone_key(phone),
    ];
    for (contact, contact_phone) in contacts {
        parts.push(contact.to_lowercase());
        parts.push(phone_key(contact_phone));
    }
    parts.retain(|p| !p.is_empty());
    parts.join("\n")
}

/// The longest search looked for: a longer one (pasted by mistake or sent to load the server)
/// is cut to its first this many characters.
pub const MAX_SEARCH_CHARS: usize = 100;

/// What to look for in `search_text`: a phone number typed with spaces or dashes becomes its
/// digits; anything else is trimmed and lower-cased. None for an empty search. At most
/// `MAX_SEARCH_CHARS` characters.
pub fn search_needle(query: &str) -> Option<String> {
    let query: String = query.trim().chars().take(MAX_SEARCH_CHARS).collect();
    let query = query.trim();
    if query.is_empty() {
        return None;
    }
    let phone_like = query
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')'));
    let digits = phone_key(query);
    if phone_like && digits.len() >= 4 {
        return Some(digits);
    }
    Some(query.replace('\n', " ").to_lowercase())
}

/// Tags as typed ("重点, 华南；展会") become a clean comma-separated list: trimmed, deduplicated,
/// in the order first given.
pub fn normalise_tags(raw: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw
        .split([',', '，', ';', '；', '、'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_string());
        }
    }
    tags
}

impl LadderStage {
    /// Stages where the customer has bought from us.
    pub fn has_bought(self) -> bool {
        matches!(
            self,
            LadderStage::Customer | LadderStage::Vip | LadderStage::Dormant
        )
    }
}

/// Configurable thresholds for promotion suggestions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LadderRules {
    /// Trailing-12-month sales (fen) at or above which a customer is suggested for VIP.
    pub vip_threshold_fen: i64,
    /// Months without an order after which a buying customer is suggested as dormant.
    pub dormant_after_months: u32,
    /// A customer whose first order is within this many months counts as new.
    pub new_customer_months: u32,
}

impl Default for LadderRules {
    fn default() -> Self {
        LadderRules {
            vip_threshold_fen: 100_000_000,
            dormant_after_months: 6,
            new_customer_months: 12,
        }
    }
}

/// What the rules look at for one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    pub first_order: Option<NaiveDate>,
    pub last_order: Option<NaiveDate>,
    pub trailing_12_months_fen: i64,
}

fn months_before(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(months))
        .unwrap_or(NaiveDate::MIN)
}

/// Why a customer's ladder stage changed or is suggested to change. Kept with the stage event, so
/// the timeline says why as well as who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LadderReason {
    /// The first won order, on this date.
    FirstOrder(NaiveDate),
    /// Sales over the last 12 months, in fen, reached the VIP threshold.
    TrailingSales(i64),
    /// The last order was on this date, longer ago than the dormancy period.
    NoOrderSince(NaiveDate),
    /// A person's own words.
    Note(String),
}

impl LadderReason {
    fn encode(&self) -> String {
        match self {
            LadderReason::FirstOrder(on) => format!("first_order:{on}"),
            LadderReason::TrailingSales(fen) => format!("sales_12m:{fen}"),
            LadderReason::NoOrderSince(on) => format!("no_order_since:{on}"),
            LadderReason::Note(text) => format!("note:{text}"),
        }
    }

    fn decode(code: &str) -> Option<Self> {
        let (kind, value) = code.split_once(':')?;
        let date = || value.parse::<NaiveDate>().ok();
        match kind {
            "first_order" => date().map(LadderReason::FirstOrder),
            "sales_12m" => value.parse().ok().map(LadderReason::TrailingSales),
            "no_order_since" => date().map(LadderReason::NoOrderSince),
            "note" => Some(LadderReason::Note(value.to_string())),
            _ => None,
        }
    }
}

/// A stage change as it is stored in the customer's history: `from→to`, then `|` and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageChange {
    pub from: LadderStage,
    pub to: LadderStage,
    pub reason: Option<LadderReason>,
}

impl StageChange {
    pub fn encode(&self) -> String {
        let stages = format!("{}→{}", self.from.as_str(), self.to.as_str());
        match &self.reason {
            Some(reason) => format!("{stages}|{}", reason.encode()),
            None => stages,
        }
    }

    /// Events written before reasons were kept have no `|` part; both read back.
    pub fn decode(detail: &str) -> Option<Self> {
        let (stages, reason) = match detail.split_once('|') {
            Some((stages, reason)) => (stages, LadderReason::decode(reason)),
            None => (detail, None),
        };
        let (from, to) = stages.split_once('→')?;
        Some(StageChange {
            from: LadderStage::parse(from)?,
            to: LadderStage::parse(to)?,
            reason,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LadderSuggestion {
    pub stage: LadderStage,
    pub reason: LadderReason,
}

/// The stage the rules suggest, with the fact behind it, if it differs from `current`. Lost is
/// only ever set by a person.
pub fn suggested_stage(
    current: LadderStage,
    facts: &OrderFacts,
    rules: &LadderRules,
    today: NaiveDate,
) -> Option<LadderSuggestion> {
    if current == LadderStage::Lost {
        return None;
    }
    let (Some(first_order), Some(last_order)) = (facts.first_order, facts.last_order) else {
        return None; // no orders: moving along the early ladder is the rep's judgement
    };
    let suggestion = if last_order < months_before(today, rules.dormant_after_months) {
        LadderSuggestion {
            stage: LadderStage::Dormant,
            reason: LadderReason::NoOrderSince(last_order),
        }
    } else if facts.trailing_12_months_fen >= rules.vip_threshold_fen {
        LadderSuggestion {
            stage: LadderStage::Vip,
            reason: LadderReason::TrailingSales(facts.trailing_12_months_fen),
        }
    } else if current == LadderStage::Vip {
        return None; // demotion from VIP is a manager's call, not a rule's
    } else if current == LadderStage::Dormant {
        // Buying again: the order that woke the customer up is the reason.
        LadderSuggestion {
            stage: LadderStage::Customer,
            reason: LadderReason::TrailingSales(facts.trailing_12_months_fen),
        }
    } else {
        LadderSuggestion {
            stage: LadderStage::Customer,
            reason: LadderReason::FirstOrder(first_order),
        }
    };
    (suggestion.stage != current).then_some(suggestion)
}

pub fn is_new_customer(
    first_order: Option<NaiveDate>,
    rules: &LadderRules,
    today: NaiveDate,
) -> bool {
    first_order.is_some_and(|first| first >= months_before(today, rules.new_customer_months))
}

/// Legal-form words that differ between spellings of the same company.
const COMPANY_SUFFIXES: [&str; 12] = [
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "分公司",
    "集团",
    "公司",
    "coltd",
    "co",
    "ltd",
    "inc",
    "limited",
];

/// A comparison key for company names: no spaces or punctuation (full- or half-width), lower
/// case, legal-form suffixes removed. "上海华力（集团）有限公司" and "上海华力集团" share a key.
pub fn company_name_key(name: &str) -> String {
    let mut key: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .collect();
    loop {
        let before = key.len();
        for suffix in COMPANY_SUFFIXES {
            if key.len() > suffix.len() && key.ends_with(suffix) {
                key.truncate(key.len() - suffix.len());
            }
        }
        if key.len() == before {
            return key;
        }
    }
}

/// Digits only, without China's country code, so "+86 138-0013-8000" matches "13800138000".
pub fn phone_key(phone: &str) -> String {
    let digits: String = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    match digits.strip_prefix("86") {
        Some(rest) if digits.len() == 13 => rest.to_string(),
        _ => digits,
    }
}

/// Tax ids (统一社会信用代码) compared without spaces, upper case.
pub fn tax_id_key(tax_id: &str) -> String {
    tax_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Whether an owned customer goes back to the pool: no follow-up by the owner for `days` days,
/// counted from the later of the last follow-up and the day the owner got the customer.
pub fn pool_return_due(
    last_follow_up: Option<DateTime<Utc>>,
    owned_since: DateTime<Utc>,
    now: DateTime<Utc>,
    days: u32,
) -> bool {
    let last_touch = last_follow_up.map_or(owned_since, |f| f.max(owned_since));
    now - last_touch >= chrono::Duration::days(i64::from(days))
}

/// Which follow-ups of a history logged in this order have their next step settled: a follow-up
/// settles the same author's open next steps on the same customer planned at or before it, as
/// when each was logged by hand one after the other. Each entry is (who on whom, when, whether
/// it plans a next step); the answer is true for entries with nothing left to do.
pub fn settled_next_steps<K: Eq + std::hash::Hash, T: PartialOrd + Copy>(
    history: &[(K, T, bool)],
) -> Vec<bool> {
    let mut latest_after: std::collections::HashMap<&K, T> = std::collections::HashMap::new();
    let mut settled = vec![false; history.len()];
    for (index, (key, at, plans_next)) in history.iter().enumerate().rev() {
        let later = latest_after.get(key).copied();
        settled[index] = !plans_next || later.is_some_and(|later| *at <= later);
        if later.is_none_or(|later| later < *at) {
            latest_after.insert(key, *at);
        }
    }
    settled
}

/// What a customer holds, and so what merging it into another moves (shown before the merge is
/// confirmed, and recorded in the audit log after).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCounts {
    pub deals: u64,
    pub quotes: u64,
    pub contracts: u64,
    pub orders: u64,
    pub order_fen: i64,
    pub payments: u64,
    pub payment_fen: i64,
    pub visits: u64,
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_later_follow_up_by_the_same_author_settles_the_next_step() {
        // (author and customer, day, plans a next step)
        let history = [
            ("a", 5, true),
            ("a", 3, true), // earlier than the first: settles nothing of it
            ("b", 9, true), // someone else
            ("a", 7, false),
            ("a", 7, true),
        ];
        assert_eq!(
            settled_next_steps(&history),
            [true, true, false, true, false],
            "5 and 3 are settled by the 7s; the last 7 and b's step stay open"
        );
        assert!(settled_next_steps::<&str, i32>(&[]).is_empty());
    }
    #[test]
    fn search_text_holds_names_initials_and_phone_digits_of_customer_and_contacts() {
        let text = search_text(
            "上海华力机电有限公司",
            "华力",
            "shhljdyxgs",
            "+86 021-6888 1234",
            &[("李经理", "138-0013-8000"), ("Wang Fang", "")],
        );
        assert_eq!(
            text,
            "上海华力机电有限公司\n华力\nshhljdyxgs\n02168881234\n李经理\n13800138000\nwang fang"
        );
        for (query, expected) in [
            ("1380013", "1380013"),
            ("138-0013", "1380013"),
            (" 华力 ", "华力"),
            ("SHHL", "shhl"),
            ("No.8", "no.8"),
            ("12", "12"),
        ] {
            let needle = search_needle(query).unwrap();
            assert_eq!(needle, expected, "{query}");
        }
        assert!(text.contains(&search_needle("138 0013").unwrap()));
        assert!(text.contains(&search_needle("wang").unwrap()));
        assert_eq!(search_needle("  "), None);
        assert_eq!(
            search_needle(&"长".repeat(500)).unwrap().chars().count(),
            MAX_SEARCH_CHARS
        );
    }

    #[test]
    fn tags_are_split_on_chinese_and_latin_separators_and_deduplicated() {
        assert_eq!(
            normalise_tags(" 重点, 华南；展会、重点 ,, "),
            vec!["重点", "华南", "展会"]
        );
        assert!(normalise_tags(" , ；").is_empty());
    }

    #[test]
    fn every_profile_field_has_a_section() {
        let basic = ProfileField::ALL
            .iter()
            .filter(|f| f.section() == ProfileSection::Basic)
            .count();
        assert_eq!(basic, 6);
        assert_eq!(
            ProfileField::parse("management_quality").map(ProfileField::section),
            Some(ProfileSection::BusinessStatus)
        );
    }

    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn facts(first: Option<NaiveDate>, last: Option<NaiveDate>, sales: i64) -> OrderFacts {
        OrderFacts {
            first_order: first,
            last_order: last,
            trailing_12_months_fen: sales,
        }
    }

    #[test]
    fn ladder_suggestions() {
        let rules = LadderRules::default();
        let today = day(2026, 11, 22);
        let recent = Some(day(2026, 10, 1));
        let table = [
            (
                LadderStage::Prospect,
                facts(recent, recent, 5_000_00),
                Some(LadderStage::Customer),
            ),
            (
                LadderStage::Potential,
                facts(recent, recent, 5_000_00),
                Some(LadderStage::Customer),
            ),
            (LadderStage::Customer, facts(recent, recent, 5_000_00), None),
            (
                LadderStage::Customer,
                facts(recent, recent, rules.vip_threshold_fen),
                Some(LadderStage::Vip),
            ),
            (LadderStage::Vip, facts(recent, recent, 10), None),
            (
                LadderStage::Customer,
                facts(recent, Some(day(2026, 5, 21)), 0),
                Some(LadderStage::Dormant),
            ),
            (
                LadderStage::Dormant,
                facts(recent, recent, 100),
                Some(LadderStage::Customer),
            ),
            (LadderStage::Target, facts(None, None, 0), None),
            (LadderStage::Lost, facts(recent, recent, 5_000_00), None),
        ];
        for (current, facts, expected) in table {
            assert_eq!(
                suggested_stage(current, &facts, &rules, today).map(|s| s.stage),
                expected,
                "{current:?} {facts:?}"
            );
        }
    }

    #[test]
    fn suggestions_name_the_fact_behind_them() {
        let rules = LadderRules::default();
        let today = day(2026, 11, 22);
        let first = day(2026, 10, 1);
        let suggest = |current, last, sales| {
            suggested_stage(
                current,
                &facts(Some(first), Some(last), sales),
                &rules,
                today,
            )
            .map(|s| s.reason)
        };
        assert_eq!(
            suggest(LadderStage::Prospect, first, 10),
            Some(LadderReason::FirstOrder(first))
        );
        assert_eq!(
            suggest(LadderStage::Customer, first, rules.vip_threshold_fen + 1),
            Some(LadderReason::TrailingSales(rules.vip_threshold_fen + 1))
        );
        let long_ago = day(2026, 3, 1);
        assert_eq!(
            suggested_stage(
                LadderStage::Vip,
                &facts(Some(long_ago), Some(long_ago), 0),
                &rules,
                today
            )
            .map(|s| s.reason),
            Some(LadderReason::NoOrderSince(long_ago))
        );
    }

    #[test]
    fn stage_changes_round_trip_with_and_without_reasons() {
        let changes = [
            StageChange {
                from: LadderStage::Prospect,
                to: LadderStage::Customer,
                reason: Some(LadderReason::FirstOrder(day(2026, 1, 2))),
            },
            StageChange {
                from: LadderStage::Customer,
                to: LadderStage::Vip,
                reason: Some(LadderReason::TrailingSales(123_456_78)),
            },
            StageChange {
                from: LadderStage::Vip,
                to: LadderStage::Dormant,
                reason: Some(LadderReason::NoOrderSince(day(2025, 12, 31))),
            },
            StageChange {
                from: LadderStage::Target,
                to: LadderStage::Lost,
                reason: Some(LadderReason::Note("换了供应商 | 价格→低".into())),
            },
            StageChange {
                from: LadderStage::Target,
                to: LadderStage::Potential,
                reason: None,
            },
        ];
        for change in changes {
            assert_eq!(
                StageChange::decode(&change.encode()),
                Some(change.clone()),
                "{}",
                change.encode()
            );
        }
        assert_eq!(
            StageChange::decode("target→potential").map(|c| c.to),
            Some(LadderStage::Potential),
            "events from before reasons"
        );
        assert_eq!(StageChange::decode("target→nowhere"), None);
    }

    #[test]
    fn new_customers_ordered_first_within_the_window() {
        let rules = LadderRules::default();
        let today = day(2026, 11, 22);
        assert!(is_new_customer(Some(day(2025, 11, 22)), &rules, today));
        assert!(!is_new_customer(Some(day(2025, 11, 21)), &rules, today));
        assert!(!is_new_customer(None, &rules, today));
    }

    #[test]
    fn company_names_match_across_spellings() {
        let key = company_name_key("上海华力（集团）有限公司");
        assert_eq!(key, "上海华力");
        assert_eq!(company_name_key("上海华力集团"), key);
        assert_eq!(company_name_key(" 上海 华力 股份有限公司 "), key);
        assert_eq!(company_name_key("Acme Co., Ltd."), "acme");
        assert_eq!(
            company_name_key("公司"),
            "公司",
            "a name that is only a suffix keeps it"
        );
    }

    #[test]
    fn phone_and_tax_keys() {
        assert_eq!(phone_key("+86 138-0013-8000"), "13800138000");
        assert_eq!(phone_key("021-6234 5678"), "02162345678");
        assert_eq!(tax_id_key("91310000 mA1fl0ab1x"), "91310000MA1FL0AB1X");
    }

    #[test]
    fn neglected_customers_return_to_the_pool() {
        let at = |d: u32| {
            DateTime::parse_from_rfc3339(&format!("2026-11-{d:02}T09:00:00Z"))
                .unwrap()
                .with_timezone(&Utc)
        };
        assert!(pool_return_due(Some(at(1)), at(1), at(22), 21));
        assert!(!pool_return_due(Some(at(2)), at(1), at(22), 21));
        assert!(
            !pool_return_due(None, at(5), at(22), 21),
            "counted from when the rep got the customer"
        );
        assert!(pool_return_due(None, at(1), at(22), 21));
        assert!(
            !pool_return_due(Some(at(1)), at(10), at(22), 21),
            "an old follow-up by someone else does not count"
        );
    }

    #[test]
    fn stages_round_trip() {
        for &stage in LadderStage::ALL {
            assert_eq!(LadderStage::parse(stage.as_str()), Some(stage));
        }
    }

    proptest! {
        #[test]
        fn settling_in_one_pass_agrees_with_logging_one_by_one(
            history in proptest::collection::vec((0u8..3, 0u8..6, any::<bool>()), 0..40)
        ) {
            // Logging one by one: each new entry settles the open, no later, entries of its key.
            let mut open: Vec<bool> = Vec::new();
            for (index, (key, at, plans_next)) in history.iter().enumerate() {
                for earlier in 0..index {
                    let (k, t, _) = history[earlier];
                    if k == *key && t <= *at {
                        open[earlier] = false;
                    }
                }
                open.push(*plans_next);
            }
            let settled: Vec<bool> = open.iter().map(|o| !o).collect();
            prop_assert_eq!(settled_next_steps(&history), settled);
        }
        #[test]
        fn name_keys_ignore_spacing_and_punctuation(name in "[\u{4e00}-\u{9fa5}a-z]{1,12}", spaces in 0usize..4) {
            let spaced: String = name.chars().flat_map(|c| std::iter::once(c).chain(std::iter::repeat_n(' ', spaces))).collect();
            prop_assert_eq!(company_name_key(&spaced), company_name_key(&name));
            prop_assert_eq!(company_name_key(&format!("{name}有限公司")), company_name_key(&name));
        }

        #[test]
        fn suggestions_never_touch_lost_customers(sales in 0i64..10_000_000_000, months_ago in 0u32..30) {
            let today = day(2026, 11, 22);
            let last = months_before(today, months_ago);
            prop_assert_eq!(suggested_stage(LadderStage::Lost, &facts(Some(last), Some(last), sales), &LadderRules::default(), today), None);
        }

        #[test]
        fn a_confirmed_suggestion_is_not_suggested_again(sales in 0i64..10_000_000_000, months_ago in 0u32..30, current in 0usize..LadderStage::ALL.len()) {
            let today = day(2026, 11, 22);
            let last = months_before(today, months_ago);
            let rules = LadderRules::default();
            let order_facts = facts(Some(months_before(last, 3)), Some(last), sales);
            if let Some(first) = suggested_stage(LadderStage::ALL[current], &order_facts, &rules, today) {
                prop_assert_eq!(suggested_stage(first.stage, &order_facts, &rules, today), None);
            }
        }
    }
}
