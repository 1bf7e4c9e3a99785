//! The audit log: every change that matters (merges, handovers, reassignments, role and password
//! changes, list exports, imports, target publishes, sales settings) with who, when, from which
//! address, and the values before and after. The application only appends to it; database
//! triggers refuse updates and deletes.
pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub use service::export;
pub mod texts;

#[cfg(feature = "ssr")]
pub use service::record;

use serde::{Deserialize, Serialize};

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    CustomerMerged,
    CustomerReassigned,
    UserRoleChanged,
    UserDeactivated,
    PasswordChanged,
    SessionsRevoked,
    ListExported,
    ImportCommitted,
    TargetPublished,
    SalesSettingsChanged,
    CompanySettingsChanged,
    /// The demo company's data was loaded (the first entry of a demo's log).
    DemoLoaded,
}

impl Action {
    pub const ALL: [Action; 12] = [
        Action::CustomerMerged,
        Action::CustomerReassigned,
        Action::UserRoleChanged,
        Action::UserDeactivated,
        Action::PasswordChanged,
        Action::SessionsRevoked,
        Action::ListExported,
        Action::ImportCommitted,
        Action::TargetPublished,
        Action::SalesSettingsChanged,
        Action::CompanySettingsChanged,
        Action::DemoLoaded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::CustomerMerged => "customer_merged",
            Action::CustomerReassigned => "customer_reassigned",
            Action::UserRoleChanged => "user_role_changed",
            Action::UserDeactivated => "user_deactivated",
            Action::PasswordChanged => "password_changed",
            Action::SessionsRevoked => "sessions_revoked",
            Action::ListExported => "list_exported",
            Action::ImportCommitted => "import_committed",
            Action::TargetPublished => "target_published",
            Action::SalesSettingsChanged => "sales_settings_changed",
            Action::CompanySettingsChanged => "company_settings_changed",
            Action::DemoLoaded => "demo_loaded",
        }
    }

    pub fn parse(text: &str) -> Option<Action> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// The record a change was made to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Subject {
    Customer(i64),
    User(i64),
    TargetPlan(i64),
    /// An import by what it held (`customers`, `orders`, ...).
    Import(String),
    /// A list or report by its name (`customers`, `deals`, ...).
    Export(String),
    /// A setting by its key.
    Setting(String),
}

impl Subject {
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Customer(_) => "customer",
            Subject::User(_) => "user",
            Subject::TargetPlan(_) => "target_plan",
            Subject::Import(_) => "import",
            Subject::Export(_) => "export",
            Subject::Setting(_) => "setting",
        }
    }

    pub fn id(&self) -> Option<i64> {
        match self {
            Subject::Customer(id) | Subject::User(id) | Subject::TargetPlan(id) => Some(*id),
            Subject::Import(_) | Subject::Export(_) | Subject::Setting(_) => None,
        }
    }
}

/// One entry as administrators read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    /// `at` on the company's clock, as the page and the export show it.
    pub local_at: chrono::NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub address: String,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    pub before: String,
    pub after: String,
}

/// A person in the search's "who" menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPerson {
    pub id: i64,
    pub name: String,
    pub active: bool,
}

/// Every subject kind, for the search's choices.
pub const SUBJECT_KINDS: [&str; 6] = [
    "customer",
    "user",
    "target_plan",
    "import",
    "export",
    "setting",
];

/// What administrators search the log by, as typed (every part optional; checked on the server).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    /// A person's id.
    pub actor: String,
    /// A subject kind (`customer`, `user`, ...).
    pub kind: String,
    /// The record's id.
    pub record: String,
    pub from: String,
    pub to: String,
}

impl AuditQuery {
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> AuditQuery {
        let mut query = AuditQuery::default();
        for (key, value) in pairs {
            let value: String = value.chars().take(40).collect();
            match key {
                "actor" => query.actor = value,
                "kind" => query.kind = value,
                "record" => query.record = value,
                "from" => query.from = value,
                "to" => query.to = value,
                _ => {}
            }
        }
        query
    }

    pub fn query_string(&self) -> String {
        [
            ("actor", &self.actor),
            ("kind", &self.kind),
            ("record", &self.record),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::ui::query::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}
