import Engine
import Foundation

/// The trainable tensors of a model, by hierarchical name (`encoder.conv1.weight`).
///
/// A module takes a `Parameters` and creates its tensors in it; a module built of modules hands
/// each child `scoped("child")`, which shares the same registry under a longer prefix. Optimisers,
/// EMA, gradient clipping and checkpoints all walk the same ordered list.
public final class Parameters {
    private final class Registry {
        var entries: [(name: String, tensor: Tensor)] = []
        var names = Set<String>()
    }

    private let registry: Registry
    private let prefix: String

    public init() {
        registry = Registry()
        prefix = ""
    }

    private init(registry: Registry, prefix: String) {
        self.registry = registry
        self.prefix = prefix
    }

    /// The same registry with names under `name.`.
    public func scoped(_ name: String) -> Parameters {
        Parameters(registry: registry, prefix: prefix + name + ".")
    }

    /// Every parameter of this scope, in creation order, named within it (at the root: every
    /// parameter by its full name; in `scoped("flow")`: `block.0.weight` for `flow.block.0.weight`),
    /// so a module reads and writes its own weights by the names it gave them, wherever it sits.
    public var named: [(name: String, tensor: Tensor)] {
        guard !prefix.isEmpty else { return registry.entries }
        return registry.entries.filter { $0.name.hasPrefix(prefix) }.map { (String($0.name.dropFirst(prefix.count)), $0.tensor) }
    }

    /// Every parameter tensor of this scope, in creation order.
    public var tensors: [Tensor] { named.map(\.tensor) }

    /// The total number of scalars of this scope.
    public var scalarCount: Int { named.reduce(0) { $0 + $1.tensor.count } }

    /// Registers `tensor` as a trainable parameter named `name` (within this scope).
    @discardableResult
    public func add(_ name: String, _ tensor: Tensor) throws -> Tensor {
        let full = prefix + name
        guard registry.names.insert(full).inserted else {
            throw EngineError.invalidArgument(op: "Parameters.add", message: "a parameter named '\(full)' already exists")
        }
        tensor.requiringGrad()
        registry.entries.append((full, tensor))
        return tensor
    }

    /// A convolution kernel `[KH, KW, Cin, Cout]` with He-normal initialisation (std √(2/fan-in)),
    /// which keeps activations' scale through SiLU/ReLU layers.
    public func convolutionWeight(_ name: String, kernel: Int, input: Int, output: Int,
                                  using rng: inout RandomGenerator) throws -> Tensor {
        let fanIn = Float(kernel * kernel * input)
        return try add(name, .randomNormal([kernel, kernel, input, output], std: (2 / fanIn).squareRoot(), using: &rng))
    }

    /// A tensor of `shape` filled with `value` (biases with 0, norm scales with 1).
    public func constant(_ name: String, _ shape: [Int], value: Float) throws -> Tensor {
        try add(name, Tensor(shape: shape, repeating: value))
    }

    /// Sets every gradient to zero.
    public func zeroGrad() { for (_, t) in registry.entries { t.zeroGrad() } }
}
