package cvm_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/segment"
)

// readmeSnippet is the program of the README's "Use it from Go" section,
// verbatim between the BEGIN and END lines: TestREADMESnippet checks the
// two are the same text, and Example_readme compiles and runs it, so the
// README's code cannot rot.
func readmeSnippet() {
	// BEGIN README
	f, err := os.Open("orders.csv") // header: customer,time,amount[,order]
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	asOf := time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC)

	rd, err := cvm.NewReader(f, nil) // gzip, delimiters and time layouts are recognised
	if err != nil {
		log.Fatal(err)
	}
	sums, err := rd.Summarize(ctx, &cvm.SummarySettings{AsOf: asOf}) // parallel
	if err != nil {
		log.Fatal(err) // a *cvm.ParseError names the line, column and value
	}
	values, _, err := segment.RFMValues(sums, asOf, nil)
	if err != nil {
		log.Fatal(err)
	}
	cells, scorer, err := segment.Score(nil, values, nil) // fit 5 bins and score; equal values share a score
	if err != nil {
		log.Fatal(err)
	}
	rules := segment.DefaultRules() // 11 segments, all 125 cells covered
	for i, v := range values {
		name, _ := rules.Segment(cells[i].R, cells[i].F, cells[i].M)
		fmt.Println(v.Customer, cells[i], name)
	}
	// The scorer marshals to JSON: score the next period with the same breaks.
	fmt.Printf("recency breaks (days): %.1f\n", scorer.Recency().Breaks)
	// END README
}

// readmeOrders: as of the end of 2025-12-31, recency in whole days is ann
// 1, dee 11, bob 30, cid 46, eve 91; purchase days bob 1, cid 2, ann 3,
// eve 4, dee 5; totals bob 50, cid 120, eve 200, ann 300, dee 900.
const readmeOrders = `customer,time,amount,order
ann,2025-06-01,100,o1
ann,2025-11-02,100,o2
ann,2025-12-30,100,o3
bob,2025-12-01,50,o4
cid,2025-08-10,60,o5
cid,2025-11-15,60,o6
dee,2025-01-05,180,o7
dee,2025-04-05,180,o8
dee,2025-07-05,180,o9
dee,2025-10-05,180,o10
dee,2025-12-20,180,o11
eve,2025-02-01,50,o12
eve,2025-04-01,50,o13
eve,2025-06-01,50,o14
eve,2025-10-01,50,o15
`

// Example_readme runs the README's program on readmeOrders. The expected
// output is worked by hand: with five distinct values and 5 bins, the
// type-7 breaks fall between neighbours, so each score is the rank (R
// reversed: recent is 5). Cells: ann 534, bob 311, cid 222, dee 455, eve
// 143. Segments, by the first rule of segment.DefaultRuleSetDef that matches (R,
// FM = (F+M)/2): ann R5 FM 3.5 -> Loyal; bob R3 FM 1 -> About to Sleep;
// cid R2 FM 2 -> Hibernating; dee R4 FM 5 -> Loyal; eve R1 FM 3.5 -> At
// Risk. Recency breaks over 1, 11, 30, 46, 91 at p = 0.2 .. 0.8 (h = 4p):
// 1 + 0.8*10 = 9, 11 + 0.6*19 = 22.4, 30 + 0.4*16 = 36.4, 46 + 0.2*45 = 55.
func Example_readme() {
	dir, err := os.MkdirTemp("", "cvm-readme")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	wd, err := os.Getwd()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		log.Fatal(err)
	}
	defer os.Chdir(wd)
	if err := os.WriteFile("orders.csv", []byte(readmeOrders), 0o644); err != nil {
		log.Fatal(err)
	}
	readmeSnippet()
	// Output:
	// ann 534 Loyal
	// bob 311 About to Sleep
	// cid 222 Hibernating
	// dee 455 Loyal
	// eve 143 At Risk
	// recency breaks (days): [9.0 22.4 36.4 55.0]
}

// TestREADMESnippet checks that the README's Go block is readmeSnippet's
// body.
func TestREADMESnippet(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("readme_example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "## Use it from Go\n")
	if ok {
		_, block, ok = strings.Cut(block, "```go\n")
	}
	if ok {
		block, _, ok = strings.Cut(block, "```\n")
	}
	if !ok {
		t.Fatal("README.md: no ```go block under \"## Use it from Go\"")
	}
	_, body, ok := strings.Cut(string(src), "\t// BEGIN README\n")
	if ok {
		body, _, ok = strings.Cut(body, "\t// END README\n")
	}
	if !ok {
		t.Fatal("readme_example_test.go: no BEGIN README ... END README")
	}
	var lines []string
	for _, l := range strings.SplitAfter(body, "\n") {
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	if want := strings.Join(lines, ""); block != want {
		t.Errorf("README.md's Go block differs from readmeSnippet in readme_example_test.go (update the README):\n--- README\n%s\n--- readmeSnippet\n%s", block, want)
	}
}
