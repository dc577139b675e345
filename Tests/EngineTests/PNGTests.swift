@testable import Engine
import Foundation
import TestSupport
import Testing

@Suite(.hangLimit)
struct PNGTests {
    struct Format: CustomTestStringConvertible, Sendable {
        let colourType: UInt8, bitDepth: Int, interlaced: Bool
        var testDescription: String { "type \(colourType), \(bitDepth)-bit\(interlaced ? ", interlaced" : "")" }
    }

    static let colourTypes: [UInt8] = [0, 0, 0, 0, 0, 2, 2, 3, 3, 3, 3, 4, 4, 6, 6]
    static let bitDepths: [Int] = [1, 2, 4, 8, 16, 8, 16, 1, 2, 4, 8, 8, 16, 8, 16]
    static let layouts: [(UInt8, Int)] = Array(zip(colourTypes, bitDepths))
    static let formats: [Format] = layouts.flatMap { layout -> [Format] in
        [Format(colourType: layout.0, bitDepth: layout.1, interlaced: false), Format(colourType: layout.0, bitDepth: layout.1, interlaced: true)]
    }

    static func paletteEntry(_ i: Int) -> (UInt8, UInt8, UInt8) {
        let r = UInt8(i * 37 % 256), g = UInt8(i * 91 % 256), b = UInt8(255 - i * 13 % 256)
        return (r, g, b)
    }

    @Test(arguments: formats)
    func readsEveryColourTypeAndDepthWrittenByAnotherEncoder(format: Format) throws {
        let (w, h) = (11, 9)  // odd sizes: partial bytes at low depths, short Adam7 passes
        let maximum = (1 << format.bitDepth) - 1
        let palette = (0..<(1 << min(format.bitDepth, 8))).map(PNGTests.paletteEntry)
        func value(_ x: Int, _ y: Int, _ c: Int) -> Int { ((x * 7 + y * 13 + c * 29) * 40503) % (maximum + 1) }
        let channels = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(format.colourType)]!
        let bytes = ReferencePNG.encode(width: w, height: h, colourType: format.colourType, bitDepth: format.bitDepth,
                                        interlaced: format.interlaced, palette: format.colourType == 3 ? palette : []) { x, y in
            (0..<channels).map { value(x, y, $0) }
        }
        let image = try Image(pngData: bytes, name: "reference.png")
        #expect(image.width == w && image.height == h)
        for y in 0..<h {
            for x in 0..<w {
                let expected: RGB
                switch format.colourType {
                case 3:
                    let (r, g, b) = palette[value(x, y, 0)]
                    expected = RGB(Float(r) / 255, Float(g) / 255, Float(b) / 255)
                case 0, 4:
                    let v = Float(value(x, y, 0)) / Float(maximum)
                    expected = RGB(v, v, v)
                default:
                    expected = RGB(Float(value(x, y, 0)) / Float(maximum), Float(value(x, y, 1)) / Float(maximum), Float(value(x, y, 2)) / Float(maximum))
                }
                let got = image[x, y]
                #expect(abs(got.r - expected.r) < 1e-6 && abs(got.g - expected.g) < 1e-6 && abs(got.b - expected.b) < 1e-6,
                        "pixel (\(x), \(y)): \(got) vs \(expected)")
            }
        }
    }

    @Test func ourOwnFilesRoundTripAtEightBits() throws {
        var rng = RandomGenerator(seed: 4)
        let image = try Image(width: 37, height: 23, pixels: (0..<(37 * 23 * 3)).map { _ in Float(Int(rng.nextUnit() * 255)) / 255 })
        for settings in [Image.PNGSettings.display, .compact] {
            let back = try Image(pngData: image.pngData(settings), name: "round trip")
            #expect(back == image)
        }
    }

    @Test func writesRGBAWhenGivenAlpha() throws {
        let image = try Image(width: 3, height: 2, colour: RGB(0.2, 0.4, 0.6))
        let bytes = try image.pngData(alpha: [0, 0.5, 1, 1, 1, 1])
        #expect(bytes[25] == 6)  // IHDR colour type: RGB + alpha
        #expect(try image.pngData()[25] == 2)  // RGB
        let back = try Image(pngData: bytes, name: "rgba")
        #expect(back == (try Image(pngData: image.pngData(), name: "rgb")))  // alpha is dropped on reading
        #expect(throws: ImageError.self) { try image.pngData(alpha: [1]) }
    }

    @Test func writesAtomicallyAndReadsBackFromDisk() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("likewise-png-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/a.png"
        let image = try Image(width: 4, height: 3, colour: RGB(1, 0, 0))
        try image.write(to: path)
        #expect(try Image(contentsOf: path) == image)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["a.png"])  // no temporary left behind
        let error = #expect(throws: ImageError.self) { try image.write(to: folder + "/missing/b.png") }
        #expect(error?.description.hasPrefix(folder + "/missing/b.png: cannot write") == true)
    }

    @Test func corruptFilesAreErrorsNamingTheFileAndTheProblem() throws {
        let good = ReferencePNG.encode(width: 8, height: 8, colourType: 2, bitDepth: 8) { x, y in [x * 30, y * 30, 100] }
        #expect(throws: Never.self) { try Image(pngData: good, name: "good.png") }

        func reason(_ bytes: [UInt8]) -> String {
            do {
                _ = try Image(pngData: bytes, name: "f.png")
                return "decoded"
            } catch { return "\(error)" }
        }
        #expect(reason(Array(good.prefix(good.count / 2))) == "f.png: file ends early (truncated)")
        #expect(reason(Array("hello, not a picture".utf8)) == "f.png: not a PNG file (its first 8 bytes are not the PNG signature)")
        #expect(reason([]) == "f.png: not a PNG file (its first 8 bytes are not the PNG signature)")
        var badCRC = good
        badCRC[good.count - 14] ^= 0xFF  // IDAT's CRC (the last chunk, IEND, is 12 bytes)
        #expect(reason(badCRC) == "f.png: IDAT: CRC error")
        var badData = good
        badData[good.count - 18] ^= 0xFF  // the zlib stream's Adler-32
        #expect(reason(badData) == "f.png: IDAT: incorrect data check")
        let missing = #expect(throws: ImageError.self) { try Image(contentsOf: "/no/such/dir/x.png") }
        #expect(missing?.description == "/no/such/dir/x.png: no such file")
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("likewise-empty-\(UInt32.random(in: 0...UInt32.max)).jpg").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let nothing = #expect(throws: ImageError.self) { try Image(contentsOf: empty) }
        #expect(nothing?.description == "\(empty): is empty (0 bytes)")
    }

    @Test func whatReadingChangedIsSaidInAFewWords() throws {
        func read(_ colourType: UInt8, _ bitDepth: Int, _ channels: Int) throws -> String? {
            let palette = colourType == 3 ? (0..<4).map(PNGTests.paletteEntry) : []
            let bytes = ReferencePNG.encode(width: 2, height: 2, colourType: colourType, bitDepth: bitDepth, palette: palette) { _, _ in
                Array(repeating: 1, count: channels)
            }
            return try Image(pngData: bytes, name: "t.png").conversion
        }
        #expect(try read(2, 8, 3) == nil, "8-bit RGB is read as it is")
        #expect(try read(0, 8, 1) == "grey, read as RGB")
        #expect(try read(3, 8, 1) == "a palette image, read as RGB")
        #expect(try read(6, 8, 4) == "its transparency dropped (Likewise edits colour only)")
        #expect(try read(4, 16, 2) == "grey, read as RGB; its transparency dropped (Likewise edits colour only); 16 bits a sample, edited at full precision and written at 8")
        let image = try Image(pngData: ReferencePNG.encode(width: 1, height: 1, colourType: 0, bitDepth: 8) { _, _ in [9] }, name: "g.png")
        #expect(Image.conversionNote([("g.png", image)]) == "note: g.png: grey, read as RGB")
        let many = Image.conversionNote(Array(repeating: ("g.png", image), count: 5))
        #expect(many == "note: 5 files read with changes — g.png: grey, read as RGB; g.png: grey, read as RGB; g.png: grey, read as RGB and 2 more")
        #expect(Image.conversionNote([("plain", try Image(width: 1, height: 1))]) == nil)
    }

    @Test func hugeDeclaredSizesAreRefusedBeforeAllocating() throws {
        var header = ReferencePNG.encode(width: 1, height: 1, colourType: 0, bitDepth: 8) { _, _ in [0] }
        // Rewrite IHDR to claim 100000×100000 (with a valid CRC), leaving the 1-pixel data.
        let ihdr = ReferencePNG.chunk("IHDR", ReferencePNG.be32(100_000) + ReferencePNG.be32(100_000) + [8, 0, 0, 0, 0])
        header.replaceSubrange(8..<(8 + ihdr.count), with: ihdr)
        let huge = #expect(throws: ImageError.self) { try Image(pngData: header, name: "huge.png") }
        #expect(huge?.description == "huge.png: 100000×100000 is larger than this build reads (100000000 pixels, 16384 on a side)")
        // Within each side's limit, too many pixels in all: 12000×9000 is 108 megapixels.
        let wide = ReferencePNG.chunk("IHDR", ReferencePNG.be32(12_000) + ReferencePNG.be32(9_000) + [8, 0, 0, 0, 0])
        header.replaceSubrange(8..<(8 + wide.count), with: wide)
        let many = #expect(throws: ImageError.self) { try Image(pngData: header, name: "many.png") }
        #expect(many?.description.contains("12000×9000 is larger than this build reads") == true, "\(String(describing: many))")
    }
}
