@testable import Engine
import Foundation
import TestSupport
import Testing

/// JPEG through libjpeg-turbo: files written by another encoder (the test venv's Pillow) in every
/// form a camera or an editor makes — baseline, progressive, grey, CMYK, each EXIF orientation,
/// an ICC profile — read as Pillow reads them; Likewise's own files read back; damaged, oversized
/// and mutated files refused by name, never a crash.
@Suite(.hangLimit)
struct JPEGTests {
    static let python = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.venv/bin/python").standardized.path

    /// A 7×4 picture: no two pixels alike and no symmetry, so a wrong turn or flip cannot pass.
    static let picture: Image = {
        var pixels: [Float] = []
        for y in 0..<4 { for x in 0..<7 { pixels += [Float(x) / 6, Float(y) / 3, Float((x * 5 + y * 3) % 7) / 6] } }
        return try! Image(width: 7, height: 4, pixels: pixels)  // fixed, valid: a test fixture
    }()

    /// Runs Pillow on `script` in `folder` (the picture's bytes are in folder/picture.rgb); the
    /// script writes the files the test reads, and the pixels Pillow itself decodes from each.
    static func pillow(_ script: String, in folder: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: python), "\(python) is missing: scripts/python-venv.sh makes it (make test runs it first)")
        try Data(picture.eightBitSamples()).write(to: URL(fileURLWithPath: folder + "/picture.rgb"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import io, os, sys\nfrom PIL import Image, ImageOps\nos.chdir(sys.argv[1])\n"
            + "picture = Image.frombytes('RGB', (7, 4), open('picture.rgb', 'rb').read()).resize((70, 40), Image.NEAREST)\n" + script, folder]
        let output = Pipe()
        (process.standardOutput, process.standardError) = (output, output)
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "Pillow: \(text)")
    }

    func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("likewise-jpeg-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The largest difference between two images of one size, in 8-bit steps.
    func largestStep(_ a: Image, _ b: Image) -> Float {
        zip(a.pixels, b.pixels).map { abs($0 - $1) * 255 }.max() ?? .infinity
    }

    @Test func everyOrientationStandsAsPillowTurnsIt() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try JPEGTests.pillow("""
            for o in range(1, 9):
                exif = Image.Exif()
                exif[0x0112] = o
                picture.save(f'o{o}.jpg', quality=95, exif=exif)
                ImageOps.exif_transpose(Image.open(f'o{o}.jpg')).convert('RGB').save(f'o{o}.png')
            """, in: dir)
        for o in 1...8 {
            let file = try Image.decodeJPEG([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/o\(o).jpg"))), name: "o\(o).jpg")
            let pillow = try Image(contentsOf: "\(dir)/o\(o).png")
            #expect(file.orientation == o)
            #expect((file.image.width, file.image.height) == (pillow.width, pillow.height), "orientation \(o)")
            // The same libjpeg-turbo decode on both sides: equal, or a step apart where the IDCTs round differently.
            #expect(file.image.width == pillow.width && largestStep(file.image, pillow) <= 1, "orientation \(o)")
        }
    }

    @Test func baselineProgressiveGreyAndAProfileReadAsPillowReadsThem() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try JPEGTests.pillow("""
            picture.save('baseline.jpg', quality=90)
            picture.save('progressive.jpg', quality=90, progressive=True)
            picture.convert('L').save('grey.jpg', quality=90)
            picture.save('profile.jpg', quality=90, icc_profile=bytes(range(256)) * 9)
            for name in ['baseline', 'progressive', 'grey', 'profile']:
                Image.open(name + '.jpg').convert('RGB').save(name + '.png')
            picture.convert('CMYK').save('cmyk.jpg')
            """, in: dir)
        for (name, components, progressive) in [("baseline", 3, false), ("progressive", 3, true), ("grey", 1, false), ("profile", 3, false)] {
            let file = try Image.decodeJPEG([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name).jpg"))), name: name)
            let pillow = try Image(contentsOf: "\(dir)/\(name).png")
            #expect(file.components == components && file.progressive == progressive, "\(name)")
            #expect(largestStep(file.image, pillow) <= 1, "\(name)")
            #expect(file.iccProfile == (name == "profile" ? Array((0..<9).flatMap { _ in (0...255).map(UInt8.init) }) : nil), "\(name)")
        }
        // A grey JPEG is read as RGB with the three channels equal.
        let grey = try Image(contentsOf: "\(dir)/grey.jpg")
        let colour = try Image(contentsOf: "\(dir)/baseline.jpg")
        #expect(grey.conversion == "grey, read as RGB" && colour.conversion == nil)
        let greyPixels = grey.pixels
        let unequal = stride(from: 0, to: greyPixels.count, by: 3).filter { (p: Int) -> Bool in
            greyPixels[p] != greyPixels[p + 1] || greyPixels[p] != greyPixels[p + 2]
        }
        #expect(unequal.isEmpty)
        let cmyk = #expect(throws: ImageError.self) { try Image(contentsOf: "\(dir)/cmyk.jpg") }
        #expect(cmyk?.description == "\(dir)/cmyk.jpg: a CMYK JPEG: Likewise reads colour (YCbCr, RGB) and grey JPEGs; convert it to RGB first")
    }

    @Test func aColourProfileTravelsBetweenJPEGAndPNGAsPillowReadsIt() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try JPEGTests.pillow("""
            from PIL import ImageCms
            profile = ImageCms.ImageCmsProfile(ImageCms.createProfile('sRGB')).tobytes()
            open('profile.icc', 'wb').write(profile)
            picture.save('profile.png', icc_profile=profile)
            picture.save('profile.jpg', quality=90, icc_profile=profile)
            """, in: dir)
        let profile = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/profile.icc")))
        for name in ["profile.png", "profile.jpg"] {
            let image = try Image(contentsOf: "\(dir)/\(name)")
            #expect(image.colourProfile == profile, "\(name)")
            // Written in either format, edited or not, the profile goes with it.
            try image.resized(width: 9, height: 5).write(to: "\(dir)/from-\(name).png")
            try image.write(to: "\(dir)/from-\(name).jpg")
        }
        try JPEGTests.pillow("""
            profile = open('profile.icc', 'rb').read()
            for name in ['from-profile.png.png', 'from-profile.png.jpg', 'from-profile.jpg.png', 'from-profile.jpg.jpg']:
                assert Image.open(name).info.get('icc_profile') == profile, name
            """, in: dir)
        // An image without a profile writes none, and one libpng finds malformed is left out, the image still written.
        try #require(try Image(contentsOf: "\(dir)/from-profile.png.png").colourProfile == profile)
        var plain = try Image(width: 3, height: 2)
        #expect(try Image(pngData: plain.pngData(), name: "plain").colourProfile == nil)
        plain.colourProfile = [1, 2, 3]
        #expect(try Image(pngData: plain.pngData(), name: "malformed").colourProfile == nil)
    }

    @Test func likewiseReadsBackWhatItWritesWithItsProfile() throws {
        var rng = RandomGenerator(seed: 3)
        // Smooth, as photos are: JPEG's loss is small there.
        let smooth = try Image(width: 61, height: 37, pixels: (0..<(61 * 37)).flatMap { p -> [Float] in
            let (x, y) = (Float(p % 61) / 60, Float(p / 61) / 36)
            return [x, y, (x + y) / 2 + rng.nextUnit() * 0.01]
        })
        let profile: [UInt8] = (0..<70_000).map { UInt8($0 % 251) }  // longer than one marker: split and joined again
        let file = try Image.decodeJPEG(smooth.jpegData(quality: 92, iccProfile: profile), name: "mine.jpg")
        #expect((file.image.width, file.image.height, file.components, file.progressive) == (61, 37, 3, false))
        #expect(file.iccProfile == profile)
        #expect(try Metrics.psnr(file.image, smooth) > 38)
        let coarse = try Image.decodeJPEG(smooth.jpegData(quality: 10), name: "coarse.jpg")
        #expect(try Metrics.psnr(coarse.image, smooth) < Metrics.psnr(file.image, smooth))
        #expect(throws: ImageError.self) { try smooth.jpegData(quality: 0) }
        // The extension picks the format, in any case; reading goes by the content.
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["a.JPG", "b.jpeg", "c.png", "d.out"] { try smooth.write(to: "\(dir)/\(name)") }
        func head(_ name: String) throws -> [UInt8] { Array([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)"))).prefix(2)) }
        #expect(try head("a.JPG") == [0xFF, 0xD8] && head("b.jpeg") == [0xFF, 0xD8] && head("c.png") == [0x89, 0x50] && head("d.out") == [0x89, 0x50])
        try FileManager.default.moveItem(atPath: "\(dir)/a.JPG", toPath: "\(dir)/named-wrongly.png")
        #expect(try Image(contentsOf: "\(dir)/named-wrongly.png").width == 61)
    }

    @Test func damagedOversizedAndForeignFilesAreRefusedByName() throws {
        let good = try JPEGTests.picture.jpegData()
        func reason(_ bytes: [UInt8], _ name: String = "f.jpg") -> String? {
            (#expect(throws: ImageError.self) { _ = try Image.decodeJPEG(bytes, name: name) })?.description
        }
        // Cut in its headers, or in its pixels (libjpeg would fill the rest with grey).
        #expect(reason(Array(good.prefix(good.count / 2))) == "f.jpg: damaged or of a kind libjpeg does not read: Invalid JPEG file structure: missing SOS marker")
        var rng = RandomGenerator(seed: 8)
        let photo = try Image(width: 64, height: 48, pixels: (0..<(64 * 48 * 3)).map { _ in rng.nextUnit() }).jpegData()
        #expect(reason(Array(photo.prefix(photo.count * 2 / 3))) == "f.jpg: damaged: Premature end of JPEG file")
        #expect(reason(Array("hello".utf8)) == "f.jpg: not a JPEG file (it does not start with the JPEG marker FF D8 FF)")
        #expect(reason([]) == "f.jpg: not a JPEG file (it does not start with the JPEG marker FF D8 FF)")
        // A header claiming 30000×30000 is refused from the header, before any pixel memory.
        var huge = good
        let sof = try #require((0..<(huge.count - 8)).first { huge[$0] == 0xFF && huge[$0 + 1] == 0xC0 })
        huge.replaceSubrange((sof + 5)..<(sof + 9), with: [0x75, 0x30, 0x75, 0x30])
        #expect(reason(huge) == "f.jpg: 30000×30000 is larger than this build reads (100000000 pixels, 16384 on a side)")
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: "\(dir)/notes.txt"))
        let foreign = #expect(throws: ImageError.self) { try Image(contentsOf: "\(dir)/notes.txt") }
        #expect(foreign?.description == "\(dir)/notes.txt: neither a PNG nor a JPEG file (Likewise reads and writes PNG and JPEG (.png, .jpg, .jpeg))")
    }

    @Test func mutantsNeverCrashTheDecoder() throws {
        let seed = Fuzzing.seed(default: 13)
        let watchdog = Watchdog("JPEG fuzzer", seed: seed)
        defer { watchdog.finish() }
        var rng = RandomGenerator(seed: seed)
        func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }
        let photo = try Image(width: 19, height: 11, pixels: (0..<(19 * 11 * 3)).map { _ in rng.nextUnit() })
        let seeds = [try photo.jpegData(quality: 92), try photo.jpegData(quality: 30, iccProfile: Array(repeating: 7, count: 300)),
                     try JPEGTests.picture.jpegData()]
        var (decoded, refused) = (0, 0)
        for iteration in 0..<3000 {
            watchdog.beat(iteration)
            var bytes = rng.pick(seeds)
            for _ in 0..<(1 + below(4)) {
                switch below(6) {
                case 0, 1: bytes[2 + below(bytes.count - 2)] ^= UInt8(1 << below(8))  // a bit anywhere past the start marker
                case 2: bytes[2 + below(min(bytes.count - 2, 200))] = UInt8(below(256))  // a byte in the headers
                case 3: bytes = Array(bytes.prefix(3 + below(bytes.count)))  // truncated
                case 4: bytes.insert(contentsOf: [0xFF, UInt8(0xC0 + below(64))] + (0..<below(20)).map { _ in UInt8(below(256)) }, at: 2 + below(bytes.count - 2))
                default: bytes.removeSubrange({ let a = 2 + below(bytes.count - 2); return a..<min(bytes.count, a + 1 + below(30)) }())
                }
                if bytes.count < 4 { bytes = rng.pick(seeds) }
            }
            do {
                _ = try Image.decodeJPEG(bytes, name: "m.jpg")
                decoded += 1
            } catch let error as ImageError {
                #expect(error.description.hasPrefix("m.jpg: "), "iteration \(iteration) (seed \(seed)): \(error)")
                refused += 1
            }
        }
        print("JPEG fuzzer: \(decoded) decoded, \(refused) refused")
        #expect(decoded > 100 && refused > 1000, "\(decoded) decoded, \(refused) refused (seed \(seed))")
    }
}
