//! A running `planetscale-fake`, and its control endpoints asked over HTTP.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::release_bin;

/// A running `planetscale-fake` process, killed on drop.
pub(super) struct Fake {
    child: Child,
    /// The API's base URL, as the fake prints it (`http://127.0.0.1:<port>/`).
    pub(super) url: String,
    /// No proxy: the fake is on loopback, whatever the environment says.
    http: reqwest::blocking::Client,
}

impl Fake {
    pub(super) fn start(data_args: &[String], extra: &[&str]) -> Result<Self, String> {
        let mut child = Command::new(release_bin("planetscale-fake"))
            .args(data_args)
            .args(extra)
            .args(["--port", "0", "--seed", "42"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting planetscale-fake: {e}"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or("planetscale-fake has no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("reading planetscale-fake's address: {e}"))?;
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("planetscale-fake said `{}`, not its address", line.trim()))?
            .to_owned();
        let http = reqwest::blocking::Client::builder()
            .no_proxy()
            .build()
            .map_err(|e| format!("building the HTTP client: {e}"))?;
        Ok(Fake { child, url, http })
    }

    /// The CPU time the fake has used so far.
    pub(super) fn cpu(&self) -> Duration {
        super::sampling::cpu_of(self.child.id()).unwrap_or_default()
    }

    /// `path` of the fake (a control endpoint) as JSON.
    fn get_json(&self, path: &str) -> Result<Value, String> {
        get_json(&self.http, &self.url, path)
    }

    pub(super) fn stats(&self) -> Result<Value, String> {
        self.get_json("/__fake/stats")
    }

    pub(super) fn total_requests(&self) -> Result<u64, String> {
        // The fake records API requests only; the harness's control requests are not counted.
        self.stats()?["total"]
            .as_u64()
            .ok_or_else(|| "fake stats lack a total".to_owned())
    }

    pub(super) fn count_status(&self, status: u16) -> Result<u64, String> {
        Ok(self.stats()?["by_status"][status.to_string()]
            .as_u64()
            .unwrap_or(0))
    }

    /// The connector's minimum (the formula in `planetscale-connector`'s docs), with every
    /// optional part or none, as the fake works it out from the data it serves.
    pub(super) fn minimum_requests(&self, opt_ins: bool) -> Result<u64, String> {
        let query = match opt_ins {
            true => super::scenarios::opt_ins_query(),
            false => String::new(),
        };
        let minimum = self.get_json(&format!("/__fake/minimum-requests{query}"))?;
        minimum
            .as_u64()
            .ok_or_else(|| format!("the fake's minimum is not a number: {minimum}"))
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `path` under `base` (the fake's URL) as JSON.
fn get_json(http: &reqwest::blocking::Client, base: &str, path: &str) -> Result<Value, String> {
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let failed = |e: reqwest::Error| format!("fake {path}: {}", e.without_url());
    let response = http.get(url).send().map_err(failed)?;
    response.json().map_err(failed)
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    /// The fake answers its control endpoints in chunks (axum): the JSON comes back whole.
    #[test]
    fn control_answers_are_read_whole_from_a_chunked_body() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0; 1024];
            let n = stream.read(&mut request).unwrap();
            let line = String::from_utf8_lossy(&request[..n])
                .lines()
                .next()
                .unwrap()
                .to_owned();
            stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                      transfer-encoding: chunked\r\nconnection: close\r\n\r\n\
                      5\r\n{\"tot\r\n8\r\nal\": 42}\r\n0\r\n\r\n",
                )
                .unwrap();
            line
        });
        let http = reqwest::blocking::Client::builder()
            .no_proxy()
            .build()
            .unwrap();
        let stats = get_json(&http, &base, "/__fake/stats").unwrap();
        assert_eq!(stats["total"], 42);
        assert_eq!(server.join().unwrap(), "GET /__fake/stats HTTP/1.1");
    }
}
