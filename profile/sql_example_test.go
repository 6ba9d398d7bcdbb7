package profile_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/synth"
	"github.com/cvmkit/cvm/profile"
)

// The fitted models of a customer file as one SQL script: a lookup table
// and four views a warehouse runs without cvm.
func ExampleModels_SQL() {
	txs := synth.Transactions(synth.Config{Customers: 300, Seed: 1})
	f, err := profile.Build(context.Background(), txs, nil, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	script, err := f.Models.SQL(cvm.PostgreSQL, &profile.SQLSettings{Rows: f.CLVRows()})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range strings.Split(script, "\n") {
		if strings.HasPrefix(line, "CREATE ") {
			fmt.Println(strings.Join(strings.Fields(line)[:3], " "))
		}
	}
	// Output:
	// CREATE TABLE "cvm_clv_lookup"
	// CREATE VIEW "cvm_rfm"
	// CREATE VIEW "cvm_value"
	// CREATE VIEW "cvm_clv"
	// CREATE VIEW "cvm_profile"
}
