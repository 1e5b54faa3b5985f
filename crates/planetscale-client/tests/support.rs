//! Shared helpers: test credentials, clients pointed at a mock, the catch-all mock, a scripted
//! server for response sequences, and reference-shaped fixtures.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use httpmock::{Mock, MockServer};
use planetscale_client::{Client, ClientBuilder, Credentials, RetryPolicy, SecretString};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub const TOKEN_ID: &str = "pscale_tkn_testid";
/// Distinctive enough that finding it anywhere in output is a leak, never a coincidence.
pub const TOKEN: &str = "pscale_tok_S3CR3T_4c1d9e7b";
pub const AUTHORIZATION: &str = "pscale_tkn_testid:pscale_tok_S3CR3T_4c1d9e7b";

pub fn credentials() -> Credentials {
    Credentials::new(TOKEN_ID, SecretString::from(TOKEN)).unwrap()
}

/// Retries fast enough that a test spends milliseconds in backoff.
pub fn fast_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        max_total_wait: Duration::from_secs(5),
    }
}

/// A builder pointed at `base_url` with no throttle and fast retries.
pub fn builder_for(base_url: &str) -> ClientBuilder {
    Client::builder(credentials())
        .base_url(base_url)
        .requests_per_minute(None)
        .retry_policy(fast_retries(3))
        .timeout(Duration::from_secs(10))
}

pub fn client_for(server: &MockServer) -> Client {
    builder_for(&server.base_url()).build().unwrap()
}

/// The last-resort mock: register it after every expected one, so a request nobody expected
/// gets a 500 that says so instead of httpmock's bare 404.
pub async fn catch_all(server: &MockServer) -> Mock<'_> {
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500).json_body(json!({
                "code": "unexpected_request",
                "message": "no mock matched this request: a test expectation is missing"
            }));
        })
        .await
}

/// A mock for one page of a list endpoint, matching the page number and the client's
/// default `per_page`, and checking the headers every request must carry.
pub async fn page_mock<'a>(server: &'a MockServer, path: &str, page: u32, body: Value) -> Mock<'a> {
    let path = path.to_owned();
    server
        .mock_async(move |when, then| {
            when.method("GET")
                .path(path)
                .query_param("page", page.to_string())
                .query_param("per_page", "100")
                .header("authorization", AUTHORIZATION)
                .header("accept", "application/json");
            then.status(200).json_body(body);
        })
        .await
}

/// A list envelope shaped like the August 2026 spec.
pub fn envelope(items: Vec<Value>, page: u32, next_page: Option<u32>) -> Value {
    json!({
        "type": "list",
        "current_page": page,
        "per_page": 100,
        "next_page": next_page,
        "next_page_url": next_page.map(|n| format!("https://api.planetscale.com/v1/x?page={n}")),
        "prev_page": if page > 1 { Some(page - 1) } else { None },
        "prev_page_url": null,
        "total_count": items.len(),
        "total_pages": 1,
        "data": items,
    })
}

/// One HTTP response of a [`scripted_server`].
pub struct Scripted {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    /// Leave out `Content-Length` and end the body by closing the connection.
    pub unsized_body: bool,
}

impl Scripted {
    pub fn json(status: u16, body: Value) -> Self {
        Scripted {
            status,
            headers: Vec::new(),
            body: body.to_string(),
            unsized_body: false,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// A tiny HTTP/1.1 server on 127.0.0.1 that answers connection by connection with the
/// scripted responses in order (then 500s), for sequences httpmock cannot express. Returns
/// its base URL and the request heads it received.
pub async fn scripted_server(responses: Vec<Scripted>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    tokio::spawn(async move {
        let mut responses = responses.into_iter();
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let head = read_head(&mut socket).await;
            log.lock().unwrap().push(head);
            let response = responses.next().unwrap_or_else(|| {
                Scripted::json(
                    500,
                    json!({"code": "script_exhausted", "message": "no more responses"}),
                )
            });
            let mut text = format!(
                "HTTP/1.1 {} Scripted\r\nconnection: close\r\n",
                response.status
            );
            for (name, value) in &response.headers {
                text.push_str(&format!("{name}: {value}\r\n"));
            }
            if !response.unsized_body {
                text.push_str(&format!("content-length: {}\r\n", response.body.len()));
            }
            text.push_str("\r\n");
            text.push_str(&response.body);
            let _ = socket.write_all(text.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    (base_url, received)
}

async fn read_head(socket: &mut tokio::net::TcpStream) -> String {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

pub fn organization() -> Value {
    json!({
        "id": "k7w2m9d1qz4e",
        "name": "acme",
        "billing_email": "billing@acme.example",
        "created_at": "2024-03-05T17:22:10.512Z",
        "updated_at": "2026-07-30T08:01:44.003Z",
        "plan": "scaler_pro",
        "valid_billing_info": true,
        "sso": true,
        "sso_directory": false,
        "single_tenancy": false,
        "managed_tenancy": false,
        "has_past_due_invoices": false,
        "database_count": 4,
        "sso_portal_url": null,
        "features": {},
        "idp_managed_roles": false,
        "invoice_budget_amount": "0.0",
        "keyspace_shard_limit": 32,
        "has_card": true,
        "payment_info_required": false
    })
}

pub fn ada() -> Value {
    json!({
        "id": "p3x8r1v0n6ks",
        "role": "admin",
        "created_at": "2024-03-05T17:22:10.600Z",
        "updated_at": "2024-03-05T17:22:10.600Z",
        "user": {
            "id": "b5t0y7c2h9mq",
            "type": "User",
            "display_name": "Ada Lovelace",
            "name": "Ada Lovelace",
            "email": "ada@acme.example",
            "avatar_url": "https://app.planetscale.com/gravatar-fallback.png",
            "created_at": "2023-11-01T09:00:00.000Z",
            "updated_at": "2026-06-10T12:30:00.000Z",
            "two_factor_auth_configured": true,
            "default_organization": {
                "id": "k7w2m9d1qz4e",
                "name": "acme",
                "created_at": "2024-03-05T17:22:10.512Z",
                "updated_at": "2026-07-30T08:01:44.003Z",
                "deleted_at": null
            },
            "sso": true,
            "managed": false,
            "directory_managed": false,
            "email_verified": true
        }
    })
}

pub fn grace() -> Value {
    json!({
        "id": "z1q6e4w8u2aj",
        "role": "member",
        "created_at": "2025-01-20T14:05:00.000Z",
        "updated_at": "2025-01-20T14:05:00.000Z",
        "user": grace_user()
    })
}

/// A member shaped like the older API: analyst role, and the optional user flags absent.
pub fn analyst() -> Value {
    json!({
        "id": "c9v3b7n1m5xq",
        "role": "analyst",
        "user": {
            "id": "r4e8w2q6t0yu",
            "display_name": "Lin Analyst",
            "name": null,
            "email": "lin@acme.example",
            "avatar_url": "",
            "two_factor_auth_configured": false
        }
    })
}

pub fn grace_user() -> Value {
    json!({
        "id": "f8n3l5s0d7gr",
        "type": "User",
        "display_name": "grace@acme.example",
        "name": null,
        "email": "grace@acme.example",
        "avatar_url": "",
        "created_at": "2025-01-20T14:04:00.000Z",
        "updated_at": "2025-01-20T14:04:00.000Z",
        "two_factor_auth_configured": false,
        "default_organization": null,
        "sso": null,
        "managed": null,
        "directory_managed": null,
        "email_verified": false
    })
}

pub fn team() -> Value {
    json!({
        "id": "t4m9c2x7v1bz",
        "name": "Platform",
        "display_name": "Platform",
        "slug": "platform",
        "description": "Platform team",
        "managed": false,
        "creator": {"id": "b5t0y7c2h9mq", "display_name": "Ada Lovelace", "avatar_url": ""},
        "members": [grace_user()],
        "databases": [{
            "id": "d0a6s3k8j2lp",
            "name": "orders",
            "url": "https://api.planetscale.com/v1/organizations/acme/databases/orders",
            "branches_url": "https://api.planetscale.com/v1/organizations/acme/databases/orders/branches"
        }],
        "analyst_databases": [],
        "created_at": "2025-02-01T10:00:00.000Z",
        "updated_at": "2025-02-01T10:00:00.000Z"
    })
}

/// A database branch password as team-membership bodies embed it.
pub const BRANCH_PASSWORD: &str = "pscale_pw_BR4NCH_S3CR3T_91ab";

pub fn team_member() -> Value {
    json!({
        "id": "m2r7k0p5w9yc",
        "user": grace_user(),
        "actor": {"id": "b5t0y7c2h9mq", "display_name": "Ada Lovelace", "avatar_url": ""},
        "created_at": "2025-02-01T10:05:00.000Z",
        "updated_at": "2025-02-01T10:05:00.000Z",
        "passwords": [{
            "id": "pw0a1b2c3d4e",
            "name": "grace-orders",
            "role": "reader",
            "username": "grace_ro",
            "plain_text": BRANCH_PASSWORD,
            "access_host_url": "aws.connect.psdb.cloud",
            "database_branch": {"name": "main", "id": "br9z8y7x6w5v", "production": true}
        }]
    })
}

pub fn service_token() -> Value {
    json!({
        "id": "txhc257pxjuc",
        "name": "ci-deployer",
        "display_name": "ci-deployer",
        "token": null,
        "avatar_url": "https://app.planetscale.com/gravatar-fallback.png",
        "created_at": "2025-05-01T00:00:00.000Z",
        "updated_at": "2025-05-01T00:00:00.000Z",
        "expires_at": null,
        "last_used_at": "2026-08-01T12:00:00.000Z",
        "actor_id": "b5t0y7c2h9mq",
        "actor_display_name": "Ada Lovelace",
        "actor_type": "User",
        "service_token_accesses": [{
            "id": "hjqui654yu71",
            "access": "read_organization",
            "description": "Read organization",
            "resource_name": "acme",
            "resource_id": "k7w2m9d1qz4e",
            "resource_type": "Organization",
            "resource": {
                "id": "k7w2m9d1qz4e",
                "name": "acme",
                "created_at": "2024-03-05T17:22:10.512Z",
                "updated_at": "2026-07-30T08:01:44.003Z",
                "deleted_at": null
            }
        }],
        "oauth_accesses_by_resource": null
    })
}

/// Secrets an OAuth token body may carry, which the models must drop.
pub const OAUTH_TOKEN_SECRET: &str = "pscale_oauth_T0K3N_S3CR3T_77cd";
pub const OAUTH_REFRESH_SECRET: &str = "pscale_oauth_refresh_R3FR3SH_S3CR3T_88ef";

pub fn database() -> Value {
    json!({
        "id": "d0a6s3k8j2lp",
        "url": "https://api.planetscale.com/v1/organizations/acme/databases/orders",
        "branches_url": "https://api.planetscale.com/v1/organizations/acme/databases/orders/branches",
        "branches_count": 3,
        "production_branches_count": 1,
        "development_branches_count": 2,
        "ready": true,
        "multiple_admins_required_for_deletion": true,
        "data_import": null,
        "region": {"id": "us-east", "provider": "AWS", "enabled": true, "public_ip_addresses": ["3.3.3.3"],
                   "display_name": "AWS us-east-1", "location": "Ashburn, Virginia", "slug": "us-east",
                   "current_default": true},
        "html_url": "https://app.planetscale.com/acme/orders",
        "name": "orders",
        "state": "ready",
        "sharded": false,
        "default_branch": "main",
        "require_approval_for_deploy": true,
        "deletion_protected": true,
        "plan": "scaler_pro",
        "created_at": "2024-04-01T09:00:00.000Z",
        "updated_at": "2026-07-01T09:00:00.000Z",
        "schema_last_updated_at": null,
        "kind": "mysql"
    })
}

pub fn oauth_application() -> Value {
    json!({
        "id": "app4r8t2k6m0",
        "name": "Schema Insights",
        "redirect_uri": "https://insights.example/callback",
        "domain": "insights.example",
        "created_at": "2025-03-01T00:00:00.000Z",
        "updated_at": "2025-03-01T00:00:00.000Z",
        "scopes": "read_databases read_branches",
        "avatar": "",
        "client_id": "pscale_app_client_public01",
        "tokens": 1,
        "dcr": false,
        "single_org_authorization": true,
        "requires_org_scope": true,
        "scopes_by_resource": {},
        "all_scopes_by_resource": {}
    })
}

pub fn oauth_token() -> Value {
    json!({
        "id": "oat7y3u9i1o5",
        "name": null,
        "display_name": "Schema Insights",
        "token": OAUTH_TOKEN_SECRET,
        "plain_text_refresh_token": OAUTH_REFRESH_SECRET,
        "avatar_url": "",
        "created_at": "2025-03-02T00:00:00.000Z",
        "updated_at": "2025-03-02T00:00:00.000Z",
        "expires_at": "2026-11-02T00:00:00.000Z",
        "last_used_at": null,
        "actor_id": "b5t0y7c2h9mq",
        "actor_display_name": "Ada Lovelace",
        "actor_type": "User",
        "oauth_accesses_by_resource": {
            "database": {
                "databases": [{"name": "orders", "id": "d0a6s3k8j2lp", "organization": "acme",
                               "url": "https://api.planetscale.com/v1/organizations/acme/databases/orders"}],
                "accesses": [{"name": "read_databases", "description": "Read databases"}]
            },
            "organization": {"organizations": [{"name": "acme", "id": "k7w2m9d1qz4e", "url": ""}], "accesses": []},
            "branch": {"branches": [], "accesses": []},
            "user": {"users": [{"name": "Ada Lovelace", "id": "b5t0y7c2h9mq"}],
                     "accesses": [{"name": "read_user", "description": "Read user"}]}
        }
    })
}

pub fn invitation() -> Value {
    json!({
        "id": "i5n7v1t3e9ab",
        "email": "new.hire@acme.example",
        "role": "member",
        "sender": {"id": "b5t0y7c2h9mq", "display_name": "Ada Lovelace"},
        "recipient": null,
        "expired": false,
        "expires_at": "2026-10-14T00:00:00.000Z",
        "created_at": "2026-10-07T00:00:00.000Z",
        "avatar_url": ""
    })
}

/// A server on 127.0.0.1 that answers every connection with `body` after `hold`, serving
/// connections concurrently, and records the most it ever had open at once.
pub async fn concurrency_server(
    hold: std::time::Duration,
    body: Value,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let most = Arc::new(AtomicUsize::new(0));
    let open = Arc::new(AtomicUsize::new(0));
    let record = most.clone();
    let body = body.to_string();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let (open, record, body) = (open.clone(), record.clone(), body.clone());
            tokio::spawn(async move {
                let now_open = open.fetch_add(1, Ordering::SeqCst) + 1;
                record.fetch_max(now_open, Ordering::SeqCst);
                read_head(&mut socket).await;
                tokio::time::sleep(hold).await;
                let text = format!(
                    "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                open.fetch_sub(1, Ordering::SeqCst);
                let _ = socket.write_all(text.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (base_url, most)
}
