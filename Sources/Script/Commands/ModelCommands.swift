import Engine
import Foundation
import Models

extension ParameterType {
    /// How many training pairs an edit fuses as references.
    static let references = ParameterType.integer(Editor.referenceCounts)
}

/// How an edit is sampled, for the commands that edit: DDIM steps, η and the noise's seed.
private let samplingParameters = [
    Parameter("steps", "steps", .integer(0...Sampling.maximumSteps), default: .null, shown: "the model's", "DDIM steps of a diffusion model (0: its regression head alone; 10 by default)"),
    Parameter("eta", "eta", .number(0...1), default: .number(0), "DDIM's η: 0 is deterministic, 1 adds fresh noise each step"),
    Parameter("seed", "seed", .seed, default: .number(0), "the seed of the sampling noise: one seed, one image, bit for bit"),
]

/// The sampling a call asks for (see `samplingParameters`; `tune` has no η), checked by the model.
private func sampling(of call: Invocation, for editor: Editor) throws -> Sampling {
    try editor.sampling(steps: call.has("steps") ? call.integer("steps") : nil, eta: call.has("eta") ? call.number("eta") : 0,
                        seed: UInt64(call.integer("seed")))
}

/// Shows an image, its edit and a map of it side by side (`mapTitle` over the map) under
/// `heading`. Three photographs side by side are shown small; the map returned keeps every pixel.
private func showBeside(_ image: Image, edit: Image, map: Image, mapTitle: String, heading: String, session: Session) throws {
    let tiles = try [("image", image), ("edit", edit), (mapTitle, map)].map { title, shown in
        Figure.Tile(try shown.shrunk(toFit: 288), title: title)
    }
    try session.show(.image(Figure.comparison(tiles, heading: heading)))
}

/// Shows an image, its edit and how sure the edit is — for `confidence` and `edit(…, confidence:
/// true)` —, prints the references and the mean spread, and returns the map at the image's size.
@discardableResult
private func showConfidence(_ confidence: EditConfidence, of image: Image, editor: Editor, session: Session) throws -> Image {
    let map = try confidence.map()
    try showBeside(image, edit: confidence.edit, map: map, mapTitle: "spread",
                   heading: "black: the references agree; pale yellow: they differ by 0.1 or more", session: session)
    session.print("references: " + confidence.references.map { editor.pairs[$0].name }.joined(separator: ", ")
                  + String(format: "; mean spread %.4f", confidence.mean))
    return map
}

/// The model commands: build an effect from pairs, train it with a live display, look at it,
/// edit with it, judge it, save and load it.
extension CommandSet {
    public static let model = CommandSet("Models", [
        Command("model", [
            Parameter(nil, "pairs", .pairs, "the before/after pairs (at least 2)"),
            Parameter("preset", "preset", .choice(EditorPreset.all.map(\.name)), default: .string("small"), "tiny (32 px), small (64 px) or base (128 px)"),
            Parameter("size", "size", .integer(32...256), default: .null, shown: "the preset's", "the working size: the side of the square the networks see every image fitted to (a multiple of 16)"),
            Parameter("view", "view", .choice(WorkingView.names), default: .string(EditorDesign.defaultView.rawValue), "how the networks see an image of any aspect: squeeze (scaled whole to the square) or pad (its aspect kept, the rest of the square its edges repeated)"),
            Parameter("lift", "lift", .choice(Lift.names), default: .string(EditorDesign.defaultLift.rawValue), "how an edit comes back at its image's own size: \(Lift.names.joined(separator: ", "))"),
            Parameter("pairing", "pairing", .choice(PairingRequest.names), default: .string("auto"), "auto, structural, implicit or combined (n-to-n), one2one or pix2pix (direct)"),
            Parameter("seed", "seed", .seed, default: .null, shown: "the session seed", "the weights' and the training order's seed"),
            Parameter("flow", "flow", .choice(FlowMethod.names), default: .string(FlowMethod.learned.rawValue), "the flow estimator: learned or horn-schunck"),
            Parameter("refineFlow", "refineFlow", .integer(0...EditorDesign.maximumFlowRefinement), default: .number(0), "steps refining the learned flow on these pairs' sources, without labels, first"),
            Parameter("diffusion", "diffusion", .bool, default: .bool(false), "add the diffusion refiner: a denoiser that samples what the regression head misses"),
            Parameter("endToEnd", "endToEnd", .bool, default: .bool(false), "train the learned flow with the head: the editor's loss reaches Mx (n-to-n pairings)"),
            Parameter("transformChannels", "transformChannels", .bool, default: .bool(false), "give the head Mx's flow and colour maps as input channels too (n-to-n pairings)"),
            Parameter("ablation", "ablation", .choice(["none"] + EditorAblation.allCases.map(\.rawValue)), default: .string("none"), "take a condition away to measure it: none, no-flow-colour or no-xj (n-to-n pairings)"),
            Parameter("lr", "lr", .number, default: .null, shown: "the preset's", "the learning rate's peak (warm-up, then cosine decay to a twentieth)"),
            Parameter("budget", "budget", .number, default: .null, shown: "none", "with pairing: \"auto\", the seconds its choice may take: the first round trains the steps that fit"),
        ], summary: "An effect to train from pairs.",
        doc: "structural: each output starts from a training pair's edit carried onto the new image by flow and colour,\nand the network learns a correction (N pairs give N·(N−1) cases). implicit: the network sees the carried reference\nbut starts from x. combined: both at once — the network also says, per pixel, how far to trust the carried edit,\nand falls back to a correction of x where it does not. one2one: the network learns x → y directly as a correction of x; pix2pix: with no residual.\nauto: holds out a few pairs, trains structural, implicit and one2one briefly on the rest, keeps the best where the\nedit is, and prints why. diffusion: true trains, with the head, a denoiser of the residual between target and head;\nedit then samples it with DDIM (steps: 0 gives the head's output alone). endToEnd: true trains a copy of the learned\nflow network in every step with the head (through the warp and a differentiable colour fit; slower steps).\ntransformChannels: true also gives the network Mx itself — the flow and each pixel's colour map — as input channels.\nThe networks work at size × size: every pair, and every image edited, is fitted to it by the view (squeeze: scaled whole;\npad: its aspect kept, in a square its edges fill); an edit comes back at its image's own size by the lift (adaptive: a bilateral grid of colour maps plus what it misses scaled up,\nand the plain upsampling where no colour map explains the edit, as where a shape moved).") { call, session in
            let design = try EditorDesign(
                preset: EditorPreset.named(call.string("preset")), size: call.has("size") ? call.integer("size") : nil,
                view: WorkingView(named: call.string("view")), lift: Lift(named: call.string("lift")), pairing: PairingRequest(named: call.string("pairing")),
                diffusion: call.bool("diffusion"), learningRate: call.has("lr") ? Float(call.number("lr")) : nil,
                seed: UInt64(call.has("seed") ? call.integer("seed") : session.seed), flow: FlowMethod(named: call.string("flow")),
                flowRefinement: call.integer("refineFlow"), endToEnd: call.bool("endToEnd"),
                ablation: call.string("ablation") == "none" ? nil : EditorAblation(rawValue: call.string("ablation")),
                transformChannels: call.bool("transformChannels"))
            let editor = try Editor.build(pairs: call.pairs("pairs"), design: design, autoBudget: call.has("budget") ? call.number("budget") : nil,
                                          checkInterrupt: session.checkInterrupt, say: session.print,
                                          progress: { session.progress("model: " + $0, id: "model") })
            return .object(EffectModel(editor: editor))
        },
        Command("info", [Parameter(nil, "model", .object("Model"), "the model")],
                summary: "What a model is: pairing, preset, working size, lift, parameters, arithmetic a step, memory, pairs, steps.") { call, _ in
            let editor = try call.object("model", as: EffectModel.self).editor
            let cost = EditorCost(design: editor.design, pairs: editor.pairs.count)
            let rows = [
                ["pairing", editor.pairing.rawValue], ["preset", editor.preset.name],
                ["flow", editor.flowEstimator.name + (editor.endToEnd ? ", trained end to end with the head" : "")],
                ["transform channels", editor.transformChannels ? "yes: the head reads Mx's flow and colour maps" : "no"],
                ["ablation", editor.ablation?.rawValue ?? "none"],
                ["diffusion", editor.hasDiffusion ? "yes, \(editor.defaultSampling.steps) DDIM steps an edit by default" : "no"],
                ["working size", "\(editor.size)×\(editor.size) (edits come back at their image's own size)"],
                ["view", editor.design.view == .squeeze ? "squeeze: every image scaled whole to the square" : "pad: every image's aspect kept, its edges filling the square"],
                ["lift", editor.design.lift.rawValue],
                ["parameters", String(editor.parameters.scalarCount)],
                ["FLOPs a step", String(format: "%.2f G", cost.flopsPerStep / 1e9)], ["memory", String(format: "about %.0f MB", Double(cost.bytes) / 1e6)],
                ["pairs", String(editor.pairs.count)], ["batch", String(editor.preset.batch)], ["learning rate", "\(editor.trainer.schedule.peak)"],
                ["steps", String(editor.trainer.step)],
            ] + (editor.damagedPairs.isEmpty ? [] : [["damaged pairs", editor.damagedPairs.joined(separator: ", ") + " (not used as references; give them again to train)"]])
              + (editor.damagedTrainingState.isEmpty ? [] : [["damaged training state", editor.damagedTrainingState.joined(separator: ", ") + " (it edits; training cannot resume)"]])
            return .object(Table(columns: ["", ""], rows: rows))
        },
        Command("train", [
            Parameter(nil, "model", .workedOn("Model"), "the model"),
            Parameter("steps", "steps", .integer(1...1_000_000), default: .null, shown: "the preset's", "how many more steps"),
            Parameter("plot", "plot", .bool, default: .bool(true), "show the loss curve as it changes (false: the progress line only)"),
        ], summary: "Trains a model, showing a progress line and the loss curve as they change; stop keeps the last finished step.") { call, session in
            let model = try call.object("model", as: EffectModel.self)
            let editor = model.editor
            let more = call.has("steps") ? try call.integer("steps") : editor.preset.steps
            try editor.requireTrainable(for: "train")  // before the plot is drawn
            let plotID: String? = try call.bool("plot") ? "loss-" + UUID().uuidString.lowercased() : nil
            if let plotID { try session.show(.image(model.lossPlot()), id: plotID) }
            let started = Date(), target = editor.trainer.step + more
            var lastPlot = Date()
            try editor.train(until: target, checkInterrupt: session.checkInterrupt) { p in
                session.progress(String(format: "train: step %d/%d  loss %.4f  %.1f steps/s  ETA %.0f s", p.step, target, p.loss,
                                        p.stepsPerSecond, p.secondsRemaining), id: "train")
                if let plotID, Date().timeIntervalSince(lastPlot) > 1 || p.step == target {
                    lastPlot = Date()
                    try? session.update(.image(model.lossPlot()), id: plotID)
                }
            }
            session.print(String(format: "trained %d steps in %.1f s; loss %.4f", more, Date().timeIntervalSince(started),
                                 editor.trainer.losses.last ?? .nan))
            return .null
        },
        Command("edit", [
            Parameter(nil, "model", .workedOn("Model"), "the model"),
            Parameter(nil, "image", .image, "the image to edit"),
            Parameter("refs", "refs", .references, default: .null, shown: "1, or \(Editor.confidenceReferences) with confidence",
                      "training pairs fused as references (n-to-n models)"),
            Parameter("lift", "lift", .choice(Lift.names), default: .null, shown: "the model's", "how the edit comes back at the image's own size: \(Lift.names.joined(separator: ", "))"),
            Parameter("confidence", "confidence", .bool, default: .bool(false),
                      "also show how sure the edit is, pixel by pixel, as confidence does (n-to-n models, refs 2 or more)"),
        ] + samplingParameters, summary: "An image edited by the model, at the image's own size; prints the training pairs it used as references (once a cell).") { call, session in
            let showsConfidence = try call.bool("confidence")
            let refs = call.has("refs") ? try call.integer("refs") : showsConfidence ? Editor.confidenceReferences : 1
            let image = try call.image("image")
            let editor = try call.object("model", as: EffectModel.self).editor
            let lift = call.has("lift") ? try Lift(named: call.string("lift")) : nil
            if showsConfidence {
                let confidence = try editor.confidence(image, references: refs, sampling: sampling(of: call, for: editor), lift: lift,
                                                       checkInterrupt: session.checkInterrupt)
                try showConfidence(confidence, of: image, editor: editor, session: session)
                return .image(confidence.edit)
            }
            let (edited, references) = try editor.edit(image, references: refs, sampling: sampling(of: call, for: editor), lift: lift,
                                                       checkInterrupt: session.checkInterrupt)
            if !references.isEmpty { session.printOnce("references: " + references.map { editor.pairs[$0].name }.joined(separator: ", ")) }
            return .image(edited)
        },
        Command("confidence", [
            Parameter(nil, "model", .workedOn("Model"), "the model (n-to-n: structural, implicit or combined)"),
            Parameter(nil, "image", .image, "the image to edit"),
            Parameter("refs", "refs", .integer(Editor.fewestConfidenceReferences...Editor.referenceCounts.upperBound), default: .number(Double(Editor.confidenceReferences)),
                      "training pairs whose predictions are compared"),
            Parameter("lift", "lift", .choice(Lift.names), default: .null, shown: "the model's", "how the edit comes back at the image's own size: \(Lift.names.joined(separator: ", "))"),
        ] + samplingParameters, summary: "How sure the model is of its edit of an image, pixel by pixel: a map at the image's size (black: sure).",
        doc: "The edit fuses the predictions of its refs nearest training pairs; where they agree the effect has seen the situation\nbefore, where they differ it is guessing. Shows the image, the edit and the map of the spread — the references' root-mean-\nsquare distance from the edit, black at 0, pale yellow at 0.1 (25 levels of 255) and above — and returns the map.\nlikewise eval --calibration measures how well the spread foretells the error on held-out pairs.") { call, session in
            let image = try call.image("image")
            let editor = try call.object("model", as: EffectModel.self).editor
            let confidence = try editor.confidence(image, references: call.integer("refs"), sampling: sampling(of: call, for: editor),
                                                   lift: call.has("lift") ? Lift(named: call.string("lift")) : nil, checkInterrupt: session.checkInterrupt)
            return .image(try showConfidence(confidence, of: image, editor: editor, session: session))
        },
        Command("trust", [
            Parameter(nil, "model", .workedOn("Model"), "a combined model"),
            Parameter(nil, "image", .image, "the image to edit"),
            Parameter("refs", "refs", .references, default: .number(1), "training pairs fused as references"),
        ], summary: "Where a combined model trusts the references' carried edit, pixel by pixel: a map at the image's size (black: x's own correction).",
        doc: "A combined model's network says, beside its correction, how far each pixel starts from the training pairs' edits\ncarried onto the image by flow and colour (1) rather than from the image itself (0): where Mx lines the references\nup, the effect copies their edit; where it cannot, it falls back to correcting x directly. Shows the image, the\nedit and the trust — black at 0, pale yellow at 1 — fused over refs references as the edit fuses them, and returns the map.") { call, session in
            let image = try call.image("image")
            let editor = try call.object("model", as: EffectModel.self).editor
            let trust = try editor.trust(image, references: call.integer("refs"))
            let edited = try editor.edit(image, using: trust.references, checkInterrupt: session.checkInterrupt)
            let map = try trust.map()
            try showBeside(image, edit: edited, map: map, mapTitle: "trust",
                           heading: "black: x corrected directly; pale yellow: the references' edit carried onto x", session: session)
            session.print("references: " + trust.references.map { editor.pairs[$0].name }.joined(separator: ", ")
                          + String(format: "; mean trust %.2f", trust.mean))
            return .image(map)
        },
        Command("apply", [
            Parameter(nil, "model", .workedOn("Model"), "the model"),
            Parameter(nil, "input", .path, "a folder of PNG and JPEG images"),
            Parameter(nil, "output", .path, "where the edited images go (made if missing)"),
            Parameter("refs", "refs", .references, default: .null, shown: "1, or \(Editor.confidenceReferences) with confidence",
                      "training pairs fused as references (n-to-n models)"),
            Parameter("recursive", "recursive", .bool, default: .bool(false), "the images of every subfolder too, the tree kept"),
            Parameter("overwrite", "overwrite", .bool, default: .bool(false), "edit every image again, replacing what is in output"),
            Parameter("confidence", "confidence", .path, default: .null, shown: "none", "a folder for a confidence map of each edit, named as the edit (n-to-n models, refs 2 or more)"),
        ] + samplingParameters, summary: "Edits every PNG and JPEG of a folder into another, as likewise apply does; prints what it did.",
        doc: "OUTPUT/NAME for each INPUT/NAME, in its format, at its own size. Files already in OUTPUT are skipped, so a stopped\nrun resumes — if this model wrote them at these settings (OUTPUT/.likewise-apply says): another model's or other settings'\nedits there are refused unless overwrite: true. Files that cannot be read, or of another format, are listed at the end. Returns how many images were edited.") { call, session in
            let refs = call.has("refs") ? try call.integer("refs") : call.has("confidence") ? Editor.confidenceReferences : 1
            let editor = try call.object("model", as: EffectModel.self).editor
            let job = FolderEdit(input: try call.string("input"), output: try call.string("output"), references: refs,
                                 sampling: try sampling(of: call, for: editor), recursive: try call.bool("recursive"), overwrite: try call.bool("overwrite"),
                                 confidence: call.has("confidence") ? try call.string("confidence") : nil)
            let report = try job.run(with: editor, checkInterrupt: session.checkInterrupt) { session.progress($0.description, id: "apply") }
            session.print("apply: \(report.edited) edited, \(report.skipped) already done, \(report.failures.count) unreadable")
            report.notes.forEach(session.print)
            if !report.failures.isEmpty {
                session.sink.stream(ImageFolder.listing("could not edit:", report.failures), toStandardError: true)
            }
            return .number(Double(report.edited))
        },
        Command("suggest", [
            Parameter(nil, "model", .workedOn("Model"), "the model"),
            Parameter(nil, "folder", .path, "a folder of unedited PNG and JPEG images"),
            Parameter("count", "count", .integer(1...1_000), default: .number(3), "how many to suggest"),
            Parameter("refs", "refs", .integer(Editor.fewestConfidenceReferences...Editor.referenceCounts.upperBound), default: .number(Double(Editor.confidenceReferences)),
                      "training pairs whose predictions are compared (n-to-n models)"),
            Parameter("recursive", "recursive", .bool, default: .bool(false), "the images of every subfolder too"),
        ], summary: "Which images of a folder to edit by hand next: those the model is least sure of first, with why; returns their names.",
        doc: "An n-to-n model edits each image with its refs nearest training pairs and measures how far their predictions disagree\n(the mean spread, as confidence shows it); the images it is least sure of come first: where it guesses. Whether pairs\nmade from them teach it more than any others is measured by likewise eval --suggest-rounds (so far not in general). A direct model (one2one, pix2pix) has no references to disagree: its images are\nranked by how unlike the training pairs they look. Each line gives both. Files that cannot be read are listed at the end.") { call, session in
            let editor = try call.object("model", as: EffectModel.self).editor
            let folder = try call.string("folder")
            let (ranked, failures) = try editor.suggestions(inFolder: folder, recursive: call.bool("recursive"), references: call.integer("refs"),
                                                            checkInterrupt: session.checkInterrupt) { done, total, name in
                session.progress("suggest: \(done + 1)/\(total) \(name)", id: "suggest")
            }
            let chosen = Array(ranked.prefix(try call.integer("count")))
            for (place, suggestion) in chosen.enumerated() {
                session.print("\(place + 1). \(suggestion.name): \(suggestion.reason(of: ranked.count))")
            }
            if !chosen.isEmpty {
                let tiles = try chosen.enumerated().map { place, suggestion in
                    let image = try Image(contentsOf: ImageFolder.joined(folder, suggestion.name))
                    return Figure.Tile(try image.shrunk(toFit: 192), title: "\(place + 1). \(suggestion.name)")
                }
                try session.show(.image(Figure.comparison(tiles, heading: "edit these by hand next: " + (editor.pairing.carriesReferences ? "the model is least sure of them" : "they look least like its training pairs"))))
            }
            if !failures.isEmpty {
                session.sink.stream(ImageFolder.listing("could not read:", failures), toStandardError: true)
            }
            return .array(chosen.map { .string($0.name) })
        },
        Command("tune", [
            Parameter(nil, "model", .workedOn("Model"), "the model"),
            Parameter(nil, "image", .image, "the image to edit"),
            Parameter("refs", "refs", .references, default: .number(1), "references to start from (structural and implicit models; at most 8)"),
            Parameter("strength", "strength", .number(0...1), default: .number(1), "how strongly to apply the edit, to start from"),
            Parameter("steps", "steps", .integer(0...Tuning.maximumSteps), default: .null, shown: "the model's", "DDIM steps to start from (models with diffusion)"),
            Parameter("seed", "seed", .integer(0...Tuning.maximumSeed), default: .number(0), "the sampling noise's seed to start from (models with diffusion)"),
        ], summary: "An edit with sliders for its knobs (references, strength, DDIM steps, seed) that re-render it; returns the values chosen (a Tuning).",
        doc: "In a notebook the sliders are Jupyter widgets: moving one re-renders the image. Read the values back with\nt.refs, t.strength, t.steps, t.seed and t.image (as drawn: at most 512 px); save(t, path) writes the edit at those\nvalues at the image's own size. A model without diffusion has no steps or seed sliders.\nWhere there are no widgets (likewise run) it shows the edit at the values given.") { call, session in
            let editor = try call.object("model", as: EffectModel.self).editor
            let image = try call.image("image")
            let (refs, strength) = (try call.integer("refs"), try call.number("strength"))
            let sampling = try sampling(of: call, for: editor)
            guard refs <= Tuning.maximumRefs(of: editor) else {
                throw ScriptError(.value, "tune: refs must be 1…\(Tuning.maximumRefs(of: editor)) for this \(editor.pairing.rawValue) model, got \(refs)")
            }
            let tuning = try Tuning(editor: editor, source: image, refs: refs, strength: strength, steps: sampling.steps, seed: Int(sampling.seed))
            if let channel = session.sink.comms {
                let column = try tuning.openWidgets(in: session, on: channel)
                session.sink.display(DisplayBundle(text: tuning.summary, widget: column), id: nil)
            } else {
                try session.show(.image(tuning.image()))
            }
            return .object(tuning)
        },
        Command("evaluate", [
            Parameter(nil, "model", .workedOn("Model"), "the model"),
            Parameter(nil, "pairs", .pairs, "held-out pairs: sources in, targets the truth"),
            Parameter("refs", "refs", .references, default: .number(1), "references fused per edit"),
        ] + samplingParameters, summary: "PSNR, SSIM and the PSNR where the edit happens, at each pair's own size, for the model and for the unchanged source (an Evaluation).",
        doc: "It shows as a table; its numbers are members: psnr, ssim, editPSNR, editCover, steps, identityPSNR,\nidentityEditPSNR, sharpness (the output's fine detail over the truth's: 1 is the truth's, below is blurrier),\ndiffusion (whether the edits were sampled) and table.") { call, session in
            let editor = try call.object("model", as: EffectModel.self).editor
            let pairs = try call.pairs("pairs")
            let refs = try call.integer("refs")
            let identity = try EvaluationRow.score(method: "identity", pairs: 0, steps: 0, trainSeconds: 0, on: pairs,
                                                   checkInterrupt: session.checkInterrupt) { $0 }
            let sampling = try sampling(of: call, for: editor)
            let model = try EvaluationRow.score(method: editor.pairing.rawValue, diffusion: sampling.steps > 0, pairs: editor.pairs.count,
                                                steps: editor.trainer.step, trainSeconds: 0, on: pairs, checkInterrupt: session.checkInterrupt) {
                try editor.edit($0, references: refs, sampling: sampling, checkInterrupt: session.checkInterrupt).image
            }
            return .object(Evaluation(identity: identity, model: model))
        },
        Command("flow", [
            Parameter(nil, "from", .image, "the reference source x_i"),
            Parameter(nil, "to", .image, "the target source x_j (the same size)"),
            Parameter("estimator", "estimator", .choice(FlowMethod.names), default: .string(FlowMethod.learned.rawValue), "the flow estimator: learned or horn-schunck"),
        ], summary: "What the transformation estimator sees between two sources: the flow, and the reference carried onto the target (a Flow).",
        doc: "The flow field in the standard colour wheel with arrows, then from, to, from carried onto to (warped by the flow and\nrecoloured by the colour grid) and their difference; a line gives the mean displacement. The flow comes from the learned\nnetwork (shipped weights) or from Horn–Schunck; the colour from a 4×4 grid of affine colour maps.") { call, session in
            let (from, to) = (try call.image("from"), try call.image("to"))
            guard from.width == to.width, from.height == to.height else {
                throw ScriptError(.value, "flow: the images must be one size, got \(from.width)×\(from.height) and \(to.width)×\(to.height)")
            }
            let field = try FlowField(from: from, to: to, estimator: FlowMethod(named: call.string("estimator")).estimator())
            try session.show(.image(Figure.flowField(field.transformation.flow, title: "flow: each pixel of 'to' reads 'from' here")))
            session.print(String(format: "mean displacement %.2f px", field.mean))
            return .object(field)
        },
        Command("trueFlow", [
            Parameter(nil, "task", .string, "a built-in task: \(taskNames)"),
            Parameter(nil, "from", .integer(0...99_999), "the index of the reference source, as synth numbers its pairs"),
            Parameter(nil, "to", .integer(0...99_999), "the index of the target source"),
            Parameter("size", "size", .integer(SyntheticTask.sizes), default: .number(64), "image side in pixels, as given to synth"),
            Parameter("seed", "seed", .seed, default: .null, shown: "the session seed", "the seed given to synth"),
        ], summary: "The true flow between two sources of a built-in task: what flow(ps[from].source, ps[to].source) should find (a Flow).",
        doc: "The tasks draw their subjects in known poses, so the displacement of every pixel of the subject is known. It is\ndefined where the subject shows in both sources; endPointError(estimate, truth) scores an estimate there.") { call, session in
            let task = try SyntheticTask(named: try call.string("task"))
            let (from, to, size) = (try call.integer("from"), try call.integer("to"), try call.integer("size"))
            let seed = call.has("seed") ? try call.integer("seed") : session.seed
            let (a, b) = (try task.pair(index: from, size: size, seed: UInt64(seed)), try task.pair(index: to, size: size, seed: UInt64(seed)))
            // flow(a, b) lies on b's grid and points into a: the task's displacement from b to a.
            let field = try FlowField(from: a.source, to: b.source, truth: task.displacement(from: to, to: from, seed: UInt64(seed), size: size))
            try session.show(.image(Figure.flowField(field.transformation.flow, title: "true flow: each pixel of 'to' reads 'from' here")))
            return .object(field)
        },
        Command("endPointError", [
            Parameter(nil, "estimate", .object("Flow"), "a flow from flow(a, b)"),
            Parameter(nil, "truth", .object("Flow"), "the true flow from trueFlow"),
        ], summary: "The mean distance in pixels between an estimated flow and the true one, where the truth is defined.") { call, _ in
            let (estimate, truth) = (try call.object("estimate", as: FlowField.self), try call.object("truth", as: FlowField.self))
            guard let known = truth.truth else { throw ScriptError(.value, "endPointError: truth must come from trueFlow, got a \(truth.estimator) flow") }
            guard estimate.to.width == known.width, estimate.to.height == known.height else {
                throw ScriptError(.value, "endPointError: the flows differ in size: \(estimate.to.width)×\(estimate.to.height) and \(known.width)×\(known.height)")
            }
            return .number(Double(try known.endPointError(of: estimate.transformation.flow)))
        },
        Command("loadModel", [
            Parameter(nil, "path", .path, "a model saved by save(model, path) or likewise train"),
            Parameter("pairs", "pairs", .pairs, default: .null, shown: "the pairs saved in it", "its training pairs again, by the same names: for training on when the saved ones are damaged"),
        ], summary: "A model read back from its safetensors file.",
        doc: "Damaged weights are an error. Damaged training pairs are not: the model edits as it did, with a warning, and\ntrains again once loaded with pairs: given (the same names, loaded as they were for training).") { call, session in
            let editor = try Editor.load(from: try call.string("path"), pairs: call.has("pairs") ? try call.pairs("pairs") : nil)
            for warning in editor.loadWarnings { session.sink.stream("warning: loadModel: \(warning)\n", toStandardError: true) }
            return .object(EffectModel(editor: editor))
        },
        Command("lossPlot", [Parameter(nil, "model", .object("Model"), "the model")],
                summary: "The model's training loss so far, on a log scale.") { call, _ in
            .image(try call.object("model", as: EffectModel.self).lossPlot())
        },
    ])
}
