import ArgumentParser
import Engine
import Foundation
import Models

struct ApplyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Seconds to edit a photo of 1, 12 and 24 megapixels at its own size, part by part, beside reading and writing it.",
        discussion: """
        A structural editor of --preset (trained a few steps: the time does not depend on the \
        weights) edits a photo-like JPEG (a drawn scene with sensor-like noise, quality 92) of \
        1155×866, 4000×3000 and 6000×4000. Each line gives the fastest of --runs: decoding the \
        JPEG, scaling the photo to the working size, the networks' edit there, the lift back to \
        the photo's size (--lift), the whole edit (the three together, as `apply` does it), and \
        encoding the result — decode and encode are libjpeg-turbo's work with the conversion to \
        and from floats, the floor any editor pays. `edit_over_codec` is the whole edit over \
        decode + encode (the aim: at most 1), and `peak_mib` the process's peak resident memory \
        while that photo was edited. A last line gives 24 MP's edit over 12 MP's (linear: 2).
        Build with `swift build -c release` first.
        """
    )

    @Option(help: "Timed runs of each part (the fastest is kept).") var runs = 3
    @Option(help: "Preset of the editor: tiny, small or base.") var preset = "small"
    @Option(help: "The lift: \(Lift.names.joined(separator: ", ")).") var lift = EditorDesign.defaultLift.rawValue

    func run() throws {
        let design = try EditorDesign(preset: EditorPreset.named(preset), lift: Lift(named: lift), pairing: .structural, seed: 1)
        let task = SyntheticTask(.dayToNight)
        let editor = try Editor(pairs: task.pairs(count: 8, size: design.size, seed: 1), design: design)
        try editor.train(until: 2)
        var rng = RandomGenerator(seed: 5)
        let scene = try task.pair(index: 99, size: 1024, seed: 1).source
        var edits: [Int: Double] = [:]
        for (width, height) in [(1155, 866), (4000, 3000), (6000, 4000)] {
            var photo = try scene.resized(width: width, height: height)
            for i in photo.pixels.indices { photo.pixels[i] = min(max(photo.pixels[i] + (rng.nextUnit() - 0.5) * 0.04, 0), 1) }
            let file = try photo.jpegData(quality: Image.defaultJPEGQuality)
            photo = try Image.decodeJPEG(file, name: "photo").image  // what apply reads
            ResidentMemory.resetPeak()
            let decode = try fastestSeconds(runs: runs) { _ = try Image.decodeJPEG(file, name: "photo") }
            var low = photo, networksEdit = photo, edited = photo
            let scale = try fastestSeconds(runs: runs) { low = try photo.resized(width: design.size, height: design.size) }
            let networks = try fastestSeconds(runs: runs) { networksEdit = try editor.edit(low).image }
            let lifting = try fastestSeconds(runs: runs) { _ = try design.lift.lifted(networksEdit, of: low, to: photo) }
            let whole = try fastestSeconds(runs: runs) { edited = try editor.edit(photo).image }
            let encode = try fastestSeconds(runs: runs) { _ = try edited.jpegData(quality: Image.defaultJPEGQuality) }
            let megapixels = Double(width * height) / 1e6
            edits[width * height] = whole
            var fields: [(String, Any)] = [
                ("op", "apply"), ("megapixels", megapixels), ("width", width), ("height", height), ("preset", design.preset.name),
                ("lift", design.lift.rawValue), ("threads", Threads.count), ("decode_seconds", decode), ("scale_seconds", scale),
                ("networks_seconds", networks), ("lift_seconds", lifting), ("edit_seconds", whole), ("encode_seconds", encode),
                ("edit_over_codec", whole / (decode + encode)),
            ]
            if let memory = ResidentMemory.read() { fields.append(("peak_mib", memory.peak)) }
            if width * height == 12_000_000 { fields += [("target_edit_seconds", 1.0), ("target_peak_mib", 1024.0)] }
            emit(fields)
        }
        if let twelve = edits[12_000_000], let twentyFour = edits[24_000_000] {
            emit([("op", "apply_scaling"), ("edit_24mp_over_12mp", twentyFour / twelve), ("target", 2.1)])
        }
    }
}
