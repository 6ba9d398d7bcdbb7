package cvm

import (
	"iter"
	"time"
)

// Split divides a stream of transactions at cutoff into a calibration
// period, the transactions at or before cutoff (!Time.After(cutoff),
// instants compared whatever their locations, the rule of a non-zero
// SummarySettings.AsOf), and a holdout period, the transactions strictly
// after it. It is the calibration/holdout cut of the customer-base models
// (clv.Prepare cuts the same way); it does not sample customers. Split
// reads txs once, to its end. Transactions keep their stream order in each
// part. Split copies the transactions into new slices; an empty stream
// gives two nil slices. A zero cutoff is an instant like any other
// (0001-01-01 UTC: nearly everything is holdout), unlike the zero
// SummarySettings.AsOf, which means no cut-off. Split does not validate
// transactions: one with a NaN amount or an empty customer is split by its
// time like any other.
//
// To put a whole calendar day in the calibration period, pass the last
// instant of that day, [EndOfDay]: the standard CDNOW set-up, calibration
// through 1997-09-30 inclusive, is
//
//	cal, hold := cvm.Split(txs, cvm.EndOfDay(time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)))
//
// With date-only data (times at midnight) the midnight of 1997-09-30 gives
// the same split; with times of day it would leave the rest of that day in
// the holdout period.
func Split(txs iter.Seq[Transaction], cutoff time.Time) (calibration, holdout []Transaction) {
	for t := range txs {
		if t.Time.After(cutoff) {
			holdout = append(holdout, t)
		} else {
			calibration = append(calibration, t)
		}
	}
	return calibration, holdout
}

// EndOfDay returns the last nanosecond of t's calendar day in t's location,
// 23:59:59.999999999.
func EndOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, t.Location()).Add(-time.Nanosecond)
}
