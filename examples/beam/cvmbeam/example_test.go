package cvmbeam_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/cvmkit/cvm/examples/beam/cvmbeam"
)

// Summarise two CSV shards on the Prism runner, in-process: the file is
// cvm summary's, sorted by customer.
func Example() {
	dir, err := os.MkdirTemp("", "cvmbeam-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	shards := []string{
		"customer,time,amount\nalice,2025-03-01T10:00:00Z,20.5\nbob,2025-03-02T11:00:00Z,9.99\n",
		"customer,time,amount\nalice,2025-03-09T12:00:00Z,14\nalice,2025-03-10T09:30:00Z,-4.5\n",
	}
	var files []string
	for i, text := range shards {
		path := filepath.Join(dir, fmt.Sprintf("tx-%d.csv", i))
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			fmt.Println(err)
			return
		}
		files = append(files, path)
	}
	out := filepath.Join(dir, "summary.csv")

	p, s := beam.NewPipelineWithRoot()
	tx := cvmbeam.ReadCSV(s, files, cvmbeam.ReadSettings{}, time.Time{}) // the default as-of
	cvmbeam.SummaryCSV(s, cvmbeam.Summaries(s, tx), out)
	if _, err := prism.Execute(context.Background(), p); err != nil {
		fmt.Println(err)
		return
	}

	b, err := os.ReadFile(out)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(b))
	// Output:
	// customer,first,last,occasions,transactions,total,returns,mean
	// alice,2025-03-01T10:00:00Z,2025-03-09T12:00:00Z,2,3,30,4.5,15
	// bob,2025-03-02T11:00:00Z,2025-03-02T11:00:00Z,1,1,9.99,0,9.99
}
