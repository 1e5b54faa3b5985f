//! The v1 schema, copied verbatim from the files baton-sdk v0.25.0 writes (`sqlite_master.sql`),
//! so that the schema of every file we create compares equal to baton's and baton's reader finds
//! nothing to migrate (the interop harness, `interop/`, checks both). Tabs and comments are part
//! of the text SQLite stores. Against the fixtures' era (`sync-in-progress.c1z`) it adds
//! `v1_sync_runs`' `stats` and `ingest_invariant_*` columns and the grant index
//! `idx_grants_entitlement_sync_grant_v1`; readers of that era ignore both.

/// The `CREATE` statements in baton's order: `(name, sql)`.
pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    (
        "v1_resource_types",
        r#"CREATE TABLE v1_resource_types (
    id integer primary key,
    external_id text not null,
    data blob not null,
    sync_id text not null,
    discovered_at datetime not null
)"#,
    ),
    (
        "idx_resource_types_external_sync_v1",
        r#"CREATE UNIQUE INDEX idx_resource_types_external_sync_v1 on v1_resource_types (external_id, sync_id)"#,
    ),
    (
        "v1_resources",
        r#"CREATE TABLE v1_resources (
    id integer primary key,
    resource_type_id text not null,
    external_id text not null,
	parent_resource_type_id text,
	parent_resource_id text,
    data blob not null,
    sync_id text not null,
    discovered_at datetime not null
)"#,
    ),
    (
        "idx_resources_resource_type_id_v1",
        r#"CREATE INDEX idx_resources_resource_type_id_v1 on v1_resources (resource_type_id)"#,
    ),
    (
        "idx_resources_external_sync_v1",
        r#"CREATE INDEX idx_resources_external_sync_v1 on v1_resources (parent_resource_type_id, parent_resource_id)"#,
    ),
    (
        "idx_resources_parent_resource_id_v1",
        r#"CREATE UNIQUE INDEX idx_resources_parent_resource_id_v1 on v1_resources (external_id, sync_id)"#,
    ),
    (
        "v1_entitlements",
        r#"CREATE TABLE v1_entitlements (
    id integer primary key,
    resource_type_id text not null,
    resource_id text not null,
    external_id text not null,
    data blob not null,
    sync_id text not null,
    discovered_at datetime not null
)"#,
    ),
    (
        "idx_entitlements_resource_id_v1",
        r#"CREATE INDEX idx_entitlements_resource_id_v1 on v1_entitlements (resource_type_id, resource_id)"#,
    ),
    (
        "idx_entitlements_external_sync_v1",
        r#"CREATE UNIQUE INDEX idx_entitlements_external_sync_v1 on v1_entitlements (external_id, sync_id)"#,
    ),
    (
        "v1_sync_runs",
        r#"CREATE TABLE v1_sync_runs (
    id integer primary key,
    sync_id text not null,
    started_at datetime not null,
    ended_at datetime,
    sync_token text not null,
    sync_type text not null default 'full',
    parent_sync_id text not null default '',
    linked_sync_id text not null default '',
    supports_diff integer not null default 0,
    grants_backfilled integer not null default 0,
		stats text,
    ingest_invariant_generation text not null default '',
    ingest_invariant_coverage text not null default '',
    ingest_invariant_mode text not null default ''
)"#,
    ),
    (
        "idx_sync_runs_sync_id_v1",
        r#"CREATE UNIQUE INDEX idx_sync_runs_sync_id_v1 on v1_sync_runs (sync_id)"#,
    ),
    (
        "v1_grants",
        r#"CREATE TABLE v1_grants (
    id integer primary key,
	resource_type_id text not null,
    resource_id text not null,
    entitlement_id text not null,
    principal_resource_type_id text not null,
    principal_resource_id text not null,
    external_id text not null,
    expansion blob,                             -- Serialized GrantExpandable proto; NULL if grant is not expandable.
    needs_expansion integer not null default 0, -- 1 if grant should be processed during expansion.
    data blob not null,
    sync_id text not null,
    discovered_at datetime not null
)"#,
    ),
    (
        "idx_grants_resource_type_id_resource_id_v1",
        r#"CREATE INDEX idx_grants_resource_type_id_resource_id_v1 on v1_grants (resource_type_id, resource_id)"#,
    ),
    (
        "idx_grants_principal_id_v1",
        r#"CREATE INDEX idx_grants_principal_id_v1 on v1_grants (principal_resource_type_id, principal_resource_id)"#,
    ),
    (
        "idx_grants_entitlement_id_principal_id_v1",
        r#"CREATE INDEX idx_grants_entitlement_id_principal_id_v1 on v1_grants (entitlement_id, principal_resource_type_id, principal_resource_id)"#,
    ),
    (
        "idx_grants_external_sync_v1",
        r#"CREATE UNIQUE INDEX idx_grants_external_sync_v1 on v1_grants (external_id, sync_id)"#,
    ),
    (
        "idx_grants_entitlement_sync_grant_v1",
        r#"CREATE INDEX idx_grants_entitlement_sync_grant_v1 on v1_grants (entitlement_id, sync_id, id)"#,
    ),
    (
        "idx_grants_sync_expansion_v1",
        r#"CREATE INDEX idx_grants_sync_expansion_v1 on v1_grants (sync_id) where expansion is not null"#,
    ),
    (
        "idx_grants_sync_needs_expansion_v1",
        r#"CREATE INDEX idx_grants_sync_needs_expansion_v1 on v1_grants (sync_id) where needs_expansion = 1"#,
    ),
    (
        "v1_assets",
        r#"CREATE TABLE v1_assets (
    id integer primary key,
    external_id text not null,
    content_type text not null,
    data blob not null,
    sync_id text not null,
    discovered_at datetime not null
)"#,
    ),
    (
        "idx_assets_external_sync_v1",
        r#"CREATE UNIQUE INDEX idx_assets_external_sync_v1 on v1_assets (external_id, sync_id)"#,
    ),
    (
        "v1_connector_sessions",
        r#"CREATE TABLE v1_connector_sessions (
    id integer primary key,
	sync_id text NOT NULL,
	key TEXT NOT NULL,
	value BLOB NOT NULL
)"#,
    ),
    (
        "idx_session_store_sync_key_v1",
        r#"CREATE UNIQUE INDEX idx_session_store_sync_key_v1 on v1_connector_sessions (sync_id, key)"#,
    ),
];

/// Grant indexes the writer builds when the sync ends instead of row by row.
///
/// Maintaining four more B-trees per grant row made the write phase four times slower at a
/// million grants; building them once with a sort at `end_sync` is several times cheaper. Nothing reads grants during a sync
/// (the upsert needs only the unique `(external_id, sync_id)` index). The statements are the
/// same, so the finished file has the same schema; only their rows in `sqlite_master` come
/// last (the order of `sqlite_master` is not stable in baton's files either: `VACUUM`, which
/// baton runs on cleanup, rewrites it as all tables, then all indexes).
pub(crate) const DEFERRED_INDEXES: &[&str] = &[
    "idx_grants_resource_type_id_resource_id_v1",
    "idx_grants_principal_id_v1",
    "idx_grants_entitlement_id_principal_id_v1",
    "idx_grants_entitlement_sync_grant_v1",
];
