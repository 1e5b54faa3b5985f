//! `ConnectorService`: what the connector is and can do (`GetMetadata`), whether it can reach
//! its system (`Validate`), and the end of a sync (`Cleanup`).

use connector_proto::resource_type_to_proto;
use connector_sdk::Capability;
use tonic::{Request, Response, Status};

use crate::pb::v2::*;
use crate::services::{Services, failed};

#[tonic::async_trait]
impl connector_service_server::ConnectorService for Services {
    async fn get_metadata(
        &self,
        _: Request<ConnectorServiceGetMetadataRequest>,
    ) -> Result<Response<ConnectorServiceGetMetadataResponse>, Status> {
        let connector = self.inner.connector.as_ref();
        let about = connector.metadata();
        let capabilities = connector_sdk::capabilities(connector);
        let number = |c: &Capability| c.number();
        let account_provisioning = capabilities
            .connector
            .contains(&Capability::AccountProvisioning)
            .then(|| CredentialDetails {
                capability_account_provisioning: Some(CredentialDetailsAccountProvisioning {
                    supported_credential_options: vec![
                        CapabilityDetailCredentialOption::NoPassword as i32,
                    ],
                    preferred_credential_option: CapabilityDetailCredentialOption::NoPassword
                        as i32,
                }),
            });
        let metadata = ConnectorMetadata {
            display_name: about.display_name,
            description: about.description,
            capabilities: Some(ConnectorCapabilities {
                resource_type_capabilities: capabilities
                    .resource_types
                    .iter()
                    .map(|t| ResourceTypeCapability {
                        resource_type: Some(resource_type_to_proto(&t.resource_type)),
                        capabilities: t.capabilities.iter().map(number).collect(),
                    })
                    .collect(),
                connector_capabilities: capabilities.connector.iter().map(number).collect(),
                credential_details: account_provisioning,
            }),
            ..Default::default()
        };
        Ok(Response::new(ConnectorServiceGetMetadataResponse {
            metadata: Some(metadata),
        }))
    }

    async fn validate(
        &self,
        _: Request<ConnectorServiceValidateRequest>,
    ) -> Result<Response<ConnectorServiceValidateResponse>, Status> {
        self.inner.connector.validate().await.map_err(failed)?;
        Ok(Response::new(ConnectorServiceValidateResponse {
            annotations: Vec::new(),
            sdk_version: crate::BATON_SDK_VERSION.to_owned(),
        }))
    }

    async fn cleanup(
        &self,
        request: Request<ConnectorServiceCleanupRequest>,
    ) -> Result<Response<ConnectorServiceCleanupResponse>, Status> {
        let sync_id = request.into_inner().active_sync_id;
        self.syncs().retain(|s| {
            let keep = s.id != sync_id;
            if !keep {
                s.session.clear();
            }
            keep
        });
        Ok(Response::new(ConnectorServiceCleanupResponse::default()))
    }
}
