import Engine
import Foundation

/// The data commands: built-in tasks, a user's own pairs and images, splits, saving, showing.
extension CommandSet {
    static let taskNames = SyntheticTask.Kind.allCases.map(\.rawValue).joined(separator: ", ")

    public static let data = CommandSet("Data", [
        Command("synth", [
            Parameter(nil, "task", .string, "a built-in task: \(taskNames)"),
            Parameter("count", "count", .integer(1...100_000), default: .number(8), "how many pairs"),
            Parameter("size", "size", .integer(SyntheticTask.sizes), default: .number(64), "width and height in pixels"),
            Parameter("seed", "seed", .seed, default: .null, shown: "the session seed", "which pairs: another seed gives held-out pairs"),
        ], summary: "Pairs of a built-in task, drawn from a seed.",
        doc: SyntheticTask.Kind.allCases.map { "\($0.rawValue): \($0.summary)" }.joined(separator: "\n")) { call, session in
            let task = try SyntheticTask(named: try call.string("task"))
            let seed = call.has("seed") ? try call.integer("seed") : session.seed
            let (count, size) = (try call.integer("count"), try call.integer("size"))
            // Drawn in chunks of about 256 pairs' worth of 64×64 pixels, so that a large request
            // shows progress and stops within a fraction of a second of an interrupt at any size.
            let chunk = max(1, min(256, 256 * 64 * 64 / max(size * size, 1)))
            var pairs: [Pair] = []
            for start in stride(from: 0, to: count, by: chunk) {
                try session.checkInterrupt()
                pairs += try task.pairs(start..<min(start + chunk, count), size: size, seed: UInt64(seed))
                if count > chunk { session.progress("synth: \(pairs.count)/\(count) pairs", id: "synth") }
            }
            return .pairs(pairs)
        },
        Command("loadPairs", [
            Parameter(nil, "folder", .path, "source/ and target/ subfolders, or NAME_src with NAME_tgt (each .png, .jpg or .jpeg)"),
            Parameter("size", "size", .integer(1...Image.maximumSide), default: .null, shown: "each pair's own", "scale and centre-crop every image to size×size"),
        ], summary: "Your own pairs from a folder, each at its own size (a pair's two images must match); every problem in it is reported at once.") { call, session in
            let pairs = try Pair.load(from: try call.string("folder"), size: call.has("size") ? try call.integer("size") : nil,
                                      checkInterrupt: session.checkInterrupt)
            if let note = Pair.conversionNote(pairs) { session.print(note) }
            return .pairs(pairs)
        },
        Command("image", [Parameter(nil, "path", .path, "a PNG or JPEG file")],
                summary: "An image read from a PNG (any colour type and bit depth) or JPEG file (turned as its EXIF orientation says).") { call, session in
            let path = try call.string("path"), image = try Image(contentsOf: path)
            if let note = Image.conversionNote([(path, image)]) { session.print(note) }
            return .image(image)
        },
        Command("crop", [
            Parameter(nil, "image", .image, "the image"),
            Parameter("x", "x", .integer(0...Image.maximumSide), "the region's left column"),
            Parameter("y", "y", .integer(0...Image.maximumSide), "the region's top row"),
            Parameter("width", "width", .integer(1...Image.maximumSide), "the region's width"),
            Parameter("height", "height", .integer(1...Image.maximumSide), "the region's height"),
        ], summary: "A region of an image, at full resolution: to look closely at what an edit kept.") { call, _ in
            let image = try call.image("image")
            do {
                return .image(try image.cropped(x: call.integer("x"), y: call.integer("y"), width: call.integer("width"), height: call.integer("height")))
            } catch let ImageError.invalidSize(reason) {
                throw ScriptError(.value, "crop: \(reason)")
            }
        },
        Command("split", [
            Parameter(nil, "pairs", .pairs, "the pairs to split"),
            Parameter("train", "train", .number, default: .number(0.8), "the training share: a fraction below 1, or a count"),
            Parameter("shuffle", "shuffle", .bool, default: .bool(true), "shuffle the pairs first (false: split them in order)"),
            Parameter("seed", "seed", .seed, default: .null, shown: "the session seed", "the shuffle's seed"),
        ], summary: "Pairs split into .train and .test, shuffled by the session seed first (shuffle: false keeps their order).",
        doc: "Pairs are usually named by where they came from (the crops of one photograph side by side): split in order,\nthe held-out pairs would all be of the last photographs, and training would see none of them.") { call, session in
            var pairs = try call.pairs("pairs")
            if try call.bool("shuffle") {
                var rng = RandomGenerator(seed: UInt64(call.has("seed") ? try call.integer("seed") : session.seed))
                pairs.shuffle(using: &rng)
            }
            let share = try call.number("train")
            guard share >= 0, share <= Double(pairs.count), share < 1 || share == share.rounded() else {
                throw ScriptError(.value, "split: train must be a fraction below 1 or a whole count up to \(pairs.count), got \(Value.format(share))")
            }
            let count = share < 1 ? Int((share * Double(pairs.count)).rounded()) : Int(share)
            return .record([("train", .pairs(Array(pairs[..<count]))), ("test", .pairs(Array(pairs[count...])))])
        },
        Command("save", [
            Parameter(nil, "value", .any, "an image, a pair or pairs (saved as their grid), a tuning (its edit at the image's own size), or a model"),
            Parameter(nil, "path", .path, "where to write it: .png, or .jpg or .jpeg for a JPEG (a model: its safetensors file); written atomically"),
            Parameter("quality", "quality", .integer(1...100), default: .null, shown: String(Image.defaultJPEGQuality), "a JPEG's quality"),
        ], summary: "Writes a picture to a PNG or JPEG file (by its extension), or a model to its safetensors file, making its folder if need be.") { call, session in
            let path = try call.string("path")
            func makeFolder() throws {
                let folder = (path as NSString).deletingLastPathComponent
                guard !folder.isEmpty else { return }
                do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                    throw ScriptError(.io, "save: cannot make the folder \(folder) for \(path): \(error.localizedDescription)")
                }
            }
            if case let .object(model as EffectModel) = call.value("value") {
                try makeFolder()
                try model.editor.save(to: path)
                return .null
            }
            let format = ImageFormat(extensionOf: path)
            guard let format else {
                throw ScriptError(.value, "save: \(path) names neither a PNG nor a JPEG: end it in .png, .jpg or .jpeg (a Model is saved to .safetensors)")
            }
            if call.has("quality"), format != .jpeg { throw ScriptError(.value, "save: quality is a JPEG's, and \(path) is a PNG") }
            let image: Image
            if case let .image(given) = call.value("value") {
                image = given  // the pixels themselves, not the enlarged display
            } else if case let .object(tuning as Tuning) = call.value("value") {
                image = try tuning.fullSizeImage()  // not the picture drawn for the sliders
            } else if let shown = try Presentation.bundle(for: call.value("value"), commands: session.commands)?.png {
                image = try Image(pngData: shown, name: "the picture of \(call.value("value").typeName)")
            } else {
                throw ScriptError(.type, "save: \(call.value("value").typeName) is not a picture; save takes an Image, a Pair, Pairs, a Tuning or a Model")
            }
            try makeFolder()
            do {
                try image.write(to: path, jpegQuality: call.has("quality") ? call.integer("quality") : Image.defaultJPEGQuality)
            } catch let error as ImageError {
                throw ScriptError(.io, "save: \(error)")
            }
            return .null
        },
        Command("show", variadic: true, summary: "Displays each value now, anywhere in a cell; several images side by side, as one picture.") { call, session in
            let images = call.rest.compactMap { value -> Image? in if case let .image(image) = value { return image } else { return nil } }
            if images.count > 1, images.count == call.rest.count {
                try session.show(.image(Figure.strip(images)))
            } else {
                for value in call.rest { try session.show(value) }
            }
            return .null
        },
        Command("plot", [
            Parameter("x", "x", .array, default: .null, shown: "0, 1, 2, …", "the x of the points, shared by every series"),
            Parameter("labels", "labels", .array, default: .null, "a name for each series, shown in the legend"),
            Parameter("title", "title", .string, default: .string(""), "above the plot"),
            Parameter("xLabel", "xLabel", .string, default: .string(""), "under the x axis"),
            Parameter("yLabel", "yLabel", .string, default: .string(""), "beside the y axis"),
            Parameter("logY", "logY", .bool, default: .bool(false), "a logarithmic y axis"),
        ], variadic: true, summary: "A line plot of one or more Arrays of numbers (a nil is a gap).") { call, _ in
            func numbers(_ value: Value, _ what: String) throws -> [Double] {
                guard case let .array(items) = value else { throw ScriptError(.type, "plot: \(what) must be an Array of numbers, got \(value.typeName)") }
                return try items.enumerated().map { k, item in
                    switch item {
                    case let .number(v): return v
                    case .null: return .nan
                    default: throw ScriptError(.type, "plot: \(what)[\(k)] must be a number, got \(item.typeName)")
                    }
                }
            }
            guard !call.rest.isEmpty else { throw ScriptError(.argument, "plot: give at least one series, an Array of numbers") }
            let series = try call.rest.enumerated().map { try numbers($0.element, "series \($0.offset + 1)") }
            var labels = series.indices.map { "series \($0 + 1)" }
            if case let .array(names) = call.value("labels") {
                guard names.count == series.count else { throw ScriptError(.value, "plot: \(series.count) series but \(names.count) labels") }
                labels = names.map { if case let .string(s) = $0 { return s } else { return $0.summary } }
            }
            let x: [Double]? = call.has("x") ? try numbers(call.value("x"), "x") : nil
            if let x, let wrong = series.firstIndex(where: { $0.count != x.count }) {
                throw ScriptError(.value, "plot: series \(wrong + 1) has \(series[wrong].count) numbers but x has \(x.count)")
            }
            let lines = zip(labels, series).map { label, ys in
                LinePlot.Series(label, points: ys.indices.map { (x: x?[$0] ?? Double($0), y: ys[$0]) })
            }
            return .image(try LinePlot(lines, title: try call.string("title"), xLabel: try call.string("xLabel"),
                                       yLabel: try call.string("yLabel"), logY: try call.bool("logY")).render())
        },
        Command("grid", [
            Parameter(nil, "items", .any, "Pairs (sources above targets) or an Array of images"),
            Parameter("columns", "columns", .integer(1...64), default: .number(8), "how many a row"),
        ], summary: "A picture of pairs or images in a grid with captions.") { call, _ in
            let columns = try call.integer("columns")
            switch call.value("items") {
            case let .pairs(p) where !p.isEmpty: return .image(try Figure.pairGrid(p, columns: columns))
            case let .pair(p): return .image(try Figure.pairGrid([p]))
            case let .array(items) where !items.isEmpty:
                let images = try items.map { item -> Image in
                    guard case let .image(i) = item else { throw ScriptError(.type, "grid: every item must be an Image, got \(item.typeName)") }
                    return i
                }
                let rows = stride(from: 0, to: images.count, by: columns).map { start in
                    images[start..<min(start + columns, images.count)].enumerated().map { Figure.Tile($0.element, title: "\(start + $0.offset)") }
                }
                return .image(try Figure.layout(rows))
            default:
                throw ScriptError(.type, "grid: needs Pairs or an Array of images, got \(call.value("items").described)")
            }
        },
    ])
}
