//! Properties: decoding arbitrary JSON never panics, whatever the envelope holds.

use planetscale_client::{
    Database, Invitation, Member, OAuthApplication, Organization, Page, ServiceToken, Team,
    TeamMember,
};
use proptest::prelude::*;
use serde_json::Value;

/// Arbitrary JSON, biased towards the keys the models read so decoding gets past the first
/// field often.
fn json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("data".to_owned()),
        Just("id".to_owned()),
        Just("name".to_owned()),
        Just("slug".to_owned()),
        Just("role".to_owned()),
        Just("user".to_owned()),
        Just("next_page".to_owned()),
        Just("current_page".to_owned()),
        Just("service_token_accesses".to_owned()),
        Just("oauth_accesses_by_resource".to_owned()),
        Just("databases".to_owned()),
        Just("accesses".to_owned()),
        Just("invoice_budget_amount".to_owned()),
        "[a-z_]{1,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<u32>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn decode_everything(value: &Value) {
    let _ = serde_json::from_value::<Page<Organization>>(value.clone());
    let _ = serde_json::from_value::<Page<Member>>(value.clone());
    let _ = serde_json::from_value::<Page<Team>>(value.clone());
    let _ = serde_json::from_value::<Page<TeamMember>>(value.clone());
    let _ = serde_json::from_value::<Page<ServiceToken>>(value.clone());
    let _ = serde_json::from_value::<Page<Invitation>>(value.clone());
    let _ = serde_json::from_value::<Page<Database>>(value.clone());
    let _ = serde_json::from_value::<Page<OAuthApplication>>(value.clone());
    let _ = serde_json::from_value::<Member>(value.clone());
    let _ = serde_json::from_slice::<Page<Member>>(value.to_string().as_bytes());
}

proptest! {
    #[test]
    fn decoding_arbitrary_json_never_panics(value in json()) {
        decode_everything(&value);
    }

    #[test]
    fn decoding_arbitrary_envelopes_never_panics(
        data in prop::collection::vec(json(), 0..4),
        next_page in json(),
        total_count in json(),
    ) {
        let envelope = serde_json::json!({
            "data": data,
            "next_page": next_page,
            "total_count": total_count,
        });
        decode_everything(&envelope);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = serde_json::from_slice::<Page<Member>>(&bytes);
    }
}

// `cargo xtask fuzz` runs the tests named `fuzz_` with many cases (PROPTEST_CASES): the
// envelope decoding the client does on every answer must never panic, whatever arrives.
proptest! {
    #[test]
    fn fuzz_decode_envelope_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = serde_json::from_slice::<Page<Organization>>(&bytes);
        let _ = serde_json::from_slice::<Page<Member>>(&bytes);
        let _ = serde_json::from_slice::<Page<Team>>(&bytes);
        let _ = serde_json::from_slice::<Page<TeamMember>>(&bytes);
        let _ = serde_json::from_slice::<Page<ServiceToken>>(&bytes);
        let _ = serde_json::from_slice::<Page<Invitation>>(&bytes);
        let _ = serde_json::from_slice::<Page<Database>>(&bytes);
        let _ = serde_json::from_slice::<Page<OAuthApplication>>(&bytes);
    }

    #[test]
    fn fuzz_decode_envelope_json(
        data in prop::collection::vec(json(), 0..4),
        paging in prop::collection::vec(json(), 4),
    ) {
        let envelope = serde_json::json!({
            "type": "list",
            "current_page": paging[0],
            "next_page": paging[1],
            "total_count": paging[2],
            "total_pages": paging[3],
            "data": data,
        });
        let text = envelope.to_string();
        decode_everything(&envelope);
        let _ = serde_json::from_str::<Page<Team>>(&text);
        let _ = serde_json::from_str::<Page<Organization>>(&text);
        // A prefix of a valid envelope: what a connection closed mid-body leaves.
        let cut = text.len() / 2;
        let _ = serde_json::from_slice::<Page<Member>>(&text.as_bytes()[..cut]);
    }
}
