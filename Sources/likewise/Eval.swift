import ArgumentParser
import Engine
import Foundation
import Models

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train each method on the same pairs and score them on held-out pairs.",
        discussion: """
        Rows: identity (the source returned unchanged), n2n (the n-to-n editor, --pairing structural \
        or implicit), one2one (the same head trained directly as a correction of x) and pix2pix (the \
        same U-Net regressing y from x with no residual) on the same --pairs pairs with the same \
        steps, and pix2pix on --large pairs (the baseline with far more data; 0 skips it). Held-out \
        pairs come from a seed training never sees. Each row has whole-image PSNR and SSIM, and \
        edit_psnr: PSNR over the pixels the edit changes (truth differs from source by more than \
        0.02, dilated 2 px), with edit_cover, that region's share — whole-image PSNR cannot tell a \
        small edit from none. Prints a table; --json writes the rows, --png a picture of a few \
        held-out examples as each method edits them. The pairs come from a built-in --task or from \
        --data DIR (your own pairs: --pairs of them, drawn by --seed, train; the rest are held out).
        Every method gets the same --steps, or the same wall-clock --budget in seconds (the default:
        240 s a method, which keeps a task's rows under 20 minutes on 2 cores).
        n2n's transformation estimator is the learned flow network with a colour grid \
        (--flow-estimator horn-schunck: the classical one). With --diffusion, n2n is trained with the \
        diffusion refiner and scored twice: its regression head alone ("diffusion": false) and \
        sampled with --sample-steps DDIM steps ("diffusion": true). Every row also has sharpness:
        the output's spectral energy above a quarter of the sampling rate over the truth's (1 is \
        the truth's detail; regression's blur shows below 1). With --vae, two VAEs are trained on \
        n2n's cases for as many steps as n2n had — with skip images (x_j and the nearest training \
        pair's target carried onto it) and without — and their held-out reconstructions of the \
        targets are scored: rows "vae" and "vae-noskip", the ceiling of any editor working in such \
        a latent; --vae-ablations adds the skip VAE without its noise injection ("vae-nonoise") and \
        without its frequency loss ("vae-nofrequency"). With --full-size N, a task's held-out pairs \
        are also drawn at N px (the same scenes, exact truth) and every method is scored there too, \
        its edits brought back from the working size by each lift (rows with "size" and "lift"), \
        beside "colour-fit": a global quadratic RGB polynomial least-squares fitted on the training \
        pairs, a photographer's preset; outside_psnr is the PSNR where the edit changes nothing.
        With --data, the held-out pairs are scored so too, each at its own size ("size": 0).
        One run's numbers move by up to 1.5 dB: --seeds N repeats the whole evaluation for N \
        seeds (each its own training pairs, weights and held-out draw), then prints every row as \
        mean ± standard deviation and each difference between methods where the edit is, paired \
        by seed, with its 95 % interval — "real" when the interval leaves out zero; --json adds \
        them as "summary".
        Build with `swift build -c release` first.
        """
    )

    @Option(help: "Built-in task: \(SyntheticTask.Kind.allCases.map(\.rawValue).joined(separator: ", ")).") var task: String?
    @Option(help: "A folder of your own pairs instead of a task.") var data: String?
    @Option(help: "Training pairs.") var pairs = 20
    @Option(help: "Held-out pairs.") var heldout = 200
    @Option(help: "Also score a task's held-out pairs drawn at this size (32…1024), through every lift, beside a global colour fit.") var fullSize: Int?
    @Option(help: "Preset: tiny, small or base.") var preset = "small"
    @Option(help: "Working size of every method's networks: a multiple of 16 from 32 to 256 (default: the preset's).") var size: Int?
    @Option(help: "How every method's networks see an image of any aspect: \(WorkingView.names.joined(separator: " or ")) (see likewise train --help).") var view = EditorDesign.defaultView.rawValue
    @Option(help: "Training steps of every trained method.") var steps: Int?
    @Option(help: "Train every method for this many seconds instead (default 240 when --steps is not given).") var budget: Double?
    @Option(help: "References fused per edit.") var refs = 1
    @Option(help: "Also train pix2pix on this many pairs (the baseline with far more data); 0 skips it.") var large = 1000
    @Option(help: "n2n's pairing: structural, implicit, combined (both paths, the carried edit trusted per pixel), or auto (chosen between structural and implicit on held-out training pairs).") var pairing = "structural"
    @Option(help: "Seed of the training pairs and the weights.") var seed: UInt64 = 1
    @Option(help: "Run the whole evaluation for this many seeds (--seed, --seed + 1, …: each its own training pairs, weights and held-out draw) and summarise every row as mean ± standard deviation, with the differences between methods where the edit is and their 95 % intervals.") var seeds = 1
    @Option(help: "Write the rows as JSON here.") var json: String?
    @Option(help: "Write a picture of held-out examples, as each method edits them, here.") var png: String?
    @Option(help: "n2n's flow estimator: \(FlowMethod.names.joined(separator: " or ")).") var flowEstimator = FlowMethod.learned.rawValue
    @Flag(help: "Also train the baselines to their best: one2one on --pairs and pix2pix on --large, each until its edit PSNR on --validation pairs (drawn apart from training and the held-out set) has not improved for \(Eval.patience) checks --converge-every steps apart, up to --converge-cap steps, with the weights of its best check (rows one2one-converged, pix2pix-converged).") var converge = false
    @Option(help: "With --converge, the most steps a baseline trains.") var convergeCap = 6000
    @Option(help: "With --converge, the steps between two checks on the validation pairs.") var convergeEvery = 100
    @Option(help: "With --converge, how many validation pairs.") var validation = 50
    @Flag(help: "Measure auto's regret: train each of auto's candidates (\(PairingChoice.candidates.map(\.rawValue).joined(separator: ", "))) in place of n2n and pix2pix@--pairs, then make auto's choice on the training pairs as `likewise train` would (row auto: one split, two rounds of halving), with two folds and two rounds (row auto-folds) and with one split and one round (row auto-single), each scored as the candidate it chose; the regret is its edit PSNR minus the best candidate's.") var regret = false
    @Option(help: "Also measure how well each n-to-n row's confidence (the spread of this many references' predictions, 2…64) foretells its error on the held-out pairs: the correlation, and the error of each fifth of the pixels by spread.") var calibration: Int?
    @Option(help: "Instead of the rows, simulate a user who edits one more image by hand each round and trains again: from --pairs pairs, this many rounds (1…20) each adding the image `suggest` names first among --pool unedited ones, against the one least like the training pairs and one drawn at random; n2n alone is trained, --steps steps a round (default the preset's), and scored on the held-out pairs after every round.") var suggestRounds: Int?
    @Option(help: "With --suggest-rounds, the unedited images to choose from (their edits stand for the user's).") var pool = 30
    @Option(help: "With --calibration, write a reliability plot here: for each n-to-n row, each fifth of the held-out pixels by spread, its mean spread against its mean error (averaged over --seeds), beside error = spread.") var reliability: String?
    @Flag(help: "Train n2n with the diffusion refiner; score its head alone and its samples.") var diffusion = false
    @Option(help: "DDIM steps of n2n's samples with --diffusion (1…\(Sampling.maximumSteps)).") var sampleSteps = Sampling.standard.steps
    @Option(help: "DDIM's eta for n2n's samples with --diffusion (0: deterministic).") var eta = 0.0
    @Flag(help: "Also train n2n with Mx end to end (the flow network learning with the head): row n2n-e2e.") var endToEnd = false
    @Flag(help: "Also train n2n with Mx's flow and colour maps as channels of its head (and refiner): row n2n-fc.") var transformChannels = false
    @Flag(help: "Also train n2n without the flow and colour (row n2n-no-flow-colour) and without x_j (row n2n-no-xj).") var conditionAblations = false
    @Flag(help: "Also score the reconstruction ceiling of a VAE trained on n2n's cases, with and without skips.") var vae = false
    @Flag(help: "With --vae, also the skip VAE without noise injection and without the frequency loss.") var vaeAblations = false
    @Option(help: "With --vae, the latent's side in pixels (default a quarter of the preset's size: 16 at 64 px; 32 halves once).") var latentSide: Int?

    func validate() throws {
        guard task == nil || data == nil else { throw ValidationError("give --task or --data, not both") }
        guard steps == nil || budget == nil else { throw ValidationError("give --steps or --budget, not both") }
        guard vae || !vaeAblations else { throw ValidationError("--vae-ablations needs --vae") }
        guard vae || latentSide == nil else { throw ValidationError("--latent-side needs --vae") }
        if let fullSize {
            guard data == nil else { throw ValidationError("--full-size draws a built-in task's pairs larger: give --task, not --data") }
            guard SyntheticTask.sizes.contains(fullSize) else { throw ValidationError("--full-size must be 32…1024, got \(fullSize)") }
        }
        if let budget { guard budget > 0, budget <= 86_400 else { throw ValidationError("--budget must be 0…86400 seconds, got \(budget)") } }
        guard (2...1000).contains(pairs) else { throw ValidationError("--pairs must be 2…1000, got \(pairs)") }
        guard (1...10_000).contains(heldout) else { throw ValidationError("--heldout must be 1…10000, got \(heldout)") }
        guard (1...30).contains(seeds) else { throw ValidationError("--seeds must be 1…30, got \(seeds)") }
        if converge {
            guard data == nil else { throw ValidationError("--converge draws validation pairs from a built-in task: give --task, not --data") }
            guard (1...100_000).contains(convergeEvery) else { throw ValidationError("--converge-every must be 1…100000, got \(convergeEvery)") }
            guard (convergeEvery...1_000_000).contains(convergeCap) else { throw ValidationError("--converge-cap must be --converge-every (\(convergeEvery))…1000000, got \(convergeCap)") }
            guard (1...10_000).contains(validation) else { throw ValidationError("--validation must be 1…10000, got \(validation)") }
        }
        if regret {
            let others = [("--diffusion", diffusion), ("--end-to-end", endToEnd), ("--transform-channels", transformChannels),
                          ("--condition-ablations", conditionAblations), ("--vae", vae)].filter(\.1).map(\.0)
            guard others.isEmpty else { throw ValidationError("--regret trains auto's candidates as auto does, plain: not with \(others.joined(separator: ", "))") }
            guard pairs >= 3 else { throw ValidationError("--regret needs --pairs 3 at least (auto holds some out), got \(pairs)") }
        }
        if let suggestRounds {
            let others = [("--regret", regret), ("--converge", converge), ("--calibration", calibration != nil), ("--full-size", fullSize != nil),
                          ("--end-to-end", endToEnd), ("--transform-channels", transformChannels), ("--condition-ablations", conditionAblations),
                          ("--vae", vae), ("--budget", budget != nil)].filter(\.1).map(\.0)
            guard others.isEmpty else { throw ValidationError("--suggest-rounds trains n2n alone, --steps steps a round: not with \(others.joined(separator: ", "))") }
            guard (1...20).contains(suggestRounds) else { throw ValidationError("--suggest-rounds must be 1…20, got \(suggestRounds)") }
            guard (suggestRounds...10_000).contains(pool) else { throw ValidationError("--pool must be --suggest-rounds (\(suggestRounds))…10000, got \(pool)") }
            guard pairing != "auto" else { throw ValidationError("--suggest-rounds trains one pairing every round: give structural, implicit or combined, not auto") }
        }
        guard calibration != nil || reliability == nil else { throw ValidationError("--reliability plots what --calibration measures: give --calibration too") }
        if let calibration {
            guard (Editor.fewestConfidenceReferences...Editor.referenceCounts.upperBound).contains(calibration) else {
                throw ValidationError("--calibration must be \(Editor.fewestConfidenceReferences)…\(Editor.referenceCounts.upperBound) references, got \(calibration)")
            }
        }
        guard large == 0 || (2...100_000).contains(large) else { throw ValidationError("--large must be 0 or 2…100000, got \(large)") }
        guard Editor.referenceCounts.contains(refs) else { throw ValidationError("--refs must be \(Editor.referenceCounts.lowerBound)…\(Editor.referenceCounts.upperBound), got \(refs)") }
        // n2n's design, checked where every design's rules live; eval adds only that n2n is n-to-n.
        do {
            let design = try EditorDesign(preset: EditorPreset.named(preset), size: size, view: WorkingView(named: view), pairing: PairingRequest(named: pairing),
                                          diffusion: diffusion, seed: seed, flow: FlowMethod(named: flowEstimator))
            guard design.pairing.fixed?.carriesReferences ?? true else { throw ValidationError("--pairing must be structural, implicit, combined or auto, got \(pairing)") }
        } catch let error as ValidationError { throw error } catch { throw ValidationError("\(error)") }
        guard sampleSteps >= 1 else { throw ValidationError("--sample-steps must be 1…\(Sampling.maximumSteps), got \(sampleSteps)") }
        do { _ = try Sampling(steps: sampleSteps, eta: eta) } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        let seedList = (0..<UInt64(seeds)).map { seed &+ $0 }
        if let suggestRounds { return try runSuggestionTrials(rounds: suggestRounds, seeds: seedList) }
        var runs: [Run] = []
        for (k, seed) in seedList.enumerated() {
            if seeds > 1 { print("\(k == 0 ? "" : "\n")seed \(seed) (\(k + 1) of \(seeds))") }
            var run = try evaluate(seed: seed, drawsExamples: k == 0)
            if seeds > 1 { for i in run.rows.indices { run.rows[i].seed = seed } }
            runs.append(run)
        }
        let summary = try EvaluationSummary(seeds: seedList, runs: runs.map(\.rows))
        if seeds > 1 { report(summary) }
        if let reliability { try reliabilityPlot(runs.map(\.rows), task: runs[0].name).write(to: reliability) }
        if let json {
            let first = runs[0]
            let document = EvaluationDocument(task: first.name, pairs: pairs, heldout: first.heldout, preset: preset, size: first.side, view: view,
                                              pairing: first.pairing, flowEstimator: flowEstimator, rows: runs.flatMap(\.rows),
                                              summary: seeds > 1 ? summary : nil)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(document).write(to: URL(fileURLWithPath: json), options: .atomic)
        }
    }

    /// With --converge: how many checks without improvement end training.
    static let patience = 3

    /// One seed's evaluation: its task or folder name, rows, held-out count, working size and n2n's pairing.
    struct Run {
        let name: String
        var rows: [EvaluationRow]
        let heldout: Int, side: Int, pairing: String
    }

    /// The whole evaluation with `seed`'s training pairs, weights and held-out draw; it prints
    /// each row as it comes, and writes --png when `drawsExamples`.
    private func evaluate(seed: UInt64, drawsExamples: Bool) throws -> Run {
        let settings = try EditorPreset.named(preset)
        let budget = steps == nil ? self.budget ?? 240 : nil
        let side = size ?? settings.size
        let (name, training, ownTest) = try data.map { try ownPairs(in: $0, count: pairs, asked: "--pairs \(pairs)", seed: seed) } ?? builtInPairs(count: max(pairs, large), size: side, seed: seed)
        // A folder's held-out pairs are scored at the working size, as the networks see them, and
        // at their own sizes through every lift.
        let view = try WorkingView(named: self.view)
        let test = try ownTest.map { try view.fitted($0, to: side) }
        let large = data == nil ? self.large : 0
        print("\(name): \(min(pairs, training.count)) training pairs, \(test.count) held out; rows at the working size, \(side) px"
              + (fullSize.map { ", and marked @\($0) drawn at \($0) px" } ?? "") + (data == nil ? "" : ", and marked @own at each photo's own size")
              + (fullSize != nil || data != nil ? " through the lift named (colour-fit: a global colour curve fitted on the training pairs)" : ""))
        var rows = [try EvaluationRow.score(method: "identity", pairs: 0, steps: 0, trainSeconds: 0, on: test) { $0 }]
        report(rows[0])
        // The held-out scenes drawn at --full-size, with a colour fit on the training pairs.
        let full = try data == nil ? fullSize.map { try SyntheticTask(named: name).pairs(count: heldout, size: $0, seed: seed &+ 1_000_003) } : ownTest
        func scoreLarge(_ method: String, pairs count: Int, steps: Int, seconds: Double, lift: Lift?, _ predict: (Image) throws -> Image) throws {
            guard let full else { return }
            var row = try EvaluationRow.score(method: method, pairs: count, steps: steps, trainSeconds: seconds, on: full, predict: predict)
            (row.size, row.lift) = (data == nil ? fullSize : 0, lift?.rawValue)
            rows.append(row)
            report(row)
        }
        try scoreLarge("identity", pairs: 0, steps: 0, seconds: 0, lift: nil) { $0 }
        if full != nil {
            let fit = try ColourPolynomial.fit(Array(training.prefix(pairs)))
            rows.append(try EvaluationRow.score(method: "colour-fit", pairs: pairs, steps: 0, trainSeconds: 0, on: test) { try fit.applied(to: $0) })
            report(rows[rows.count - 1])
            try scoreLarge("colour-fit", pairs: pairs, steps: 0, seconds: 0, lift: nil) { try fit.applied(to: $0) }
        }
        let examples = Array(test.prefix(4))
        var columns: [(String, [Image])] = [("source", examples.map(\.source)), ("truth", examples.map(\.target))]
        let flow = try FlowMethod(named: flowEstimator)
        let n2n = try regret ? .structural : PairingRequest(named: pairing).fixed ?? {
            let choice = try PairingChoice.choose(among: [.structural, .implicit], for: Array(training.prefix(pairs)),
                                                  design: EditorDesign(preset: settings, size: side, view: view, seed: seed, flow: flow), flowEstimator: try flow.estimator())
            print("n2n pairing \(choice.reason)")
            return choice.pairing
        }()
        // Each row's method, the design it trains and on how many pairs: n2n (with the diffusion
        // refiner under --diffusion) and its variants, then the direct baselines.
        func n2nDesign(endToEnd: Bool = false, transformChannels: Bool = false, ablation: EditorAblation? = nil) throws -> EditorDesign {
            try EditorDesign(preset: settings, size: side, view: view, pairing: .fixed(n2n), diffusion: diffusion, seed: seed, flow: flow, endToEnd: endToEnd,
                             ablation: ablation, transformChannels: transformChannels)
        }
        let direct = { (pairing: PairingRequest) in try EditorDesign(preset: settings, size: side, view: view, pairing: pairing, seed: seed, flow: flow) }
        var runs: [(method: String, design: EditorDesign, count: Int)] = regret
            ? try PairingChoice.candidates.map { ($0.rawValue, try direct(.fixed($0)), pairs) } : [("n2n", try n2nDesign(), pairs)]
        if endToEnd { runs.append(("n2n-e2e", try n2nDesign(endToEnd: true), pairs)) }
        if transformChannels { runs.append(("n2n-fc", try n2nDesign(transformChannels: true), pairs)) }
        if conditionAblations { runs += try EditorAblation.allCases.map { ("n2n-\($0.rawValue)", try n2nDesign(ablation: $0), pairs) } }
        if !regret { runs += [("one2one", try direct(.one2one), pairs), ("pix2pix", try direct(.pix2pix), pairs)] }
        if large > 0 { runs.append(("pix2pix", try direct(.pix2pix), large)) }
        if converge {
            runs.append(("one2one-converged", try direct(.one2one), pairs))
            if large > 0 { runs.append(("pix2pix-converged", try direct(.pix2pix), large)) }
        }
        let validationPairs = converge ? try SyntheticTask(named: name).pairs(count: validation, size: side, seed: seed &+ 2_000_003) : []
        for (method, design, count) in runs {
            let started = Date()
            let editor = try Editor(pairs: Array(training.prefix(count)), design: design)
            let progress = { (p: TrainingProgress) in
                if p.step % 100 == 0 {
                    FileHandle.standardError.write(Data(String(format: "%@@%d step %d/%d loss %.4f (%.1f steps/s)\n", method, count, p.step, p.totalSteps, p.loss, p.stepsPerSecond).utf8))
                }
            }
            var keptStep: Int?  // a converged baseline keeps the weights of its best check
            if method.hasSuffix("-converged") {
                let result = try editor.trainUntilConverged(validation: validationPairs, every: convergeEvery, patience: Eval.patience,
                                                            cap: convergeCap, progress: progress)
                print("\(method)@\(count): best on validation at step \(result.bestStep) (\(String(format: "%.2f", result.bestEditPSNR)) dB where the edit is), stopped at \(result.stoppedAt)"
                      + (result.stoppedAt >= convergeCap && result.bestStep + Eval.patience * convergeEvery > convergeCap ? " — the cap, before \(Eval.patience) checks without improvement" : ""))
                keptStep = result.bestStep
            } else if let budget { try editor.train(forSeconds: budget - Date().timeIntervalSince(started), progress: progress) }
            else { try editor.train(until: steps ?? settings.steps, progress: progress) }
            let seconds = Date().timeIntervalSince(started)
            let trainedSteps = keptStep ?? editor.trainer.step
            for sampling in design.diffusion ? [.headOnly, try editor.sampling(steps: sampleSteps, eta: eta)] : [Sampling.headOnly] {
                rows.append(try EvaluationRow.score(method: method, diffusion: sampling.steps > 0, pairs: count, steps: trainedSteps,
                                                    trainSeconds: seconds, on: test) {
                    try editor.edit($0, references: refs, sampling: sampling).image
                })
                report(rows[rows.count - 1])
                if let calibration, editor.pairing.carriesReferences {
                    rows[rows.count - 1].calibration = try ConfidenceCalibration.measure(editor, on: test, references: calibration, sampling: sampling)
                    report(rows[rows.count - 1].calibration, of: "\(method)@\(count)" + (sampling.steps > 0 ? " diffusion" : ""))
                }
                columns.append(("\(method)@\(count)" + (sampling.steps > 0 ? " diffusion" : ""),
                                try examples.map { try editor.edit($0.source, references: refs, sampling: sampling).image }))
            }
            for lift in Lift.allCases {
                try scoreLarge(method, pairs: count, steps: trainedSteps, seconds: seconds, lift: lift) {
                    try editor.edit($0, references: refs, sampling: .headOnly, lift: lift).image
                }
            }
            guard vae, method == "n2n" else { continue }
            for variant in LatentCeiling.Variant.withAndWithoutSkips + (vaeAblations ? LatentCeiling.Variant.ablations : []) {
                let (name, started) = (variant.name, Date())
                let autoencoder = try VAE(LatentCeiling.configuration(for: editor, skips: variant.skips, noiseInjection: variant.noiseInjection,
                                                                      frequencyLoss: variant.frequencyLoss, latentSide: latentSide), seed: seed)
                try LatentCeiling.train(autoencoder, on: editor, steps: editor.trainer.step, seed: seed, progress: { p in
                    if p.step % 100 == 0 { FileHandle.standardError.write(Data(String(format: "%@ step %d/%d loss %.4f\n", name, p.step, p.totalSteps, p.loss).utf8)) }
                })
                var row = try LatentCeiling.score(autoencoder, editor: editor, on: test, method: name)
                (row.steps, row.trainSeconds) = (editor.trainer.step, Date().timeIntervalSince(started))
                rows.append(row)
                report(row)
                columns.append((name, try examples.map { try LatentCeiling.reconstruct($0, with: autoencoder, editor: editor) }))
            }
        }
        if regret {
            for (method, plan) in [("auto", PairingChoice.Plan.standard), ("auto-folds", .folded), ("auto-single", .single)] {
                rows.append(try scoreChoice(method, plan: plan, training: Array(training.prefix(pairs)), rows: rows,
                                            design: EditorDesign(preset: settings, size: side, view: view, pairing: .auto, seed: seed, flow: flow)))
                report(rows[rows.count - 1])
            }
        }
        if let png, drawsExamples { try examplesFigure(examples, columns, task: name).write(to: png) }
        return Run(name: name, rows: rows, heldout: test.count, side: side, pairing: n2n.rawValue)
    }

    /// Auto's choice by `plan` on `training`, as the row of the candidate it chose (trained by
    /// itself, among `rows`) with the choice's seconds added; it prints the choice, its cost
    /// and its regret.
    private func scoreChoice(_ method: String, plan: PairingChoice.Plan, training: [Pair], rows: [EvaluationRow], design: EditorDesign) throws -> EvaluationRow {
        let started = Date()
        let choice = try PairingChoice.choose(for: training, design: design, plan: plan, trainingSteps: steps ?? design.preset.steps,
                                              flowEstimator: try design.flow.estimator(),
                                              say: { FileHandle.standardError.write(Data("\(method): \($0.dropFirst("auto: ".count))\n".utf8)) })
        let seconds = Date().timeIntervalSince(started)
        let candidates = rows.filter { row in row.size == nil && PairingChoice.candidates.contains { $0.rawValue == row.method } }
        guard var row = candidates.first(where: { $0.method == choice.pairing.rawValue }),
              let best = candidates.max(by: { $0.headlinePSNR < $1.headlinePSNR }) else {
            throw ValidationError("auto chose \(choice.pairing.rawValue), which this evaluation did not train")
        }
        print("\(method) pairing \(choice.reason); the choice took \(String(format: "%.0f s, %.0f %%", seconds, 100 * seconds / max(row.trainSeconds, 1e-9))) of its training; "
              + String(format: "regret %.2f dB where the edit is (best: %@)", best.headlinePSNR - row.headlinePSNR, best.method))
        row.method = method
        row.trainSeconds += seconds
        return row
    }

    /// A built-in task's `count` training pairs and held-out pairs from a seed far from any
    /// training seed.
    func builtInPairs(count: Int, size: Int, seed: UInt64) throws -> (String, [Pair], [Pair]) {
        let name = task ?? "blue_eyes"
        let chosen = try SyntheticTask(named: name)
        return (name, try chosen.pairs(count: count, size: size, seed: seed),
                try chosen.pairs(count: heldout, size: size, seed: seed &+ 1_000_003))
    }

    /// A folder's pairs, shuffled by `seed`: the first `count` train, up to --heldout of the rest
    /// are held out. `asked` names the options that ask for the `count`, for the refusal.
    func ownPairs(in folder: String, count: Int, asked: String, seed: UInt64) throws -> (String, [Pair], [Pair]) {
        var all = try Pair.load(from: folder)
        if let note = Pair.conversionNote(all) { print(note) }
        guard all.count >= 3 else { throw ValidationError("\(folder) has \(all.count) pairs: evaluating needs 3 at least (2 to train, 1 held out)") }
        guard all.count > count else {
            throw ValidationError("\(folder) has \(all.count) pairs and \(asked) asks for \(count), leaving none to hold out; give fewer")
        }
        var rng = RandomGenerator(seed: seed)
        all.shuffle(using: &rng)
        return (URL(fileURLWithPath: folder).lastPathComponent, Array(all.prefix(count)), Array(all.dropFirst(count).prefix(heldout)))
    }

    /// Rows of held-out examples; columns: source, truth, each method's edit with its edit PSNR.
    private func examplesFigure(_ examples: [Pair], _ columns: [(String, [Image])], task: String) throws -> Image {
        let rows = try examples.indices.map { k in
            try columns.map { title, images in
                let region = try EditRegion(source: examples[k].source, truth: examples[k].target)
                let line = title == "truth" ? "" : try region.psnr(images[k], examples[k].target).map { String(format: "edit %.1f dB", $0) } ?? ""
                return Figure.Tile(images[k], title: title, lines: [line])
            }
        }
        return try Figure.layout(rows, heading: "\(task): held-out examples, \(pairs) training pairs")
    }

    /// The rows over the seeds, then the differences where the edit is.
    private func report(_ summary: EvaluationSummary) {
        print("\nover \(summary.seeds.count) seeds (\(summary.seeds.map(String.init).joined(separator: ", "))): mean ± standard deviation")
        for row in summary.rows {
            print(row.label.padding(toLength: 28, withPad: " ", startingAt: 0)
                  + "PSNR \(row.psnr.text)  SSIM " + String(format: "%.4f", row.ssim.mean)
                  + "  edit PSNR \(row.editPSNR?.text ?? "—")  outside \(row.outsidePSNR?.text ?? "—")")
        }
        print("differences where the edit is, paired by seed, with their 95 % intervals (real: the interval leaves out 0)")
        for d in summary.differences {
            print("\(d.first) − \(d.second)".padding(toLength: 40, withPad: " ", startingAt: 0) + d.interval.text)
        }
        if summary.regrets.isEmpty { return }
        print("regret where the edit is: the best candidate's edit PSNR minus the choice's")
        for r in summary.regrets {
            print(r.label.padding(toLength: 28, withPad: " ", startingAt: 0)
                  + "\(r.regret.text) dB, worst \(String(format: "%.2f", r.worst)) dB; chose the best on \(r.choseBest) of \(summary.seeds.count) seeds")
        }
    }

    private func report(_ calibration: ConfidenceCalibration?, of method: String) {
        guard let c = calibration else { return }
        print("\(method) calibration with \(c.references) references: spread–error correlation " + String(format: "%.2f", c.correlation)
              + (c.editCorrelation.map { String(format: " (%.2f where the edit is)", $0) } ?? "")
              + "; error by spread fifth, surest first: " + c.fifths.map { String(format: "%.4f", $0.error) }.joined(separator: " ")
              + String(format: " — the least sure fifth errs %.1f× the surest", c.errorRatio))
    }

    private func report(_ row: EvaluationRow) {
        let edit = row.editPSNR.map { String(format: "%6.2f", $0) } ?? "     —"
        let sharpness = row.sharpness.map { String(format: "%.3f", $0) } ?? "    —"
        let outside = row.outsidePSNR.map { String(format: "%6.2f", $0) } ?? "     —"
        let name = row.method + (row.diffusion ? "+diff" : "") + (row.size.map { $0 == 0 ? " @own" : " @\($0)" } ?? "") + (row.lift.map { " " + $0 } ?? "")
        print(name.padding(toLength: 24, withPad: " ", startingAt: 0)
              + String(format: "%5d pairs  PSNR %6.2f  SSIM %.4f  edit PSNR %@  cover %.3f  outside %@  sharpness %@  %5d steps  %7.1f s",
                       row.pairs, row.psnr, row.ssim, edit, row.editCover, outside, sharpness, row.steps, row.trainSeconds))
    }
}

/// What `likewise eval --json` writes.
struct EvaluationDocument: Codable {
    let task: String
    let pairs: Int
    let heldout: Int
    let preset: String
    /// Every method's working size and view.
    let size: Int, view: String
    /// n2n's pairing and flow estimator.
    let pairing: String
    let flowEstimator: String
    /// Every seed's rows (each with its `seed` under --seeds).
    let rows: [EvaluationRow]
    /// Under --seeds, the rows over the seeds and the differences between methods.
    let summary: EvaluationSummary?

    enum CodingKeys: String, CodingKey {
        case task, pairs, heldout, preset, size, view, pairing, flowEstimator = "flow_estimator", rows, summary
    }
}
