@testable import Engine
import TestSupport
import Testing

/// Mutated PNG files must decode or throw an `ImageError`, never crash the process (libpng's
/// longjmp stays in C). The mutations know the file's structure and repair every chunk's CRC, so
/// a mutant gets past the CRC check into libpng's header, palette, transparency and row decoders
/// and into zlib's inflater, instead of dying at the first checksum.
@Suite(.hangLimit)
struct PNGFuzzTests {
    struct Chunk { var type: [UInt8]; var data: [UInt8] }

    /// The chunks after the signature, or nil where the file does not parse as chunks.
    static func chunks(of png: [UInt8]) -> [Chunk] {
        var out: [Chunk] = [], at = 8
        while at + 12 <= png.count {
            let length = png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
            guard at + 12 + length <= png.count else { break }
            out.append(Chunk(type: Array(png[(at + 4)..<(at + 8)]), data: Array(png[(at + 8)..<(at + 8 + length)])))
            at += 12 + length
        }
        return out
    }

    /// The signature and the chunks, each with its length and a correct CRC; a length may be
    /// overridden to test how the reader copes with a chunk that claims more or less than it has.
    static func file(_ chunks: [Chunk], lying liar: (index: Int, length: Int)? = nil) -> [UInt8] {
        var png: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]
        for (i, chunk) in chunks.enumerated() {
            let length = liar?.index == i ? liar!.length : chunk.data.count
            png += ReferencePNG.be32(length) + chunk.type + chunk.data + ReferencePNG.be32(Int(ReferencePNG.crc32(chunk.type + chunk.data)))
        }
        return png
    }

    /// Every colour type, bit depth and interlace from the reference encoder (stored deflate
    /// blocks), with tRNS on the types that allow it, plus libpng's own files (real Huffman-coded
    /// deflate, RGB and RGBA, and RGB with an ICC profile) so that mutants reach the inflater's
    /// decoding tables and the iCCP reader.
    static func seeds() throws -> [[UInt8]] {
        var seeds: [[UInt8]] = []
        for format in PNGTests.formats {
            let channels = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(format.colourType)]!
            let maximum = (1 << format.bitDepth) - 1
            let entries = 1 << min(format.bitDepth, 8)
            let png = ReferencePNG.encode(width: 7, height: 5, colourType: format.colourType, bitDepth: format.bitDepth,
                                          interlaced: format.interlaced,
                                          palette: format.colourType == 3 ? (0..<entries).map(PNGTests.paletteEntry) : []) { x, y in
                (0..<channels).map { ((x * 5 + y * 3 + $0 * 7) * 2654435761) % (maximum + 1) }
            }
            seeds.append(png)
            // Transparency: one alpha per palette entry, or the one transparent grey or RGB sample.
            let transparency: [UInt8]? = switch format.colourType {
            case 3: (0..<entries).map { UInt8($0 * 17 % 256) }
            case 0: ReferencePNG.pack([1], depth: 16)
            case 2: ReferencePNG.pack([1, 2, 3], depth: 16)
            default: nil
            }
            if let transparency {
                var parts = chunks(of: png)
                parts.insert(Chunk(type: Array("tRNS".utf8), data: transparency), at: parts.count - 2)
                seeds.append(file(parts))
            }
        }
        var rng = RandomGenerator(seed: 5)
        let photo = try Image(width: 13, height: 9, pixels: (0..<(13 * 9 * 3)).map { _ in rng.nextUnit() })
        seeds.append(try photo.pngData(.compact))
        seeds.append(try photo.pngData(.display, alpha: (0..<(13 * 9)).map { _ in rng.nextUnit() }))
        var profiled = photo
        profiled.colourProfile = PNGFuzzTests.testProfile
        let withProfile = try profiled.pngData()
        try #require(try Image(pngData: withProfile, name: "seed").colourProfile == PNGFuzzTests.testProfile, "the iCCP seed holds its profile")
        seeds.append(withProfile)
        return seeds
    }

    /// A small ICC profile libpng takes (so that mutants reach the iCCP reader and its inflate):
    /// the header of an RGB display profile, one tag, and 240 bytes of noise — libpng's reader
    /// refused a shorter, all-zero one as "too short" when its compressed stream ended within the
    /// header's 132 bytes.
    static let testProfile: [UInt8] = {
        var profile = [UInt8](repeating: 0, count: 400)
        func put(_ text: String, at offset: Int) { profile.replaceSubrange(offset..<(offset + 4), with: Array(text.utf8)) }
        (profile[2], profile[3]) = (1, 144)  // the profile's size, 400, big-endian
        (profile[8], profile[9]) = (2, 0x10)  // version 2.1
        put("mntr", at: 12); put("RGB ", at: 16); put("XYZ ", at: 20); put("acsp", at: 36)
        // The PCS illuminant, D50 in s15.16: X 0.9642, Y 1, Z 0.8249.
        profile.replaceSubrange(68..<80, with: [0x00, 0x00, 0xF6, 0xD6, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0xD3, 0x2D])
        // One tag, the white point: 16 bytes at 144.
        profile[131] = 1
        put("wtpt", at: 132); profile[139] = 144; profile[143] = 16; put("XYZ ", at: 144)
        for k in 160..<400 { profile[k] = UInt8(truncatingIfNeeded: (UInt32(k) &* 2_654_435_761) >> 13) }
        return profile
    }()

    @Test func structureAwareMutantsNeverCrashTheDecoder() throws {
        let seed = Fuzzing.seed(default: 11)
        let watchdog = Watchdog("PNG fuzzer", seed: seed)
        defer { watchdog.finish() }
        var rng = RandomGenerator(seed: seed)
        func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }
        let seeds = try PNGFuzzTests.seeds()
        #expect(seeds.count == 30 + 22 + 3)
        for (i, png) in seeds.enumerated() {
            #expect(throws: Never.self, "seed \(i) must decode before it is mutated") { try Image(pngData: png, name: "seed.png") }
        }
        let names = ["IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "sRGB", "cHRM", "iCCP", "sBIT", "bKGD", "pHYs", "tEXt", "zTXt", "iTXt", "acTL", "abCD", "ABCD"]

        var (decoded, refused) = (0, 0)
        for iteration in 0..<4000 {
            watchdog.beat(iteration)
            var parts = PNGFuzzTests.chunks(of: rng.pick(seeds))
            var liar: (index: Int, length: Int)?
            for _ in 0..<(1 + below(3)) {
                guard !parts.isEmpty else { break }
                let k = below(parts.count)
                switch below(10) {
                case 0, 1, 2:  // flip a bit of a chunk's data, most often the pixels
                    let target = parts.firstIndex { $0.type == Array("IDAT".utf8) && rng.nextUnit() < 0.7 } ?? k
                    if !parts[target].data.isEmpty { parts[target].data[below(parts[target].data.count)] ^= UInt8(1 << below(8)) }
                case 3:  // an interesting header field
                    if parts[0].data.count == 13 {
                        let field = below(7)
                        let value: [UInt8] = switch field {
                        case 0, 1: ReferencePNG.be32(rng.pick([0, 1, 3, 8, 100_000, 0x7FFF_FFFF, -1 & 0xFFFF_FFFF]))
                        case 2: [rng.pick([0, 1, 2, 3, 4, 5, 8, 16, 32])]
                        case 3: [rng.pick([0, 1, 2, 3, 4, 5, 6, 7])]
                        default: [UInt8(below(3))]
                        }
                        let offset = [0, 4, 8, 9, 10, 11, 12][field]
                        parts[0].data.replaceSubrange(offset..<(offset + value.count), with: value)
                    }
                case 4: parts[k].data = Array(parts[k].data.prefix(below(parts[k].data.count + 1)))
                case 5: parts[k].data += (0..<(1 + below(40))).map { _ in UInt8(below(256)) }
                case 6: parts.remove(at: k)
                case 7: parts.insert(parts[k], at: below(parts.count + 1))
                case 8:
                    parts.insert(Chunk(type: Array(rng.pick(names).utf8), data: (0..<below(48)).map { _ in UInt8(below(256)) }),
                                 at: below(parts.count + 1))
                default:  // split IDAT in two, as encoders that stream rows do
                    if let i = parts.firstIndex(where: { $0.type == Array("IDAT".utf8) }), parts[i].data.count > 1 {
                        let cut = 1 + below(parts[i].data.count - 1)
                        let tail = Chunk(type: parts[i].type, data: Array(parts[i].data[cut...]))
                        parts[i].data = Array(parts[i].data[..<cut])
                        parts.insert(tail, at: i + 1)
                    }
                }
            }
            if rng.nextUnit() < 0.05, !parts.isEmpty { liar = (below(parts.count), below(1 << 16)) }
            do {
                _ = try Image(pngData: PNGFuzzTests.file(parts, lying: liar), name: "m.png")
                decoded += 1
            } catch let error as ImageError {
                #expect(error.description.hasPrefix("m.png: "), "iteration \(iteration) (seed \(seed)): \(error)")
                refused += 1
            }
        }
        // Both outcomes in quantity: a mutant that always dies early would probe nothing.
        print("PNG fuzzer: \(decoded) decoded, \(refused) refused")
        #expect(decoded > 600, "only \(decoded) mutants decoded (seed \(seed))")
        #expect(refused > 1000, "only \(refused) mutants were refused (seed \(seed))")
    }
}
