import Engine
@testable import Models
import Testing
import TestSupport

/// Each pairing's conditioning of the head, on small tensors whose values say where they came
/// from: the input's channels in the documented order, centred, and the base the head's output
/// is added to.
@Suite(.hangLimit)
struct PairingConditioningTests {
    /// A `[1, 2, 2, 3]` image of one value.
    static func image(_ value: Float) throws -> Tensor { try Tensor(shape: [1, 2, 2, 3], scalars: Array(repeating: value, count: 12)) }

    let x: Tensor, source: Tensor, target: Tensor, reference: CarriedBatch

    init() throws {
        (x, source, target) = (try Self.image(0.5), try Self.image(0.25), try Self.image(0.75))
        reference = CarriedBatch(source: source, target: target, channels: nil)
    }

    /// The value of each of the input's channels at its first pixel.
    static func channels(_ input: Tensor) -> [Float] { Array(input.scalars.prefix(input.shape[3])) }

    /// `values` centred as the head reads them (2v − 1), three channels each.
    static func centred(_ values: [Float]) -> [Float] { values.flatMap { Array(repeating: 2 * $0 - 1, count: 3) } }

    @Test func theDirectPairingsReadXAloneAndOnlyOne2oneAddsToIt() throws {
        for pairing in [Pairing.pix2pix, .one2one] {
            let conditioning = pairing.conditioning()
            #expect(!conditioning.carriesReferences && conditioning.inputChannels == 3)
            let (input, base) = try conditioning.headInput(x: x, reference: nil)
            #expect(Self.channels(input) == Self.centred([0.5]))
            #expect(base?.scalars == (pairing == .one2one ? x.scalars : nil))
        }
    }

    @Test(arguments: [Pairing.structural, .implicit])
    func theNtoNPairingsReadXWithTheCarriedReferenceInTheirOrder(_ pairing: Pairing) throws {
        let conditioning = pairing.conditioning()
        let (input, base) = try conditioning.headInput(x: x, reference: reference)
        #expect(conditioning.carriesReferences && input.shape[3] == conditioning.inputChannels)
        // structural reads x, the carried edit x + y_i − x_i = 1.0, then the carried pair, and starts from the carried edit.
        let expected: [Float] = pairing == .structural ? [0.5, 1.0, 0.25, 0.75] : [0.5, 0.25, 0.75]
        #expect(Self.channels(input) == Self.centred(expected))
        #expect(base?.scalars == Array(repeating: expected[pairing == .structural ? 1 : 0], count: 12))
        // Without x_j, the carried target alone, and the output starts from it.
        let noSource = pairing.conditioning(ablation: .noSource)
        let (alone, start) = try noSource.headInput(x: x, reference: reference)
        #expect(noSource.inputChannels == 3 && Self.channels(alone) == Self.centred([0.75]))
        #expect(start?.scalars == target.scalars)
    }

    @Test func transformChannelsFollowTheImagesAsTheyAre() throws {
        let channels = try Tensor(shape: [1, 2, 2, Transformation.channelCount], scalars: (0..<(4 * Transformation.channelCount)).map { Float($0) / 100 })
        let reference = CarriedBatch(source: source, target: target, channels: channels)
        let conditioning = Pairing.implicit.conditioning(transformChannels: true)
        let (input, _) = try conditioning.headInput(x: x, reference: reference)
        #expect(input.shape[3] == conditioning.inputChannels && conditioning.inputChannels == 9 + Transformation.channelCount)
        #expect(Array(Self.channels(input).dropFirst(9)) == Array(channels.scalars.prefix(Transformation.channelCount)))
    }

    @Test func anNtoNHeadRefusesAMissingReferenceOrTheWrongChannels() throws {
        for pairing in [Pairing.structural, .implicit] {
            #expect(throws: EngineError.self) { try pairing.conditioning().headInput(x: x, reference: nil) }
            #expect(throws: EngineError.self) {
                try pairing.conditioning(transformChannels: true).headInput(x: x, reference: reference)
            }
        }
    }
}
