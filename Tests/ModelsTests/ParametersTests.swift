import Engine
@testable import Models
import Testing
import TestSupport

@Suite(.hangLimit)
struct ParametersTests {
    @Test func parametersAreNamedByScope() throws {
        let parameters = Parameters()
        var rng = RandomGenerator(seed: 1)
        try parameters.scoped("encoder").scoped("conv1").convolutionWeight("weight", kernel: 3, input: 2, output: 4, using: &rng)
        try parameters.constant("bias", [4], value: 0)
        #expect(parameters.named.map(\.name) == ["encoder.conv1.weight", "bias"])
        #expect(parameters.scalarCount == 3 * 3 * 2 * 4 + 4)
        #expect(throws: EngineError.self) { try parameters.constant("bias", [1], value: 0) }
    }

    @Test func layersRegisterTheirWeightsUnderPyTorchsNames() throws {
        let network = try ToyNetwork(channels: 8, seed: 1)
        #expect(network.parameters.named.map(\.name) == ["conv1.weight", "conv1.bias", "norm.weight", "norm.bias", "conv2.weight", "conv2.bias"])
        #expect(network.parameters.named.map(\.tensor.shape) == [[3, 3, 3, 8], [8], [8], [8], [3, 3, 8, 3], [3]])
        #expect(network.parameters.tensors.allSatisfy { $0.requiresGrad })
    }
}
