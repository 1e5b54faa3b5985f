package interop

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	"github.com/conductorone/baton-sdk/pkg/dotc1z/c1zstore"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// openWithBaton opens a .c1z read-only with baton-sdk's own reader; the test's cleanup closes it.
func openWithBaton(t *testing.T, path string) *dotc1z.C1File {
	t.Helper()
	ctx := context.Background()
	f, err := dotc1z.NewC1ZFile(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(t.TempDir()))
	if err != nil {
		t.Fatalf("baton-sdk cannot open %s: %v", path, err)
	}
	t.Cleanup(func() {
		if err := f.Close(ctx); err != nil {
			t.Errorf("closing %s read-only: %v (a read-only open wrote to it)", path, err)
		}
	})
	return f
}

// Contents is one sync of a file as baton's reader lists it.
type Contents struct {
	ResourceTypes []*v2.ResourceType
	Resources     []*v2.Resource
	Entitlements  []*v2.Entitlement
	Grants        []*v2.Grant
}

// batonContents lists everything of syncID with baton's reader, page by page.
func batonContents(t *testing.T, f *dotc1z.C1File, syncID string) Contents {
	t.Helper()
	ctx := context.Background()
	if err := f.ViewSync(ctx, syncID); err != nil {
		t.Fatal(err)
	}
	var c Contents
	for token := ""; ; {
		resp, err := f.ListResourceTypes(ctx, v2.ResourceTypesServiceListResourceTypesRequest_builder{PageToken: token}.Build())
		if err != nil {
			t.Fatal(err)
		}
		c.ResourceTypes = append(c.ResourceTypes, resp.GetList()...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for token := ""; ; {
		resp, err := f.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{PageToken: token}.Build())
		if err != nil {
			t.Fatal(err)
		}
		c.Resources = append(c.Resources, resp.GetList()...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for token := ""; ; {
		resp, err := f.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{PageToken: token}.Build())
		if err != nil {
			t.Fatal(err)
		}
		c.Entitlements = append(c.Entitlements, resp.GetList()...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for token := ""; ; {
		resp, err := f.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{PageToken: token}.Build())
		if err != nil {
			t.Fatal(err)
		}
		c.Grants = append(c.Grants, resp.GetList()...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	return c
}

// syncRuns lists every sync run of f with baton's reader.
func syncRuns(t *testing.T, f *dotc1z.C1File) []*c1zstore.SyncRun {
	t.Helper()
	var out []*c1zstore.SyncRun
	for token := ""; ; {
		runs, next, err := f.ListSyncRuns(context.Background(), token, 100)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, runs...)
		if token = next; token == "" {
			return out
		}
	}
}

// latestFull is baton's latest finished full sync of f.
func latestFull(t *testing.T, f *dotc1z.C1File) string {
	t.Helper()
	id, err := f.LatestSyncID(context.Background(), connectorstore.SyncTypeFull)
	if err != nil || id == "" {
		t.Fatalf("baton finds no finished full sync (%v)", err)
	}
	return id
}

// decompress writes the SQLite database inside a v1 .c1z to a temporary file, with baton's
// decoder, and returns its path.
func decompress(t *testing.T, path string) string {
	t.Helper()
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	dec, err := dotc1z.NewC1ZFileDecoder(in)
	if err != nil {
		t.Fatalf("baton's decoder refuses %s: %v", path, err)
	}
	defer dec.Close()
	db := filepath.Join(t.TempDir(), "db.sqlite")
	out, err := os.Create(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, dec); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return db
}

// Schema is a database's schema: each object's name and CREATE statement, the schema cookie
// (which every schema change bumps) and each baton table's columns.
type Schema struct {
	Objects map[string]string
	Version int64
	Columns map[string][]string
}

// readSchema reads the schema of the SQLite database at db.
func readSchema(t *testing.T, db string) Schema {
	t.Helper()
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s := Schema{Objects: map[string]string{}, Columns: map[string][]string{}}
	rows, err := conn.Query("SELECT name, coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, text string
		if err := rows.Scan(&name, &text); err != nil {
			t.Fatal(err)
		}
		s.Objects[name] = text
	}
	rows.Close()
	if err := conn.QueryRow("PRAGMA schema_version").Scan(&s.Version); err != nil {
		t.Fatal(err)
	}
	for name, text := range s.Objects {
		if len(text) < 12 || text[:12] != "CREATE TABLE" {
			continue
		}
		cols, err := conn.Query("SELECT name FROM pragma_table_info(?)", name)
		if err != nil {
			t.Fatal(err)
		}
		for cols.Next() {
			var col string
			if err := cols.Scan(&col); err != nil {
				t.Fatal(err)
			}
			s.Columns[name] = append(s.Columns[name], col)
		}
		cols.Close()
	}
	return s
}

// batonFreshSchema is the schema baton-sdk v0.25.0 creates in a new v1 file.
func batonFreshSchema(t *testing.T) Schema {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fresh.c1z")
	f, err := dotc1z.NewC1ZFile(ctx, path, dotc1z.WithEngine(c1zstore.EngineSQLite), dotc1z.WithTmpDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.StartNewSync(ctx, connectorstore.SyncTypeFull, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.EndSync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return readSchema(t, decompress(t, path))
}

// protoMap is a message as protojson, decoded into a generic map (our inspect -o json's shape).
func protoMap(t *testing.T, m proto.Message) map[string]any {
	t.Helper()
	raw, err := protojson.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return jsonMap(t, raw)
}

// jsonMap decodes a JSON object.
func jsonMap(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
