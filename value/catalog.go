package value

// Group IDs of the default catalog.
const (
	GroupEconomic     = "economic"     // current: economic contribution
	GroupBehaviour    = "behaviour"    // current: buying behaviour
	GroupCredit       = "credit"       // current: credit and cost to serve
	GroupGrowth       = "growth"       // potential: growth
	GroupRelationship = "relationship" // potential: relationship strength
	GroupStrategic    = "strategic"    // potential: strategic value
)

var (
	logNorm  = Normalization{Log: true, Upper: 0.99}
	wins     = Normalization{Lower: 0.01, Upper: 0.99}
	plainMM  = Normalization{}
	defaultG = []Group{
		{ID: GroupEconomic, Name: "Economic contribution", Dimension: CurrentValue, Weight: 0.4},
		{ID: GroupBehaviour, Name: "Buying behaviour", Dimension: CurrentValue, Weight: 0.3},
		{ID: GroupCredit, Name: "Credit and cost to serve", Dimension: CurrentValue, Weight: 0.3},
		{ID: GroupGrowth, Name: "Growth", Dimension: PotentialValue, Weight: 0.4},
		{ID: GroupRelationship, Name: "Relationship strength", Dimension: PotentialValue, Weight: 0.3},
		{ID: GroupStrategic, Name: "Strategic value", Dimension: PotentialValue, Weight: 0.3},
	}
)

func ind(id, name string, g string, dir Direction, unit string, n Normalization, def, src string) Indicator {
	d := CurrentValue
	switch g {
	case GroupGrowth, GroupRelationship, GroupStrategic:
		d = PotentialValue
	}
	return Indicator{ID: id, Name: name, Dimension: d, Group: g, Direction: dir, Unit: unit, Norm: n, Weight: 0.2, Definition: def, Source: src}
}

// DefaultCatalog returns, in fresh memory, the default 30-indicator catalog
// of a B2B supplier, after the current-plus-potential value model of the
// Baosteel case: 15 current-value and 15 potential-value indicators in six
// groups of five. All indicator weights are 0.2 within their group; the
// group weights are 0.4 (economic contribution, growth) and 0.3 (the other
// two groups of each dimension). These weights are a neutral starting
// point: replace them with [Catalog.WithWeights], from AHP judgements
// ([HierarchyWeights]) or from data ([DataWeights], by [weight.Entropy] or
// [weight.CRITIC]).
// Money and volume indicators are log-transformed and winsorised at the
// 99th percentile; unbounded ratios are winsorised at the 1st and 99th.
//
// The indicators (ID: definition [unit, direction; typical source]):
//
// Current value, economic contribution:
//   - volume: tonnes bought in the last 12 months [t, benefit; ERP sales orders]
//   - revenue: net revenue from the customer, last 12 months [CNY, benefit; ERP invoices]
//   - gross_profit: revenue minus cost of goods sold [CNY, benefit; ERP and cost accounting]
//   - gross_margin: gross profit / revenue [%, benefit; ERP and cost accounting]
//   - high_value_share: share of revenue from high-value-added products [%, benefit; ERP by product line]
//
// Current value, buying behaviour:
//   - order_frequency: orders placed in the last 12 months [orders/yr, benefit; ERP sales orders]
//   - recency: days since the last order [days, cost; ERP sales orders]
//   - volume_volatility: coefficient of variation of monthly volume [ratio, cost; ERP sales orders]
//   - fulfilment: share of contracted volume actually taken [%, benefit; contract management]
//   - tenure: years since the first order [years, benefit; CRM master data]
//
// Current value, credit and cost to serve:
//   - dso: days sales outstanding [days, cost; accounts receivable]
//   - overdue_ratio: overdue receivables / receivables [%, cost; accounts receivable]
//   - credit_rating: internal or agency credit rating, higher is better [1-10, benefit; credit department]
//   - cost_to_serve: sales, logistics and service cost / revenue [%, cost; activity-based costing]
//   - price_realisation: realised price / list price [%, benefit; ERP pricing]
//
// Potential value, growth:
//   - total_demand: customer's total annual demand for our product category [t, benefit; sales survey, industry data]
//   - headroom: total demand x (1 - our share): volume we do not yet supply [t, benefit; derived]
//   - growth_rate: customer's annual output growth [%, benefit; annual reports, sales survey]
//   - industry_outlook: outlook of the customer's downstream industry [1-5, benefit; market research]
//   - cross_buying: product lines the customer buys elsewhere that we make [count, benefit; sales survey]
//
// Potential value, relationship strength:
//   - share_of_wallet: our share of the customer's category demand [%, benefit; sales survey]
//   - satisfaction: customer satisfaction score [1-5, benefit; satisfaction survey]
//   - switching_cost: customer's cost of switching supplier, rated [1-5, benefit; account manager assessment]
//   - contacts: senior and technical contacts at the customer [count, benefit; CRM contacts]
//   - info_sharing: depth of information sharing (forecasts, plans) [1-5, benefit; account manager assessment]
//
// Potential value, strategic value:
//   - joint_projects: joint development or early-involvement projects, last 3 years [count, benefit; R&D records]
//   - influence: the customer's influence in its industry [1-5, benefit; market research]
//   - nps: net promoter score or referrals given [-100..100, benefit; NPS survey]
//   - product_fit: share of the customer's needs in our target products [%, benefit; sales survey]
//   - financial_health: financial health score, such as Altman Z [score, benefit; financial statements, agencies]
func DefaultCatalog() Catalog {
	return Catalog{
		Groups: append([]Group(nil), defaultG...),
		Indicators: []Indicator{
			ind("volume", "Annual volume", GroupEconomic, Benefit, "t", logNorm, "tonnes bought in the last 12 months", "ERP sales orders"),
			ind("revenue", "Revenue", GroupEconomic, Benefit, "CNY", logNorm, "net revenue from the customer, last 12 months", "ERP invoices"),
			ind("gross_profit", "Gross-profit contribution", GroupEconomic, Benefit, "CNY", logNorm, "revenue minus cost of goods sold", "ERP and cost accounting"),
			ind("gross_margin", "Gross margin", GroupEconomic, Benefit, "%", wins, "gross profit / revenue", "ERP and cost accounting"),
			ind("high_value_share", "Share of high-value products", GroupEconomic, Benefit, "%", plainMM, "share of revenue from high-value-added products", "ERP by product line"),

			ind("order_frequency", "Order frequency", GroupBehaviour, Benefit, "orders/yr", wins, "orders placed in the last 12 months", "ERP sales orders"),
			ind("recency", "Days since last order", GroupBehaviour, Cost, "days", wins, "days since the last order", "ERP sales orders"),
			ind("volume_volatility", "Volume volatility", GroupBehaviour, Cost, "ratio", wins, "coefficient of variation of monthly volume", "ERP sales orders"),
			ind("fulfilment", "Contract fulfilment rate", GroupBehaviour, Benefit, "%", plainMM, "share of contracted volume actually taken", "contract management"),
			ind("tenure", "Years as customer", GroupBehaviour, Benefit, "years", wins, "years since the first order", "CRM master data"),

			ind("dso", "Days sales outstanding", GroupCredit, Cost, "days", wins, "days sales outstanding", "accounts receivable"),
			ind("overdue_ratio", "Overdue ratio", GroupCredit, Cost, "%", wins, "overdue receivables / receivables", "accounts receivable"),
			ind("credit_rating", "Credit rating", GroupCredit, Benefit, "1-10", plainMM, "internal or agency credit rating, higher is better", "credit department"),
			ind("cost_to_serve", "Cost-to-serve rate", GroupCredit, Cost, "%", wins, "sales, logistics and service cost / revenue", "activity-based costing"),
			ind("price_realisation", "Price realisation", GroupCredit, Benefit, "%", wins, "realised price / list price", "ERP pricing"),

			ind("total_demand", "Total demand", GroupGrowth, Benefit, "t", logNorm, "customer's total annual demand for our product category", "sales survey, industry data"),
			ind("headroom", "Headroom", GroupGrowth, Benefit, "t", logNorm, "total demand x (1 - our share): volume we do not yet supply", "derived"),
			ind("growth_rate", "Customer growth rate", GroupGrowth, Benefit, "%", wins, "customer's annual output growth", "annual reports, sales survey"),
			ind("industry_outlook", "Downstream industry outlook", GroupGrowth, Benefit, "1-5", plainMM, "outlook of the customer's downstream industry", "market research"),
			ind("cross_buying", "Cross-buying potential", GroupGrowth, Benefit, "count", wins, "product lines the customer buys elsewhere that we make", "sales survey"),

			ind("share_of_wallet", "Share of wallet", GroupRelationship, Benefit, "%", plainMM, "our share of the customer's category demand", "sales survey"),
			ind("satisfaction", "Satisfaction", GroupRelationship, Benefit, "1-5", plainMM, "customer satisfaction score", "satisfaction survey"),
			ind("switching_cost", "Switching cost", GroupRelationship, Benefit, "1-5", plainMM, "customer's cost of switching supplier, rated", "account manager assessment"),
			ind("contacts", "Senior and technical contacts", GroupRelationship, Benefit, "count", wins, "senior and technical contacts at the customer", "CRM contacts"),
			ind("info_sharing", "Information sharing", GroupRelationship, Benefit, "1-5", plainMM, "depth of information sharing (forecasts, plans)", "account manager assessment"),

			ind("joint_projects", "Joint development projects", GroupStrategic, Benefit, "count", wins, "joint development or early-involvement projects, last 3 years", "R&D records"),
			ind("influence", "Industry influence", GroupStrategic, Benefit, "1-5", plainMM, "the customer's influence in its industry", "market research"),
			ind("nps", "Referrals / NPS", GroupStrategic, Benefit, "-100..100", plainMM, "net promoter score or referrals given", "NPS survey"),
			ind("product_fit", "Fit with target products", GroupStrategic, Benefit, "%", plainMM, "share of the customer's needs in our target products", "sales survey"),
			ind("financial_health", "Financial health", GroupStrategic, Benefit, "score", wins, "financial health score, such as Altman Z", "financial statements, agencies"),
		},
	}
}
