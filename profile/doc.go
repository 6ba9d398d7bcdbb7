// Package profile builds the customer file: one importable record per
// customer that joins every view cvm computes.
//
// # Overview
//
// [Build] reads a transaction stream once and returns a [File]: one
// [Profile] per customer with a transaction on or before the as-of,
// sorted by customer ID, each joining
//
//   - identity and the cvm.Summary (occasions by UTC day), units and the
//     distinct products and categories bought (cvm.Transaction's optional
//     fields);
//   - the RFM values, cell and named segment (segment, DefaultRules);
//   - the k-means cluster on the standardised log RFM values, k by
//     silhouette or Settings.Clusters (segment/kmeans; [Clusters]);
//   - the CLV forecast (value/clv: BG/NBD for purchases, Fader, Hardie &
//     Lee 2005; Gamma-Gamma for spend, Fader, Hardie & Lee 2005b):
//     P(alive), expected purchases in 52 weeks, expected spend, discounted
//     CLV;
//   - the value score with quadrant, tier and top reasons (value: by
//     default on value.RetailIndicators with the CLV forecasts as current
//     value, [RetailIndicators]; or on the summary's four indicators,
//     [SummaryIndicators], which [Update] can continue), the matrix cut
//     by value concentration (value.CutConcentration);
//   - the lifecycle state with its last transition and pattern
//     (lifecycle.Classify, monthly ticks);
//   - the recovery book entry (recovery; File.Book.Lookup);
//   - the host's [Attributes] (CRM indicators, channel and consent,
//     customer type, failure history);
//   - [Flag]s for contradictions between the views.
//
// [BuildReader] builds the same file from a cvm.Reader's rows without
// making a cvm.Transaction of each (cvm.Reader.EachBatch), as "cvm
// profile" reads a file.
//
// [AppendCSV] writes a profile as a row of the customer file's CSV under
// [CSVHeader], the format "cvm profile" writes.
//
// # The join
//
// Build keeps each transaction's customer, time and amount in columns
// (about 20 bytes a row, read in blocks and copied once into exact-size
// columns), groups the rows by customer in ID order (reordering the
// columns so that every replay reads them in sequence, whatever the
// stream's order), and replays each run of 32,768 consecutive customers
// in one pass to a cvm.Summarizer and to a lifecycle.Replayer (which
// gives lifecycle.Classify's results one customer at a time), the runs on
// every core (a stream grouped by customer in ascending ID order is the
// fastest: it needs no ID table and nothing is reordered), writing each
// lifecycle result and summary into its profile. A
// per-customer pass on every core then computes the units, products and
// categories, the CLV input and the retail indicators from the columns,
// with value.RetailIndicators' own accumulation and formulas (the same
// bits, no accumulator per customer). The profiles do not depend on the
// stream's order, except in the last bits of the sums rounded in each
// customer's row order: units, repeat-purchase amounts and the retail
// indicators' sums (as value.RetailIndicators documents). The
// CLV input is derived from the summary and the repeat-purchase amounts,
// exactly as clv.Prepare computes it:
//
//	x   = occasions - 1
//	t_x = (day(last) - day(first)) / 7
//	T   = (day(as-of) - day(first)) / 7
//	m   = (purchases on days after the first) / x
//
// The fitted models are returned in File.Models ([Models], JSON format
// "cvm.profile.models"), so the next period scores with the same RFM
// breaks, cluster centres, CLV parameters, value bounds and weights: [Apply], or [Update]
// for the incremental path that continues each profile with new
// transactions without refitting and says when a refit is due ([Refit]).
//
// # A distributed Build
//
// [Parts], [FitParts] and [ScoreParts] split Build for a distributed
// engine (examples/beam runs them on Apache Beam): Parts computes the
// views of one customer's own transactions on any batch of whole
// customers; FitParts fits the models centrally on every part (RFM breaks,
// CLV, the value model) with the figures that compare a customer with the
// others (the retail wallet and cross-buying headroom, the data span) in a
// [Population]; ScoreParts scores any batch of parts with it. Every
// profile equals Build's on the whole stream, bit for bit. Host
// attributes are not supported there.
//
// # Cost
//
// Memory is about 20 bytes a transaction while building (24 when times
// have fractions of a second; plus 8 for the
// quantity and 4 each for the product and the category, when present) and
// about 1 KB a profile; see the README for the 10M-row benchmark and its
// breakdown by stage.
package profile
