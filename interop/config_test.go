package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	configv1 "github.com/conductorone/baton-sdk/pb/c1/config/v1"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/field"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// strict fails on any field baton's message does not have.
var strict = protojson.UnmarshalOptions{DiscardUnknown: false}

// batonExportedStandardFields is what baton-sdk's own `config` exports of its standard fields:
// the configuration of DefaultFields alone, marshalled by baton.
func batonExportedStandardFields(t *testing.T) map[string]*configv1.Field {
	t.Helper()
	out := map[string]*configv1.Field{}
	for _, f := range batonExportedStandardList(t) {
		out[f.GetName()] = f
	}
	return out
}

// batonExportedStandardList is batonExportedStandardFields in the order baton exports them.
func batonExportedStandardList(t *testing.T) []*configv1.Field {
	t.Helper()
	standard := field.NewConfiguration(field.DefaultFields)
	raw, err := standard.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	conf := &configv1.Configuration{}
	if err := strict.Unmarshal(raw, conf); err != nil {
		t.Fatal(err)
	}
	return conf.GetFields()
}

// loadConfig runs `<bin> config` and loads it as baton's Configuration, strictly.
func loadConfig(t *testing.T, bin string) ([]byte, *configv1.Configuration) {
	t.Helper()
	raw := Run(t, bin, nil, "config")
	conf := &configv1.Configuration{}
	if err := strict.Unmarshal(raw, conf); err != nil {
		t.Fatalf("%s config is not a c1.config.v1.Configuration: %v", filepath.Base(bin), err)
	}
	return raw, conf
}

// TestConfigIsBatonsConfiguration: `config` of both connectors loads as baton's
// c1.config.v1.Configuration with no unknown field, in protojson field order, matches the
// committed config_schema.json, and exports exactly the connector's fields plus baton's exported
// standard fields (all of them), each standard one as baton exports it.
func TestConfigIsBatonsConfiguration(t *testing.T) {
	standard := batonExportedStandardFields(t)
	for _, bin := range []string{Bin(t, EnvBatonPlanetScaleBin), Bin(t, EnvBatonDirectoryBin)} {
		t.Run(filepath.Base(bin), func(t *testing.T) {
			raw, conf := loadConfig(t, bin)
			assertProtojsonOrder(t, raw, conf)
			names := map[string]bool{}
			for _, f := range conf.GetFields() {
				if names[f.GetName()] {
					t.Errorf("field %s exported twice", f.GetName())
				}
				names[f.GetName()] = true
				want, isStandard := standard[f.GetName()]
				if isStandard {
					assertSameStandardField(t, f, want)
					continue
				}
				if batonField(f.GetName()) {
					t.Errorf("field %s is one of baton's standard fields that baton does not export", f.GetName())
				}
				if f.GetIsRequired() {
					// A host enforcing it could never use an alternative (e.g. the token file).
					for _, c := range conf.GetConstraints() {
						if slices.Contains(c.GetFieldNames(), f.GetName()) &&
							c.GetKind() == configv1.ConstraintKind_CONSTRAINT_KIND_AT_LEAST_ONE {
							t.Errorf("field %s is required and has an at-least-one alternative", f.GetName())
						}
					}
				}
			}
			// Every standard field baton exports, none left out.
			for name := range standard {
				if !names[name] {
					t.Errorf("baton's exported standard field %s is missing", name)
				}
			}
			assertBatonsFieldOrder(t, conf)
			for _, c := range conf.GetConstraints() {
				for _, n := range append(c.GetFieldNames(), c.GetSecondaryFieldNames()...) {
					if !names[n] {
						t.Errorf("constraint %s names %s, which is not exported", c.GetKind(), n)
					}
				}
			}
		})
	}
}

// assertBatonsFieldOrder: the fields come in the order baton-sdk's `config` lists them: its
// exported standard fields first, in its order (pkg/config prepends field.DefaultFields to the
// connector's schema), then the connector's own.
func assertBatonsFieldOrder(t *testing.T, conf *configv1.Configuration) {
	t.Helper()
	var want, own, got []string
	for _, f := range batonExportedStandardList(t) {
		want = append(want, f.GetName())
	}
	for _, f := range conf.GetFields() {
		got = append(got, f.GetName())
		if !slices.Contains(want, f.GetName()) {
			own = append(own, f.GetName())
		}
	}
	want = append(want, own...)
	if !slices.Equal(got, want) {
		t.Errorf("fields out of baton's order:\n got %v\nwant %v", got, want)
	}
}

// TestConfigTokenAlternatives: the service token and its file are alternatives a host can
// satisfy (at least one, not both), neither required on its own.
func TestConfigTokenAlternatives(t *testing.T) {
	_, conf := loadConfig(t, Bin(t, EnvBatonPlanetScaleBin))
	pair := []string{"planetscale-service-token", "planetscale-service-token-file"}
	kinds := map[configv1.ConstraintKind]bool{}
	for _, c := range conf.GetConstraints() {
		if slices.Equal(c.GetFieldNames(), pair) {
			kinds[c.GetKind()] = true
		}
	}
	if !kinds[configv1.ConstraintKind_CONSTRAINT_KIND_AT_LEAST_ONE] ||
		!kinds[configv1.ConstraintKind_CONSTRAINT_KIND_MUTUALLY_EXCLUSIVE] {
		t.Errorf("want at-least-one and mutually-exclusive constraints on %v, got %v", pair, conf.GetConstraints())
	}
	for _, f := range conf.GetFields() {
		if slices.Contains(pair, f.GetName()) {
			if f.GetIsRequired() || f.GetStringField().GetRules().GetIsRequired() {
				t.Errorf("%s is required: a host could not use its alternative", f.GetName())
			}
		}
	}
}

// TestConfigSchemaCommitted: the committed config_schema.json is what `config` prints.
func TestConfigSchemaCommitted(t *testing.T) {
	raw, conf := loadConfig(t, Bin(t, EnvBatonPlanetScaleBin))
	committed, err := os.ReadFile(filepath.Join("..", "crates", "baton-planetscale", "config_schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := &configv1.Configuration{}
	if err := strict.Unmarshal(committed, want); err != nil {
		t.Fatalf("config_schema.json: %v", err)
	}
	if !proto.Equal(conf, want) || !bytes.Equal(bytes.TrimSpace(raw), bytes.TrimSpace(committed)) {
		t.Error("crates/baton-planetscale/config_schema.json differs from `baton-planetscale config`")
	}
}

// TestCapabilitiesAreBatons: `capabilities` of both connectors and the committed
// baton_capabilities.json load as baton's ConnectorCapabilities (an Any) with no unknown field,
// keys in protojson field order.
func TestCapabilitiesAreBatons(t *testing.T) {
	committed, err := os.ReadFile(filepath.Join("..", "crates", "baton-planetscale", "baton_capabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string][]byte{"baton_capabilities.json": committed}
	for _, bin := range []string{Bin(t, EnvBatonPlanetScaleBin), Bin(t, EnvBatonDirectoryBin)} {
		docs[filepath.Base(bin)] = Run(t, bin, nil, "capabilities")
	}
	for name, raw := range docs {
		t.Run(name, func(t *testing.T) {
			caps := loadCapabilities(t, raw)
			if !slices.Contains(caps.GetConnectorCapabilities(), v2.Capability_CAPABILITY_SYNC) {
				t.Errorf("no CAPABILITY_SYNC: %v", caps)
			}
			for _, rt := range caps.GetResourceTypeCapabilities() {
				if rt.GetResourceType().GetId() == "" || len(rt.GetCapabilities()) == 0 {
					t.Errorf("incomplete resource type capability %v", rt)
				}
			}
			any, err := anypb.New(caps)
			grpcMust(t, err, "wrapping the capabilities")
			assertProtojsonOrder(t, raw, any)
		})
	}
	if !bytes.Equal(bytes.TrimSpace(committed), bytes.TrimSpace(docs["baton-planetscale"])) {
		t.Error("crates/baton-planetscale/baton_capabilities.json differs from `baton-planetscale capabilities`")
	}
}

// batonField reports whether name is one of baton-sdk's standard fields (exported or not).
func batonField(name string) bool {
	for _, f := range field.DefaultFields {
		if f.FieldName == name {
			return true
		}
	}
	return false
}

// assertSameStandardField: a standard field as baton exports it: kind, default, rules, ops,
// required and secret (descriptions and display names are ours to word).
func assertSameStandardField(t *testing.T, got, want *configv1.Field) {
	t.Helper()
	g, w := proto.Clone(got).(*configv1.Field), proto.Clone(want).(*configv1.Field)
	for _, f := range []*configv1.Field{g, w} {
		f.SetDescription("")
		f.SetDisplayName("")
		f.SetPlaceholder("")
	}
	if !proto.Equal(g, w) {
		t.Errorf("standard field %s differs from baton's:\n got %v\nwant %v", got.GetName(), g, w)
	}
}

// assertProtojsonOrder checks that the object keys of raw come in the order protojson writes
// them for msg (field-number order): the key sequence of raw equals that of protojson's output.
func assertProtojsonOrder(t *testing.T, raw []byte, msg proto.Message) {
	t.Helper()
	canonical, err := protojson.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	got, want := keySequence(t, raw), keySequence(t, canonical)
	if !reflect.DeepEqual(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("keys out of protojson order at key %d: got %q, protojson writes %q", i, got[i], want[i])
			}
		}
		t.Fatalf("keys differ from protojson's: %d vs %d keys", len(got), len(want))
	}
}

// keySequence lists every object key of a JSON document in document order.
func keySequence(t *testing.T, raw []byte) []string {
	t.Helper()
	type frame struct{ object, expectKey bool }
	dec := json.NewDecoder(bytes.NewReader(raw))
	var keys []string
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return keys
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch tok {
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].expectKey = true
			}
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, expectKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		default:
			if top != nil && top.object {
				if top.expectKey {
					keys = append(keys, tok.(string))
				}
				top.expectKey = !top.expectKey
			}
		}
	}
}

// TestCapabilitiesAreWhatServeAndASyncSay: `capabilities` (loaded strictly as baton's
// ConnectorCapabilities) is what GetMetadata answers over gRPC for `serve` with every part of
// the connector on, and its resource types are exactly the ones a sync with every part on
// writes, field for field.
func TestCapabilitiesAreWhatServeAndASyncSay(t *testing.T) {
	fake := StartFake(t, "small")
	psArgs, psEnv := grpcPlanetScale(fake)
	psArgs = append(psArgs, "--planetscale-sync-audit-log")
	data := grpcDirectory(t)
	cases := []struct {
		name string
		bin  string
		args []string
		env  []string
	}{
		{"baton-planetscale", Bin(t, EnvBatonPlanetScaleBin), psArgs, psEnv},
		{"baton-directory", Bin(t, EnvBatonDirectoryBin), []string{"--directory", data}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			caps := loadCapabilities(t, Run(t, tc.bin, nil, "capabilities"))

			client := grpcDial(t, grpcServe(t, tc.bin, tc.env, tc.args...), nil)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			md, err := client.GetMetadata(ctx, &v2.ConnectorServiceGetMetadataRequest{})
			grpcMust(t, err, "GetMetadata")
			if served := md.GetMetadata().GetCapabilities(); !proto.Equal(served, caps) {
				t.Errorf("GetMetadata's capabilities differ from `capabilities`:\n served %v\n printed %v", served, caps)
			}

			file := filepath.Join(t.TempDir(), "sync.c1z")
			Run(t, tc.bin, tc.env, append(tc.args, "--file", file)...)
			f := openWithBaton(t, file)
			want := map[string]map[string]any{}
			for _, rt := range batonContents(t, f, latestFull(t, f)).ResourceTypes {
				want["type "+rt.GetId()] = protoMap(t, rt)
			}
			got := map[string]map[string]any{}
			for _, c := range caps.GetResourceTypeCapabilities() {
				got["type "+c.GetResourceType().GetId()] = protoMap(t, c.GetResourceType())
			}
			assertSameObjectsAs(t, got, want, "`capabilities`", "a sync's resource types")
		})
	}
}

// loadCapabilities loads `capabilities`' output strictly: a protojson Any of baton's
// ConnectorCapabilities, no unknown field.
func loadCapabilities(t *testing.T, raw []byte) *v2.ConnectorCapabilities {
	t.Helper()
	any := &anypb.Any{}
	if err := strict.Unmarshal(raw, any); err != nil {
		t.Fatalf("not a protojson Any of a known message: %v", err)
	}
	caps := &v2.ConnectorCapabilities{}
	if err := any.UnmarshalTo(caps); err != nil {
		t.Fatalf("not a c1.connector.v2.ConnectorCapabilities: %v", err)
	}
	return caps
}
