//! Mutual TLS: the server proves itself with a certificate and key, and accepts only clients
//! whose certificate the given CA signed — from PEM files, or from the Ed25519 material baton
//! hands a connector subprocess.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tonic::transport::{Certificate, Identity, ServerTlsConfig};

use crate::pb::c1::utls::v1::Credential;

/// A mutual-TLS configuration for [`serve`](crate::serve).
#[derive(Clone, Debug)]
pub struct Tls {
    pub(crate) config: ServerTlsConfig,
}

/// Why TLS material cannot be used. Never holds key material.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file cannot be read.
    #[error("cannot read the TLS {what} {path}: {source}")]
    Read {
        /// `CA certificate`, `certificate` or `key`.
        what: &'static str,
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A file or value is not what it should be.
    #[error("{0}")]
    Invalid(String),
}

impl Tls {
    /// Mutual TLS from PEM files: the CA that signs the clients' certificates, the server's
    /// certificate (chain) and its private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem_files(ca: &Path, cert: &Path, key: &Path) -> Result<Tls, TlsError> {
        let read = |what: &'static str, path: &Path| {
            std::fs::read(path).map_err(|source| TlsError::Read {
                what,
                path: path.display().to_string(),
                source,
            })
        };
        let (ca_pem, cert_pem, key_pem) = (
            read("CA certificate", ca)?,
            read("certificate", cert)?,
            read("key", key)?,
        );
        for (what, path, pem, label) in [
            ("CA certificate", ca, &ca_pem, "CERTIFICATE"),
            ("certificate", cert, &cert_pem, "CERTIFICATE"),
            ("key", key, &key_pem, "PRIVATE KEY"),
        ] {
            let text = String::from_utf8_lossy(pem);
            if !text.contains(&format!("{label}-----")) {
                return Err(TlsError::Invalid(format!(
                    "the TLS {what} {} is not PEM (no {label} block): give a PEM file",
                    path.display()
                )));
            }
        }
        Ok(Tls::from_pem(ca_pem, cert_pem, key_pem))
    }

    /// Mutual TLS from baton's `c1.utls.v1.Credential`: DER certificates and a raw Ed25519 key
    /// (Go's 64-byte `ed25519.PrivateKey`, or its 32-byte seed).
    pub fn from_baton(credential: &Credential) -> Result<Tls, TlsError> {
        if credential.ca_cert.is_empty() || credential.cert.is_empty() {
            return Err(TlsError::Invalid(
                "baton's server configuration has no CA certificate or no certificate".into(),
            ));
        }
        let seed = match credential.key.len() {
            32 | 64 => &credential.key[..32],
            n => {
                return Err(TlsError::Invalid(format!(
                    "baton's server key is {n} bytes; an Ed25519 key is 64 (or its 32-byte seed)"
                )));
            }
        };
        // PKCS#8 (RFC 8410) of an Ed25519 key: a fixed header, then the seed.
        const ED25519_PKCS8: [u8; 16] = [
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        let mut pkcs8 = ED25519_PKCS8.to_vec();
        pkcs8.extend_from_slice(seed);
        Ok(Tls::from_pem(
            pem("CERTIFICATE", &credential.ca_cert),
            pem("CERTIFICATE", &credential.cert),
            pem("PRIVATE KEY", &pkcs8),
        ))
    }

    fn from_pem(ca: impl AsRef<[u8]>, cert: impl AsRef<[u8]>, key: impl AsRef<[u8]>) -> Tls {
        let config = ServerTlsConfig::new()
            .identity(Identity::from_pem(cert, key))
            .client_ca_root(Certificate::from_pem(ca))
            .client_auth_optional(false);
        Tls { config }
    }
}

/// `der` as a PEM block labelled `label`.
fn pem(label: &str, der: &[u8]) -> Vec<u8> {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out.into_bytes()
}
