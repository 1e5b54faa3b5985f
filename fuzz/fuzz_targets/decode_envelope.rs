//! The client's decoding of a list envelope, on arbitrary bytes: an error, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use planetscale_client::{Invitation, Member, Organization, Page, ServiceToken, Team, TeamMember};

fuzz_target!(|bytes: &[u8]| {
    let _ = serde_json::from_slice::<Page<Organization>>(bytes);
    let _ = serde_json::from_slice::<Page<Member>>(bytes);
    let _ = serde_json::from_slice::<Page<Team>>(bytes);
    let _ = serde_json::from_slice::<Page<TeamMember>>(bytes);
    let _ = serde_json::from_slice::<Page<ServiceToken>>(bytes);
    let _ = serde_json::from_slice::<Page<Invitation>>(bytes);
});
