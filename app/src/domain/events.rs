//! What a customer's timeline and a user's notifications say happened, as typed values.
//!
//! The database keeps a kind and a text per row. Payloads with several parts are stored as JSON
//! objects, so a `|` or a `"` in a deal title or a comment is just text. Rows written before this
//! (parts joined with `|`) still read back: the fixed-format parts (amounts, numbers, codes) are
//! taken from the right, so a title that contains `|` keeps it. Translations only put the typed
//! parts into sentences; they parse nothing.
use super::customer::StageChange;
use serde::{Deserialize, Serialize};

/// One entry of a customer's history other than a follow-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CustomerEvent {
    Created,
    Updated,
    Stage(StageChange),
    /// The owner's change as recorded ("old → new" names).
    Owner(String),
    /// Claimed from the lead pool by this person.
    Claimed(String),
    /// Returned to the pool without a follow-up by this owner.
    ReturnedToPool(String),
    /// Returned to the pool because this owner was deactivated.
    OwnerLeft(String),
    ContactAdded(String),
    ContactRemoved(String),
    DealCreated(String),
    DealWon {
        title: String,
        amount_fen: i64,
        order: String,
    },
    DealLost(String),
    Order {
        number: String,
        amount_fen: i64,
    },
    Payment {
        order: String,
        amount_fen: i64,
    },
    /// A duplicate of this name was merged in.
    Merged(String),
    Quote {
        number: String,
        revision: i64,
        status: String,
    },
    Contract {
        number: String,
        amount_fen: i64,
    },
    /// A kind this version does not know (written by a newer one), shown as stored.
    Other {
        kind: String,
        detail: String,
    },
}

#[derive(Serialize, Deserialize)]
struct DealWonPayload {
    title: String,
    amount_fen: i64,
    order: String,
}

#[derive(Serialize, Deserialize)]
struct NumberAmount {
    number: String,
    amount_fen: i64,
}

#[derive(Serialize, Deserialize)]
struct QuotePayload {
    number: String,
    revision: i64,
    status: String,
}

/// The last `n - 1` `|`-separated parts and everything before them: old rows' layout.
fn legacy_parts(detail: &str, n: usize) -> Option<Vec<&str>> {
    let mut parts: Vec<&str> = detail.rsplitn(n, '|').collect();
    if parts.len() != n {
        return None;
    }
    parts.reverse();
    Some(parts)
}

fn json<T: Serialize>(value: &T) -> String {
    // Serialising plain structs of strings and integers cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

fn from_json<T: for<'de> Deserialize<'de>>(detail: &str) -> Option<T> {
    detail
        .starts_with('{')
        .then(|| serde_json::from_str(detail).ok())
        .flatten()
}

impl CustomerEvent {
    /// The kind column: also what reports filter on (`stage`).
    pub fn kind(&self) -> &str {
        match self {
            CustomerEvent::Created => "created",
            CustomerEvent::Updated => "updated",
            CustomerEvent::Stage(_) => "stage",
            CustomerEvent::Owner(_) => "owner",
            CustomerEvent::Claimed(_) => "claimed",
            CustomerEvent::ReturnedToPool(_) => "pool",
            CustomerEvent::OwnerLeft(_) => "left_to_pool",
            CustomerEvent::ContactAdded(_) => "contact",
            CustomerEvent::ContactRemoved(_) => "contact_removed",
            CustomerEvent::DealCreated(_) => "deal_created",
            CustomerEvent::DealWon { .. } => "deal_won",
            CustomerEvent::DealLost(_) => "deal_lost",
            CustomerEvent::Order { .. } => "order",
            CustomerEvent::Payment { .. } => "payment",
            CustomerEvent::Merged(_) => "merged",
            CustomerEvent::Quote { .. } => "quote",
            CustomerEvent::Contract { .. } => "contract",
            CustomerEvent::Other { kind, .. } => kind.as_str(),
        }
    }

    /// The detail column. Stage changes keep their code (`from→to|reason`), which the
    /// performance report matches on.
    pub fn detail(&self) -> String {
        match self {
            CustomerEvent::Created | CustomerEvent::Updated => String::new(),
            CustomerEvent::Stage(change) => change.encode(),
            CustomerEvent::Owner(text)
            | CustomerEvent::Claimed(text)
            | CustomerEvent::ReturnedToPool(text)
            | CustomerEvent::OwnerLeft(text)
            | CustomerEvent::ContactAdded(text)
            | CustomerEvent::ContactRemoved(text)
            | CustomerEvent::DealCreated(text)
            | CustomerEvent::DealLost(text)
            | CustomerEvent::Merged(text) => text.clone(),
            CustomerEvent::DealWon {
                title,
                amount_fen,
                order,
            } => json(&DealWonPayload {
                title: title.clone(),
                amount_fen: *amount_fen,
                order: order.clone(),
            }),
            CustomerEvent::Order { number, amount_fen }
            | CustomerEvent::Contract { number, amount_fen } => json(&NumberAmount {
                number: number.clone(),
                amount_fen: *amount_fen,
            }),
            CustomerEvent::Payment { order, amount_fen } => json(&NumberAmount {
                number: order.clone(),
                amount_fen: *amount_fen,
            }),
            CustomerEvent::Quote {
                number,
                revision,
                status,
            } => json(&QuotePayload {
                number: number.clone(),
                revision: *revision,
                status: status.clone(),
            }),
            CustomerEvent::Other { detail, .. } => detail.clone(),
        }
    }

    /// Reads a stored row back; what cannot be read is kept as `Other`, never dropped.
    pub fn read(kind: &str, detail: &str) -> CustomerEvent {
        let text = || detail.to_string();
        let number_amount = || {
            from_json::<NumberAmount>(detail).or_else(|| {
                let parts = legacy_parts(detail, 2)?;
                Some(NumberAmount {
                    number: parts[0].to_string(),
                    amount_fen: parts[1].parse().ok()?,
                })
            })
        };
        let read = match kind {
            "created" => Some(CustomerEvent::Created),
            "updated" => Some(CustomerEvent::Updated),
            "stage" => StageChange::decode(detail).map(CustomerEvent::Stage),
            "owner" => Some(CustomerEvent::Owner(text())),
            "claimed" => Some(CustomerEvent::Claimed(text())),
            "pool" => Some(CustomerEvent::ReturnedToPool(text())),
            "left_to_pool" => Some(CustomerEvent::OwnerLeft(text())),
            "contact" => Some(CustomerEvent::ContactAdded(text())),
            "contact_removed" => Some(CustomerEvent::ContactRemoved(text())),
            "deal_created" => Some(CustomerEvent::DealCreated(text())),
            "deal_lost" => Some(CustomerEvent::DealLost(text())),
            "merged" => Some(CustomerEvent::Merged(text())),
            "deal_won" => from_json::<DealWonPayload>(detail)
                .or_else(|| {
                    let parts = legacy_parts(detail, 3)?;
                    Some(DealWonPayload {
                        title: parts[0].to_string(),
                        amount_fen: parts[1].parse().ok()?,
                        order: parts[2].to_string(),
                    })
                })
                .map(|p| CustomerEvent::DealWon {
                    title: p.title,
                    amount_fen: p.amount_fen,
                    order: p.order,
                }),
            "order" => number_amount().map(|p| CustomerEvent::Order {
                number: p.number,
                amount_fen: p.amount_fen,
            }),
            "payment" => number_amount().map(|p| CustomerEvent::Payment {
                order: p.number,
                amount_fen: p.amount_fen,
            }),
            "contract" => number_amount().map(|p| CustomerEvent::Contract {
                number: p.number,
                amount_fen: p.amount_fen,
            }),
            "quote" => from_json::<QuotePayload>(detail)
                .or_else(|| {
                    let parts = legacy_parts(detail, 3)?;
                    Some(QuotePayload {
                        number: parts[0].to_string(),
                        revision: parts[1].parse().ok()?,
                        status: parts[2].to_string(),
                    })
                })
                .map(|p| CustomerEvent::Quote {
                    number: p.number,
                    revision: p.revision,
                    status: p.status,
                }),
            _ => None,
        };
        read.unwrap_or_else(|| CustomerEvent::Other {
            kind: kind.to_string(),
            detail: text(),
        })
    }
}

/// The most names a notification lists; the rest are counted.
pub const LISTED_NAMES: usize = 10;

/// Something the system tells one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Notice {
    /// `count` customers went back to the lead pool after `days` without the user's follow-up;
    /// `names` lists at most [`LISTED_NAMES`] of them.
    PoolReturn {
        days: i64,
        count: usize,
        names: Vec<String>,
    },
    /// `who` submitted their plan or report (`sheet`) for `day`.
    SheetSubmitted {
        who: String,
        sheet: String,
        day: String,
    },
    /// `who` approved the user's sheet or sent it back, with a comment.
    SheetReviewed {
        who: String,
        sheet: String,
        approved: bool,
        comment: String,
    },
    /// `who` assigned the user a task.
    Task { who: String, note: String },
    /// A kind this version does not know, shown as stored.
    Other { kind: String, body: String },
}

impl Notice {
    /// A pool-return notice for these customers' names (listing the first ten).
    pub fn pool_return(days: i64, names: &[&str]) -> Notice {
        Notice::PoolReturn {
            days,
            count: names.len(),
            names: names
                .iter()
                .take(LISTED_NAMES)
                .map(|n| n.to_string())
                .collect(),
        }
    }

    /// Whether the list of names leaves some out ("and others").
    pub fn is_shortened(&self) -> bool {
        matches!(self, Notice::PoolReturn { count, names, .. } if *count > names.len())
    }

    pub fn kind(&self) -> &str {
        match self {
            Notice::PoolReturn { .. } => "pool_return",
            Notice::SheetSubmitted { .. } => "sheet_submitted",
            Notice::SheetReviewed { .. } => "sheet_reviewed",
            Notice::Task { .. } => "task",
            Notice::Other { kind, .. } => kind.as_str(),
        }
    }

    /// The body column: the notice as JSON.
    pub fn body(&self) -> String {
        json(self)
    }

    /// Reads a stored row back, including rows written as `|`-joined parts.
    pub fn read(kind: &str, body: &str) -> Notice {
        if let Some(notice) = from_json::<Notice>(body).filter(|n| n.kind() == kind) {
            return notice;
        }
        let legacy = match kind {
            "pool_return" => legacy_first(body, 3).and_then(|p| {
                Some(Notice::PoolReturn {
                    days: p[0].parse().ok()?,
                    count: p[1].parse().ok()?,
                    names: p[2].split('、').map(str::to_string).collect(),
                })
            }),
            "sheet_submitted" => legacy_first(body, 3).map(|p| Notice::SheetSubmitted {
                who: p[0].to_string(),
                sheet: p[1].to_string(),
                day: p[2].to_string(),
            }),
            "sheet_reviewed" => legacy_first(body, 4).map(|p| Notice::SheetReviewed {
                who: p[0].to_string(),
                sheet: p[1].to_string(),
                approved: p[2] == "approved",
                comment: p[3].to_string(),
            }),
            "task" => body.split_once('|').map(|(who, note)| Notice::Task {
                who: who.to_string(),
                note: note.to_string(),
            }),
            _ => None,
        };
        legacy.unwrap_or_else(|| Notice::Other {
            kind: kind.to_string(),
            body: body.to_string(),
        })
    }
}

/// The first `n - 1` `|`-separated parts and everything after them (old notices put free text,
/// a comment or a list of names, last).
fn legacy_first(body: &str, n: usize) -> Option<Vec<&str>> {
    let parts: Vec<&str> = body.splitn(n, '|').collect();
    (parts.len() == n).then_some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::customer::{LadderReason, LadderStage};
    use proptest::prelude::*;

    #[test]
    fn a_pipe_in_a_deal_title_survives_new_and_old_rows() {
        let won = CustomerEvent::DealWon {
            title: "A|B 二期".into(),
            amount_fen: 12_345,
            order: "SO-1".into(),
        };
        assert_eq!(CustomerEvent::read(won.kind(), &won.detail()), won);
        assert_eq!(CustomerEvent::read("deal_won", "A|B 二期|12345|SO-1"), won);
    }

    #[test]
    fn old_rows_read_back_and_unknown_ones_are_kept() {
        assert_eq!(
            CustomerEvent::read("payment", "SO-9|500"),
            CustomerEvent::Payment {
                order: "SO-9".into(),
                amount_fen: 500
            }
        );
        assert_eq!(
            CustomerEvent::read("quote", "Q-1|2|sent"),
            CustomerEvent::Quote {
                number: "Q-1".into(),
                revision: 2,
                status: "sent".into()
            }
        );
        assert_eq!(
            CustomerEvent::read("payment", "no amount"),
            CustomerEvent::Other {
                kind: "payment".into(),
                detail: "no amount".into()
            }
        );
        let stage = CustomerEvent::Stage(StageChange {
            from: LadderStage::Potential,
            to: LadderStage::Prospect,
            reason: Some(LadderReason::Note("见面|聊过".into())),
        });
        assert_eq!(CustomerEvent::read("stage", &stage.detail()), stage);
        assert!(stage.detail().contains("→prospect"));
    }

    #[test]
    fn notices_list_ten_names_and_say_when_there_are_more() {
        let names: Vec<String> = (0..12).map(|i| format!("客户{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let notice = Notice::pool_return(30, &refs);
        assert!(notice.is_shortened());
        let Notice::PoolReturn { count, names, .. } = &notice else {
            panic!("not a pool return")
        };
        assert_eq!((*count, names.len()), (12, LISTED_NAMES));
        assert!(!Notice::pool_return(30, &refs[..2]).is_shortened());
        assert_eq!(Notice::read(notice.kind(), &notice.body()), notice);
        assert_eq!(
            Notice::read("sheet_reviewed", "王芳|plan|sent_back|请补充|细节"),
            Notice::SheetReviewed {
                who: "王芳".into(),
                sheet: "plan".into(),
                approved: false,
                comment: "请补充|细节".into()
            }
        );
        assert_eq!(
            Notice::read("something_new", "plain"),
            Notice::Other {
                kind: "something_new".into(),
                body: "plain".into()
            }
        );
    }

    proptest! {
        #[test]
        fn any_text_round_trips(title in ".{0,40}", order in "[A-Z0-9-]{1,12}", fen in 0i64..i64::MAX,
                                who in ".{0,20}", note in ".{0,60}") {
            let won = CustomerEvent::DealWon { title, amount_fen: fen, order };
            prop_assert_eq!(CustomerEvent::read(won.kind(), &won.detail()), won);
            let task = Notice::Task { who, note };
            prop_assert_eq!(Notice::read(task.kind(), &task.body()), task);
        }
    }
}
