import Foundation

/// Raw loops over contiguous buffers, shared by the ops' forward and backward passes.
enum Kernels {
    /// `f` applied to each element of `x` into a new tensor of the same shape, in parallel chunks.
    @inline(__always)
    static func map(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        let src = x.pointer, dst = out.pointer
        Threads.parallelFor(x.count, grain: 32768) { r in
            for i in r { dst[i] = f(src[i]) }
        }
        return out
    }

    /// `f(a[i], b[i])` for two tensors of equal element count.
    @inline(__always)
    static func zip(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        let out = Tensor(uninitialized: a.shape)
        let pa = a.pointer, pb = b.pointer, dst = out.pointer
        Threads.parallelFor(a.count, grain: 32768) { r in
            for i in r { dst[i] = f(pa[i], pb[i]) }
        }
        return out
    }

    /// `a + b` for equal shapes (gradient accumulation).
    static func sum(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.shape == b.shape else {
            throw EngineError.shapeMismatch(op: "gradient accumulation", lhs: a.shape, rhs: b.shape, expected: "equal shapes")
        }
        return zip(a, b, +)
    }

    /// `a += b` for equal element counts.
    static func addInPlace(_ a: Tensor, _ b: Tensor) {
        let pa = a.pointer, pb = b.pointer
        Threads.parallelFor(a.count, grain: 32768) { r in
            for i in r { pa[i] += pb[i] }
        }
    }
}

// MARK: - Broadcasting arithmetic

extension Tensor {
    /// Element-wise `a ∘ b` with broadcasting, recorded with its backward.
    private static func binary(_ op: String, _ a: Tensor, _ b: Tensor,
                               _ f: (Float, Float) -> Float,
                               backward: @escaping (Tensor) -> (Tensor, Tensor)) throws -> Tensor {
        let shape = try Broadcast.resultShape(a.shape, b.shape, op: op)
        let out = try Tensor(validated: shape, op: op)
        if a.shape == b.shape {
            let pa = a.pointer, pb = b.pointer, dst = out.pointer
            Threads.parallelFor(out.count, grain: 32768) { r in
                for i in r { dst[i] = f(pa[i], pb[i]) }
            }
        } else {
            Broadcast(out: shape, a: a.shape, b: b.shape).apply(a.pointer, b.pointer, out.pointer, f)
        }
        return try Autodiff.record(op, inputs: [a, b], output: out) { g in
            let (ga, gb) = backward(g)
            return [a.requiresGrad ? Kernels.reduce(ga, to: a.shape) : nil,
                    b.requiresGrad ? Kernels.reduce(gb, to: b.shape) : nil]
        }
    }

    /// The operands of a backward pass read at the output's (broadcast) shape.
    private static func expanded(_ a: Tensor, _ b: Tensor, like g: Tensor) -> (Tensor, Tensor) {
        (a.shape == g.shape ? a : Kernels.expand(a, to: g.shape),
         b.shape == g.shape ? b : Kernels.expand(b, to: g.shape))
    }

    public static func + (a: Tensor, b: Tensor) throws -> Tensor {
        try binary("add", a, b, +) { g in (g, g) }
    }

    public static func - (a: Tensor, b: Tensor) throws -> Tensor {
        try binary("subtract", a, b, -) { g in (g, Kernels.map(g) { -$0 }) }
    }

    public static func * (a: Tensor, b: Tensor) throws -> Tensor {
        try binary("multiply", a, b, *) { g in
            let (ea, eb) = expanded(a, b, like: g)
            return (Kernels.zip(g, eb, *), Kernels.zip(g, ea, *))
        }
    }

    public static func / (a: Tensor, b: Tensor) throws -> Tensor {
        try binary("divide", a, b, /) { g in
            let (ea, eb) = expanded(a, b, like: g)
            let ga = Kernels.zip(g, eb, /)
            let gb = Kernels.zip(Kernels.zip(g, ea, *), eb) { ga, b in -ga / (b * b) }
            return (ga, gb)
        }
    }

    public static func + (a: Tensor, s: Float) throws -> Tensor { try a + Tensor(s) }
    public static func - (a: Tensor, s: Float) throws -> Tensor { try a - Tensor(s) }
    public static func * (a: Tensor, s: Float) throws -> Tensor { try a * Tensor(s) }
    public static func * (s: Float, a: Tensor) throws -> Tensor { try a * Tensor(s) }
    public static func / (a: Tensor, s: Float) throws -> Tensor { try a * Tensor(1 / s) }
}

// MARK: - Pointwise functions

/// A differentiable function of one variable applied element-wise.
public enum Pointwise: String, CaseIterable, Sendable {
    case silu, sigmoid, tanh, relu, exp, log, abs, square, sqrt, negate

    /// y = f(x) over a tensor.
    func forward(_ x: Tensor) -> Tensor {
        switch self {
        case .silu: return Kernels.map(x) { $0 / (1 + Foundation.exp(-$0)) }
        case .sigmoid: return Kernels.map(x) { 1 / (1 + Foundation.exp(-$0)) }
        case .tanh: return Kernels.map(x) { Foundation.tanh($0) }
        case .relu: return Kernels.map(x) { Swift.max($0, 0) }
        case .exp: return Kernels.map(x) { Foundation.exp($0) }
        case .log: return Kernels.map(x) { Foundation.log($0) }
        case .abs: return Kernels.map(x) { Swift.abs($0) }
        case .square: return Kernels.map(x) { $0 * $0 }
        case .sqrt: return Kernels.map(x) { $0.squareRoot() }
        case .negate: return Kernels.map(x) { -$0 }
        }
    }

    /// dL/dx = dL/dy · f′(x), given x, y = f(x) and dL/dy.
    func backward(_ x: Tensor, _ y: Tensor, _ g: Tensor) -> Tensor {
        switch self {
        case .silu:
            return Kernels.zip(x, g) { x, g in
                let s = 1 / (1 + Foundation.exp(-x))
                return g * s * (1 + x * (1 - s))
            }
        case .sigmoid: return Kernels.zip(y, g) { y, g in g * y * (1 - y) }
        case .tanh: return Kernels.zip(y, g) { y, g in g * (1 - y * y) }
        case .relu: return Kernels.zip(x, g) { x, g in x > 0 ? g : 0 }
        case .exp: return Kernels.zip(y, g, *)
        case .log: return Kernels.zip(x, g) { x, g in g / x }
        case .abs: return Kernels.zip(x, g) { x, g in x > 0 ? g : (x < 0 ? -g : 0) }
        case .square: return Kernels.zip(x, g) { x, g in 2 * x * g }
        case .sqrt: return Kernels.zip(y, g) { y, g in g / (2 * y) }
        case .negate: return Kernels.map(g) { -$0 }
        }
    }
}

extension Tensor {
    /// `f` applied to every element.
    public func applying(_ f: Pointwise) throws -> Tensor {
        let y = f.forward(self)
        // The closure reads y's values through a view: capturing y itself would make y → origin →
        // closure → y a cycle, and a graph never differentiated would never be freed.
        let values = Tensor(shape: y.shape, storage: y.storage, offset: y.offset)
        return try Autodiff.record(f.rawValue, inputs: [self], output: y) { [self] g in
            [f.backward(self, values, g)]
        }
    }

    /// x·σ(x), the activation of diffusion U-Nets.
    public func silu() throws -> Tensor { try applying(.silu) }
    /// 1 / (1 + e⁻ˣ).
    public func sigmoid() throws -> Tensor { try applying(.sigmoid) }
    /// The hyperbolic tangent.
    public func tanh() throws -> Tensor { try applying(.tanh) }
    /// max(x, 0).
    public func relu() throws -> Tensor { try applying(.relu) }
    /// eˣ.
    public func exp() throws -> Tensor { try applying(.exp) }
    /// The natural logarithm.
    public func log() throws -> Tensor { try applying(.log) }
    /// |x|.
    public func abs() throws -> Tensor { try applying(.abs) }
    /// x².
    public func squared() throws -> Tensor { try applying(.square) }
    /// √x.
    public func sqrt() throws -> Tensor { try applying(.sqrt) }
    /// −x.
    public static prefix func - (x: Tensor) throws -> Tensor { try x.applying(.negate) }
}
