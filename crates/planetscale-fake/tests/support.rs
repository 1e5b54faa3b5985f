use planetscale_fake::{DEFAULT_TOKEN, DEFAULT_TOKEN_ID, DataSpec, FakeConfig, FakeServer};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// The `Authorization` value of the default token.
pub fn default_auth() -> String {
    format!("{DEFAULT_TOKEN_ID}:{DEFAULT_TOKEN}")
}

/// A running fake and a client for it.
pub struct Fake {
    pub server: FakeServer,
    client: reqwest::Client,
}

/// One answer, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Fake {
    /// The small seeded dataset with the default config.
    pub async fn small() -> Fake {
        Fake::start(FakeConfig::new(small_spec().generate())).await
    }

    pub async fn start(config: FakeConfig) -> Fake {
        let server = FakeServer::start(config).await.expect("fake starts");
        Fake {
            server,
            client: reqwest::Client::new(),
        }
    }

    /// GET `path` (under the origin, e.g. `/v1/organizations`) with the default token.
    pub async fn get(&self, path: &str) -> Reply {
        self.get_as(path, Some(&default_auth())).await
    }

    /// GET `path` with this `Authorization` header, or none.
    pub async fn get_as(&self, path: &str, auth: Option<&str>) -> Reply {
        self.try_get_as(path, auth)
            .await
            .expect("request succeeds at the HTTP level")
    }

    pub async fn try_get_as(&self, path: &str, auth: Option<&str>) -> reqwest::Result<Reply> {
        let url = format!("{}{path}", self.server.url());
        self.send(self.client.get(url), auth).await
    }

    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
        auth: Option<&str>,
    ) -> reqwest::Result<Reply> {
        let request = match auth {
            Some(auth) => request.header("Authorization", auth),
            None => request,
        };
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await?;
        Ok(Reply {
            status,
            headers,
            text,
        })
    }

    /// A request builder for a control endpoint.
    pub fn control(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.server.url()))
    }

    /// `PUT`s `body` to a control endpoint and returns the answer.
    pub async fn put(&self, path: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.control(reqwest::Method::PUT, path)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// The answer's JSON with this server's origin replaced by `http://fake`, so snapshots
    /// do not depend on the port.
    pub fn portless(&self, reply: &Reply) -> Value {
        serde_json::from_str(&reply.text.replace(&self.server.url(), "http://fake"))
            .expect("answer is JSON")
    }
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("answer is not JSON ({e}): {}", self.text))
    }

    /// The `id`s of a list answer's items.
    pub fn ids(&self) -> Vec<String> {
        self.json()["data"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|item| item["id"].as_str().expect("an id").to_string())
            .collect()
    }
}

/// The small preset with its invitations dated against a fixed day (2026-08-01, the end of
/// the generated window), so that wire snapshots hold on any day.
pub fn small_spec() -> DataSpec {
    DataSpec {
        invitations_as_of_ms: Some(1_785_542_400_000),
        ..DataSpec::small()
    }
}
