// Package report formats the examples' text output: aligned tables and
// section headings for a terminal, in plain ASCII.
//
// # Overview
//
// A [Table] collects rows of cells and writes them with every column
// padded to its widest cell. Columns whose non-empty cells all read as
// numbers (optionally with a %, a currency sign or thousands separators)
// are right-aligned, others left-aligned, so figures line up on their
// last digit as in a printed report.
package report
