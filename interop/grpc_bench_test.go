package interop

// The Go half of `cargo xtask bench --scenarios grpc`: baton-sdk's syncer driving a running
// `baton-planetscale serve`, timed here so that building this test is not counted.

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	batonsync "github.com/conductorone/baton-sdk/pkg/sync"
)

func TestGrpcBenchSync(t *testing.T) {
	addr := os.Getenv("GRPC_BENCH_ADDR")
	if addr == "" {
		t.Skip("run by `cargo xtask bench --scenarios grpc`, which sets GRPC_BENCH_ADDR")
	}
	workers, err := strconv.Atoi(os.Getenv("GRPC_BENCH_WORKERS"))
	grpcMust(t, err, "GRPC_BENCH_WORKERS")
	client := grpcDial(t, addr, nil)
	wall := grpcBatonSync(t, client, os.Getenv("GRPC_BENCH_C1Z"), batonsync.WithWorkerCount(workers))
	fmt.Printf("grpc-bench wall_s=%f\n", wall.Seconds())
}
