import ArgumentParser
import Engine
import Foundation
import Models

/// A one-line progress report on stderr, rewritten in place on a terminal.

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train an effect from before/after pairs and save it.",
        discussion: """
        The pairs come from a built-in task (--task) or a folder of your own (--data: source/ and \
        target/ subfolders, or NAME_src with NAME_tgt; PNG or JPEG; each pair at its own size). The \
        networks work at --size (default: the preset's), every pair fitted to it by --view; an applied \
        edit comes back at its image's own size by --lift. The effect is saved whole — weights, \
        optimiser state, the training pairs — as one safetensors file that `likewise apply` uses.
        Examples:
          likewise train --task blue_eyes --pairs 20 --out blue_eyes.safetensors
          likewise train --data photos/ --steps 2000 --out mine.safetensors
          likewise train --task old --diffusion --out old.safetensors

        --diffusion adds the diffusion refiner, trained with the regression head: a denoiser of what \
        the head misses, sampled by DDIM when the effect is applied (likewise apply --steps).
        With --flow it trains the flow network of the transformation estimator instead, supervised \
        by the built-in tasks' true displacements, and saves its weights alone — how the weights \
        shipped in Sources/Models/Resources/flow.safetensors were made:
          likewise train --flow --steps 4000 \\
            --out Sources/Models/Resources/flow.safetensors
        """
    )

    @Option(help: "A built-in task to draw the pairs from.") var task: String?
    @Option(help: "A folder of your own pairs.") var data: String?
    @Option(help: "Pairs to draw from --task.") var pairs = 20
    @Option(help: "Preset: tiny, small or base.") var preset = "small"
    @Option(help: "Working size: the side of the square the networks see every image at, a multiple of 16 from 32 to 256 (default: the preset's).") var size: Int?
    @Option(help: "How the networks see an image of any aspect: squeeze (scaled whole to the square) or pad (its aspect kept, the rest of the square its edges repeated).") var view = EditorDesign.defaultView.rawValue
    @Option(help: "How an edit comes back at its image's own size: \(Lift.names.joined(separator: ", ")).") var lift = EditorDesign.defaultLift.rawValue
    @Option(help: "Pairing: auto (first trains structural, implicit and one2one on your pairs but a fifth held out, the better two going on to 3× the steps — 85 then 255 for small, 30 % of the preset's steps in all — and keeps the best where the edit is on the held-out pairs), or one of \(Pairing.names).") var pairing = "auto"
    @Option(help: "With --pairing auto, the seconds its choice of the pairing may take: the first round trains the steps that fit.") var autoBudget: Double?
    @Option(help: "Training steps (default: the preset's).") var steps: Int?
    @Option(help: "Seed of the drawn pairs and the weights.") var seed: UInt64 = 1
    @Option(help: "Where to save the effect.") var out: String
    @Option(help: "The flow estimator of a structural effect: \(FlowMethod.names.joined(separator: " or ")).") var flowEstimator = FlowMethod.learned.rawValue
    @Option(help: "First refine the learned flow without labels on the pairs' sources for this many steps.") var refineFlow = 0
    @Flag(help: "Add the diffusion refiner (a denoiser of the head's residual, sampled by DDIM).") var diffusion = false
    @Flag(help: "Train Mx's flow network with the head, end to end (n-to-n pairings; with auto, when it chooses one).") var endToEnd = false
    @Flag(help: "Give the head Mx's flow and colour maps as input channels too (n-to-n pairings; with auto, when it chooses one).") var transformChannels = false
    @Flag(help: "Train the flow network on the built-in tasks instead of an effect.") var flow = false

    func validate() throws {
        if flow {
            guard task == nil, data == nil else { throw ValidationError("--flow trains on every built-in task: give neither --task nor --data") }
        } else {
            guard (task == nil) != (data == nil) else { throw ValidationError("give one of --task and --data") }
        }
        guard (2...10_000).contains(pairs) else { throw ValidationError("--pairs must be 2…10000, got \(pairs)") }
        if let steps { guard (0...1_000_000).contains(steps) else { throw ValidationError("--steps must be 0…1000000, got \(steps)") } }
        do { _ = try design() } catch { throw ValidationError("\(error)") }
    }

    /// The effect's design, from the options (checked: see `EditorDesign`).
    func design() throws -> EditorDesign {
        try EditorDesign(preset: EditorPreset.named(preset), size: size, view: WorkingView(named: view), lift: Lift(named: lift), pairing: PairingRequest(named: pairing),
                         diffusion: diffusion, seed: seed,
                         flow: FlowMethod(named: flowEstimator), flowRefinement: refineFlow, endToEnd: endToEnd,
                         transformChannels: transformChannels)
    }

    func run() throws {
        if flow { return try trainFlow() }
        let progress = ProgressLine()
        let design = try design(), settings = design.preset
        let training = try task.map { try SyntheticTask(named: $0).pairs(count: pairs, size: design.size, seed: seed) }
            ?? Pair.load(from: data ?? "")
        if let note = Pair.conversionNote(training) { progress.show(note, done: true) }
        let editor = try Editor.build(pairs: training, design: design, autoBudget: autoBudget, say: { progress.show($0, done: true) },
                                      progress: { progress.show($0) })
        let total = steps ?? settings.steps
        try editor.train(until: total, progress: { p in
            progress.show(String(format: "step %d/%d  loss %.4f  %.1f steps/s  %.0f s left", p.step, p.totalSteps, p.loss, p.stepsPerSecond,
                          p.secondsRemaining), done: p.step == total)
        })
        try editor.save(to: out)
        print("saved \(out): \(training.count) pairs, \(editor.design.summary), preset \(settings.name)\(design.size == settings.size ? "" : " at \(design.size) px"), \(editor.trainer.step) steps")
    }

    /// The flow network, supervised on sources of every built-in task at the preset's size (a
    /// pool of 400 a task from seed 101 + --seed; `likewise bench flow` measures on seed 777).
    func trainFlow() throws {
        let progress = ProgressLine()
        let settings = try EditorPreset.named(preset)
        let total = steps ?? 4000
        progress.show("drawing the training sources", done: false)
        let set = try FlowTrainingSet(count: 400, size: settings.size, seed: 100 + seed)
        let network = try FlowNetwork(seed: seed)
        let trainer = try network.pretrain(on: set, steps: total, seed: seed, progress: { p in
            progress.show(String(format: "step %d/%d  loss %.4f  %.1f steps/s  %.0f s left", p.step, p.totalSteps, p.loss, p.stepsPerSecond,
                          p.secondsRemaining), done: p.step == total)
        })
        let tail = trainer.losses.suffix(100)
        try network.save(to: out, metadata: ["flow.steps": String(total), "flow.size": String(settings.size), "flow.seed": String(seed),
                                             "flow.command": "likewise train --flow --steps \(total) --preset \(settings.name) --seed \(seed)"])
        print(String(format: "saved %@: flow network, %d steps at %d px, mean loss of the last %d steps %.4f", out, total, settings.size,
                     tail.count, tail.reduce(0, +) / Float(max(tail.count, 1))))
    }
}

struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a saved effect to every image (PNG or JPEG) in a folder.",
        discussion: """
        Writes OUT_DIR/NAME for each IN_DIR/NAME, in the same format (a JPEG at quality 92), at its \
        own size: the effect's networks edit the image fitted to their working size, and the \
        effect's lift brings the edit back at full resolution; a JPEG or PNG keeps its colour profile. \
        With --recursive, the images of every subfolder too, into the same tree under OUT_DIR \
        (which may not lie inside IN_DIR then).
        Files already in OUT_DIR are skipped, so an interrupted run (Ctrl-C stops it after the file \
        it is writing) resumes — if this effect wrote \
        them at these settings (OUT_DIR/.likewise-apply records each run): another effect's edits, \
        or edits at other --refs/--steps/--eta/--seed, are refused unless --overwrite. Files that \
        cannot be read, and files of another format (.heic, .tif, …), are listed at the end, and \
        the exit status is then 1.
        An effect trained with --diffusion samples each edit with --steps DDIM steps (default 10; 0 \
        gives its regression head's output), --eta and --seed (one seed, the same images bit for bit).
        Example:
          likewise apply blue_eyes.safetensors photos/ edited/ --refs 3
          likewise apply grade.safetensors ~/Pictures/2026/ graded/ --recursive
        """
    )

    @Argument(help: "The effect saved by likewise train.") var effect: String
    @Argument(help: "The folder of images to edit.") var input: String
    @Argument(help: "Where to write the edited images.") var output: String
    @Option(help: "Reference pairs fused per edit (n-to-n effects: structural, implicit, combined; default 1, or 4 with --confidence).") var refs: Int?
    @Option(help: "DDIM steps of an effect with diffusion (default: 10; 0: its regression head alone).") var steps: Int?
    @Option(help: "DDIM's eta (0: deterministic).") var eta = 0.0
    @Option(help: "Seed of the sampling noise.") var seed: UInt64 = 0
    @Flag(help: "Edit the images of every subfolder too, keeping the folder tree.") var recursive = false
    @Flag(help: "Edit every image again, replacing the files already in OUT_DIR (without it, OUT_DIR must hold this effect's edits at these settings, or nothing).") var overwrite = false
    @Option(help: "Also write a confidence map of each edit into this folder, named as the edit: where the --refs references' predictions disagree (black: they agree; pale yellow: by 0.1 or more). n-to-n effects (structural, implicit, combined), --refs 2 or more (4 unless given); the least sure images are listed at the end.") var confidence: String?

    /// --refs, or its default: one reference, or as many as `confidence` compares.
    var references: Int { refs ?? (confidence == nil ? 1 : Editor.confidenceReferences) }

    func validate() throws {
        guard Editor.referenceCounts.contains(references) else {
            throw ValidationError("--refs must be \(Editor.referenceCounts.lowerBound)…\(Editor.referenceCounts.upperBound), got \(references)")
        }
        // Checked again against the effect once it is loaded (steps need diffusion).
        do { _ = try Sampling(steps: steps ?? 0, eta: eta, seed: seed) } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        let progress = ProgressLine()
        let editor = try Editor.load(from: effect)
        for warning in editor.loadWarnings { FileHandle.standardError.write(Data("warning: \(effect): \(warning)\n".utf8)) }
        let sampling: Sampling
        do { sampling = try editor.sampling(steps: steps, eta: eta, seed: seed) } catch { throw ValidationError("\(effect): \(error)") }
        // A folder's problem (missing, empty, another effect's edits) is the run's failure, exit
        // status 1 — not a usage error with the usage printed after it.
        let job = FolderEdit(input: input, output: output, references: references, sampling: sampling, recursive: recursive, overwrite: overwrite,
                             confidence: confidence)
        CommandInterrupt.install()
        let report: FolderEdit.Report
        do {
            report = try job.run(with: editor, checkInterrupt: CommandInterrupt.check, progress: { progress.show($0.description) })
        } catch is CommandInterrupt.Requested {
            progress.show("apply: interrupted; every file written is whole, and the same command resumes where it stopped", done: true)
            throw ExitCode(130)
        }
        progress.show("apply: \(report.edited) edited, \(report.skipped) already done, \(report.failures.count) unreadable", done: true)
        for note in report.notes { FileHandle.standardError.write(Data((note + "\n").utf8)) }
        guard report.failures.isEmpty else {
            FileHandle.standardError.write(Data(ImageFolder.listing("could not edit:", report.failures).utf8))
            throw ExitCode(1)
        }
    }
}
