//! Who may see whose records. Every service that reads business records asks this module for a
//! [`Scope`] and filters by it; nothing else decides visibility.
use std::collections::BTreeSet;

text_enum! {
    /// Wider roles come later in the order.
    pub enum Role {
        Admin => "admin",
        Director => "director",
        Manager => "manager",
        Rep => "rep",
    }
}

impl Role {
    /// The roles that lead others: they assign and hand over customers, merge duplicates and see
    /// per-rep breakdowns.
    pub const LEADERS: [Role; 3] = [Role::Admin, Role::Director, Role::Manager];

    pub fn leads_people(self) -> bool {
        Role::LEADERS.contains(&self)
    }
}

/// What the rule needs to know about the person asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: i64,
    pub role: Role,
    /// Teams this user leads (managers may lead several).
    pub led_team_ids: Vec<i64>,
    /// Teams of the department this user belongs to (used for directors).
    pub department_team_ids: Vec<i64>,
}

/// The set of records a viewer may see, expressed by record owner.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    Everything,
    /// Records owned by members of these teams, plus the viewer's own records.
    Teams {
        team_ids: BTreeSet<i64>,
        own_user_id: i64,
    },
    OwnRecords {
        user_id: i64,
    },
}

pub fn scope_for(viewer: &Viewer) -> Scope {
    let teams = |ids: &[i64]| Scope::Teams {
        team_ids: ids.iter().copied().collect(),
        own_user_id: viewer.user_id,
    };
    match viewer.role {
        Role::Admin => Scope::Everything,
        Role::Director => teams(&viewer.department_team_ids),
        Role::Manager => teams(&viewer.led_team_ids),
        Role::Rep => Scope::OwnRecords {
            user_id: viewer.user_id,
        },
    }
}

impl Scope {
    /// Whether a record owned by `owner_id` (a member of `owner_team_id`) is visible.
    pub fn allows(&self, owner_id: i64, owner_team_id: Option<i64>) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Teams {
                team_ids,
                own_user_id,
            } => {
                owner_id == *own_user_id
                    || owner_team_id.is_some_and(|team| team_ids.contains(&team))
            }
            Scope::OwnRecords { user_id } => owner_id == *user_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn viewer(role: Role) -> Viewer {
        Viewer {
            user_id: 7,
            role,
            led_team_ids: vec![1, 2],
            department_team_ids: vec![1, 2, 3],
        }
    }

    #[test]
    fn each_role_sees_what_the_rule_says() {
        // (role, owner, owner's team, visible?)
        let table = [
            (Role::Admin, 99, Some(9), true),
            (Role::Admin, 99, None, true),
            (Role::Director, 99, Some(3), true),
            (Role::Director, 99, Some(4), false),
            (Role::Director, 7, None, true),
            (Role::Manager, 99, Some(2), true),
            (Role::Manager, 99, Some(3), false),
            (Role::Manager, 7, Some(5), true),
            (Role::Manager, 99, None, false),
            (Role::Rep, 7, Some(1), true),
            (Role::Rep, 8, Some(1), false),
        ];
        for (role, owner, team, expected) in table {
            assert_eq!(
                scope_for(&viewer(role)).allows(owner, team),
                expected,
                "{role:?} {owner} {team:?}"
            );
        }
    }

    #[test]
    fn a_manager_without_teams_sees_only_own_records() {
        let lone = Viewer {
            led_team_ids: vec![],
            ..viewer(Role::Manager)
        };
        let scope = scope_for(&lone);
        assert!(scope.allows(7, None));
        assert!(!scope.allows(8, Some(1)));
    }

    #[test]
    fn roles_round_trip_through_text() {
        for &role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    proptest! {
        #[test]
        fn a_rep_never_sees_another_users_record(me in 1i64..1000, owner in 1i64..1000, team in proptest::option::of(1i64..50)) {
            let rep = Viewer { user_id: me, role: Role::Rep, led_team_ids: vec![], department_team_ids: vec![] };
            prop_assert_eq!(scope_for(&rep).allows(owner, team), owner == me);
        }

        #[test]
        fn wider_roles_see_at_least_what_narrower_ones_see(owner in 1i64..20, team in proptest::option::of(1i64..6)) {
            let sees = |role| scope_for(&viewer(role)).allows(owner, team);
            prop_assert!(!sees(Role::Rep) || sees(Role::Manager));
            prop_assert!(!sees(Role::Manager) || sees(Role::Director));
            prop_assert!(!sees(Role::Director) || sees(Role::Admin));
        }
    }
}
