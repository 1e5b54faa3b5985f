//! Provisioning over the protocol: `Grant`, `Revoke` and `CreateAccount`, answered by the SDK's
//! [`provision`] (the same checks and refusals as on the command line), only with
//! [`Options::provisioning`](crate::Options::provisioning).

use connector_proto::{
    entitlement_from_proto, grant_from_proto, grant_to_proto, profile_from_proto,
    resource_from_proto, resource_to_proto,
};
use connector_sdk::provision::{self, Mode};
use connector_sdk::provision::{AccountContext, AccountInfo, GrantContext, Outcome, RevokeContext};
use tonic::{Request, Response, Status};

use crate::pb::v2::*;
use crate::services::{Services, failed};
use crate::status::invalid;

#[tonic::async_trait]
impl grant_manager_service_server::GrantManagerService for Services {
    async fn grant(
        &self,
        request: Request<GrantManagerServiceGrantRequest>,
    ) -> Result<Response<GrantManagerServiceGrantResponse>, Status> {
        self.require_provisioning()?;
        let request = request.into_inner();
        let (Some(entitlement), Some(principal)) = (request.entitlement, request.principal) else {
            return Err(invalid("a grant needs an entitlement and a principal"));
        };
        let cx = GrantContext {
            principal: resource_from_proto(principal),
            entitlement: entitlement_from_proto(entitlement),
            cancel: self.inner.cancel.child_token(),
        };
        let done = provision::grant(self.inner.connector.as_ref(), cx, Mode::Apply)
            .await
            .map_err(failed)?;
        let annotations = done.outcome.annotations();
        let grants = match &done.outcome {
            Outcome::Granted { grants } => grants.iter().map(grant_to_proto).collect(),
            _ => Vec::new(),
        };
        Ok(Response::new(GrantManagerServiceGrantResponse {
            annotations: annotations
                .iter()
                .map(connector_proto::annotation_to_any)
                .collect(),
            grants,
        }))
    }

    async fn revoke(
        &self,
        request: Request<GrantManagerServiceRevokeRequest>,
    ) -> Result<Response<GrantManagerServiceRevokeResponse>, Status> {
        self.require_provisioning()?;
        let grant = request
            .into_inner()
            .grant
            .ok_or_else(|| invalid("a revoke needs the grant"))?;
        let cx = RevokeContext {
            grant: grant_from_proto(grant),
            cancel: self.inner.cancel.child_token(),
        };
        let done = provision::revoke(self.inner.connector.as_ref(), cx, Mode::Apply)
            .await
            .map_err(failed)?;
        let annotations = done.outcome.annotations();
        Ok(Response::new(GrantManagerServiceRevokeResponse {
            annotations: annotations
                .iter()
                .map(connector_proto::annotation_to_any)
                .collect(),
        }))
    }
}

#[tonic::async_trait]
impl account_manager_service_server::AccountManagerService for Services {
    async fn create_account(
        &self,
        request: Request<CreateAccountRequest>,
    ) -> Result<Response<CreateAccountResponse>, Status> {
        use create_account_response::{
            ActionRequiredResult, AlreadyExistsResult, Result as Created, SuccessResult,
        };
        use credential_options::Options as Credential;

        self.require_provisioning()?;
        let request = request.into_inner();
        match request.credential_options.and_then(|c| c.options) {
            None | Some(Credential::NoPassword(_)) | Some(Credential::Sso(_)) => {}
            Some(_) => {
                return Err(invalid(
                    "this connector creates accounts without a password: ask for no password \
                     (or SSO)",
                ));
            }
        }
        let info = request.account_info.unwrap_or_default();
        let mut emails = info.emails;
        // The primary address first: it is the one an invitation goes to.
        emails.sort_by_key(|e| !e.is_primary);
        let account = AccountInfo {
            login: info.login,
            emails: emails.into_iter().map(|e| e.address).collect(),
            profile: info.profile.map(profile_from_proto).unwrap_or_default(),
        };
        let resource_type = Some(request.resource_type_id.as_str()).filter(|t| !t.is_empty());
        let cx = AccountContext {
            account,
            cancel: self.inner.cancel.child_token(),
        };
        let connector = self.inner.connector.as_ref();
        let done = provision::create_account(connector, resource_type, cx, Mode::Apply)
            .await
            .map_err(failed)?;
        let result = match done.outcome {
            Outcome::Created { resource } => Created::Success(SuccessResult {
                resource: resource.map(|r| resource_to_proto(&r)),
                is_create_account_result: true,
            }),
            Outcome::Invited => Created::ActionRequired(ActionRequiredResult {
                resource: None,
                message: done.detail,
                is_create_account_result: true,
            }),
            Outcome::AlreadyExists => Created::AlreadyExists(AlreadyExistsResult {
                resource: None,
                is_create_account_result: true,
            }),
            other => {
                return Err(Status::internal(format!(
                    "account creation ended as {}",
                    other.as_str()
                )));
            }
        };
        Ok(Response::new(CreateAccountResponse {
            result: Some(result),
            annotations: Vec::new(),
        }))
    }
}
