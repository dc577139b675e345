import Testing

extension Trait where Self == TimeLimitTrait {
    /// Every suite's time limit, so that a hung test fails naming itself before the swift runner's
    /// own limit (30 minutes in scripts/test.sh) stops the whole run without saying where.
    ///
    /// Generous because Swift Testing's clock also counts the time a test waits for a turn on the
    /// thread pool: on an idle machine the whole run takes about six minutes, and trivial tests
    /// report five of them.
    public static var hangLimit: Self { .timeLimit(.minutes(20)) }
}
