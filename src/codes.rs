//! The closed sets of the domain (roles, kinds, statuses): an English code in the database
//! and the API, a Swedish label for people. The database's CHECK constraints list the same
//! codes.

macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $($variant:ident => $code:literal, $label:literal;)+ }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            diesel::AsExpression, diesel::FromSqlRow,
            serde::Serialize, serde::Deserialize,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $(#[serde(rename = $code)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The Swedish word people read.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            pub fn parse(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// Every code, for error messages: `"officer", "applicant"`.
            pub fn codes() -> String {
                $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        // The schema lists the codes the API sends, written out here: utoipa's derive does
        // not see the `serde(rename)` a macro hands it and would list the Rust names.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($code),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let code = String::from_sql(bytes)?;
                $name::parse(&code).ok_or_else(|| {
                    format!(concat!("unknown ", stringify!($name), " code {:?}"), code).into()
                })
            }
        }
    };
}

// Other modules' closed sets (report-back's) use the same macro.
pub(crate) use text_enum;

text_enum! {
    /// What a person may do. One role per account.
    Role {
        Officer => "officer", "Handläggare";
        DecisionMaker => "decision_maker", "Beslutsfattare";
        Applicant => "applicant", "Sökande";
        Auditor => "auditor", "Revisor";
        Admin => "admin", "Administratör";
    }
}

text_enum! {
    /// A person's role in the organisation they act for (the agency's e-service's three):
    /// one ombud per organisation, approved by the agency; representatives and
    /// uppgiftssamordnare invited by the organisation's own people. What each may do is
    /// `access::ORG_MATRIX`.
    OrgRole {
        Ombud => "ombud", "Ombud";
        Representative => "representative", "Representant";
        Coordinator => "coordinator", "Uppgiftssamordnare";
    }
}

text_enum! {
    OrgKind {
        Region => "region", "Region";
        Municipality => "municipality", "Kommun";
        Agency => "agency", "Myndighet";
        Other => "other", "Annan organisation";
    }
}

text_enum! {
    /// How sure we are that an organisation number belongs to the organisation's name.
    NumberStatus {
        Confirmed => "confirmed", "Bekräftat";
        Indirect => "indirect", "Indirekt bekräftat";
        Weak => "weak", "Svagt underlag";
        NumberSeen => "number_seen", "Numret sett, namnet inte";
        Unconfirmed => "unconfirmed", "Ej bekräftat";
    }
}

text_enum! {
    CallStatus {
        Draft => "draft", "Utkast";
        Published => "published", "Publicerad";
        Closed => "closed", "Stängd";
    }
}

text_enum! {
    ApplicationKind {
        Initial => "initial", "Ansökan";
        TopUp => "top_up", "Ansökan om ytterligare medel";
    }
}

text_enum! {
    ApplicationStatus {
        Draft => "draft", "Utkast";
        Submitted => "submitted", "Inkommen";
        SupplementRequested => "supplement_requested", "Komplettering begärd";
        Complete => "complete", "Komplett";
        Assessed => "assessed", "Bedömd";
        Decided => "decided", "Beslutad";
    }
}

text_enum! {
    VersionStatus {
        Draft => "draft", "Utkast";
        Submitted => "submitted", "Inlämnad";
    }
}

text_enum! {
    SupplementStatus {
        Open => "open", "Begärd";
        Answered => "answered", "Besvarad";
        Withdrawn => "withdrawn", "Återkallad";
    }
}

text_enum! {
    DecisionKind {
        Grant => "grant", "Beviljande";
        Rejection => "rejection", "Avslag";
        TopUp => "top_up", "Beslut om ytterligare medel";
        Change => "change", "Ändringsbeslut";
        Revocation => "revocation", "Återkallelse";
    }
}

text_enum! {
    DecisionStatus {
        Draft => "draft", "Utkast";
        Signed => "signed", "Fattat";
    }
}

text_enum! {
    PaymentStatus {
        Planned => "planned", "Planerad";
        Paid => "paid", "Utbetald";
        Cancelled => "cancelled", "Makulerad";
    }
}

text_enum! {
    Rating {
        Met => "met", "Uppfyllt";
        Partly => "partly", "Delvis uppfyllt";
        NotMet => "not_met", "Inte uppfyllt";
    }
}

text_enum! {
    Recommendation {
        Grant => "grant", "Bevilja";
        Partial => "partial", "Bevilja delvis";
        Reject => "reject", "Avslå";
    }
}

text_enum! {
    /// What a recipient asks to change in a decided grant (ändringsansökan).
    ChangeKind {
        Budget => "budget", "Flytta pengar mellan kostnadsslag";
        Content => "content", "Ändra innehåll eller organisation";
        GiveBack => "give_back", "Lämna tillbaka en del av bidraget";
        Decline => "decline", "Avstå bidraget";
    }
}

text_enum! {
    ChangeRequestStatus {
        Draft => "draft", "Utkast";
        Submitted => "submitted", "Inskickad";
        SupplementRequested => "supplement_requested", "Komplettering begärd";
        Approved => "approved", "Beviljad";
        PartlyApproved => "partly_approved", "Delvis beviljad";
        Refused => "refused", "Avslagen";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_serde_agrees() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
            assert_eq!(
                serde_json::to_string(role).ok(),
                Some(format!("\"{}\"", role.as_str()))
            );
        }
        assert_eq!(Role::parse("superuser"), None);
        assert_eq!(Role::DecisionMaker.to_string(), "Beslutsfattare");
    }
}
