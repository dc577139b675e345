@testable import Engine
import TestSupport
import Testing

@Suite("Profile", .hangLimit)
struct ProfileTests {
    /// A convolution, SiLU, a loss and its backward, profiled.
    private func profiledStep() throws -> Profile {
        let x = try random([2, 8, 8, 3], seed: 1), weight = try random([3, 3, 3, 4], seed: 2)
        weight.requiringGrad()
        let profile = Profile()
        try profile.measuring {
            let loss = try Tensor.conv2d(x, weight: weight, padding: 1).silu().mean()
            try loss.backward()
            Profile.phase("update") { weight.zeroGrad() }
        }
        return profile
    }

    @Test("every op of a step is timed, by kind and pass, with the convolution's arithmetic")
    func opsByKindAndPass() throws {
        let profile = try profiledStep()
        let seen = Set(profile.entries.map { "\($0.pass.rawValue) \($0.kind)" })
        #expect(seen == ["forward conv2d", "forward silu", "forward mean", "backward mean", "backward silu", "backward conv2d", "phase update"])
        #expect(profile.entries.allSatisfy { $0.entry.calls == 1 && $0.entry.seconds >= 0 })
        // 2·(N·OH·OW)·(KH·KW·Cin)·Cout forward; backward only the weight's gradient (x is a constant).
        let flops = 2.0 * 128 * 27 * 4
        func entry(_ pass: Profile.Pass, _ kind: String) -> Profile.Entry? { profile.entries.first { $0.pass == pass && $0.kind == kind }?.entry }
        #expect(entry(.forward, "conv2d")?.flops == flops)
        #expect(entry(.backward, "conv2d")?.flops == flops)
        #expect(entry(.forward, "silu")?.flops == 0)
        #expect(profile.totalFlops == 2 * flops)
        #expect(abs(profile.totalSeconds - profile.entries.reduce(0) { $0 + $1.entry.seconds }) < 1e-12)
    }

    @Test("outside `measuring` nothing is recorded, and phases just run their body")
    func inactive() throws {
        let profile = try profiledStep()
        let before = profile.entries.map(\.entry)
        _ = try random([2, 2], seed: 3).silu()
        #expect(Profile.phase("outside") { 7 } == 7)
        #expect(profile.entries.map(\.entry) == before)
    }
}
