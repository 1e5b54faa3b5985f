//! The write endpoints, with state: a member's role changed, a member removed, a team member
//! added or removed, an invitation sent; each read afterwards shows the change. What PlanetScale
//! refuses is refused here, with its 404 for a missing access (checked before anything else) and
//! a 422 naming why: roles the identity provider manages, the last admin, a team the identity
//! provider manages, someone not in the organization, a service token inviting anything but a
//! member.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::OrgData;
use crate::api::{Answer, reachable_org};
use crate::audit::{self, Actor};
use crate::endpoint::{Endpoint, EndpointKind};
use crate::generate::timestamp;
use crate::state::{Shared, join_team, leave_team, now, now_millis, remove_member};
use crate::{TeamData, TokenConfig};

/// The roles an organization member can hold through the API.
const ROLES: [&str; 3] = ["admin", "analyst", "member"];

/// How long an invitation stays valid, in milliseconds (a week).
const INVITATION_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

/// Answers the write `endpoint` with `body`, changing the data when it succeeds and recording
/// the change in the organization's audit log as made by `actor`.
pub(crate) fn answer(
    shared: &Shared,
    endpoint: &Endpoint,
    token: &TokenConfig,
    body: &[u8],
    actor: &Actor,
) -> Answer {
    if reachable_org(&shared.index(), endpoint, token).is_none() {
        return Answer::not_found();
    }
    let body: Value = match body {
        [] => Value::Null,
        bytes => match serde_json::from_slice(bytes) {
            Ok(body) => body,
            Err(_) => return refused(StatusCode::BAD_REQUEST, "the body is not valid JSON"),
        },
    };
    let org = endpoint.org.as_deref().unwrap_or_default();
    let id = endpoint.user.as_deref().unwrap_or_default();
    let team = endpoint.team.as_deref().unwrap_or_default();
    let number = shared.next_number();
    let entry_number = shared.next_number();
    let result = shared.update_org(org, |data| {
        let before = Subject::of(data, endpoint, &body);
        let written = match endpoint.kind {
            EndpointKind::UpdateMember => set_role(data, id, &body["role"]),
            EndpointKind::RemoveMember => remove(data, id),
            EndpointKind::AddTeamMember => add_to_team(data, team, &body["user_id"], number),
            EndpointKind::RemoveTeamMember => remove_from_team(data, team, id),
            EndpointKind::CreateInvitation => invite(data, &body, number),
            _ => Err(Answer::not_found()),
        };
        if let Ok(made) = &written {
            before.record(
                data,
                endpoint.kind,
                &body,
                made.as_ref(),
                actor,
                entry_number,
            );
        }
        written
    });
    match result {
        Some(Ok(Some(value))) => Answer::json(&value),
        Some(Ok(None)) => Answer::no_content(),
        Some(Err(answer)) => answer,
        None => Answer::not_found(),
    }
}

/// Who and what a write is about, read before it changes anything: its audit entry's
/// subject (a removed member's email is gone afterwards).
struct Subject {
    org: (String, String),
    /// The member concerned: id, email, role before the change.
    user: Option<(String, String, String)>,
    /// The team concerned: id and slug.
    team: Option<(String, String)>,
}

impl Subject {
    fn of(org: &OrgData, endpoint: &Endpoint, body: &Value) -> Subject {
        let team = endpoint
            .team
            .as_deref()
            .and_then(|slug| org.team(slug))
            .map(|t| {
                let id = t.team["id"].as_str().unwrap_or_default();
                (id.to_owned(), t.slug().to_owned())
            });
        // The path's id is a user id, or (team removals) a membership id.
        let path_id = endpoint.user.as_deref();
        let membership_user = endpoint.team.as_deref().and_then(|slug| {
            let team = org.team(slug)?;
            let m = team.members.iter().find(|m| m["id"].as_str() == path_id)?;
            m["user"]["id"].as_str().map(str::to_owned)
        });
        let user_id = membership_user
            .or(path_id.map(str::to_owned))
            .or(body["user_id"].as_str().map(str::to_owned));
        let user = user_id.and_then(|id| {
            let member = org.member(&id)?;
            let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            Some((id, text(&member["user"]["email"]), text(&member["role"])))
        });
        Subject {
            org: (org.id().to_owned(), org.name().to_owned()),
            user,
            team,
        }
    }

    /// Records the change a successful write of `kind` made (`made`: what it answered).
    fn record(
        self,
        org: &mut OrgData,
        kind: EndpointKind,
        body: &Value,
        made: Option<&Value>,
        actor: &Actor,
        number: u64,
    ) {
        let (org_id, org_name) = &self.org;
        let organization = ("Organization", org_id.as_str(), org_name.as_str());
        let (user_id, email, role) = self.user.clone().unwrap_or_default();
        let user = ("User", user_id.as_str(), email.as_str());
        let (team_id, team_slug) = self.team.clone().unwrap_or_default();
        let team = ("Team", team_id.as_str(), team_slug.as_str());
        let text = |v: Option<&Value>, key: &str| {
            v.and_then(|v| v[key].as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let (invitation_id, invited) = (text(made, "id"), text(made, "email"));
        let change = |event_type, verb, auditable, target, metadata| audit::Change {
            event_type,
            verb,
            auditable,
            target,
            metadata,
        };
        let change = match kind {
            EndpointKind::UpdateMember => change(
                "organization",
                "updated_role",
                organization,
                user,
                json!({"role": body["role"], "previous_role": role}),
            ),
            EndpointKind::RemoveMember => change(
                "organization",
                "removed_member",
                organization,
                user,
                json!({"role": role}),
            ),
            EndpointKind::AddTeamMember => change(
                "team",
                "added_member",
                team,
                user,
                json!({"team": team_slug}),
            ),
            EndpointKind::RemoveTeamMember => change(
                "team",
                "removed_member",
                team,
                user,
                json!({"team": team_slug}),
            ),
            EndpointKind::CreateInvitation => change(
                "organization_invitation",
                "created",
                organization,
                ("OrganizationInvitation", &invitation_id, &invited),
                json!({"role": text(made, "role"), "email": invited}),
            ),
            _ => return,
        };
        audit::record(org, actor, change, number);
    }
}

/// What a write made (`None`: nothing to send back, a 204), or the answer refusing it.
type Written = Result<Option<Value>, Answer>;

fn set_role(org: &mut OrgData, user_id: &str, role: &Value) -> Written {
    let role = match role.as_str() {
        Some(role) if ROLES.contains(&role) => role,
        _ => {
            return Err(unprocessable(
                "role must be one of admin, analyst or member",
            ));
        }
    };
    if org.organization["idp_managed_roles"] == true {
        return Err(unprocessable(&format!(
            "the roles of organization {} are managed by your identity provider",
            org.name()
        )));
    }
    let Some(i) = member_index(org, user_id) else {
        return Err(Answer::not_found());
    };
    if role != "admin" && is_last_admin(org, i) {
        return Err(last_admin());
    }
    let member = &mut org.members[i];
    member["role"] = json!(role);
    member["updated_at"] = now();
    Ok(Some(member.clone()))
}

fn remove(org: &mut OrgData, user_id: &str) -> Written {
    let Some(i) = member_index(org, user_id) else {
        return Err(Answer::not_found());
    };
    if is_last_admin(org, i) {
        return Err(last_admin());
    }
    remove_member(org, user_id);
    Ok(None)
}

fn add_to_team(org: &mut OrgData, team_slug: &str, user_id: &Value, number: u64) -> Written {
    let name = org.name().to_owned();
    let Some(user_id) = user_id.as_str() else {
        return Err(unprocessable("user_id is required"));
    };
    let user = org.member(user_id).map(|m| m["user"].clone());
    let team = managed_check(org, team_slug)?;
    let Some(user) = user else {
        return Err(unprocessable(&format!(
            "user {user_id} is not a member of organization {name}"
        )));
    };
    if team.user_ids().any(|id| id == user_id) {
        return Err(unprocessable(&format!(
            "user {user_id} is already a member of team {team_slug}"
        )));
    }
    let id = format!("zw{number:010}");
    Ok(Some(join_team(team, user, id, now())))
}

fn remove_from_team(org: &mut OrgData, team_slug: &str, id: &str) -> Written {
    let team = managed_check(org, team_slug)?;
    // The path takes the membership id or the member's user id.
    let user_id = team
        .members
        .iter()
        .find(|m| m["id"] == id || m["user"]["id"] == id)
        .and_then(|m| m["user"]["id"].as_str())
        .map(str::to_owned);
    match user_id {
        Some(user_id) => {
            leave_team(team, &user_id);
            Ok(None)
        }
        None => Err(Answer::not_found()),
    }
}

/// Service tokens may invite only members; everyone invited holds no membership yet.
fn invite(org: &mut OrgData, body: &Value, number: u64) -> Written {
    let email = match body["email"].as_str() {
        Some(email) if email.contains('@') => email.to_owned(),
        _ => return Err(unprocessable("email is invalid")),
    };
    let role = body["role"].as_str().unwrap_or("member");
    if !ROLES.contains(&role) {
        return Err(unprocessable(
            "role must be one of admin, analyst or member",
        ));
    }
    if role != "member" {
        return Err(unprocessable(
            "service tokens can only invite members; an organization admin must invite admins \
             and analysts",
        ));
    }
    let same = |value: &Value| {
        value
            .as_str()
            .is_some_and(|e| e.eq_ignore_ascii_case(&email))
    };
    if org.members.iter().any(|m| same(&m["user"]["email"])) {
        return Err(unprocessable(&format!(
            "{email} is already a member of {}",
            org.name()
        )));
    }
    if org
        .invitations
        .iter()
        .any(|i| same(&i["email"]) && i["expired"] != true)
    {
        return Err(unprocessable(&format!("{email} has already been invited")));
    }
    let created = now_millis();
    let invitation = json!({
        "id": format!("zi{number:010}"),
        "email": email,
        "role": role,
        "sender": null,
        "recipient": null,
        "expired": false,
        "expires_at": timestamp(created.saturating_add(INVITATION_TTL_MS)),
        "created_at": timestamp(created),
        "avatar_url": "",
    });
    org.invitations.insert(0, invitation.clone());
    Ok(Some(invitation))
}

/// The team `slug`, unless it does not exist (404) or an identity provider manages it (422).
fn managed_check<'a>(org: &'a mut OrgData, team_slug: &str) -> Result<&'a mut TeamData, Answer> {
    let Some(team) = org.teams.iter_mut().find(|t| t.slug() == team_slug) else {
        return Err(Answer::not_found());
    };
    match team.team["managed"] == true {
        true => Err(unprocessable(&format!(
            "team {team_slug} is managed by your identity provider"
        ))),
        false => Ok(team),
    }
}

fn member_index(org: &OrgData, user_id: &str) -> Option<usize> {
    org.members.iter().position(|m| m["user"]["id"] == user_id)
}

/// Whether member `i` is the organization's only admin.
fn is_last_admin(org: &OrgData, i: usize) -> bool {
    org.members[i]["role"] == "admin" && org.role_count("admin") == 1
}

fn last_admin() -> Answer {
    unprocessable("an organization must keep at least one admin")
}

fn unprocessable(message: &str) -> Answer {
    refused(StatusCode::UNPROCESSABLE_ENTITY, message)
}

fn refused(status: StatusCode, message: &str) -> Answer {
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        _ => "unprocessable",
    };
    Answer::error(status, code, message)
}
