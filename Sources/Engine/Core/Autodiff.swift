/// Define-by-run reverse-mode differentiation.
///
/// Every op calls `Autodiff.record`, which (when recording and an input requires gradients)
/// attaches to the output an `Origin`: the op's name, its inputs and a closure that maps the output's
/// gradient to the inputs' gradients. `backward()` orders those records from the loss back to the
/// leaves and runs the closures in reverse; the records form the tape. Leaves accumulate into
/// `grad` across calls (so gradients of several micro-batches add up) until `zeroGrad`.
final class Origin {
    let op: String
    let inputs: [Tensor]
    let backward: (Tensor) throws -> [Tensor?]
    /// Floating-point operations of the backward closure (for `Profile`).
    let backwardFlops: Double

    init(op: String, inputs: [Tensor], backwardFlops: Double = 0, backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.backwardFlops = backwardFlops
        self.backward = backward
    }
}

/// Switches for recording gradients and checking numerics, scoped to a piece of work.
public enum Autodiff {
    /// Whether ops record their backward closures (true unless inside `withoutGradients`).
    @TaskLocal public static var isRecording = true
    /// Whether every op's output is scanned for NaN/Inf, throwing at the first op that made one.
    @TaskLocal public static var checksNumerics = false

    /// Runs `body` in inference mode: nothing is recorded, so no closures or activations are kept.
    public static func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
        try $isRecording.withValue(false, operation: body)
    }

    /// Runs `body` with every op's output checked for NaN/Inf.
    public static func checkingNumerics<R>(_ body: () throws -> R) rethrows -> R {
        try $checksNumerics.withValue(true, operation: body)
    }

    /// Finishes an op: checks numerics if asked, and records the backward closure when needed.
    ///
    /// `flops` are the forward pass's floating-point operations, given by GEMM-shaped ops
    /// (convolution, matrix product) for `Profile`: the gradient of each of their first two
    /// inputs costs as many again.
    static func record(_ op: String, inputs: [Tensor], output: Tensor, flops: Double = 0,
                       backward: @escaping (Tensor) throws -> [Tensor?]) throws -> Tensor {
        if checksNumerics {
            for i in 0..<output.count where !output.pointer[i].isFinite {
                throw EngineError.nonFinite(op: op, shape: output.shape, index: i, value: output.pointer[i])
            }
        }
        if isRecording, inputs.contains(where: { $0.requiresGrad }) {
            output.requiresGrad = true
            let gradients = inputs.prefix(2).filter(\.requiresGrad).count
            output.origin = Origin(op: op, inputs: inputs, backwardFlops: flops * Double(gradients), backward: backward)
        }
        Profile.active?.opFinished(op, flops: flops)
        return output
    }
}

extension Tensor {
    /// Back-propagates from this tensor to every leaf that requires gradients.
    ///
    /// - Parameter seed: the gradient of the final objective with respect to this tensor; omitted,
    ///   this tensor must hold one element and the seed is 1.
    /// - Parameter retainGraph: keep the records so that `backward` can run again on the same graph;
    ///   by default they are released so that activations return to the pool at once.
    public func backward(seed: Tensor? = nil, retainGraph: Bool = false) throws {
        guard requiresGrad else {
            throw EngineError.notDifferentiable(message: "this tensor \(shape.shapeText) does not depend on any tensor that requires gradients")
        }
        let start: Tensor
        if let seed {
            guard seed.shape == shape else {
                throw EngineError.shapeMismatch(op: "backward", lhs: shape, rhs: seed.shape, expected: "the seed must have the tensor's shape")
            }
            start = seed
        } else {
            guard count == 1 else {
                throw EngineError.invalidShape(op: "backward", shape: shape, expected: "one element (a loss); pass `seed:` for other shapes")
            }
            start = Tensor(1)
        }

        guard origin != nil else {
            // A leaf's gradient with respect to itself is the seed.
            try requireHistory()
            return try accumulateGrad(start)
        }

        // Order the records so that each comes after everything that consumes its output
        // (iterative depth-first search: deep networks must not overflow the stack).
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for input in node.origin?.inputs ?? [] where input.requiresGrad {
                try input.requireHistory()
                if input.origin != nil, !visited.contains(ObjectIdentifier(input)) { stack.append((input, false)) }
            }
        }

        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): start]
        let profile = Profile.active
        for node in order.reversed() {
            guard let origin = node.origin, let g = grads.removeValue(forKey: ObjectIdentifier(node)) else { continue }
            let started = profile == nil ? 0 : Profile.now()
            let inputGrads = try origin.backward(g)
            for (input, inputGrad) in zip(origin.inputs, inputGrads) {
                guard input.requiresGrad, let inputGrad else { continue }
                if input.origin == nil {
                    try input.accumulateGrad(inputGrad)
                } else if let existing = grads[ObjectIdentifier(input)] {
                    grads[ObjectIdentifier(input)] = try Kernels.sum(existing, inputGrad)
                } else {
                    grads[ObjectIdentifier(input)] = inputGrad
                }
            }
            profile?.backwardFinished(origin.op, since: started, flops: origin.backwardFlops)
            if !retainGraph { node.origin = nil; node.historyReleased = true }
        }
    }

    /// Refuses to treat a result whose records an earlier `backward()` released as a leaf: its
    /// gradient would silently stop there instead of reaching the parameters.
    private func requireHistory() throws {
        guard historyReleased else { return }
        throw EngineError.notDifferentiable(message: "the graph through this tensor \(shape.shapeText) was released by an earlier backward(); pass `retainGraph: true` to that call to run backward through it again")
    }

    /// Adds `g` into this leaf's `grad`, creating it on first use.
    func accumulateGrad(_ g: Tensor) throws {
        guard g.shape == shape else {
            throw EngineError.shapeMismatch(op: "backward", lhs: shape, rhs: g.shape, expected: "a gradient of the leaf's shape")
        }
        if let grad { Kernels.addInPlace(grad, g) } else { grad = g.copy() }
    }

    /// Sets the accumulated gradient to zero, keeping its buffer.
    public func zeroGrad() {
        grad?.pointer.update(repeating: 0, count: count)
    }
}
