// Package scoring checks cvm's scoring SQL against real databases: the
// RFM cells and segments of segment.Scorer.SQL, the value scores of
// value.Model.SQL, P(alive) of clv.BGNBD.SQL and the CLV lookup table of
// clv.BGNBD.LookupSQL, run on SQLite (modernc.org/sqlite) and PostgreSQL
// (CVM_POSTGRES_DSN), equal for every customer what profile.Build
// computes in Go: the same cell and segment, value scores and P(alive)
// to 1e-9. Its tests are the package: go test ./scoring in this module.
package scoring
