import Engine

extension Editor {
    /// An editor of `design` over `pairs`, as every front end builds one: the learned flow refined
    /// on the pairs' sources first when the design asks (once, for the pairing's choice and the
    /// editor alike); the pairing chosen on held-out pairs when the design leaves it to `auto`
    /// (`PairingChoice`); and the switches the chosen pairing cannot take turned off
    /// (`EditorDesign.resolved(to:)`), within `autoBudget` seconds when given. `say` hears what
    /// the user should read — the choice's plan, why the pairing was chosen, what was turned off —
    /// and `progress` how far the work is.
    public static func build(pairs: [Pair], design: EditorDesign, autoBudget: Double? = nil, checkInterrupt: () throws -> Void = {},
                             say: (String) -> Void = { _ in }, progress: (String) -> Void = { _ in }) throws -> Editor {
        if autoBudget != nil, design.pairing != .auto {
            throw EngineError.invalidArgument(op: "editor", message: "a budget caps auto's choice of the pairing; this design's pairing is \(design.pairing.name)")
        }
        // Refused before minutes of refining and choosing (an auto design costs as structural).
        try Editor.requireEnoughPairs(pairs.count)
        try EditorCost(design: design, pairs: pairs.count).checkFits()
        // The sources at the size the flow will see, scaled only when there is refining to do
        // (Editor.init scales the pairs for itself).
        var sources: [Image] = []
        if design.flowRefinement > 0 {
            progress("refining the flow on your pairs (\(design.flowRefinement) steps)")
            sources = try pairs.map { try design.view.fitted($0, to: design.size).source }
        }
        let flow = try design.flow.estimator(refinedOn: sources, steps: design.flowRefinement, checkInterrupt: checkInterrupt)
        var resolved = design
        if design.pairing == .auto {
            let choice = try PairingChoice.choose(for: pairs, design: design, budget: autoBudget, flowEstimator: flow, checkInterrupt: checkInterrupt,
                                                  say: say, progress: { progress("choosing the pairing — \($0)") })
            say("pairing \(choice.reason)")
            let turnedOff: [String]
            (resolved, turnedOff) = try design.resolved(to: choice.pairing)
            turnedOff.forEach(say)
        }
        return try Editor(pairs: pairs, design: resolved, flowEstimator: flow, checkInterrupt: checkInterrupt,
                          progress: { done, total in progress("preparing case \(done)/\(total)") })
    }
}
