//! KSUIDs: baton's sync ids (27 base62 characters, sortable by creation time).

use rand::RngCore;

/// KSUID timestamps count seconds from this Unix time (2014-05-13).
const EPOCH: u64 = 1_400_000_000;
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ENCODED_LEN: usize = 27;

/// A new KSUID for the current time.
pub(crate) fn new_ksuid() -> String {
    let mut payload = [0u8; 16];
    rand::rng().fill_bytes(&mut payload);
    encode(crate::clock::unix_now().0, payload)
}

/// The KSUID of `unix_seconds` and `payload`: 4 big-endian bytes of seconds since the KSUID
/// epoch, then 16 random bytes, written in base62 and left-padded with `0` to 27 characters.
pub(crate) fn encode(unix_seconds: u64, payload: [u8; 16]) -> String {
    let stamp = unix_seconds.saturating_sub(EPOCH).min(u32::MAX as u64) as u32;
    let mut number = [0u8; 20];
    number[..4].copy_from_slice(&stamp.to_be_bytes());
    number[4..].copy_from_slice(&payload);

    // Long division of the 160-bit big-endian number by 62, least significant digit first.
    let mut digits = [b'0'; ENCODED_LEN];
    for slot in digits.iter_mut().rev() {
        let mut remainder = 0u32;
        for byte in number.iter_mut() {
            let acc = (remainder << 8) | u32::from(*byte);
            *byte = (acc / 62) as u8;
            remainder = acc % 62;
        }
        *slot = ALPHABET[remainder as usize];
    }
    String::from_utf8_lossy(&digits).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_reference_values() {
        // The extremes from segmentio/ksuid's README: all-zero and all-ones 20-byte values.
        assert_eq!(encode(EPOCH, [0; 16]), "000000000000000000000000000");
        assert_eq!(
            encode(EPOCH + u32::MAX as u64, [0xff; 16]),
            "aWgEPTl1tmebfsQzFP4bxwgy80V"
        );
    }

    #[test]
    fn new_ids_have_the_right_shape() {
        let id = new_ksuid();
        assert_eq!(id.len(), ENCODED_LEN);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
}
