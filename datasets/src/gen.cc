// The planner of `cashmatch gen`: who the customers are, which invoices
// they owe, and what each payment does — with the answer key written
// beside it. The format writers (gen_writers.cc) turn planned payments into
// BAI2, camt.053, Stripe listings and NDJSON.
//
// How one customer is made (all from Rng(seed, customer index)):
//   1. its name, aliases, bank account, currency, place in a hierarchy;
//   2. its invoices, with amounts distinct within the customer so that an
//      amount names at most one invoice;
//   3. a scenario for each of its payments, drawn with the profile's rates;
//      the few that need shaped invoices (ambiguous pairs, disputes, usage
//      holds) shape them first;
//   4. each payment planned against the customer's fresh invoices (those
//      no other payment touches), then written; a scenario that cannot be
//      built for this customer falls back to exact_reference (or
//      on_account when nothing is left to pay), and the key records the
//      scenario actually built.
//
// The answer key assumes the default policy: tolerance 25.00 in every
// currency (a short payment within it is written off, beyond it is a
// partial payment), and sets of invoices are compared within the customer.
// Amounts are distinct per customer except the messy profile's equal-amount
// twins, which only their own payment touches, naming one of them; no
// unreferenced payment is keyed to an amount two invoices share.
//
// Issue 14 (messy): the key says what a careful AR clerk does, not what
// today's matcher does — a reference is evidence, weighed with the payer's
// identity and the amount (typo_names_*), among twins the number closest to
// the reference wins, an exact unique name identifies, look-alike letters
// and noise tokens do not spoil a reference.
#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <filesystem>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "cashmatch/engine/money.h"
#include "cashmatch/io/export.h"
#include "gen_internal.h"

namespace cashmatch::datasets {
namespace {

// The tolerance of the default policy (USD/EUR 25.00), in minor units: the
// answer key's line between a short payment and a partial one.
constexpr int64_t kToleranceMinor = 2500;
// Above this many invoices a customer's three-invoice alternatives are not
// searched (quadratic); two-invoice ones always are.
constexpr size_t kTripleCheckInvoicesMax = 120;
// Attempts at drawing a set that no other set of the customer can be
// confused with, before the scenario falls back.
constexpr int kUniqueDrawAttempts = 6;

// Rates per 1000 payments (scenarios) or per 1000 customers (the rest).
struct ProfileRates {
  std::array<uint32_t, kScenarioCount> scenario;  // indexed by Scenario; sums to 1000
  uint32_t bai2, camt, ndjson;                    // bank channels, per 1000 bank payments
  uint32_t hierarchy_groups;                      // groups of ten customers with subsidiaries
  uint32_t eur_customers;
  uint32_t stripe_customers;  // have a cus_ id even without Stripe payments
  uint32_t aliases;           // customers with an alias
  uint32_t partially_paid;    // invoices already partly paid (open < total)
  // Issue 14's books: realistic names unique by their first 16 characters
  // where a payment relies on that, customers with more open invoices than
  // the matcher's candidate window, and the bank line of every Stripe payout.
  bool hard = false;
};

//                                  exact norem1 norem+ odd typo multi part short over name parent usage disp stripe ret
//                                  unknown ambig onacct | typo-other typo-same twins exact-name lookalike noise
//                                  payout-line (never drawn: one per Stripe payout, messy only)
constexpr ProfileRates kClean = {
    {{600, 60, 10, 10, 0, 100, 10, 20, 10, 0, 20, 5, 5, 140, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
    500,
    200,
    300,
    200,
    50,
    300,
    300,
    20};
constexpr ProfileRates kTypical = {
    {{330, 120, 50, 60, 30, 80, 30, 30, 20, 30, 30, 15, 15, 120, 10, 20, 10, 0, 0, 0, 0, 0, 0, 0, 0}},
    550,
    200,
    250,
    300,
    100,
    300,
    300,
    50};
constexpr ProfileRates kMessy = {
    {{70, 110, 70, 70, 50, 60, 40, 40, 30, 40, 40, 20, 20, 60, 20, 30, 25, 0, 40, 25, 30, 40, 30, 40, 0}},
    600,
    250,
    150,
    400,
    150,
    250,
    400,
    100,
    true};

const ProfileRates& RatesOf(Profile p) {
  switch (p) {
    case Profile::kClean: return kClean;
    case Profile::kTypical: return kTypical;
    case Profile::kMessy: return kMessy;
  }
  return kTypical;
}

constexpr std::array<const char*, kScenarioCount> kScenarioNames = {"exact_reference",
                                                                    "no_remittance_single",
                                                                    "no_remittance_multi",
                                                                    "odd_format_reference",
                                                                    "typo_reference",
                                                                    "multi_invoice",
                                                                    "partial_payment",
                                                                    "short_payment",
                                                                    "overpayment",
                                                                    "payer_name_variant",
                                                                    "parent_pays",
                                                                    "usage_reconciling",
                                                                    "disputed",
                                                                    "stripe_charge",
                                                                    "returned",
                                                                    "unknown_payer",
                                                                    "ambiguous",
                                                                    "on_account",
                                                                    "typo_names_other_invoice",
                                                                    "typo_names_own_invoice",
                                                                    "equal_amount_twins",
                                                                    "exact_name_only",
                                                                    "lookalike_reference",
                                                                    "noise_tokens",
                                                                    "stripe_payout_bank_line"};

// --- Names ---------------------------------------------------------------

constexpr std::array<const char*, 32> kSyllables = {
    "ka",  "lo",  "mi",  "ra",  "ten", "vo",  "zu",  "bri", "cor", "dan", "el", "fi",  "gra", "hol", "is",  "jun",
    "kel", "lum", "mar", "nor", "ol",  "pen", "qui", "ros", "sal", "tor", "ul", "ven", "wes", "xan", "yor", "zen"};
constexpr std::array<const char*, 16> kIndustries = {
    "Systems", "Logistics", "Health", "Analytics", "Foods",   "Energy",   "Media",  "Labs",
    "Capital", "Robotics",  "Retail", "Software",  "Freight", "Textiles", "Pharma", "Networks"};
// A legal suffix and how banks spell it out in payer names.
struct Legal {
  const char* short_form;
  const char* long_form;
};
constexpr std::array<Legal, 6> kLegal = {{{"Inc.", "INCORPORATED"},
                                          {"Corp.", "CORPORATION"},
                                          {"LLC", "L.L.C."},
                                          {"Ltd", "LIMITED"},
                                          {"GmbH", "GMBH"},
                                          {"Co.", "COMPANY"}}};

// A pronounceable word unique to `n` (base-32 digits as syllables, at least
// four), so that no two customers share a name.
std::string WordOf(uint64_t n) {
  std::string w;
  int syllables = 0;
  do {
    w += kSyllables[n % 32];
    n /= 32;
    ++syllables;
  } while (n > 0 || syllables < 4);
  w[0] = static_cast<char>(w[0] - 'a' + 'A');
  return w;
}

// Spreads neighbouring indexes over the syllables (one to one below 2^20;
// larger books keep the plain index, still unique).
uint64_t NameKey(uint64_t index) {
  constexpr uint64_t kMask = (1ULL << 20) - 1;
  return index <= kMask ? (index * 0x9E3B5ULL + 0x3C6EFULL) & kMask : index;
}

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

// Issue 14's realistic names (hard profiles): a first word, a second word
// and a trade, e.g. "Blue Harbor Logistics Inc.". The two word lists share
// no word, so the first space of a name tells its first word.
constexpr std::array<const char*, 117> kFirstWords = {
    "Blue",        "Red",        "Green",      "Silver",     "Golden",     "Iron",       "Copper",     "Bright",
    "Clear",       "Northern",   "Southern",   "Eastern",    "Western",    "Pacific",    "Atlantic",   "Coastal",
    "Alpine",      "Grand",      "Royal",      "Noble",      "United",     "Liberty",    "Crimson",    "Crystal",
    "Emerald",     "Sapphire",   "Indigo",     "Ivory",      "Amber",      "Cobalt",     "Scarlet",    "Evergreen",
    "Highland",    "Midland",    "Rapid",      "Swift",      "Steady",     "True",       "First",      "Prime",
    "Central",     "Modern",     "Classic",    "Premier",    "Allied",     "Apex",       "Bold",       "Brave",
    "Civic",       "Northwind",  "Southwind",  "Westwind",   "Eastwind",   "Lone",       "Twin",       "Great",
    "Little",      "Old",        "New",        "Upper",      "Lower",      "Silverline", "Goldline",   "Redline",
    "Bluewater",   "Clearwater", "Stillwater", "Whitewater", "Blackwater", "Deepwater",  "Highpoint",  "Keystone",
    "Cornerstone", "Redstone",   "Bluestone",  "Greystone",  "Whitestone", "Blackstone", "Brightstar", "Northstar",
    "Lodestar",    "Morning",    "Evening",    "Autumn",     "Winter",     "Summer",     "Spring",     "Sterling",
    "Regal",       "Majestic",   "Valiant",    "Vivid",      "Radiant",    "Solid",      "Stable",     "Honest",
    "Loyal",       "Open",       "Fair",       "Quiet",      "Gentle",     "Wild",       "Urban",      "Rural",
    "Metro",       "Lakeshore",  "Riverbend",  "Hillcrest",  "Oakmont",    "Fairmont",   "Piedmont",   "Vermont",
    "Tidewater",   "Bayside",    "Seaside",    "Parkside",   "Brookside"};
constexpr std::array<const char*, 132> kSecondWords = {
    "Harbor",  "River",      "Lake",     "Ridge",    "Valley",   "Canyon",   "Meadow",   "Willow",    "Aspen",
    "Birch",   "Cedar",      "Maple",    "Oak",      "Pine",     "Spruce",   "Cypress",  "Redwood",   "Sequoia",
    "Juniper", "Magnolia",   "Stone",    "Rock",     "Granite",  "Marble",   "Quarry",   "Mesa",      "Mountain",
    "Peak",    "Hill",       "Field",    "Grove",    "Orchard",  "Harvest",  "Brook",    "Creek",     "Falls",
    "Bay",     "Cove",       "Shore",    "Coast",    "Island",   "Point",    "Bridge",   "Gate",      "Tower",
    "Beacon",  "Lighthouse", "Anchor",   "Compass",  "Arrow",    "Eagle",    "Falcon",   "Hawk",      "Raven",
    "Fox",     "Wolf",       "Bear",     "Lion",     "Heron",    "Crane",    "Sparrow",  "Owl",       "Otter",
    "Bison",   "Elk",        "Horizon",  "Skyline",  "Sunrise",  "Sunset",   "Star",     "Moon",      "Comet",
    "Meteor",  "Atlas",      "Delta",    "Echo",     "Vertex",   "Landmark", "Heritage", "Legacy",    "Mission",
    "Union",   "Trinity",    "Vanguard", "Monarch",  "Crown",    "Shield",   "Castle",   "Forge",     "Mill",
    "Yard",    "Dock",       "Wharf",    "Pier",     "Port",     "Station",  "Square",   "Park",      "Garden",
    "Terrace", "Plaza",      "Crossing", "Junction", "Trail",    "Path",     "Road",     "Landing",   "Haven",
    "Hollow",  "Glen",       "Dale",     "Heights",  "Rapids",   "Tide",     "Wave",     "Current",   "Stream",
    "Summit",  "Prairie",    "Frontier", "Pioneer",  "Meridian", "Parallel", "Latitude", "Longitude", "Orbit",
    "Signal",  "Circuit",    "Keel",     "Sail",     "Mast",     "Rudder"};
constexpr std::array<const char*, 32> kTrades = {
    "Systems",    "Logistics", "Health",       "Analytics",     "Foods",    "Energy",       "Media",    "Labs",
    "Capital",    "Robotics",  "Retail",       "Software",      "Freight",  "Textiles",     "Pharma",   "Networks",
    "Consulting", "Solutions", "Technologies", "Manufacturing", "Supply",   "Distribution", "Services", "Engineering",
    "Design",     "Medical",   "Construction", "Data",          "Security", "Materials",    "Dynamics", "Instruments"};

// A name of the hard profiles is numbered by its slot: (first word, second
// word, trade). Customer index -> slot is one to one within each block of
// kNameSlots customers (a stride coprime with the count spreads
// neighbours); later blocks put a made-up word in front, which is in
// neither list, so names stay unique after normalisation at any size.
constexpr uint64_t kNameSlots = kFirstWords.size() * kSecondWords.size() * kTrades.size();
constexpr uint64_t kNameStride = 1000003;  // prime, so coprime with kNameSlots
constexpr uint64_t kNameOffset = 7919;
static_assert(kNameSlots % kNameStride != 0);

uint64_t SlotOf(uint64_t index) { return (index % kNameSlots * kNameStride + kNameOffset) % kNameSlots; }

// The index in the first block whose slot is `slot` (SlotOf inverted).
uint64_t IndexOfSlot(uint64_t slot) {
  static const uint64_t inverse = [] {
    // Extended Euclid: kNameStride * inverse = 1 (mod kNameSlots).
    int64_t t = 0, t_next = 1;
    int64_t r = static_cast<int64_t>(kNameSlots), r_next = static_cast<int64_t>(kNameStride % kNameSlots);
    while (r_next != 0) {
      const int64_t q = r / r_next;
      t = std::exchange(t_next, t - q * t_next);
      r = std::exchange(r_next, r - q * r_next);
    }
    assert(r == 1);
    return static_cast<uint64_t>(t < 0 ? t + static_cast<int64_t>(kNameSlots) : t);
  }();
  return (slot + kNameSlots - kNameOffset) % kNameSlots * inverse % kNameSlots;
}

struct NameParts {
  uint64_t first, second, trade;
};
NameParts PartsOf(uint64_t slot) {
  return {slot % kFirstWords.size(), slot / kFirstWords.size() % kSecondWords.size(),
          slot / (kFirstWords.size() * kSecondWords.size())};
}
uint64_t SlotOfParts(NameParts n) { return n.first + kFirstWords.size() * (n.second + kSecondWords.size() * n.trade); }

// "Blue Harbor Logistics" (without the legal form).
std::string RealisticBase(uint64_t index) {
  const NameParts n = PartsOf(SlotOf(index));
  std::string base = fmt::format("{} {} {}", kFirstWords[n.first], kSecondWords[n.second], kTrades[n.trade]);
  const uint64_t block = index / kNameSlots;
  return block == 0 ? base : WordOf(block) + " " + base;
}

std::string WithoutSpaces(std::string s) {
  std::erase(s, ' ');
  return s;
}

// --- Customers -------------------------------------------------------------

struct CustomerModel {
  uint64_t index = 0;
  std::string id, base_name, name, alias, account, currency, tier;
  const Legal* legal = nullptr;
  int64_t parent_index = -1;  // -1: none
  bool has_children = false;
  bool stripe = false;
  bool standalone() const { return parent_index < 0 && !has_children; }
};

std::string CustomerId(uint64_t index) { return fmt::format("C-{:06}", index + 1); }

// Groups of ten: the first customer of a group is the parent of the next
// two when the group is a hierarchy.
bool GroupIsHierarchy(uint64_t seed, uint64_t index, const ProfileRates& r) {
  return Rng(Rng::Mix(seed ^ 0x68696572ULL, index / 10)).PerMille(r.hierarchy_groups);
}

// A pure function of (seed, index): the parent of a subsidiary is rebuilt
// from its index when a subsidiary's payment needs its name and account.
CustomerModel MakeCustomer(uint64_t seed, uint64_t index, uint64_t customers_count, const ProfileRates& r) {
  Rng rng(Rng::Mix(seed, index));
  CustomerModel c;
  c.index = index;
  c.id = CustomerId(index);
  c.legal = &kLegal[rng.Below(kLegal.size())];  // the first draw: LegalOf relies on it
  const char* industry = kIndustries[rng.Below(kIndustries.size())];
  c.base_name = r.hard ? RealisticBase(index) : WordOf(NameKey(index)) + " " + industry;
  c.name = c.base_name + " " + c.legal->short_form;
  if (rng.PerMille(r.aliases)) c.alias = r.hard ? WithoutSpaces(c.base_name) : WordOf(NameKey(index));
  // Routing number and an account number unique per customer (7919 is
  // coprime with 10, so index -> number is one to one below 10^10).
  c.account = fmt::format("021000021-{:010}", (index * 7919 + 1234567) % 10000000000ULL);
  c.stripe = rng.PerMille(r.stripe_customers);
  c.tier = rng.PerMille(100) ? "enterprise" : (rng.PerMille(400) ? "mid-market" : "smb");
  uint64_t in_group = index % 10;
  if (GroupIsHierarchy(seed, index, r)) {
    if (in_group == 0 && index + 1 < customers_count) c.has_children = true;
    if (in_group == 1 || in_group == 2) c.parent_index = static_cast<int64_t>(index - in_group);
  }
  // Subsidiaries bill in their parent's currency: the parent pays for them.
  uint64_t currency_of = c.parent_index >= 0 ? static_cast<uint64_t>(c.parent_index) : index;
  c.currency = Rng(Rng::Mix(seed ^ 0x63636379ULL, currency_of)).PerMille(r.eur_customers) ? "EUR" : "USD";
  return c;
}

// Customer weights: most customers are small, one in eight is big.
uint64_t WeightOf(uint64_t seed, uint64_t index) {
  uint64_t h = Rng::Mix(seed ^ 0x77656967ULL, index);
  return (h % 8 == 0) ? 8 + h % 17 : 1 + h % 4;
}

// The weight of a customer's share of invoices. In the hard profiles one
// customer in kWhaleEvery is a whale with 120 to 200 times a small
// customer's share (about 90 to 150 open invoices at 4.5 a customer), more
// than the matcher's candidate window of 64.
constexpr uint64_t kWhaleEvery = 250;
uint64_t InvoiceWeightOf(uint64_t seed, uint64_t index, bool hard) {
  const uint64_t h = Rng::Mix(seed ^ 0x7768616cULL, index);
  if (hard && h % kWhaleEvery == 0) return 120 + (h >> 16) % 81;
  return WeightOf(seed, index);
}

// The weight of its share of payments: a whale pays a quarter of its
// invoice share (20 to 35 payments at 2.5 a customer), enough to land
// on invoices past the window and few enough that fresh invoices remain
// (on-account draws against 150 invoices are costly).
uint64_t PaymentWeightOf(uint64_t seed, uint64_t index, bool hard) {
  const uint64_t w = InvoiceWeightOf(seed, index, hard);
  return w > WeightOf(seed, index) ? w / 4 : w;
}

// The legal form of customer `index`: MakeCustomer's first draw.
const Legal& LegalOf(uint64_t seed, uint64_t index) { return kLegal[Rng(Rng::Mix(seed, index)).Below(kLegal.size())]; }

// Rails cut company names (NACHA: 16 characters). Whether the first
// kRailNameChars characters of a hard-profile customer's name, upper-cased,
// are no other customer's. Only names with the same first word can share
// them (the first space tells the first word, and the word lists share no
// word), and of those only ones whose second word starts alike; customers
// of later blocks are not checked (false).
constexpr size_t kRailNameChars = 16;
constexpr size_t LongestFirstWord() {
  size_t n = 0;
  for (const char* w : kFirstWords) n = std::max(n, std::char_traits<char>::length(w));
  return n;
}
// The cut keeps the first word, its space and the second word's first letter.
static_assert(LongestFirstWord() + 2 <= kRailNameChars);
bool RailNameUniqueAt(uint64_t seed, uint64_t index, uint64_t customers_count) {
  if (index >= kNameSlots) return false;
  auto cut = [&](uint64_t i) {
    return Upper(RealisticBase(i) + " " + LegalOf(seed, i).short_form).substr(0, kRailNameChars);
  };
  const std::string mine = cut(index);
  const NameParts me = PartsOf(SlotOf(index));
  for (uint64_t second = 0; second < kSecondWords.size(); ++second) {
    if (kSecondWords[second][0] != kSecondWords[me.second][0]) continue;  // differ within the cut
    for (uint64_t trade = 0; trade < kTrades.size(); ++trade) {
      const uint64_t other = IndexOfSlot(SlotOfParts({me.first, second, trade}));
      if (other == index || other >= customers_count) continue;
      if (cut(other) == mine) return false;
    }
  }
  return true;
}

// --- Invoices ----------------------------------------------------------

struct GenInvoice {
  uint64_t seq = 0;
  std::string id, number, stripe_id;
  int64_t total_minor = 0, open_minor = 0, disputed_minor = 0;
  Date issue, due;
  const char* model = "subscription";
  bool reconciling = false;
  bool used = false;  // taken by a payment (or shaped for one)
};

// "INV-2026-004211": six digits per year, so that the default policy's
// pattern finds them; books of more than a million invoices go back years.
struct InvoiceNumber {
  int year;
  uint32_t serial;
};
InvoiceNumber NumberOf(uint64_t seq) {
  uint64_t k = seq + 1000;
  return {static_cast<int>(2026 - k / 1000000), static_cast<uint32_t>(k % 1000000)};
}
std::string CanonicalNumber(InvoiceNumber n) { return fmt::format("INV-{}-{:06}", n.year, n.serial); }

int64_t DrawAmount(Rng& rng) {
  uint64_t bucket = rng.Below(100);
  int64_t dollars = bucket < 50   ? rng.Between(100, 2000)
                    : bucket < 85 ? rng.Between(2000, 15000)
                                  : rng.Between(15000, 80000);
  int64_t cents = rng.PerMille(300) ? 0 : rng.Between(0, 99);
  return dollars * 100 + cents;
}

// --- Remittance text ---------------------------------------------------

std::string OddFormat(InvoiceNumber n, Rng& rng) {
  switch (rng.Below(5)) {
    case 0: return fmt::format("inv {} {}", n.year, n.serial);
    case 1: return fmt::format("#{}", n.serial);
    case 2: return fmt::format("INV{}{:06}", n.year, n.serial);
    case 3: return fmt::format("Invoice no. {}-{}", n.year, n.serial);
    default: return fmt::format("INV-{}-{}", n.year, n.serial);
  }
}

// A number the book holds: numbers and invoice sequence are one to one.
bool NumberExists(int year, uint32_t serial, uint64_t invoices_count) {
  int64_t k = int64_t{2026 - year} * 1000000 + serial;
  return year <= 2026 && k >= 1000 && static_cast<uint64_t>(k - 1000) < invoices_count;
}

// One character wrong in the six-digit serial: a different digit or two
// neighbours swapped when that names no other invoice of the book, else a
// letter read for a digit (O for 0, I for 1, Z for 2 ...), which never
// names another invoice exactly. A typo that exactly names another invoice
// would be a different test: a wrong but valid reference.
std::string Typo(InvoiceNumber n, Rng& rng, uint64_t invoices_count) {
  static constexpr char kLookalike[] = "OIZEASGTBg";
  std::string s = CanonicalNumber(n);
  const size_t first = s.size() - 6;
  const size_t pos = first + rng.Below(6);
  std::string digits = s;
  if (rng.PerMille(500) && pos + 1 < s.size() && s[pos] != s[pos + 1]) {
    std::swap(digits[pos], digits[pos + 1]);
  } else {
    digits[pos] = static_cast<char>('0' + (s[pos] - '0' + 1 + rng.Below(9)) % 10);
  }
  uint32_t serial = static_cast<uint32_t>(std::stoul(digits.substr(first)));
  if (!NumberExists(n.year, serial, invoices_count)) return digits;
  s[pos] = kLookalike[s[pos] - '0'];
  return s;
}

std::string WrapRemittance(const std::string& refs, const CustomerModel& c, Rng& rng) {
  switch (rng.Below(4)) {
    case 0: return "PAYMENT " + refs + " THANK YOU";
    case 1: return refs;
    case 2: return "RE " + refs + " " + Upper(c.base_name);
    default: return "INVOICE " + refs;
  }
}

// --- Sets that cannot be confused -------------------------------------

// How many sets of at most three of `sorted` (a customer's open amounts,
// ascending) sum into [amount, amount + tolerance]: the sets a tolerant
// subset search could propose for a payment of `amount`. Stops at `cap`.
uint64_t CountFits(const std::vector<int64_t>& sorted, int64_t amount, uint64_t cap) {
  auto in_window = [&](size_t from, int64_t lo) {
    auto b = std::lower_bound(sorted.begin() + static_cast<ptrdiff_t>(from), sorted.end(), lo);
    auto e = std::upper_bound(b, sorted.end(), lo + kToleranceMinor);
    return static_cast<uint64_t>(e - b);
  };
  uint64_t n = in_window(0, amount);
  for (size_t i = 0; i < sorted.size() && n < cap; ++i) {
    n += in_window(i + 1, amount - sorted[i]);
    if (sorted.size() > kTripleCheckInvoicesMax) continue;
    for (size_t j = i + 1; j < sorted.size() && n < cap; ++j) n += in_window(j + 1, amount - sorted[i] - sorted[j]);
  }
  return n;
}

// Whether any set of `sorted` (ascending, positive) of at most
// `kOnAccountSetSizeMax` invoices sums into [amount, amount + tolerance]:
// a set the matcher could apply an on-account payment to. A depth-first
// walk cut by the running sum; past `kOnAccountNodesMax` steps it answers
// true, so an amount it cannot clear is drawn again rather than trusted.
constexpr int kOnAccountSetSizeMax = 12;  // the default policy's set_size_max
constexpr uint64_t kOnAccountNodesMax = 200000;
// Amounts drawn for an on-account payment before it falls back to a
// stranger's payment; a customer with many open invoices makes most
// amounts fit some set.
constexpr int kOnAccountDrawAttempts = 16;
bool AnySetFits(const std::vector<int64_t>& sorted, int64_t amount) {
  const int64_t hi = amount + kToleranceMinor;
  uint64_t nodes = 0;
  bool fits = false;
  auto walk = [&](auto& self, size_t from, int64_t sum, int depth) -> void {
    for (size_t i = from; i < sorted.size() && !fits; ++i) {
      if (++nodes > kOnAccountNodesMax) {
        fits = true;
        return;
      }
      const int64_t s = sum + sorted[i];
      if (s > hi) return;  // ascending: every later invoice overshoots too
      if (s >= amount) {
        fits = true;
        return;
      }
      if (depth + 1 < kOnAccountSetSizeMax) self(self, i + 1, s, depth + 1);
    }
  };
  walk(walk, 0, 0, 0);
  return fits;
}

// --- Planning one customer's payments ----------------------------------

class CustomerPlanner {
 public:
  CustomerPlanner(const ProfileRates& r, Rng& rng, CustomerModel& c, std::vector<GenInvoice>& invoices,
                  uint64_t invoices_count, uint64_t seed, uint64_t customers_count)
      : r_(r),
        rng_(rng),
        c_(c),
        inv_(invoices),
        invoices_count_(invoices_count),
        seed_(seed),
        customers_count_(customers_count) {
    // Invoice numbers are sequential over the book, and a customer's are one run.
    assert(inv_.empty() || inv_.back().seq - inv_.front().seq + 1 == inv_.size());
  }

  // Draws the scenario of the next payment with the profile's rates. Half
  // of a subsidiary's payments come from its parent: only subsidiaries can
  // have that scenario, so its profile rate alone would rarely be reached.
  Scenario Draw() {
    if (c_.parent_index >= 0 && rng_.PerMille(500)) return Scenario::kParentPays;
    uint64_t x = rng_.Below(1000), acc = 0;
    for (size_t s = 0; s < kScenarioCount; ++s) {
      acc += r_.scenario[s];
      if (x < acc) return static_cast<Scenario>(s);
    }
    return Scenario::kExactReference;
  }

  // Ambiguous pairs are shaped before any set is checked for uniqueness,
  // because they change invoice amounts.
  bool ShapeAmbiguous(PlannedPayment* p) {
    std::vector<size_t> f = Fresh(4);
    if (f.size() < 4 || !c_.standalone()) return false;
    GenInvoice &a = inv_[f[0]], &b = inv_[f[1]], &x = inv_[f[2]], &d = inv_[f[3]];
    int64_t sum = a.open_minor + b.open_minor;
    int64_t rest = sum - x.open_minor;
    if (rest <= 0) return false;
    for (const GenInvoice& g : inv_) {
      if (g.open_minor == rest) return false;  // keep amounts distinct
    }
    d.total_minor = d.total_minor - d.open_minor + rest;
    d.open_minor = rest;
    for (size_t i : f) inv_[i].used = true;
    Bank(p, Scenario::kAmbiguous, "ach");
    p->amount_minor = sum;
    p->outcome = "exception";
    p->reason = "ambiguous";
    return true;
  }

  // Equal-amount twins are shaped with the ambiguous pairs, for the same
  // reason. Two fresh invoices get one amount; the payment pays the first
  // and names it garbled (GarbledTwin): closer to it than to its twin, but
  // no exact or tolerant hit. Both stay out of every other payment, and
  // CountFits sees both amounts, so no unreferenced payment relies on one.
  bool ShapeTwins(PlannedPayment* p) {
    std::vector<size_t> f = Fresh(2);
    if (f.size() < 2) return false;
    GenInvoice &a = inv_[f[0]], &b = inv_[f[1]];
    const std::string ref = GarbledTwin(a, b);
    if (ref.empty()) return false;
    b.total_minor += a.open_minor - b.open_minor;
    b.open_minor = a.open_minor;
    a.used = b.used = true;
    Bank(p, Scenario::kEqualAmountTwins, rng_.PerMille(600) ? "ach" : "wire");
    p->amount_minor = a.open_minor;
    Allocate(p, a, a.open_minor);
    p->remittance = WrapRemittance(ref, c_, rng_);
    return true;
  }

  void SortAmounts() {
    sorted_.clear();
    for (const GenInvoice& g : inv_) sorted_.push_back(g.open_minor);
    std::sort(sorted_.begin(), sorted_.end());
  }

  // Plans payment `p` as scenario `s`; false when this customer cannot have it.
  bool Plan(Scenario s, PlannedPayment* p, const CustomerModel* parent) {
    switch (s) {
      case Scenario::kExactReference: return Referenced(p, s, 1, Reference::kExact);
      case Scenario::kOddFormatReference: return Referenced(p, s, 1, Reference::kOdd);
      case Scenario::kTypoReference: return Referenced(p, s, 1, Reference::kTypo);
      case Scenario::kMultiInvoice: return Referenced(p, s, 2 + rng_.Below(4), Reference::kExact);
      case Scenario::kNoRemittanceSingle: return Unreferenced(p, s, 1);
      case Scenario::kNoRemittanceMulti: return Unreferenced(p, s, 2 + rng_.Below(2));
      case Scenario::kPayerNameVariant: return Unreferenced(p, s, 1);
      case Scenario::kPartialPayment:
      case Scenario::kShortPayment:
      case Scenario::kOverpayment:
      case Scenario::kDisputed:
      case Scenario::kUsageReconciling: return Adjusted(p, s);
      case Scenario::kParentPays: return parent != nullptr && ParentPays(p, *parent);
      case Scenario::kStripeCharge: return Stripe(p, Scenario::kStripeCharge);
      case Scenario::kReturned: return Returned(p);
      case Scenario::kUnknownPayer: return Unknown(p);
      case Scenario::kOnAccount: return OnAccount(p);
      case Scenario::kAmbiguous: return false;  // shaped by ShapeAmbiguous
      case Scenario::kTypoOtherCustomer: return RealNeighbourReferenced(p, s, false);
      case Scenario::kTypoSameCustomer: return RealNeighbourReferenced(p, s, true);
      case Scenario::kEqualAmountTwins: return false;  // shaped by ShapeTwins
      case Scenario::kExactNameOnly: return RailNameUnique() && Unreferenced(p, s, 1);
      case Scenario::kLookalikeReference: return Referenced(p, s, 1, Reference::kLookalike);
      case Scenario::kNoiseTokens: return Noisy(p);
      case Scenario::kStripePayoutLine: return false;  // written with its payout (gen_writers.cc)
    }
    return false;
  }

  // The unknown payer of the customer's n-th payment: a name and an
  // account that belong to nobody in the book.
  bool Unknown(PlannedPayment* p) {
    Bank(p, Scenario::kUnknownPayer, "wire");
    uint64_t stranger = (1ULL << 22) + c_.index * 64 + rng_.Below(64);
    p->payer_name = WordOf(stranger) + " " + kIndustries[rng_.Below(kIndustries.size())] + " " +
                    kLegal[rng_.Below(kLegal.size())].short_form;
    p->payer_account = fmt::format("091000019-{:010}", rng_.Below(10000000000ULL));
    p->amount_minor = DrawAmount(rng_);
    p->remittance = rng_.PerMille(500) ? "" : "SERVICES";
    p->customer_id.clear();
    p->outcome = "exception";
    p->reason = "no_customer";
    return true;
  }

  // Cash from a known account with nothing it could pay: on account. No
  // set of the customer's open invoices may fit the amount, or the matcher
  // would rightly apply it there.
  bool OnAccount(PlannedPayment* p) {
    // A parent's payment is matched against its subsidiaries' invoices too,
    // which this planner does not see: only other customers pay on account.
    if (c_.has_children) return false;
    Bank(p, Scenario::kOnAccount, "ach");
    // What the matcher may see open: every invoice as loaded, what is left
    // of one after a partial or short payment, the undisputed part of a
    // disputed one.
    std::vector<int64_t> seen = sorted_;
    seen.insert(seen.end(), residuals_.begin(), residuals_.end());
    for (const GenInvoice& g : inv_) {
      if (g.disputed_minor > 0) seen.push_back(g.open_minor - g.disputed_minor);
    }
    std::sort(seen.begin(), seen.end());
    for (int i = 0; i < kOnAccountDrawAttempts; ++i) {
      p->amount_minor = DrawAmount(rng_);
      if (!AnySetFits(seen, p->amount_minor)) {
        p->outcome = "unapplied";
        p->unapplied_minor = p->amount_minor;
        return true;
      }
    }
    return false;
  }

 private:
  enum class Reference : uint8_t { kExact, kOdd, kTypo, kLookalike };

  std::vector<size_t> Fresh(size_t n) {
    std::vector<size_t> out;
    size_t free_count = 0;
    for (const GenInvoice& g : inv_) free_count += g.used ? 0 : 1;
    if (free_count < n) return out;
    // Random distinct picks among the fresh ones.
    while (out.size() < n) {
      size_t i = rng_.Below(inv_.size());
      if (!inv_[i].used && std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
    }
    return out;
  }

  // A bank payment from the customer's own account, in the profile's mix of
  // bank formats (EUR customers bank in Europe: camt.053).
  void Bank(PlannedPayment* p, Scenario s, const char* source) {
    p->scenario = s;
    p->currency = c_.currency;
    p->source = source;
    p->customer_id = c_.id;
    p->payer_name = rng_.PerMille(500) ? Upper(c_.name) : c_.name;
    p->payer_account = c_.account;
    if (c_.currency != "USD") {
      p->channel = Channel::kCamt;
    } else {
      uint64_t x = rng_.Below(r_.bai2 + r_.camt + r_.ndjson);
      p->channel = x < r_.bai2 ? Channel::kBai2 : x < r_.bai2 + r_.camt ? Channel::kCamt : Channel::kNdjson;
    }
    if (p->channel == Channel::kBai2 && std::string_view(source) == "ach" && rng_.PerMille(200)) p->source = "check";
  }

  void Allocate(PlannedPayment* p, const GenInvoice& g, int64_t amount) {
    p->allocations.push_back({g.id, amount});
    if (amount < g.open_minor) residuals_.push_back(g.open_minor - amount);
  }

  std::string RefText(const GenInvoice& g, Reference kind) {
    InvoiceNumber n = NumberOf(g.seq);
    switch (kind) {
      case Reference::kExact: return g.number;
      case Reference::kOdd: return OddFormat(n, rng_);
      case Reference::kTypo: return Typo(n, rng_, invoices_count_);
      case Reference::kLookalike: return Lookalike(n);
    }
    return g.number;
  }

  // The payment names its invoices (text, or structured with amounts where
  // the format carries them) and pays them in full.
  bool Referenced(PlannedPayment* p, Scenario s, size_t count, Reference kind) {
    std::vector<size_t> f = Fresh(count);
    if (f.empty()) return false;
    Bank(p, s, rng_.PerMille(600) ? "ach" : "wire");
    bool structured = count > 1 && p->channel != Channel::kBai2 && rng_.PerMille(500);
    // BAI2: an ACH CTX carries its references as RMR segments with amounts.
    // Chosen without a draw, and the text is still drawn, so every other
    // draw stays as it was.
    const bool rmr = count > 1 && p->channel == Channel::kBai2 && std::string_view(p->source) == "ach" && f[0] % 2 == 0;
    std::string text;
    for (size_t i : f) {
      GenInvoice& g = inv_[i];
      g.used = true;
      p->amount_minor += g.open_minor;
      Allocate(p, g, g.open_minor);
      std::string ref = RefText(g, kind);
      if (structured) {
        p->refs.push_back({ref, g.open_minor});
      } else {
        if (!text.empty()) text += rng_.PerMille(500) ? " " : ", ";
        text += ref;
        if (rmr) p->refs.push_back({ref, g.open_minor});
      }
    }
    if (!text.empty()) p->remittance = WrapRemittance(text, c_, rng_);
    if (rmr) p->remittance.clear();  // the references travel as RMR segments
    return true;
  }

  // No remittance: the amount must name its set among every set of the
  // customer's open invoices, so the draw is repeated until it does.
  bool Unreferenced(PlannedPayment* p, Scenario s, size_t count) {
    if (!c_.standalone()) return false;
    for (int attempt = 0; attempt < kUniqueDrawAttempts; ++attempt) {
      std::vector<size_t> f = Fresh(count);
      if (f.empty()) return false;
      int64_t sum = 0;
      for (size_t i : f) sum += inv_[i].open_minor;
      if (CountFits(sorted_, sum, 2) != 1) continue;
      Bank(p, s, "ach");
      p->amount_minor = sum;
      for (size_t i : f) {
        inv_[i].used = true;
        Allocate(p, inv_[i], inv_[i].open_minor);
      }
      if (s == Scenario::kPayerNameVariant) NameVariant(p);
      if (s == Scenario::kExactNameOnly) p->payer_account.clear();  // the name as in the book (or upper case)
      return true;
    }
    return false;
  }

  // How a bank spells the payer when it is not the name in the book.
  void NameVariant(PlannedPayment* p) {
    p->payer_account.clear();
    uint64_t k = rng_.Below(c_.alias.empty() ? 2 : 3);
    if (k == 0) p->payer_name = Upper(c_.base_name) + " " + c_.legal->long_form;
    if (k == 1) p->payer_name = Upper(c_.base_name);
    if (k == 2) p->payer_name = Upper(c_.alias) + " " + c_.legal->short_form;
  }

  // One referenced invoice, paid other than in full (or held).
  bool Adjusted(PlannedPayment* p, Scenario s) {
    std::vector<size_t> f = Fresh(1);
    if (f.empty()) return false;
    GenInvoice& g = inv_[f[0]];
    if (s == Scenario::kPartialPayment && g.open_minor < 4 * kToleranceMinor) return false;
    if (s == Scenario::kDisputed && g.open_minor < 1000) return false;
    g.used = true;
    Bank(p, s, s == Scenario::kShortPayment ? "wire" : "ach");
    p->remittance = WrapRemittance(g.number, c_, rng_);
    switch (s) {
      case Scenario::kPartialPayment:
        // Short by more than the tolerance: a part payment, invoice stays open.
        p->amount_minor = g.open_minor * static_cast<int64_t>(20 + rng_.Below(61)) / 100;
        if (g.open_minor - p->amount_minor <= kToleranceMinor) p->amount_minor = g.open_minor - 2 * kToleranceMinor;
        Allocate(p, g, p->amount_minor);
        break;
      case Scenario::kShortPayment:
        // A wire fee taken on the way: the cash is applied and the
        // shortfall written off, which closes the invoice.
        p->written_off_minor = rng_.Between(100, kToleranceMinor);
        p->amount_minor = g.open_minor - p->written_off_minor;
        Allocate(p, g, p->amount_minor);
        break;
      case Scenario::kOverpayment:
        p->unapplied_minor = rng_.Between(5000, 50000);
        p->amount_minor = g.open_minor + p->unapplied_minor;
        Allocate(p, g, g.open_minor);
        break;
      case Scenario::kDisputed:
        // The customer pays what it does not dispute.
        g.disputed_minor = g.open_minor * static_cast<int64_t>(10 + rng_.Below(31)) / 100;
        p->amount_minor = g.open_minor - g.disputed_minor;
        Allocate(p, g, p->amount_minor);
        break;
      default:  // usage invoice still reconciling: never auto-applied, held
        g.reconciling = true;
        g.model = "usage";
        p->amount_minor = g.open_minor;
        p->outcome = "held";
        p->held.push_back({g.id, g.open_minor});
        break;
    }
    return true;
  }

  bool ParentPays(PlannedPayment* p, const CustomerModel& parent) {
    if (!Referenced(p, Scenario::kParentPays, 1, Reference::kExact)) return false;
    p->payer_name = Upper(parent.name);
    p->payer_account = parent.account;
    return true;
  }

  // A charge in a Stripe payout paying one invoice at its gross amount.
  bool Stripe(PlannedPayment* p, Scenario s) {
    if (c_.currency != "USD") return false;
    std::vector<size_t> f = Fresh(1);
    if (f.empty()) return false;
    GenInvoice& g = inv_[f[0]];
    g.used = true;
    c_.stripe = true;
    if (g.stripe_id.empty()) g.stripe_id = fmt::format("in_G{:012}", g.seq);
    p->scenario = s;
    p->channel = Channel::kStripe;
    p->source = "stripe";
    p->currency = c_.currency;
    p->customer_id = c_.id;
    p->payer_name = c_.name;
    p->amount_minor = g.open_minor;
    p->stripe_customer_id = fmt::format("cus_G{:08}", c_.index + 1);
    p->stripe_invoice_id = g.stripe_id;
    p->remittance = "Invoice " + g.number;
    Allocate(p, g, g.open_minor);
    return true;
  }

  // An exact payment whose money goes back the next day (ACH R01 or a
  // Stripe refund): nothing stays applied.
  bool Returned(PlannedPayment* p) {
    bool ok =
        rng_.PerMille(300) ? Stripe(p, Scenario::kReturned) : Referenced(p, Scenario::kReturned, 1, Reference::kExact);
    if (!ok) return false;
    p->scenario = Scenario::kReturned;
    if (p->channel == Channel::kCamt) p->channel = Channel::kNdjson;  // camt returns are not generated
    if (p->channel != Channel::kStripe) p->source = "ach";
    p->returned = true;
    p->outcome = "returned";
    p->allocations.clear();
    return true;
  }

  // One digit of the serial written as the letter it looks like (issue 14
  // §5); a serial without 0, 1, 2, 5 or 8 gets it in the year instead
  // ("INV-2O26-346793"), and a number with none at all stays exact.
  std::string Lookalike(InvoiceNumber n) {
    std::string s = CanonicalNumber(n);
    std::vector<size_t> at;
    auto collect = [&](size_t from, size_t to) {
      for (size_t i = from; i < to; ++i) {
        if (std::string_view("01258").find(s[i]) != std::string_view::npos) at.push_back(i);
      }
    };
    collect(s.size() - 6, s.size());
    if (at.empty()) collect(4, s.size() - 7);  // the year, between "INV-" and "-"
    if (at.empty()) return s;
    const size_t i = at[rng_.Below(at.size())];
    switch (s[i]) {
      case '0': s[i] = 'O'; break;
      case '1': s[i] = rng_.PerMille(500) ? 'I' : 'l'; break;
      case '2': s[i] = 'Z'; break;
      case '5': s[i] = 'S'; break;
      default: s[i] = 'B'; break;
    }
    return s;
  }

  // A number one digit from g's that names a real invoice of the book: of
  // another customer (numbers are dense and sequential and a customer's
  // run is short, so most digits lead out of it), or (same_customer)
  // another of this customer's, whose open amount is more than the
  // tolerance away from g's. Empty when no digit gives one.
  std::string RealNeighbour(const GenInvoice& g, bool same_customer) {
    const InvoiceNumber n = NumberOf(g.seq);
    const uint64_t first = inv_.front().seq, last = inv_.back().seq;
    const uint64_t start = rng_.Below(6), shift = rng_.Below(9);
    for (uint64_t k = 0; k < 6; ++k) {
      uint32_t unit = 1;
      for (uint64_t i = 0; i < (start + k) % 6; ++i) unit *= 10;
      const uint32_t digit = n.serial / unit % 10;
      for (uint64_t t = 0; t < 9; ++t) {
        const uint32_t d = static_cast<uint32_t>((digit + 1 + (shift + t) % 9) % 10);
        const uint32_t serial = n.serial - digit * unit + d * unit;
        if (!NumberExists(n.year, serial, invoices_count_)) continue;
        const uint64_t seq = static_cast<uint64_t>(int64_t{2026 - n.year} * 1000000 + serial - 1000);
        const bool own = seq >= first && seq <= last;
        if (own != same_customer) continue;
        if (own) {
          const GenInvoice& other = inv_[seq - first];
          const int64_t gap = other.open_minor - g.open_minor;
          if (gap <= kToleranceMinor && gap >= -kToleranceMinor) continue;
        }
        return CanonicalNumber({n.year, serial});
      }
    }
    return {};
  }

  // Issue 14 §1: the payer's account names the customer and the amount is
  // its invoice's exactly, but the remittance names a real invoice one
  // digit away. A careful clerk applies the cash to the invoice the payer
  // meant, never to the one the typo names.
  bool RealNeighbourReferenced(PlannedPayment* p, Scenario s, bool same_customer) {
    std::vector<size_t> f = Fresh(1);
    if (f.empty()) return false;
    GenInvoice& g = inv_[f[0]];
    const std::string ref = RealNeighbour(g, same_customer);
    if (ref.empty()) return false;
    g.used = true;
    Bank(p, s, rng_.PerMille(600) ? "ach" : "wire");
    p->amount_minor = g.open_minor;
    Allocate(p, g, g.open_minor);
    p->remittance = WrapRemittance(ref, c_, rng_);
    return true;
  }

  // a's number with two serial digits changed where a's and b's agree,
  // naming no invoice of the book: two edits from a, three or more from b.
  std::string GarbledTwin(const GenInvoice& a, const GenInvoice& b) {
    const InvoiceNumber na = NumberOf(a.seq), nb = NumberOf(b.seq);
    if (na.year != nb.year) return {};
    const std::string sa = fmt::format("{:06}", na.serial), sb = fmt::format("{:06}", nb.serial);
    std::vector<size_t> same;
    for (size_t i = 0; i < sa.size(); ++i) {
      if (sa[i] == sb[i]) same.push_back(i);
    }
    if (same.size() < 2) return {};
    for (int attempt = 0; attempt < kUniqueDrawAttempts; ++attempt) {
      const size_t i = same[rng_.Below(same.size())], j = same[rng_.Below(same.size())];
      if (i == j) continue;
      std::string s = sa;
      for (size_t at : {i, j}) s[at] = static_cast<char>('0' + (s[at] - '0' + 1 + rng_.Below(9)) % 10);
      if (NumberExists(na.year, static_cast<uint32_t>(std::stoul(s)), invoices_count_)) continue;
      return fmt::format("INV-{}-{}", na.year, s);
    }
    return {};
  }

  // Issue 14 §4: numbers a bank or a payer writes beside the references
  // that are no invoice's: a check number, an account, an ACH trace, the
  // amount.
  std::string NoiseTokens(int64_t amount_minor) {
    std::string out;
    const uint64_t first = rng_.Below(4), count = 1 + rng_.Below(2);
    for (uint64_t k = 0; k < count; ++k) {
      if (!out.empty()) out += ' ';
      switch ((first + k) % 4) {
        case 0: out += fmt::format("CHECK NO {}", rng_.Between(100000, 999999)); break;
        case 1: out += fmt::format("ACCT {}", rng_.Between(100000000000, 999999999999)); break;
        case 2: out += fmt::format("TRACE 0210000{:08}", rng_.Below(100000000)); break;
        default: out += "AMT " + FormatAmountMinor(amount_minor, Currency::Find(c_.currency)->exponent()); break;
      }
    }
    return out;
  }

  // Exact references (text, structured or RMR) with noise tokens in the text.
  bool Noisy(PlannedPayment* p) {
    if (!Referenced(p, Scenario::kNoiseTokens, 1 + rng_.Below(2), Reference::kExact)) return false;
    const std::string noise = NoiseTokens(p->amount_minor);
    if (p->remittance.empty()) {
      p->remittance = noise;
    } else {
      p->remittance = rng_.PerMille(500) ? noise + " " + p->remittance : p->remittance + " " + noise;
    }
    return true;
  }

  // Whether a payer name alone, cut by the rail, still names this customer.
  bool RailNameUnique() {
    if (!rail_name_unique_) {
      rail_name_unique_ = r_.hard && RailNameUniqueAt(seed_, c_.index, customers_count_);
    }
    return *rail_name_unique_;
  }

  const ProfileRates& r_;
  Rng& rng_;
  CustomerModel& c_;
  std::vector<GenInvoice>& inv_;
  const uint64_t invoices_count_;  // in the whole book, to tell which numbers exist
  const uint64_t seed_, customers_count_;
  std::optional<bool> rail_name_unique_;  // computed on first use
  std::vector<int64_t> sorted_;
  std::vector<int64_t> residuals_;  // open amounts left by partial allocations
};

// --- Output rows ---------------------------------------------------------

void AppendInvoiceRow(std::string* out, const GenInvoice& g, const CustomerModel& c) {
  const Currency* ccy = Currency::Find(c.currency);
  fmt::format_to(std::back_inserter(*out), "{},{},{},{},{},{},{},{},,{},{},{},{}\n", g.id, g.number, c.id, c.currency,
                 FormatAmountMinor(g.total_minor, ccy->exponent()), FormatAmountMinor(g.open_minor, ccy->exponent()),
                 FormatIsoDate(g.issue), FormatIsoDate(g.due), g.model, g.reconciling ? "reconciling" : "final",
                 g.disputed_minor > 0 ? FormatAmountMinor(g.disputed_minor, ccy->exponent()) : "", g.stripe_id);
}

void AppendCustomerRow(std::string* out, const CustomerModel& c) {
  fmt::format_to(std::back_inserter(*out), "{},{},{},{},{},{},{}\n", c.id, c.name, c.alias, c.account,
                 c.stripe ? fmt::format("cus_G{:08}", c.index + 1) : "",
                 c.parent_index >= 0 ? CustomerId(static_cast<uint64_t>(c.parent_index)) : "", c.tier);
}

void AppendAllocations(std::string* out, const char* key, const std::vector<PlannedAllocation>& list) {
  fmt::format_to(std::back_inserter(*out), ",\"{}\":[", key);
  for (size_t i = 0; i < list.size(); ++i) {
    fmt::format_to(std::back_inserter(*out), "{}{{\"invoice_id\":\"{}\",\"amount\":{}}}", i == 0 ? "" : ",",
                   list[i].invoice_id, list[i].amount_minor);
  }
  out->push_back(']');
}

// One line of truth.ndjson (schema: docs/datasets.md).
void AppendTruth(std::string* out, const PlannedPayment& p, const std::string& payment_id, const std::string& file,
                 const std::string& return_id) {
  *out += "{\"payment_id\":";
  io::AppendJsonString(out, payment_id);
  fmt::format_to(std::back_inserter(*out), ",\"scenario\":\"{}\",\"outcome\":\"{}\"", ScenarioName(p.scenario),
                 p.outcome);
  if (*p.reason != '\0') fmt::format_to(std::back_inserter(*out), ",\"reason\":\"{}\"", p.reason);
  AppendAllocations(out, "allocations", p.allocations);
  if (!p.held.empty()) AppendAllocations(out, "held", p.held);
  if (p.written_off_minor > 0) fmt::format_to(std::back_inserter(*out), ",\"written_off\":{}", p.written_off_minor);
  if (p.unapplied_minor > 0) fmt::format_to(std::back_inserter(*out), ",\"unapplied\":{}", p.unapplied_minor);
  *out += ",\"customer_id\":";
  if (p.customer_id.empty()) {
    *out += "null";
  } else {
    io::AppendJsonString(out, p.customer_id);
  }
  fmt::format_to(std::back_inserter(*out), ",\"amount\":{},\"currency\":\"{}\",\"format\":\"{}\",\"file\":\"{}\"",
                 p.amount_minor, p.currency, ChannelName(p.channel), file);
  if (!return_id.empty()) *out += ",\"returned_by\":\"" + return_id + "\"";
  *out += "}\n";
}

Status CheckOptions(const GenOptions& o) {
  if (o.out_dir.empty()) return Status::InvalidInput("--out: a directory is required");
  if (o.customers_count == 0) return Status::InvalidInput("--customers: at least 1");
  if (o.invoices_count < o.customers_count) {
    return Status::InvalidInput("--invoices: at least one per customer (" + std::to_string(o.customers_count) + ")");
  }
  if (o.customers_count > 100000000 || o.invoices_count > 1000000000 || o.payments_count > 1000000000) {
    return Status::InvalidInput(
        "--customers/--invoices/--payments: too large (100M customers, 1G invoices or payments)");
  }
  if (o.days_count == 0 || o.days_count > 366) return Status::InvalidInput("--days: 1 to 366");
  if (o.stripe_payout_charges_max == 0) return Status::InvalidInput("stripe payout size: at least 1");
  return Status::Ok();
}

// Everything one customer contributes, written as soon as it is planned.
class PortfolioWriter {
 public:
  PortfolioWriter(const GenOptions& o, GenSummary* summary)
      : o_(o), r_(RatesOf(o.profile)), summary_(summary), writers_(o, RatesOf(o.profile).hard, &truth_) {}

  Status Open() {
    std::error_code ec;
    std::filesystem::create_directories(o_.out_dir, ec);
    if (ec) return Status::IOError(o_.out_dir + ": cannot create: " + ec.message());
    CASHMATCH_RETURN_IF_ERROR(customers_.Open(o_.out_dir + "/customers.csv"));
    CASHMATCH_RETURN_IF_ERROR(invoices_.Open(o_.out_dir + "/invoices.csv"));
    CASHMATCH_RETURN_IF_ERROR(truth_.Open(o_.out_dir + "/truth.ndjson"));
    customers_.Write("customer_id,name,aliases,bank_accounts,stripe_customer_ids,parent_id,tier\n");
    invoices_.Write(
        "invoice_id,number,customer_id,currency,amount_total,amount_open,issue_date,due_date,po_number,"
        "billing_model,usage_status,disputed_amount,stripe_invoice_id\n");
    return Status::Ok();
  }

  // Shares of `total` by customer weight: exact in sum, streamed in order.
  // CheckOptions bounds total (1e9) and weights (200 per customer, 1e8
  // customers), so the product stays below 2^128.
  static uint64_t Share(uint64_t total, uint64_t before, uint64_t weight, uint64_t weights_total) {
    __extension__ typedef unsigned __int128 Wide;
    auto upto = [&](uint64_t w) { return static_cast<uint64_t>(static_cast<Wide>(total) * w / weights_total); };
    return upto(before + weight) - upto(before);
  }

  Status Run() {
    uint64_t weights_total = 0, invoice_weights_total = 0;
    for (uint64_t i = 0; i < o_.customers_count; ++i) {
      weights_total += PaymentWeightOf(o_.seed, i, r_.hard);
      invoice_weights_total += InvoiceWeightOf(o_.seed, i, r_.hard);
    }
    // The shares below add up to the options' counts exactly.
    if (o_.progress.on_total) o_.progress.on_total(o_.customers_count + o_.invoices_count + o_.payments_count);
    io::ProgressCounter rows_written(o_.progress.on_done);
    uint64_t before = 0, invoice_before = 0;
    uint64_t invoices_left_over = o_.invoices_count - o_.customers_count;  // one each, the rest by weight
    for (uint64_t i = 0; i < o_.customers_count; ++i) {
      uint64_t w = PaymentWeightOf(o_.seed, i, r_.hard), invoice_w = InvoiceWeightOf(o_.seed, i, r_.hard);
      uint64_t invoices = 1 + Share(invoices_left_over, invoice_before, invoice_w, invoice_weights_total);
      uint64_t payments = Share(o_.payments_count, before, w, weights_total);
      before += w;
      invoice_before += invoice_w;
      CASHMATCH_RETURN_IF_ERROR(Customer(i, invoices, payments));
      rows_written.Add(1 + invoices + payments);
    }
    rows_written.Flush();
    CASHMATCH_RETURN_IF_ERROR(writers_.Finish(summary_));
    CASHMATCH_RETURN_IF_ERROR(customers_.Close());
    CASHMATCH_RETURN_IF_ERROR(invoices_.Close());
    return truth_.Close();
  }

 private:
  std::vector<GenInvoice> MakeInvoices(Rng& rng, const CustomerModel& c, uint64_t count) {
    std::vector<GenInvoice> out(count);
    std::unordered_set<int64_t> amounts;
    for (GenInvoice& g : out) {
      g.seq = invoice_seq_++;
      g.id = fmt::format("I-{:08}", g.seq + 1);
      g.number = CanonicalNumber(NumberOf(g.seq));
      g.total_minor = DrawAmount(rng);
      g.open_minor = g.total_minor;
      if (rng.PerMille(r_.partially_paid))
        g.open_minor = g.total_minor * static_cast<int64_t>(30 + rng.Below(61)) / 100;
      while (!amounts.insert(g.open_minor).second) ++g.open_minor, ++g.total_minor;  // distinct per customer
      g.issue = Date{o_.first_day.days - static_cast<int32_t>(rng.Between(5, 120))};
      g.due = Date{g.issue.days + 30};
      g.model = rng.PerMille(150) ? "services" : "subscription";
      if (c.stripe && rng.PerMille(500)) g.stripe_id = fmt::format("in_G{:012}", g.seq);
    }
    return out;
  }

  Status Customer(uint64_t index, uint64_t invoices_count, uint64_t payments_count) {
    Rng rng(Rng::Mix(o_.seed ^ 0x637573ULL, index));
    CustomerModel c = MakeCustomer(o_.seed, index, o_.customers_count, r_);
    std::optional<CustomerModel> parent;
    if (c.parent_index >= 0)
      parent = MakeCustomer(o_.seed, static_cast<uint64_t>(c.parent_index), o_.customers_count, r_);
    std::vector<GenInvoice> invoices = MakeInvoices(rng, c, invoices_count);
    CustomerPlanner planner(r_, rng, c, invoices, o_.invoices_count, o_.seed, o_.customers_count);

    std::vector<Scenario> drawn(payments_count);
    for (Scenario& s : drawn) s = planner.Draw();
    std::vector<PlannedPayment> planned(payments_count);
    std::vector<bool> done(payments_count, false);
    for (size_t k = 0; k < drawn.size(); ++k) {
      if (drawn[k] == Scenario::kAmbiguous) done[k] = planner.ShapeAmbiguous(&planned[k]);
    }
    for (size_t k = 0; k < drawn.size(); ++k) {
      if (drawn[k] == Scenario::kEqualAmountTwins) done[k] = planner.ShapeTwins(&planned[k]);
    }
    planner.SortAmounts();
    // On-account payments last: their amounts must fit nothing the other
    // payments leave open.
    for (size_t k = 0; k < drawn.size(); ++k) {
      if (done[k] || drawn[k] == Scenario::kOnAccount) continue;
      PlannedPayment& p = planned[k];
      const bool shaped = drawn[k] == Scenario::kAmbiguous || drawn[k] == Scenario::kEqualAmountTwins;
      Scenario s = shaped ? Scenario::kExactReference : drawn[k];
      if (planner.Plan(s, &p, parent ? &*parent : nullptr)) {
        done[k] = true;
        continue;
      }
      p = PlannedPayment();
      done[k] = planner.Plan(Scenario::kExactReference, &p, nullptr);
      if (!done[k]) p = PlannedPayment();
    }
    for (size_t k = 0; k < drawn.size(); ++k) {
      if (done[k]) continue;
      PlannedPayment& p = planned[k];
      if (planner.Plan(Scenario::kOnAccount, &p, nullptr)) continue;
      p = PlannedPayment();
      planner.Unknown(&p);
    }

    std::string rows;
    AppendCustomerRow(&rows, c);
    customers_.Write(rows);
    rows.clear();
    for (const GenInvoice& g : invoices) AppendInvoiceRow(&rows, g, c);
    invoices_.Write(rows);
    rows.clear();
    for (PlannedPayment& p : planned) {
      p.day = static_cast<uint32_t>(rng.Below(o_.days_count));
      p.channel = WrittenChannel(p);
      std::string id, file, return_id;
      CASHMATCH_RETURN_IF_ERROR(writers_.Add(p, &id, &file, &return_id));
      AppendTruth(&rows, p, id, file, return_id);
      ++summary_->scenario_counts[static_cast<size_t>(p.scenario)];
      summary_->returns_count += p.returned ? 1 : 0;
    }
    truth_.Write(rows);
    summary_->customers_count += 1;
    summary_->invoices_count += invoices.size();
    summary_->payments_count += planned.size();
    return Status::Ok();
  }

  // `--format`: a bank payment goes to the one format asked for, planned as
  // in the mixed files (same draws, same payments). Stripe charges stay
  // Stripe; with camt, a payment that is returned, and its return, go to
  // NDJSON (camt returns are not generated).
  Channel WrittenChannel(const PlannedPayment& p) const {
    if (p.channel == Channel::kStripe) return p.channel;
    switch (o_.format) {
      case BankFormat::kMixed: return p.channel;
      case BankFormat::kNdjson: return Channel::kNdjson;
      case BankFormat::kCamt: return p.returned ? Channel::kNdjson : Channel::kCamt;
      case BankFormat::kBai2: return Channel::kBai2;
    }
    return p.channel;
  }

  const GenOptions& o_;
  const ProfileRates& r_;
  GenSummary* summary_;
  SettlementWriters writers_;
  OutFile customers_, invoices_, truth_;
  uint64_t invoice_seq_ = 0;
};

}  // namespace

bool ParseProfile(std::string_view text, Profile* out) {
  if (text == "clean")
    *out = Profile::kClean;
  else if (text == "typical")
    *out = Profile::kTypical;
  else if (text == "messy")
    *out = Profile::kMessy;
  else
    return false;
  return true;
}

const char* ProfileName(Profile p) {
  switch (p) {
    case Profile::kClean: return "clean";
    case Profile::kTypical: return "typical";
    case Profile::kMessy: return "messy";
  }
  return "typical";
}

const char* ScenarioName(Scenario s) { return kScenarioNames[static_cast<size_t>(s)]; }

bool ParseBankFormat(std::string_view text, BankFormat* out) {
  if (text == "mixed")
    *out = BankFormat::kMixed;
  else if (text == "ndjson")
    *out = BankFormat::kNdjson;
  else if (text == "camt")
    *out = BankFormat::kCamt;
  else if (text == "bai2")
    *out = BankFormat::kBai2;
  else
    return false;
  return true;
}

Status Generate(const GenOptions& options, GenSummary* summary) {
  for (const ProfileRates* r : {&kClean, &kTypical, &kMessy}) {
    uint32_t sum = 0;
    for (uint32_t v : r->scenario) sum += v;
    assert(sum == 1000);
  }
  CASHMATCH_RETURN_IF_ERROR(CheckOptions(options));
  *summary = GenSummary();
  PortfolioWriter w(options, summary);
  CASHMATCH_RETURN_IF_ERROR(w.Open());
  return w.Run();
}

}  // namespace cashmatch::datasets
