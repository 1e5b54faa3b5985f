//! Mutual TLS: the server proves itself with a certificate and key, and accepts only clients
//! whose certificate the given CA signed — from PEM files, or from the Ed25519 material baton
//! hands a connector subprocess.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rustls::pki_types::pem::{Error as PemError, PemObject as _};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tonic::transport::{Certificate, Identity, ServerTlsConfig};

use crate::pb::c1::utls::v1::Credential;

/// A mutual-TLS configuration for [`serve`](crate::serve), checked when made: the server's
/// certificate and key are a pair the TLS library accepts, and the CA is one it verifies clients
/// with.
#[derive(Clone, Debug)]
pub struct Tls {
    pub(crate) config: ServerTlsConfig,
}

/// One of the three parts of mutual-TLS material.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsFile {
    /// The CA certificate that signs the clients' certificates.
    Ca,
    /// The server's certificate (chain).
    Cert,
    /// The server's private key.
    Key,
}

impl fmt::Display for TlsFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsFile::Ca => "CA certificate",
            TlsFile::Cert => "certificate",
            TlsFile::Key => "key",
        })
    }
}

/// Why TLS material cannot be used. Never holds key material.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file cannot be read.
    #[error("cannot read the TLS {file} {path}: {source}")]
    Read {
        /// Which part.
        file: TlsFile,
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A file was read, and what it holds cannot be used.
    #[error("the TLS {file} {path} {problem}")]
    File {
        /// Which part is at fault (the key when it does not match the certificate).
        file: TlsFile,
        /// The file.
        path: String,
        /// What is wrong with it and what to give instead.
        problem: String,
    },
    /// baton's material cannot be used.
    #[error("{0}")]
    Invalid(String),
}

impl TlsError {
    /// The part at fault, when the material came from files.
    pub fn file(&self) -> Option<TlsFile> {
        match self {
            TlsError::Read { file, .. } | TlsError::File { file, .. } => Some(*file),
            TlsError::Invalid(_) => None,
        }
    }
}

impl Tls {
    /// Mutual TLS from PEM files: the CA that signs the clients' certificates, the server's
    /// certificate (chain) and its private key (PKCS#8, PKCS#1 or SEC1). Fails, naming the file
    /// and the cause, unless serving with them would work.
    pub fn from_pem_files(ca: &Path, cert: &Path, key: &Path) -> Result<Tls, TlsError> {
        let read = |file: TlsFile, path: &Path| {
            std::fs::read(path).map_err(|source| TlsError::Read {
                file,
                path: path.display().to_string(),
                source,
            })
        };
        let (ca_pem, cert_pem, key_pem) = (
            read(TlsFile::Ca, ca)?,
            read(TlsFile::Cert, cert)?,
            read(TlsFile::Key, key)?,
        );
        Tls::checked(ca_pem, cert_pem, key_pem).map_err(|problem| {
            let (file, problem) = match problem {
                Problem::In(file, cause) => {
                    let give = match file {
                        TlsFile::Ca => "the CA certificate that signs the clients' certificates",
                        TlsFile::Cert => "the server's certificate (its chain, its own first)",
                        TlsFile::Key => "the server's private key (PKCS#8, PKCS#1 or SEC1)",
                    };
                    (file, format!("{cause}: give {give} as a PEM file"))
                }
                Problem::Mismatch => (
                    TlsFile::Key,
                    format!(
                        "is not the private key of the certificate {}: give the key that \
                         certificate was issued for",
                        cert.display()
                    ),
                ),
            };
            let path = match file {
                TlsFile::Ca => ca,
                TlsFile::Cert => cert,
                TlsFile::Key => key,
            };
            TlsError::File {
                file,
                path: path.display().to_string(),
                problem,
            }
        })
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
        Tls::checked(
            pem("CERTIFICATE", &credential.ca_cert),
            pem("CERTIFICATE", &credential.cert),
            pem("PRIVATE KEY", &pkcs8),
        )
        .map_err(|problem| {
            TlsError::Invalid(match problem {
                Problem::In(file, cause) => {
                    format!("baton's server configuration cannot be used: its {file} {cause}")
                }
                Problem::Mismatch => "baton's server configuration cannot be used: its key is \
                                      not the key of its certificate"
                    .to_owned(),
            })
        })
    }

    /// The configuration of PEM material, once [`check`] finds the TLS library accepts it.
    fn checked(ca: Vec<u8>, cert: Vec<u8>, key: Vec<u8>) -> Result<Tls, Problem> {
        check(&ca, &cert, &key)?;
        let config = ServerTlsConfig::new()
            .identity(Identity::from_pem(cert, key))
            .client_ca_root(Certificate::from_pem(ca))
            .client_auth_optional(false);
        // tonic builds its own rustls configuration from the same PEM; one it cannot build would
        // stop `serve` only after it printed its address. `check` should have refused it already.
        tonic::transport::Server::builder()
            .tls_config(config.clone())
            .map_err(|e| {
                let mut cause = e.to_string();
                let mut next = std::error::Error::source(&e);
                while let Some(e) = next {
                    cause = format!("{cause}: {e}");
                    next = e.source();
                }
                Problem::In(TlsFile::Cert, format!("is refused by the server ({cause})"))
            })?;
        Ok(Tls { config })
    }
}

/// What is wrong with mutual-TLS material.
enum Problem {
    /// This part is unusable, for this reason.
    In(TlsFile, String),
    /// The key is not the certificate's.
    Mismatch,
}

/// Builds the rustls server configuration from PEM material as tonic does (the same parsing,
/// client verifier and certificate-and-key check; tonic skips CA certificates it cannot parse,
/// here they are refused), and says which part fails and why.
fn check(ca: &[u8], cert: &[u8], key: &[u8]) -> Result<(), Problem> {
    let certificates = |file: TlsFile, text: &[u8]| {
        let found = CertificateDer::pem_slice_iter(text)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Problem::In(file, not_pem(&e, "CERTIFICATE")))?;
        match found.is_empty() {
            true => Err(Problem::In(
                file,
                "is not PEM (no CERTIFICATE block)".into(),
            )),
            false => Ok(found),
        }
    };
    let mut roots = RootCertStore::empty();
    for der in certificates(TlsFile::Ca, ca)? {
        roots.add(der).map_err(|e| {
            Problem::In(
                TlsFile::Ca,
                format!(
                    "holds a certificate the TLS library rejects ({})",
                    rejected(&e)
                ),
            )
        })?;
    }
    let verifier = WebPkiClientVerifier::builder(Arc::new(roots))
        .build()
        .map_err(|e| Problem::In(TlsFile::Ca, format!("cannot verify clients ({e})")))?;
    let chain = certificates(TlsFile::Cert, cert)?;
    let key = PrivateKeyDer::from_pem_slice(key)
        .map_err(|e| Problem::In(TlsFile::Key, not_pem(&e, "PRIVATE KEY")))?;
    match ServerConfig::builder()
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
    {
        Ok(_) => Ok(()),
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            Err(Problem::Mismatch)
        }
        Err(
            e @ (rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented),
        ) => Err(Problem::In(
            TlsFile::Cert,
            format!(
                "is a certificate the TLS library rejects ({})",
                rejected(&e)
            ),
        )),
        // The one other failure: a key of a type or form the TLS library cannot sign with.
        Err(_) => Err(Problem::In(
            TlsFile::Key,
            "is not an RSA, ECDSA or Ed25519 private key the TLS library can use".into(),
        )),
    }
}

/// Why PEM text yields no `label` block, in words that quote nothing of the file (it may be a
/// key).
fn not_pem(error: &PemError, label: &str) -> String {
    match error {
        PemError::NoItemsFound => format!("is not PEM (no {label} block)"),
        PemError::MissingSectionEnd { .. } => "is not PEM (a block has no END line)".into(),
        PemError::IllegalSectionStart { .. } => "is not PEM (a malformed BEGIN line)".into(),
        PemError::Base64Decode(_) => "is not PEM (a block's body is not base64)".into(),
        _ => "is not PEM".into(),
    }
}

/// A certificate's refusal, without rustls's "peer" wording (the certificate is ours here).
fn rejected(error: &rustls::Error) -> String {
    match error {
        rustls::Error::InvalidCertificate(e) => e.to_string(),
        e => e.to_string(),
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

#[cfg(test)]
mod tests {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

    use super::*;

    /// A CA's PEM, and a server certificate it signed with that certificate's key.
    fn material() -> (String, String, String) {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        (ca.pem(), cert.pem(), key.serialize_pem())
    }

    /// `from_pem_files` on the three texts; the error as text.
    fn refusal(ca: &str, cert: &str, key: &str) -> (Option<TlsFile>, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let (ca, cert, key) = (
            path("ca.pem", ca),
            path("cert.pem", cert),
            path("key.pem", key),
        );
        let error = Tls::from_pem_files(&ca, &cert, &key).unwrap_err();
        (error.file(), error.to_string())
    }

    #[test]
    fn good_material_is_accepted() {
        let (ca, cert, key) = material();
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let (ca, cert, key) = (path("ca", &ca), path("cert", &cert), path("key", &key));
        Tls::from_pem_files(&ca, &cert, &key).unwrap();
    }

    #[test]
    fn a_key_of_another_certificate_is_refused_naming_both_files() {
        let (ca, cert, _) = material();
        let other = KeyPair::generate().unwrap().serialize_pem();
        let (file, text) = refusal(&ca, &cert, &other);
        assert_eq!(file, Some(TlsFile::Key));
        assert!(
            text.contains("key.pem is not the private key of the certificate")
                && text.contains("cert.pem"),
            "{text}"
        );
    }

    #[test]
    fn junk_in_each_file_is_refused_naming_the_file_and_the_cause() {
        let (ca, cert, key) = material();
        let junk_block = |label: &str| {
            format!("-----BEGIN {label}-----\nAAECAwQFBgcICQ==\n-----END {label}-----\n")
        };
        // A key block of bytes that are no key.
        let (file, text) = refusal(&ca, &cert, &junk_block("PRIVATE KEY"));
        assert_eq!(file, Some(TlsFile::Key), "{text}");
        assert!(
            text.contains("key.pem is not an RSA, ECDSA or Ed25519"),
            "{text}"
        );
        // Not PEM at all.
        let (file, text) = refusal(&ca, &cert, "not a key");
        assert_eq!(file, Some(TlsFile::Key), "{text}");
        assert!(
            text.contains("key.pem is not PEM (no PRIVATE KEY block)"),
            "{text}"
        );
        // A CA certificate block of bytes that are no certificate: tonic would skip it.
        let (file, text) = refusal(&junk_block("CERTIFICATE"), &cert, &key);
        assert_eq!(file, Some(TlsFile::Ca), "{text}");
        assert!(
            text.contains("ca.pem holds a certificate the TLS library rejects"),
            "{text}"
        );
        // A block whose body is not base64.
        let broken = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        let (file, text) = refusal(broken, &cert, &key);
        assert_eq!(file, Some(TlsFile::Ca), "{text}");
        assert!(text.contains("ca.pem is not PEM (a block's body"), "{text}");
        // The server's certificate: bytes that are no certificate.
        let (file, text) = refusal(&ca, &junk_block("CERTIFICATE"), &key);
        assert_eq!(file, Some(TlsFile::Cert), "{text}");
        assert!(
            text.contains("cert.pem is a certificate the TLS library rejects"),
            "{text}"
        );
        assert!(text.contains("give the server's certificate"), "{text}");
    }

    /// baton's material: an Ed25519 CA and server certificate, the key as Go holds it (the seed
    /// and the public key, 64 bytes).
    #[test]
    fn baton_s_ed25519_credential_is_accepted_and_a_wrong_key_refused() {
        let ed25519 = || KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        // ring's PKCS#8 v2 of an Ed25519 key: a 16-byte header, the seed, then the public key.
        let go_key = |key: &KeyPair| {
            let der = key.serialize_der();
            [&der[16..48], key.public_key_raw()].concat()
        };
        let ca_key = ed25519();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let key = ed25519();
        let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        let credential = |key: Vec<u8>| Credential {
            ca_cert: ca.der().to_vec(),
            cert: cert.der().to_vec(),
            key,
        };
        Tls::from_baton(&credential(go_key(&key))).unwrap();
        Tls::from_baton(&credential(go_key(&key)[..32].to_vec())).unwrap();
        let error = Tls::from_baton(&credential(go_key(&ed25519()))).unwrap_err();
        assert_eq!(
            error.to_string(),
            "baton's server configuration cannot be used: its key is not the key of its \
             certificate"
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone.pem");
        let error = Tls::from_pem_files(&gone, &gone, &gone).unwrap_err();
        assert_eq!(error.file(), Some(TlsFile::Ca));
        assert!(
            error
                .to_string()
                .starts_with("cannot read the TLS CA certificate"),
            "{error}"
        );
    }
}
