package interop

// Provisioning over the protocol: baton-sdk's GrantManagerService calls change the fake exactly
// as our --grant-entitlement and --revoke-grant do, and are refused as they are.

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	reader_v2 "github.com/conductorone/baton-sdk/pb/c1/reader/v2"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	"github.com/conductorone/baton-sdk/pkg/dotc1z/c1zstore"
	"github.com/conductorone/baton-sdk/pkg/types"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// grpcOutsider is a team of acme's that its identity provider does (or does not) manage, and
// an acme member outside it: team id, user id, user email.
func grpcOutsider(t *testing.T, fake *Fake, managed bool) (string, string, string) {
	t.Helper()
	type user struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	}
	var dataset struct {
		Organizations []struct {
			Organization struct {
				Name string `json:"name"`
			} `json:"organization"`
			Members []struct {
				User user `json:"user"`
			} `json:"members"`
			Teams []struct {
				Team struct {
					ID      string `json:"id"`
					Managed bool   `json:"managed"`
				} `json:"team"`
				Members []struct {
					User user `json:"user"`
				} `json:"members"`
			} `json:"teams"`
		} `json:"organizations"`
	}
	fake.getJSON(t, "/__fake/dataset", &dataset)
	for _, org := range dataset.Organizations {
		if org.Organization.Name != "acme" {
			continue
		}
		for _, team := range org.Teams {
			if team.Team.Managed != managed {
				continue
			}
			inside := map[string]bool{}
			for _, m := range team.Members {
				inside[m.User.ID] = true
			}
			for _, m := range org.Members {
				if !inside[m.User.ID] {
					return team.Team.ID, m.User.ID, m.User.Email
				}
			}
		}
	}
	t.Fatalf("the fake's acme has no team (managed: %v) with an outsider", managed)
	return "", "", ""
}

// grpcStored opens a .c1z with baton's own reader: what a baton host holds after a sync.
func grpcStored(t *testing.T, path string) *dotc1z.C1File {
	t.Helper()
	file, err := dotc1z.NewC1ZFile(context.Background(), path,
		dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(t.TempDir()), dotc1z.WithEngine(c1zstore.EngineSQLite))
	grpcMust(t, err, "opening %s with baton's reader", path)
	t.Cleanup(func() { _ = file.Close(context.Background()) })
	return file
}

// grpcGrantRequest is the request a baton host sends: the entitlement and the principal as its
// last sync stored them.
func grpcGrantRequest(t *testing.T, stored *dotc1z.C1File, entitlement, userID string) *v2.GrantManagerServiceGrantRequest {
	t.Helper()
	ctx := context.Background()
	ent, err := stored.GetEntitlement(ctx, &reader_v2.EntitlementsReaderServiceGetEntitlementRequest{EntitlementId: entitlement})
	grpcMust(t, err, "entitlement %s in baton's file", entitlement)
	principal, err := stored.GetResource(ctx, &reader_v2.ResourcesReaderServiceGetResourceRequest{
		ResourceId: &v2.ResourceId{ResourceType: "user", Resource: userID},
	})
	grpcMust(t, err, "user %s in baton's file", userID)
	return &v2.GrantManagerServiceGrantRequest{Entitlement: ent.GetEntitlement(), Principal: principal.GetResource()}
}

// grpcProvisioningServer serves baton-planetscale -p on fake and syncs it with baton's syncer;
// it returns the client and baton's file.
func grpcProvisioningServer(t *testing.T, fake *Fake) (types.ConnectorClient, *dotc1z.C1File) {
	t.Helper()
	bin := Bin(t, EnvBatonPlanetScaleBin)
	args, env := grpcPlanetScale(fake)
	client := grpcDial(t, grpcServe(t, bin, env, append(args, "--provisioning")...), nil)
	theirs := filepath.Join(t.TempDir(), "baton.c1z")
	grpcBatonSync(t, client, theirs)
	return client, grpcStored(t, theirs)
}

func TestGrpcGrantAndRevokeChangeTheFakeAsTheFlagsDo(t *testing.T) {
	bin := Bin(t, EnvBatonPlanetScaleBin)
	fake := StartFake(t, "small")
	args, env := grpcPlanetScale(fake)
	client, stored := grpcProvisioningServer(t, fake)
	team, user, email := grpcOutsider(t, fake, false)
	entitlement := "team:" + team + ":member"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	fake.writes(t)
	granted, err := client.Grant(ctx, grpcGrantRequest(t, stored, entitlement, user))
	grpcMust(t, err, "Grant over gRPC")
	if len(granted.GetGrants()) != 1 || granted.GetGrants()[0].GetId() != entitlement+":user:"+user {
		t.Fatalf("Grant answered grants %v", granted.GetGrants())
	}
	_, err = client.Revoke(ctx, &v2.GrantManagerServiceRevokeRequest{Grant: granted.GetGrants()[0]})
	grpcMust(t, err, "Revoke over gRPC")
	overGRPC := fake.writes(t)

	// The same change with the flags: grant, sync (the revoke names a grant of the last sync),
	// revoke.
	file := filepath.Join(t.TempDir(), "ours.c1z")
	withFile := append(args, "--file", file)
	Run(t, bin, env, withFile...)
	fake.writes(t)
	Run(t, bin, env, append(withFile, "-p", "--grant-entitlement", entitlement, "--grant-principal", email)...)
	Run(t, bin, env, withFile...)
	Run(t, bin, env, append(withFile, "-p", "--revoke-grant", entitlement+":user:"+user)...)
	withFlags := fake.writes(t)

	if len(overGRPC) != 2 || !slices.Equal(overGRPC, withFlags) {
		t.Fatalf("over gRPC the fake was sent %v; with the flags %v", overGRPC, withFlags)
	}
}

func TestGrpcProvisioningRefusalsAreGrpcErrors(t *testing.T) {
	bin := Bin(t, EnvBatonPlanetScaleBin)
	fake := StartFake(t, "small")
	client, stored := grpcProvisioningServer(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	refused := func(err error, code codes.Code, says string) {
		t.Helper()
		if status.Code(err) != code || !strings.Contains(status.Convert(err).Message(), says) {
			t.Fatalf("got %v; want %v saying %q", err, code, says)
		}
	}

	// A grant grant expansion derived: revoked where it comes from, never on its own.
	var grants struct {
		Grants []struct {
			Grant struct {
				ID        string `json:"id"`
				Principal struct {
					ID struct {
						ResourceType string `json:"resourceType"`
					} `json:"id"`
				} `json:"principal"`
			} `json:"grant"`
		} `json:"grants"`
	}
	path := filepath.Join(t.TempDir(), "ours.c1z")
	args, env := grpcPlanetScale(fake)
	Run(t, bin, env, append(args, "--file", path)...)
	out := Run(t, bin, nil, "inspect", "--file", path, "grants", "-t", "database", "--output", "json")
	grpcMust(t, json.Unmarshal(out, &grants), "inspect grants JSON")
	derived := ""
	for _, g := range grants.Grants {
		if g.Grant.Principal.ID.ResourceType == "user" {
			derived = g.Grant.ID
		}
	}
	if derived == "" {
		t.Fatal("no person's database access derived by grant expansion")
	}
	held, err := stored.GetGrant(ctx, &reader_v2.GrantsReaderServiceGetGrantRequest{GrantId: derived})
	grpcMust(t, err, "grant %s in baton's file", derived)
	fake.writes(t)
	_, err = client.Revoke(ctx, &v2.GrantManagerServiceRevokeRequest{Grant: held.GetGrant()})
	refused(err, codes.FailedPrecondition, "cannot be revoked on its own")

	// A team its identity provider manages.
	team, user, _ := grpcOutsider(t, fake, true)
	_, err = client.Grant(ctx, grpcGrantRequest(t, stored, "team:"+team+":member", user))
	refused(err, codes.FailedPrecondition, "is managed by your identity provider")
	if writes := fake.writes(t); len(writes) != 0 {
		t.Fatalf("refused changes sent %v", writes)
	}

	// A token without the write access: the same data, served with a read-only token.
	readOnly := StartFake(t, "small", "--token", FakeToken, "--token-accesses", "read_organization")
	// Only the API's address: the optional parts need read accesses this token lacks.
	limited := grpcDial(t, grpcServe(t, bin, env, "--planetscale-api-url", readOnly.URL, "--provisioning"), nil)
	team, user, _ = grpcOutsider(t, readOnly, false)
	_, err = limited.Grant(ctx, grpcGrantRequest(t, stored, "team:"+team+":member", user))
	refused(err, codes.PermissionDenied, "lacks the write_teams access")

	// Without --provisioning the server answers as baton's does.
	plain := grpcDial(t, grpcServe(t, bin, env, args...), nil)
	_, err = plain.Grant(ctx, grpcGrantRequest(t, stored, "team:"+team+":member", user))
	refused(err, codes.FailedPrecondition, "provisioning is not enabled")
}
