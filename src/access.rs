//! Who may do what: plain functions over the acting person, no I/O. The use cases call
//! these and record every refusal in the audit trail.

use crate::accounts::Actor;
use crate::codes::{OrgRole, Role};

/// What a person may do for the organisation they act for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgAction {
    /// Start an application or a report.
    StartCase,
    /// Fill in and change a draft application or report.
    EditCase,
    /// Submit an application or a report.
    SubmitCase,
    /// Invite and remove representatives.
    ManageRepresentatives,
    /// Invite and remove uppgiftssamordnare.
    ManageCoordinators,
    /// Remove the organisation from the e-service.
    RemoveOrganisation,
    /// Work in every grant of the organisation (not only those they started).
    WorkInEveryGrant,
}

impl OrgAction {
    pub const ALL: [OrgAction; 7] = [
        OrgAction::StartCase,
        OrgAction::EditCase,
        OrgAction::SubmitCase,
        OrgAction::ManageRepresentatives,
        OrgAction::ManageCoordinators,
        OrgAction::RemoveOrganisation,
        OrgAction::WorkInEveryGrant,
    ];
}

/// The one table of what each role in an organisation may do: the agency e-service's
/// matrix, row by row. `[ombud, representative, coordinator]`.
pub const ORG_MATRIX: [(OrgAction, [bool; 3]); 7] = [
    (OrgAction::StartCase, [true, true, false]),
    (OrgAction::EditCase, [true, true, true]),
    (OrgAction::SubmitCase, [true, true, false]),
    (OrgAction::ManageRepresentatives, [true, false, false]),
    (OrgAction::ManageCoordinators, [true, true, false]),
    (OrgAction::RemoveOrganisation, [true, false, false]),
    (OrgAction::WorkInEveryGrant, [true, true, true]),
];

/// Whether a role in an organisation allows an action, from [`ORG_MATRIX`].
pub fn org_role_may(role: OrgRole, action: OrgAction) -> bool {
    let column = match role {
        OrgRole::Ombud => 0,
        OrgRole::Representative => 1,
        OrgRole::Coordinator => 2,
    };
    ORG_MATRIX
        .iter()
        .find(|(a, _)| *a == action)
        .is_some_and(|(_, row)| row[column])
}

/// Whether the person may do `action` for the organisation `organisation_id`: only people
/// outside the agency, only for the organisation they act for, only as their role allows.
pub fn may_for_organisation(actor: &Actor, organisation_id: &str, action: OrgAction) -> bool {
    actor.role == Role::Applicant
        && actor.organisation_id.as_deref() == Some(organisation_id)
        && actor
            .org_role
            .is_some_and(|role| org_role_may(role, action))
}

/// Why the person may not do `action` for the organisation they act for, in words for
/// them; `None` when they may.
pub fn org_refusal(actor: &Actor, action: OrgAction) -> Option<String> {
    if actor.may(action) {
        return None;
    }
    let Some(role) = actor.org_role.filter(|_| actor.role == Role::Applicant) else {
        return Some(
            "Du företräder ingen organisation i e-tjänsten. Ansök om att bli ombud för organisationen, eller be dess ombud bjuda in dig."
                .into(),
        );
    };
    let role = role.label().to_lowercase();
    Some(match action {
        OrgAction::StartCase => format!(
            "Som {role} kan du fylla i och ändra ansökningar och återrapporter, men inte börja en ny. Be organisationens ombud eller en representant att börja den."
        ),
        OrgAction::SubmitCase => format!(
            "Som {role} kan du fylla i och ändra, men inte skicka in. Utkastet är sparat; be organisationens ombud eller en representant att skicka in det."
        ),
        OrgAction::ManageRepresentatives => {
            "Bara organisationens ombud kan bjuda in och ta bort representanter.".into()
        }
        OrgAction::ManageCoordinators => {
            "Bara organisationens ombud och representanter kan bjuda in och ta bort uppgiftssamordnare.".into()
        }
        OrgAction::RemoveOrganisation => {
            "Bara organisationens ombud kan ta bort organisationen ur e-tjänsten.".into()
        }
        OrgAction::EditCase | OrgAction::WorkInEveryGrant => {
            format!("Som {role} får du inte göra det här.")
        }
    })
}

/// Which roles `actor` may invite to or remove from `organisation_id`.
pub fn may_manage_org_role(actor: &Actor, organisation_id: &str, role: OrgRole) -> bool {
    match role {
        OrgRole::Representative => {
            may_for_organisation(actor, organisation_id, OrgAction::ManageRepresentatives)
        }
        OrgRole::Coordinator => {
            may_for_organisation(actor, organisation_id, OrgAction::ManageCoordinators)
        }
        // The ombud is approved by the agency on an ombudsansökan, never given by a person
        // of the organisation.
        OrgRole::Ombud => false,
    }
}

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
        Role::Applicant => {
            may_for_organisation(actor, case_organisation_id, OrgAction::WorkInEveryGrant)
        }
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
            org_role: org.map(|_| OrgRole::Representative),
            pin_masked: None,
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
