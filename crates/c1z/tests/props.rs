use c1z::C1zReader;
use connector_sdk::{
    AccountType, Annotation, Email, Entitlement, Grant, GrantSources, GroupTrait, Profile, Purpose,
    Resource, ResourceId, ResourceType, Status, StatusKind, StructuredName, Timestamp, Trait,
    UserTrait, Value,
};
use proptest::prelude::*;

use crate::common::{Content, content, runtime, write_content};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-z0-9_:-]{1,12}", any::<String>()]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        // NaN never equals itself, so it cannot be compared after a round trip.
        any::<f64>()
            .prop_filter("not NaN", |f| !f.is_nan())
            .prop_map(Value::Number),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::List),
            prop::collection::btree_map(text(), inner, 0..4).prop_map(Value::Struct),
        ]
    })
}

fn profile() -> impl Strategy<Value = Profile> {
    prop::collection::btree_map(text(), value(), 0..5)
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (any::<i64>(), 0..1_000_000_000i32).prop_map(|(s, n)| Timestamp::from_unix(s, n))
}

fn status() -> impl Strategy<Value = Status> {
    let kind = prop_oneof![
        Just(StatusKind::Unspecified),
        Just(StatusKind::Enabled),
        Just(StatusKind::Disabled),
        Just(StatusKind::Deleted),
    ];
    (kind, text()).prop_map(|(status, details)| Status { status, details })
}

fn user_trait() -> impl Strategy<Value = UserTrait> {
    let emails = prop::collection::vec(
        (text(), any::<bool>()).prop_map(|(address, is_primary)| Email {
            address,
            is_primary,
        }),
        0..3,
    );
    let account = prop_oneof![
        Just(AccountType::Unspecified),
        Just(AccountType::Human),
        Just(AccountType::Service),
        Just(AccountType::System),
    ];
    let name = (
        text(),
        text(),
        prop::collection::vec(text(), 0..2),
        text(),
        text(),
    )
        .prop_map(
            |(given_name, family_name, middle_names, prefix, suffix)| StructuredName {
                given_name,
                family_name,
                middle_names,
                prefix,
                suffix,
            },
        );
    (
        (
            emails,
            proptest::option::of(status()),
            proptest::option::of(profile()),
            account,
        ),
        (
            text(),
            prop::collection::vec(text(), 0..2),
            proptest::option::of(timestamp()),
        ),
        (
            proptest::option::of(timestamp()),
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
            proptest::option::of(name),
            prop::collection::vec(text(), 0..2),
        ),
    )
        .prop_map(
            |(
                (emails, status, profile, account_type),
                (login, login_aliases, created_at),
                (last_login, mfa_enabled, sso_enabled, structured_name, employee_ids),
            )| UserTrait {
                emails,
                status,
                profile,
                icon: None,
                account_type,
                login,
                login_aliases,
                created_at,
                last_login,
                mfa_enabled,
                sso_enabled,
                structured_name,
                employee_ids,
            },
        )
}

fn annotation() -> impl Strategy<Value = Annotation> {
    prop_oneof![
        user_trait().prop_map(Annotation::UserTrait),
        (proptest::option::of(profile()), text()).prop_map(|(profile, group_source_type)| {
            Annotation::GroupTrait(GroupTrait {
                profile,
                group_source_type,
                ..Default::default()
            })
        }),
        text().prop_map(Annotation::child_resource_type),
        Just(Annotation::SkipEntitlementsAndGrants),
        text().prop_map(Annotation::external_link),
        prop::collection::vec(any::<u8>(), 0..16).prop_map(|value| Annotation::Other {
            type_url: "type.googleapis.com/example.v1.Custom".into(),
            value,
        }),
    ]
}

fn resource(index: usize) -> impl Strategy<Value = Resource> {
    (
        (text(), proptest::option::of(("[a-z]{1,6}", text()))),
        prop::collection::vec(annotation(), 0..3),
        (text(), any::<bool>(), proptest::option::of(profile())),
        (
            proptest::option::of(status()),
            proptest::option::of(timestamp()),
        ),
    )
        .prop_map(
            move |(
                (display_name, parent),
                annotations,
                (description, baton, profile),
                (status, created_at),
            )| {
                Resource {
                    id: ResourceId::new("user", format!("r{index}")),
                    parent: parent.map(|(t, id)| ResourceId::new(t, id)),
                    display_name,
                    annotations,
                    description,
                    baton_resource: baton,
                    profile,
                    status,
                    created_at,
                    ..Default::default()
                }
            },
        )
}

fn model() -> impl Strategy<Value = Content> {
    let traits = prop::collection::vec(
        prop_oneof![
            Just(Trait::User),
            Just(Trait::Group),
            Just(Trait::Role),
            Just(Trait::App)
        ],
        0..3,
    );
    let types = (text(), traits, text()).prop_map(|(display_name, traits, description)| {
        vec![ResourceType {
            description,
            ..ResourceType::new("user", display_name, &traits)
        }]
    });
    let resources = (0..6usize).prop_flat_map(|n| (0..n).map(resource).collect::<Vec<_>>());
    let purposes = prop_oneof![
        Just(Purpose::Unspecified),
        Just(Purpose::Assignment),
        Just(Purpose::Permission),
        Just(Purpose::Ownership),
    ];
    let sources = proptest::option::of(
        prop::collection::btree_map(text(), any::<bool>(), 0..3)
            .prop_map(|sources| GrantSources { sources }),
    );
    let expandable = proptest::option::of((
        prop::collection::vec("[a-z:]{1,10}", 1..3),
        any::<bool>(),
        prop::collection::vec(text(), 0..2),
    ));
    (
        types,
        resources,
        prop::collection::vec((purposes, text(), sources, expandable), 0..5),
    )
        .prop_map(|(resource_types, resources, extras)| {
            let mut entitlements = Vec::new();
            let mut grants = Vec::new();
            for (i, (purpose, slug, sources, expandable)) in extras.into_iter().enumerate() {
                let Some(on) = resources.get(i % resources.len().max(1)) else {
                    continue;
                };
                let mut e = Entitlement::new(on, &format!("perm{i}"), purpose);
                e.slug = slug;
                e.grantable_to = resource_types.clone();
                let mut g = Grant::of(&e, ResourceId::new("user", format!("p{i}")));
                g.sources = sources;
                if let Some((entitlement_ids, shallow, resource_type_ids)) = expandable {
                    // Read back last: the writer moves it into the `expansion` column.
                    g.annotations.push(Annotation::GrantExpandable {
                        entitlement_ids,
                        shallow,
                        resource_type_ids,
                    });
                }
                entitlements.push(e);
                grants.push(g);
            }
            Content {
                resource_types,
                resources,
                entitlements,
                grants,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn written_values_read_back_equal(model in model()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prop.c1z");
        let id = runtime().block_on(write_content(&path, &model));
        let reader = C1zReader::open(&path).unwrap();
        prop_assert_eq!(content(&reader, &id), model);
    }
}
