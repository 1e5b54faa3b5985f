//! `invitation`: the pending invitations of each organization (children of the organization
//! resource), as baton-github models them: principals with the user trait (the invited email,
//! status unspecified until accepted), with who sent the invitation, the role it will grant and
//! when it expires in the profile. A pending invitation holds the organization entitlements it
//! will grant (`member`, and `admin` or `analyst`): access about to begin, which a review sees
//! and a diff shows appear, then move to the person who accepted. An expired one holds nothing.

use connector_sdk::paging::FetchedPage;
use connector_sdk::{
    Annotation, ConnectorError, Grant, Profile, Resource, ResourceId, ResourceType,
    SessionCache, StatusKind, Trait, UserTrait,
};
use planetscale_client::{Invitation, Role};

use super::children::{self, OrgChild};
use super::{non_blank, put, timestamp};
use crate::api::Api;
use crate::cache::OrgEntry;
use crate::lists::part_listing;
use crate::parts::{ORGANIZATION, Part};

pub(crate) const ID: &str = "invitation";

pub(crate) fn resource_type() -> ResourceType {
    ResourceType::new(ID, "Invitation", &[Trait::User])
        .with_description(
            "A pending invitation to a PlanetScale organization: access that begins when the \
             invitee accepts",
        )
        .with_annotation(Annotation::SkipEntitlements)
}

/// Lists the invitations of each organization; grants each pending one the roles it will give.
pub(crate) type Syncer = children::Syncer<Invitations>;

/// The pending invitations of an organization.
#[derive(Debug)]
pub(crate) struct Invitations;

impl OrgChild for Invitations {
    const PART: Part = Part::Invitations;
    type Item = Invitation;

    fn resource_type() -> ResourceType {
        resource_type()
    }


    async fn fetch(
        api: &Api,
        org: &OrgEntry,
        page: u32,
    ) -> Result<FetchedPage<Invitation>, ConnectorError> {
        let listed = api.client.list_invitations(&org.name, page).await;
        part_listing(Self::PART, listed, &org.name)
    }

    fn id(invitation: &Invitation) -> &str {
        &invitation.id
    }

    fn resource(
        _: &SessionCache,
        invitation: &Invitation,
        org: &OrgEntry,
        parent: &ResourceId,
    ) -> Resource {
        invitation_resource(invitation, &org.name, parent)
    }

    fn grants(invitation: &Resource) -> Vec<Grant> {
        invitation_grants(invitation)
    }
}

/// The resource of one invitation, a child of its organization.
pub(crate) fn invitation_resource(
    invitation: &Invitation,
    org_name: &str,
    parent: &ResourceId,
) -> Resource {
    let email = non_blank(Some(&invitation.email)).unwrap_or(&invitation.id);
    let expired = invitation.expired.unwrap_or(false);
    let mut user_trait = UserTrait::new().with_email(email, true).with_login(email);
    if let Some(status) = user_trait.status.as_mut() {
        status.status = StatusKind::Unspecified;
        status.details = match expired {
            true => "invitation expired",
            false => "invitation pending",
        }
        .to_owned();
    }
    let sender = invitation.sender.as_ref();
    let mut profile = Profile::new();
    put(&mut profile, "organization", Some(org_name));
    put(&mut profile, "email", Some(email));
    put(&mut profile, "role", Some(invitation.role.as_str()));
    put(&mut profile, "expired", Some(expired));
    put(&mut profile, "expires_at", invitation.expires_at.as_deref());
    put(&mut profile, "created_at", invitation.created_at.as_deref());
    put(&mut profile, "sender_id", sender.map(|s| s.id.as_str()));
    let sender_name = sender.and_then(|s| non_blank(s.display_name.as_ref()));
    put(&mut profile, "sender", sender_name);
    put(
        &mut profile,
        "sender_email",
        sender.and_then(|s| non_blank(s.email.as_ref())),
    );
    put(
        &mut profile,
        "recipient_id",
        invitation.recipient.as_ref().map(|r| r.id.as_str()),
    );
    let mut resource = Resource::new(&resource_type(), invitation.id.as_str(), email)
        .with_parent(parent.clone())
        .with_description(format!(
            "Invitation of {email} to PlanetScale organization {org_name} as {}",
            invitation.role
        ))
        .with_profile(profile)
        .with_annotation(user_trait);
    if let Some(created_at) = timestamp(invitation.created_at.as_deref()) {
        resource = resource.with_created_at(created_at);
    }
    resource
}

/// What a pending invitation will grant in its organization, read back from its resource:
/// `member`, and its role when that is `admin` or `analyst`. Nothing once expired.
pub(crate) fn invitation_grants(invitation: &Resource) -> Vec<Grant> {
    let field = |key: &str| invitation.profile.as_ref().and_then(|p| p.get(key));
    let expired = field("expired").and_then(|v| v.as_bool()).unwrap_or(false);
    let (Some(org), false) = (invitation.parent.as_ref(), expired) else {
        return Vec::new();
    };
    let org = Resource {
        id: ResourceId::new(ORGANIZATION, org.resource.as_str()),
        ..Resource::default()
    };
    let role = field("role").and_then(|v| v.as_str()).unwrap_or_default();
    let mut grants = vec![Grant::new(&org, "member", invitation.id.clone())];
    if matches!(Role::from(role), Role::Admin | Role::Analyst) {
        grants.push(Grant::new(&org, role, invitation.id.clone()));
    }
    grants
}

#[cfg(test)]
mod tests {
    use connector_sdk::Value;
    use serde_json::json;

    use super::*;

    fn invitation(fields: serde_json::Value) -> Invitation {
        let mut base = json!({ "id": "i1", "email": "new@acme.example", "role": "admin",
                               "sender": {"id": "u1", "display_name": "Ada", "email": "ada@acme.example"},
                               "expires_at": "2026-08-08T00:00:00.000Z", "expired": false });
        base.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn a_pending_invitation_holds_the_roles_it_will_grant() {
        let parent = ResourceId::new("organization", "o1");
        let r = invitation_resource(&invitation(json!({})), "acme", &parent);
        assert_eq!(r.id, ResourceId::new("invitation", "i1"));
        assert_eq!(r.display_name, "new@acme.example");
        let t = r.user_trait().unwrap();
        assert_eq!(t.primary_email(), Some("new@acme.example"));
        let status = t.status.as_ref().unwrap();
        assert_eq!(
            (status.status, status.details.as_str()),
            (StatusKind::Unspecified, "invitation pending")
        );
        let profile = r.profile.as_ref().unwrap();
        assert_eq!(profile["sender"], Value::from("Ada"));
        assert_eq!(profile["role"], Value::from("admin"));
        let ids: Vec<String> = invitation_grants(&r).into_iter().map(|g| g.id).collect();
        assert_eq!(
            ids,
            [
                "organization:o1:member:invitation:i1",
                "organization:o1:admin:invitation:i1"
            ]
        );
    }

    #[test]
    fn an_expired_invitation_holds_nothing_and_a_member_one_membership() {
        let parent = ResourceId::new("organization", "o1");
        let expired = invitation_resource(&invitation(json!({"expired": true})), "acme", &parent);
        assert!(invitation_grants(&expired).is_empty());
        let member = invitation_resource(&invitation(json!({"role": "member"})), "acme", &parent);
        assert_eq!(invitation_grants(&member).len(), 1);
        let odd = invitation_resource(&invitation(json!({"role": "billing"})), "acme", &parent);
        assert_eq!(invitation_grants(&odd).len(), 1);
    }
}
