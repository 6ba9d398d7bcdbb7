// Package lifecycle tracks where each customer relationship stands in the
// four-stage relationship lifecycle, as an explicit, event-driven state
// machine that can move back as well as forward.
//
// # Overview
//
// A relationship moves through exploration (trial orders, low trust),
// formation (volume rising fast, trust growing), stability (high and steady
// volume, highest trust, willingness to pay more, referrals) and decline
// (volume falling) (Dwyer, Schurr & Oh 1987; Jap & Ganesan 2000). Decline
// can start from any stage; a relationship can end early in exploration,
// break off in formation, leave stability early, or last (Jap & Anderson
// 2007), and it can recover. A new order after the end starts a new
// exploration, marked as a re-activation.
//
// A [State] is a small value; [Apply] applies one [Event] (purchase,
// return, contact, complaint, termination, or a clock tick) and returns
// the new State and, on a stage change, a [Transition] naming the [Rule]
// that fired and the [Measures] behind it. The clock is always an event's
// time, never time.Now. The allowed changes are the exported
// [TransitionTable]:
//
//	none        -> exploration                      first purchase
//	exploration -> formation | decline | ended
//	formation   -> stability | decline | ended
//	stability   -> decline | ended
//	decline     -> exploration | formation | stability | ended
//	ended       -> exploration                      re-activation
//
// [Classify] replays a whole transaction stream, customer by customer in
// parallel, with ticks at a monthly or weekly cadence, and returns each
// customer's state, history and [Pattern]; its cost is bounded by the data,
// not by the as-of time (ticks that change nothing, after the end or before
// the first purchase, are skipped). A stream grouped by customer is
// replayed while it is read; any other (time order, as most files come,
// or no order) goes through a partitioned grouping: rows batched by the
// reading goroutine, scattered by customer hash into 256 partitions by
// another while reading goes on, then each partition, in parallel,
// grouped through an ID table small enough for the caches, sorted by
// customer and replayed, the design of
// the root package's Reader.Summarize (after DuckDB's radix-partitioned
// aggregation, Kuiper, Boncz & Mühleisen 2024). [ClassifyEach] hands the
// results to a callback in the same order instead of returning them;
// with the as-of known and a grouped stream it hands them over as the
// customers are replayed, so neither the transactions nor the results are
// all in memory at once; without it (the as-of decided once the stream is
// read), it holds the transactions but hands each batch of results over
// as it is replayed. [ClassifyReader] does the same for a cvm.Reader,
// reading its rows without making a Transaction of each, and
// [ClassifySettings].NoHistory skips recording the stage changes (and
// their measures) for a host that needs the current stages only: cvm
// lifecycle writes its file these ways.
// [DefaultStrategies] gives each stage's recommended strategy as data.
//
// The package follows the library's one convention: the rules are
// [Settings] (nil or a zero field means the documented default; see
// [DefaultSettings]) passed to [Apply], and [ClassifySettings] (as-of,
// cadence, rules, a Progress callback) to Classify, which takes ctx first.
// Every enum ([Stage], [Kind], [Rule], [Pattern], [Cadence]) has String,
// MarshalText and UnmarshalText.
//
// # Measures
//
// All measures are the customer's own history at the tick time t. Months
// are UTC calendar months; V(k) is the net volume (purchases minus
// returns) of the k-th complete month before the month of t.
//
//	tenure     = days since the relationship began
//	orders     = purchase occasions (distinct UTC days) in the relationship
//	active6/12 = months with a purchase among the last 6 / 12 complete months
//	recency    = days since the last purchase
//	interval   = median of the last 10 inter-purchase intervals in days (each at most 65535)
//	             (Settings.DefaultInterval, 90, with fewer than one)
//	growth3    = (V1+V2+V3) / (V4+V5+V6) - 1
//	growth6    = (V1+…+V6) / (V7+…+V12) - 1
//	yoy3       = (V1+V2+V3) / (V13+V14+V15) - 1        seasonal businesses
//	volatility = sd(V1..V12) / mean(V1..V12)            population sd
//	level3     = (V1+V2+V3) / 3
//
// The months Vi are those of the current relationship: a re-activation
// (a purchase after Ended) forgets the volumes and active months of the
// relationship that ended, so a customer who comes back is compared with
// its new self, never found in decline against the old one.
//
// A ratio with a zero or negative denominator is undefined (NaN) and
// satisfies no rule.
//
// # Rules
//
// With the default [Settings], evaluated at each tick in this order:
//
//	ended        recency > max(4 x interval, 180 days)        at once
//	             (seasonal: also > 450 days)
//	decline      recency > max(2 x interval, 30 days)         at once
//	             (seasonal: not when the customer was also silent over
//	             the same months a year earlier)
//	decline      growth6 < -50% (seasonal: yoy3 < -50%)        trend
//	formation    from exploration: orders >= 3, active6 >= 2,
//	             level3 > 0 and growth3 >= 0 (or undefined)     trend
//	stability    from formation: tenure >= 365 days,
//	             active12 >= 8, volatility <= 1                 trend
//	recovery     from decline, back to the stage before it:
//	             recency within the decline limit and
//	             level3 >= 0.6 x the mean monthly volume of the
//	             6 complete months before the decline           trend
//
// A trend moves the stage only after it has held at 2 evaluations (ticks)
// in a row, and a move up (recovery included) only after 60 days in the
// current stage; recency-based decline and ending act at once. So a steady
// customer survives a quiet month, and a one-off dip does not flip the
// stage back and forth. A purchase starts the relationship, or
// re-activates an ended one, at once; a termination event ends an active
// relationship at once. Contacts and complaints are counted for the host
// and move no stage.
//
// # Storage
//
// State, Transition and Settings marshal to JSON in the library's envelope,
// {"format": ..., "version": ..., ...} ([StateFormat], [TransitionFormat],
// [SettingsFormat]), and back exactly with json.Unmarshal, so a host keeps
// each customer's state in its own database and applies events as they
// come, and keeps its rules in a settings file. Decoding is strict: another
// format or version is a *cvm.FormatError, an unknown field (a misspelt
// rule) or a value no sequence of events could produce is a [*DecodeError]
// naming the field, and trailing data is an error.
//
// # Sources
//
// Dwyer, F. R., Schurr, P. H. & Oh, S. (1987). Developing buyer-seller
// relationships. Journal of Marketing 51(2), 11-27.
//
// Jap, S. D. & Ganesan, S. (2000). Control mechanisms and the relationship
// life cycle. Journal of Marketing Research 37(2), 227-245.
//
// Jap, S. D. & Anderson, E. (2007). Testing a life-cycle theory of
// cooperative interorganizational relationships: movement across stages
// and performance. Management Science 53(2), 260-275.
//
// Kuiper, L., Boncz, P. & Mühleisen, H. (2024). Robust external hash
// aggregation in the analytical database DuckDB. DaMoN '24, for the
// partitioned grouping of streams not grouped by customer.
//
// Hinnant, H. (2013). chrono-compatible low-level date algorithms
// (days_from_civil, civil_from_days), used for UTC calendar months.
package lifecycle
