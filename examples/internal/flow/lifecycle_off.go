//go:build !lifecyclebatch

package flow

import (
	"io"
	"time"

	"github.com/cvmkit/cvm/lifecycle"
)

// LifecycleStage is empty while the lifecycle package's batch classifier
// is not available.
type LifecycleStage struct{}

func (r *Result) runLifecycle() error {
	r.note("lifecycle stages: the lifecycle package's batch classifier is not available in this build")
	return nil
}

func (r *Result) reportLifecycle(io.Writer) {}

func (r *Result) plotLifecycle(string) ([]string, error) { return nil, nil }

// lifecycleResult stands in for lifecycle.Result.
type lifecycleResult struct{ State lifecycleState }

type lifecycleState struct{}

func (lifecycleState) Since() time.Time { return time.Time{} }

// StageOf reports that no stage is known.
func (r *Result) StageOf(string) (lifecycleResult, bool) { return lifecycleResult{}, false }

func (r *Result) stage(string) lifecycle.Stage { return lifecycle.None }
