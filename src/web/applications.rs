//! A case's page: the application in every version with what changed, supplements and
//! decisions; and the officer's steps on it (ask for a supplement, find it complete).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::drafting::{CsrfForm, check_csrf};
use super::flash::{self, Flash};
use super::{PageContext, WebError, redirect, render};
use crate::access;
use crate::applications::workflow::{self, SupplementInput};
use crate::applications::{self, ApplicationView};
use crate::assessment::{self, AssessmentView};
use crate::codes::{
    ApplicationStatus, Rating, Recommendation, Role, SupplementStatus, VersionStatus,
};
use crate::db::payments::Payment;
use crate::error::{AppError, FieldErrors};
use crate::forms::FormData;
use crate::http::{self, Authenticated, State};
use crate::money::Ore;

#[derive(Template)]
#[template(path = "application.html")]
struct ApplicationPage {
    ctx: PageContext,
    view: ApplicationView,
    /// The officer's supplement form, as typed when it failed the rules.
    supplement_form: SupplementInput,
    errors: FieldErrors,
    /// For the agency and auditors: assessments side by side, proposals, conflicts.
    assessment: Option<AssessmentView>,
    /// What was typed into the assessment, proposal or conflict form when it failed the
    /// rules, to show it again.
    typed: FormData,
    /// The case's payments, planned, made and stopped.
    payments: Vec<Payment>,
    /// For the agency and auditors, on an arrived case: its responsible officer, and for
    /// officers whom they may choose.
    case_officer: Option<CaseOfficerView>,
    /// Messages in the case the viewer's side has not read; none before it is submitted.
    unread_messages: Option<i64>,
}

/// The case's responsible officer, and the officers who may be chosen (none for readers
/// who may not change it).
pub struct CaseOfficerView {
    pub officer: Option<crate::db::accounts::User>,
    pub candidates: Vec<crate::db::accounts::User>,
}

impl CaseOfficerView {
    pub fn is(&self, id: &str) -> bool {
        self.officer.as_ref().is_some_and(|o| o.id == id)
    }
}

/// The name of an open claim's date field on the case page: one per claim, so that a
/// refused date comes back beside the claim it was typed for.
pub(super) fn received_on_field(claim_id: &str) -> String {
    format!("received_on-{claim_id}")
}

impl ApplicationPage {
    fn is_officer(&self) -> bool {
        self.ctx.role() == Some(Role::Officer)
    }

    fn is_applicant(&self) -> bool {
        self.ctx.role() == Some(Role::Applicant)
    }

    /// Who the applicant asks about the case: the unit running the grant.
    fn case_contact(&self) -> crate::agency::Contact {
        crate::agency::of_programme(&self.view.definition.programme)
    }

    /// The officer an applicant can name: the presenting officer of the latest signed
    /// decision. Cases have no assigned officer, and before a decision is signed who assesses
    /// the case is the agency's internal matter, so until then only the unit is named.
    fn case_officer(&self) -> Option<&str> {
        self.view
            .decisions
            .iter()
            .rev()
            .find(|d| {
                d.decision.status == crate::codes::DecisionStatus::Signed
                    && !d.presenting_officer_name.trim().is_empty()
            })
            .map(|d| d.presenting_officer_name.as_str())
    }

    fn has_draft(&self) -> bool {
        self.view
            .versions
            .iter()
            .any(|v| v.version.status == VersionStatus::Draft)
    }

    fn open_supplement(&self) -> bool {
        self.view
            .supplements
            .iter()
            .any(|s| s.status == SupplementStatus::Open)
    }

    fn may_request_supplement(&self) -> bool {
        // An application for more money in a round is not supplemented in the service (see
        // `applications::workflow::request_supplement`).
        self.is_officer()
            && self.view.application.kind == crate::codes::ApplicationKind::Initial
            && matches!(
                self.view.application.status,
                ApplicationStatus::Submitted | ApplicationStatus::Complete
            )
    }

    fn may_mark_complete(&self) -> bool {
        self.is_officer() && self.view.application.status == ApplicationStatus::Submitted
    }

    fn error<S: AsRef<str>>(&self, field: S) -> Option<&str> {
        self.errors.get(field.as_ref())
    }

    fn received_on_field(&self, claim_id: &str) -> String {
        received_on_field(claim_id)
    }

    /// The date shown in a claim's field: as typed when it was refused, else empty.
    fn received_on_value(&self, claim_id: &str) -> String {
        if self.errors.get(&received_on_field(claim_id)).is_some() {
            self.typed.get("received_on")
        } else {
            String::new()
        }
    }

    fn payment_status(&self, payment: &Payment) -> String {
        crate::payments::status_in_words(payment)
    }

    /// A typed value of the assessment forms, or "".
    fn typed<S: AsRef<str>>(&self, field: S) -> String {
        self.typed.get(field.as_ref())
    }

    fn typed_is<S: AsRef<str>, T: AsRef<str>>(&self, field: S, value: T) -> bool {
        self.typed.get(field.as_ref()) == value.as_ref()
    }

    /// Whether the form just sent (and refused) was the assessment.
    fn assessment_sent(&self) -> bool {
        !self.typed.rows("ratings").is_empty()
    }

    /// The viewing officer's own saved rating of a criterion: a new assessment of the same
    /// case starts from it.
    fn own_rating(&self, position: i32) -> Option<&crate::db::assessments::Assessment> {
        let view = self.assessment.as_ref()?;
        let me = &self.ctx.actor.as_ref()?.user_id;
        let index = view.criteria.iter().position(|c| c.position == position)?;
        view.columns.iter().find_map(|column| {
            column
                .ratings
                .get(index)?
                .as_ref()
                .filter(|r| &r.officer_id == me)
        })
    }

    /// Whether a rating is chosen in the assessment form: as sent when the form was
    /// refused, else as the officer last saved it.
    fn rating_is<P: std::borrow::Borrow<i32>, T: AsRef<str>>(&self, position: P, code: T) -> bool {
        let position = *position.borrow();
        if self.assessment_sent() {
            self.typed.get(&format!("ratings.{position}.rating")) == code.as_ref()
        } else {
            self.own_rating(position)
                .is_some_and(|r| r.rating.as_str() == code.as_ref())
        }
    }

    /// A criterion's comment in the assessment form, from the same source as `rating_is`.
    fn comment<P: std::borrow::Borrow<i32>>(&self, position: P) -> String {
        let position = *position.borrow();
        if self.assessment_sent() {
            self.typed.get(&format!("ratings.{position}.comment"))
        } else {
            self.own_rating(position)
                .map(|r| r.comment.clone())
                .unwrap_or_default()
        }
    }

    /// The amount shown in the proposal form: as typed, or what was applied for.
    fn proposal_amount(&self, year: &i32, asked: &Ore) -> String {
        let field = format!("amounts.{year}");
        if self.typed.has(&field) {
            self.typed.get(&field)
        } else {
            asked.format_number()
        }
    }

    fn is_decision_maker(&self) -> bool {
        self.ctx.role() == Some(Role::DecisionMaker)
    }

    fn is_staff(&self) -> bool {
        self.is_officer() || self.is_decision_maker()
    }

    /// Whether the person viewing has declared a conflict in this case.
    fn conflicted(&self) -> bool {
        match (&self.assessment, &self.ctx.actor) {
            (Some(a), Some(actor)) => a.has_conflict(&actor.user_id),
            _ => false,
        }
    }

    fn may_assess(&self) -> bool {
        self.is_officer()
            && !self.conflicted()
            && matches!(
                self.view.application.status,
                ApplicationStatus::Submitted
                    | ApplicationStatus::Complete
                    | ApplicationStatus::Assessed
            )
    }

    fn may_prepare(&self) -> bool {
        self.is_officer()
            && !self.conflicted()
            && self.view.application.status == ApplicationStatus::Assessed
    }

    fn may_sign(&self) -> bool {
        self.is_decision_maker() && !self.conflicted()
    }

    /// A signed grant or top-up can be changed or revoked by a later decision.
    fn may_change(&self, d: &crate::applications::DecisionView) -> bool {
        self.is_officer()
            && !self.conflicted()
            && d.decision.status.as_str() == "signed"
            && matches!(d.decision.kind.as_str(), "grant" | "top_up")
    }

    /// What was applied for per year in the latest submitted version.
    fn applied(&self) -> Vec<(i32, Ore)> {
        self.view
            .versions
            .iter()
            .rev()
            .find(|v| v.version.status == VersionStatus::Submitted)
            .map(|v| v.years.iter().map(|y| (y.year, y.requested_ore)).collect())
            .unwrap_or_default()
    }

    /// One officer's rating of the criterion at `index`.
    fn rating<'a>(
        &self,
        column: &'a crate::assessment::OfficerColumn,
        index: &usize,
    ) -> Option<&'a crate::db::assessments::Assessment> {
        column.ratings.get(*index).and_then(|r| r.as_ref())
    }

    fn ratings(&self) -> Vec<(&'static str, &'static str)> {
        [Rating::Met, Rating::Partly, Rating::NotMet]
            .iter()
            .map(|r| (r.as_str(), r.label()))
            .collect()
    }

    fn recommendations(&self) -> Vec<(&'static str, &'static str)> {
        [
            Recommendation::Grant,
            Recommendation::Partial,
            Recommendation::Reject,
        ]
        .iter()
        .map(|r| (r.as_str(), r.label()))
        .collect()
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn page(
    state: &State,
    session: &Session,
    actor: crate::accounts::Actor,
    id: String,
    supplement_form: SupplementInput,
    typed: FormData,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let viewer = actor.clone();
    let (view, assessment, payments, case_officer, unread_messages) = state
        .db
        .run(move |c| {
            // The view refuses whoever may not see the case; the rest is read after it.
            let view = applications::view(c, &viewer, &id, now)?;
            let assessment = if access::can_list_all_cases(&viewer) {
                Some(assessment::view(c, &view.application)?)
            } else {
                None
            };
            let payments = crate::db::payments::of_application(c, &view.application.id)?;
            let case_officer =
                if access::can_list_all_cases(&viewer) && view.application.submitted_at.is_some() {
                    Some(CaseOfficerView {
                        officer: applications::assignment::officer_of(c, &view.application.id)?,
                        candidates: if viewer.role == crate::codes::Role::Officer {
                            applications::assignment::candidates(c)?
                        } else {
                            Vec::new()
                        },
                    })
                } else {
                    None
                };
            let unread = crate::messages::unread_for_viewer(c, &viewer, &view.application)?;
            Ok::<_, AppError>((view, assessment, payments, case_officer, unread))
        })
        .await?;
    let page = ApplicationPage {
        assessment,
        payments,
        case_officer,
        unread_messages,
        ctx: PageContext::for_person(actor, session, &state.agency_name, "home")?,
        view,
        supplement_form,
        errors,
        typed,
    };
    render(status, &page)
}

pub async fn show(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    page(
        &state,
        &session,
        actor.0,
        path.into_inner(),
        SupplementInput::default(),
        FormData::default(),
        FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, serde::Deserialize)]
pub struct SupplementForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    budget_change_allowed: String,
}

pub async fn request_supplement(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<SupplementForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let id = path.into_inner();
    let input = SupplementInput {
        message: form.message,
        due_on: form.due_on,
        budget_change_allowed: form.budget_change_allowed,
    };
    if !http::csrf_matches(&session, &form.csrf_token) {
        let errors = FieldErrors::single("csrf_token", super::CSRF_REFUSED);
        return page(
            &state,
            &session,
            actor.0,
            id,
            input,
            FormData::default(),
            errors,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let now = state.clock.now();
    let (links, agency) = (state.links.clone(), state.agency_name.clone());
    let (who, app_id, typed) = (actor.0.clone(), id.clone(), input.clone());
    let result = state
        .db
        .run(move |c| workflow::request_supplement(c, &who, &app_id, &typed, now, &links, &agency))
        .await;
    match result {
        Ok(_) => {
            flash::set(&session, Flash::SupplementRequested);
            // The top of the case page, where the confirmation shows.
            Ok(redirect(&format!("/ansokningar/{id}")))
        }
        Err(AppError::Invalid(errors)) => {
            page(
                &state,
                &session,
                actor.0,
                id,
                input,
                FormData::default(),
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn mark_complete(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&session, &form.csrf_token)?;
    let id = path.into_inner();
    let now = state.clock.now();
    let app_id = id.clone();
    state
        .db
        .run(move |c| workflow::mark_complete(c, &actor.0, &app_id, now))
        .await?;
    flash::set(&session, Flash::MarkedComplete);
    Ok(redirect(&format!("/ansokningar/{id}")))
}

#[derive(Debug, serde::Deserialize)]
pub struct CaseOfficerForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    officer_id: String,
}

/// Sets the case's responsible officer (officers only; recorded).
pub async fn set_case_officer(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<CaseOfficerForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    super::drafting::check_csrf(&session, &form.csrf_token)?;
    let id = path.into_inner();
    let (who, case, now) = (actor.0.clone(), id.clone(), state.clock.now());
    let result = state
        .db
        .run(move |c| applications::assignment::assign(c, &who, &case, &form.officer_id, now))
        .await;
    match result {
        Ok(_) => Ok(super::redirect(&format!("/ansokningar/{id}"))),
        Err(AppError::Invalid(errors)) => {
            page(
                &state,
                &session,
                actor.0,
                id,
                SupplementInput::default(),
                FormData::default(),
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(askama::Template)]
#[template(path = "my_cases.html")]
struct MyCasesPage {
    ctx: PageContext,
    cases: Vec<(
        crate::db::applications::Application,
        crate::db::organisations::Organisation,
    )>,
}

/// "Mina ärenden": the cases the officer is responsible for.
pub async fn my_cases(
    state: State,
    session: Session,
    actor: Authenticated,
) -> Result<HttpResponse, WebError> {
    let who = actor.0.clone();
    let cases = state
        .db
        .run(move |c| applications::assignment::my_cases(c, &who))
        .await?;
    let page = MyCasesPage {
        ctx: PageContext::for_person(actor.0, &session, &state.agency_name, "my_cases")?,
        cases,
    };
    render(StatusCode::OK, &page)
}
