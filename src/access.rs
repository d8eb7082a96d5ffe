//! Who may do what: plain functions over the acting person, no I/O. The use cases call
//! these and record every refusal in the audit trail.

use crate::accounts::Actor;
use crate::codes::Role;

/// The agency's staff who work with cases.
pub fn is_case_staff(actor: &Actor) -> bool {
    matches!(actor.role, Role::Officer | Role::DecisionMaker)
}

/// Reading a case (application, decision, report) of an organisation: the agency's case
/// staff and auditors read every case; an applicant only their own organisation's. The
/// administrator manages accounts, not cases.
pub fn can_read_case(actor: &Actor, case_organisation_id: &str) -> bool {
    match actor.role {
        Role::Officer | Role::DecisionMaker | Role::Auditor => true,
        Role::Applicant => actor.organisation_id.as_deref() == Some(case_organisation_id),
        Role::Admin => false,
    }
}

/// Reading an application: as [`can_read_case`], but an application is the organisation's
/// own until it is first submitted. Before that it is a draft on their desk, not a case:
/// the agency's staff and auditors do not see it at all, not even its title.
pub fn can_read_application(actor: &Actor, organisation_id: &str, submitted: bool) -> bool {
    can_read_case(actor, organisation_id) && (submitted || actor.role == Role::Applicant)
}

/// Lists of every organisation's cases.
pub fn can_list_all_cases(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Officer | Role::DecisionMaker | Role::Auditor
    )
}

pub fn can_read_audit_trail(actor: &Actor) -> bool {
    matches!(actor.role, Role::Auditor | Role::Admin)
}

pub fn can_manage_accounts(actor: &Actor) -> bool {
    actor.role == Role::Admin
}

/// Unpublished calls are the agency's own drafts.
pub fn can_see_draft_calls(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Officer | Role::DecisionMaker | Role::Auditor
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, org: Option<&str>) -> Actor {
        Actor {
            user_id: "u".into(),
            email: "e@example.org".into(),
            name: "N".into(),
            role,
            organisation_id: org.map(str::to_string),
            organisation_name: None,
            is_signatory: false,
        }
    }

    #[test]
    fn applicants_read_only_their_own_organisations_cases() {
        let skane = actor(Role::Applicant, Some("skane"));
        assert!(can_read_case(&skane, "skane"));
        assert!(!can_read_case(&skane, "vgr"));
        assert!(!can_list_all_cases(&skane));
    }

    #[test]
    fn staff_and_auditors_read_all_cases_but_admins_do_not() {
        for role in [Role::Officer, Role::DecisionMaker, Role::Auditor] {
            assert!(can_read_case(&actor(role, None), "vgr"));
        }
        assert!(!can_read_case(&actor(Role::Admin, None), "vgr"));
    }

    #[test]
    fn a_draft_never_submitted_is_the_organisations_own() {
        let skane = actor(Role::Applicant, Some("skane"));
        assert!(can_read_application(&skane, "skane", false));
        assert!(!can_read_application(&skane, "vgr", true));
        for role in [Role::Officer, Role::DecisionMaker, Role::Auditor] {
            assert!(!can_read_application(&actor(role, None), "vgr", false));
            assert!(can_read_application(&actor(role, None), "vgr", true));
        }
        assert!(can_read_audit_trail(&actor(Role::Auditor, None)));
        assert!(!can_read_audit_trail(&actor(Role::Officer, None)));
    }
}
