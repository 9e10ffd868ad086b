import Foundation

/// Which label value a logged status or prediction class is counted under, keeping the series
/// count bounded (labels come from requests) without letting a burst of junk values blind an alert.
///
/// Values named up front (`reserved`: for statuses `ok`, `unknown` and the literal alternatives of
/// the alerting rules' error pattern; for classes the baseline's prediction classes) always keep
/// their own series, created at start. Any other value gets one while fewer than `cap` have been
/// created, and then folds into `overflow` (`__other__`). Statuses that match the error pattern have
/// a cap of their own and fold into `errorOverflow` (the pattern's first literal, `error` by
/// default), so random values can neither take the error statuses' places nor hide an error.
/// A pure value: the metrics code asks it and creates the counter it names.
struct LabelCap: Sendable {
    static let overflow = "__other__"

    let reserved: [String]
    let cap: Int
    /// The PromQL error pattern, anchored as PromQL anchors it, compiled once (a value past the cap
    /// is matched on every batch it appears in); nil when errors are not told apart (classes).
    let errorPattern: NSRegularExpression?
    let errorOverflow: String?
    private var known: Set<String>
    private var dynamicValues = 0, dynamicErrors = 0

    init(reserved: [String], cap: Int, errorPattern: String? = nil) {
        self.cap = cap
        // AlertingConfig.validate has compiled the pattern already; one that does not compile
        // here only loses the error statuses' separate cap.
        let anchored = errorPattern.flatMap { try? NSRegularExpression(pattern: "^(?:" + $0 + ")$") }
        self.errorPattern = anchored
        var r: [String] = []
        for v in reserved where !r.contains(v) { r.append(v) }
        var errors: [String] = []
        if let pattern = errorPattern, let anchored {
            errors = Self.literals(of: pattern).filter { Self.matches($0, anchored) }
            for literal in errors where !r.contains(literal) { r.append(literal) }
        }
        self.reserved = r
        errorOverflow = errors.contains("error") ? "error" : errors.first
        known = Set(r)
    }

    /// Statuses: `ok`, `unknown` (no status logged) and the error pattern's literals.
    static func statuses(errorPattern: String, cap: Int) -> LabelCap {
        LabelCap(reserved: ["ok", "unknown"], cap: cap, errorPattern: errorPattern)
    }

    /// The label `value` is counted under; the first time a value gets its own series it is
    /// remembered, so later batches find it without asking again.
    mutating func label(for value: String) -> String {
        if known.contains(value) { return value }
        if let pattern = errorPattern, Self.matches(value, pattern) {
            if dynamicErrors < cap {
                dynamicErrors += 1
                known.insert(value)
                return value
            }
            return errorOverflow ?? Self.overflow
        }
        if dynamicValues < cap && value != Self.overflow {
            dynamicValues += 1
            known.insert(value)
            return value
        }
        return Self.overflow
    }

    /// The alternatives of a top-level `a|b|c` pattern that are plain words (no regex syntax).
    static func literals(of pattern: String) -> [String] {
        pattern.split(separator: "|", omittingEmptySubsequences: true).map(String.init).filter { alt in
            alt.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" }
        }
    }

    static func matches(_ value: String, _ anchored: NSRegularExpression) -> Bool {
        anchored.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
    }
}
