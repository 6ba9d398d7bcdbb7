//go:build !lifecyclebatch

package flow

import "io"

// LifecycleStage is empty while the lifecycle package's batch classifier
// is not available.
type LifecycleStage struct{}

func (r *Result) runLifecycle() error {
	r.note("lifecycle stages: the lifecycle package's batch classifier is not available in this build")
	return nil
}

func (r *Result) reportLifecycle(io.Writer) {}

func (r *Result) plotLifecycle(string) ([]string, error) { return nil, nil }
