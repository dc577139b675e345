import Engine
import Foundation
import Models

/// The paper's generative half as a user can look at it: VAEs trained on a model's cases and
/// their round trips (the ceiling of any latent editor), the forward process that destroys an
/// image, and the DDIM path a model's sampler takes back from noise to an edit.
extension CommandSet {
    public static let generative = CommandSet("VAE and diffusion", [
        Command("vae", [
            Parameter(nil, "model", .workedOn("Model"), "the model whose cases the VAEs learn"),
            Parameter("steps", "steps", .integer(1...100_000), default: .number(600), "training steps of each VAE"),
            Parameter("latent", "latent", .integer, default: .null, shown: "a quarter of the model's size", "the latent's side in pixels (16 or 32 at 64 px)"),
        ], summary: "Two VAEs trained on a model's cases, with and without skip images (a VAE value for recon and ceiling).",
        doc: "The paper's trainable VAE: an encoder to a latent of a quarter of the side (16×16×4 at 64 px), a decoder whose\nblocks get features of skip images — x_j and, for n-to-n models, a training pair's target carried onto it — and learned\nnoise injection; L1, the frequency loss and a small KL term. The second VAE has no skips: the ablation. What\nthey reconstruct of held-out targets is the ceiling of any editor working in their latent.") { call, session in
            let editor = try call.object("model", as: EffectModel.self).editor
            let steps = try call.integer("steps")
            var trained: [VAE] = []
            for skips in [true, false] {
                let vae = try VAE(LatentCeiling.configuration(for: editor, skips: skips, latentSide: call.has("latent") ? try call.integer("latent") : nil),
                                  seed: editor.seed)
                try LatentCeiling.train(vae, on: editor, steps: steps, seed: editor.seed, checkInterrupt: session.checkInterrupt) { p in
                    session.progress(String(format: "vae %@: step %d/%d  loss %.4f  %.1f steps/s", skips ? "with skips" : "without skips",
                                            p.step, steps, p.loss, p.stepsPerSecond), id: "vae")
                }
                trained.append(vae)
            }
            return .object(Autoencoders(editor: editor, withSkips: trained[0], withoutSkips: trained[1], steps: steps))
        },
        Command("recon", [
            Parameter(nil, "vae", .object("VAE"), "VAEs from vae(model)"),
            Parameter(nil, "pairs", .pairs, "a pair, or up to 8: each target goes through the VAEs (its source gives the skip images)"),
        ], summary: "Targets' round trips through the VAE with skips and without, side by side, with PSNR.") { call, _ in
            let autoencoders = try call.object("vae", as: Autoencoders.self)
            let pairs = try call.pairs("pairs")
            guard (1...8).contains(pairs.count) else { throw ScriptError(.value, "recon: pairs must hold 1…8 pairs, got \(pairs.count)") }
            let rows = try pairs.map { pair -> [Figure.Tile] in
                let truth = try autoencoders.editor.design.view.fitted(pair, to: autoencoders.editor.size)
                var tiles = [Figure.Tile(try Figure.displayed(truth.target), title: "target")]
                for (vae, title) in [(autoencoders.withSkips, "with skips"), (autoencoders.withoutSkips, "without skips")] {
                    let round = try LatentCeiling.reconstruct(truth, with: vae, editor: autoencoders.editor)
                    tiles.append(Figure.Tile(try Figure.displayed(round), title: title,
                                             lines: [String(format: "%.2f dB", try Metrics.psnr(round, truth.target))]))
                }
                return tiles
            }
            return .image(try Figure.layout(rows, heading: "VAE round trips: with skips, without"))
        },
        Command("ceiling", [
            Parameter(nil, "vae", .object("VAE"), "VAEs from vae(model)"),
            Parameter(nil, "pairs", .pairs, "held-out pairs"),
        ], summary: "The VAEs' held-out reconstruction scores: what any editor in their latent could reach at best (a Table).") { call, session in
            let autoencoders = try call.object("vae", as: Autoencoders.self)
            let rows = try autoencoders.rows(on: try call.pairs("pairs"), checkInterrupt: session.checkInterrupt)
            return .object(Table(columns: EvaluationRow.tableColumns, rows: rows.map(\.tableCells), showsPicture: true))
        },
        Command("noise", [
            Parameter(nil, "image", .image, "the image to noise"),
            Parameter("t", "t", .array, default: .array([0, 0.25, 0.5, 0.75, 0.9, 1].map(Value.number)), shown: "[0, 0.25, 0.5, 0.75, 0.9, 1]",
                      "noise levels in [0, 1]: 0 is the image, 1 pure noise"),
            Parameter("seed", "seed", .seed, default: .number(0), "the noise's seed"),
        ], summary: "The diffusion forward process: the image at a few noise levels t, as a strip.",
        doc: "z_t = α(t)·x + σ(t)·ε on the image mapped to [−1, 1], with the cosine schedule's α² = ᾱ(t) and σ² = 1 − ᾱ(t);\nunder each picture its t and ᾱ. A diffusion model learns to undo one small piece of this at a time.") { call, _ in
            let image = try call.image("image")
            guard case let .array(values) = call.value("t") else { throw ScriptError(.type, "noise: t must be an array of numbers") }
            let times = try values.map { value -> Double in
                guard case let .number(t) = value, (0...1).contains(t) else { throw ScriptError(.value, "noise: each t must be a number in 0…1, got \(value.described)") }
                return t
            }
            guard (1...16).contains(times.count) else { throw ScriptError(.value, "noise: t must hold 1…16 levels, got \(times.count)") }
            var rng = RandomGenerator(seed: UInt64(try call.integer("seed")))
            let noise = (0..<image.pixels.count).map { _ in rng.normal() }
            let tiles = try times.map { t -> Figure.Tile in
                let (alpha, sigma) = NoiseSchedule.coefficients(t)
                var noised = image
                for i in noised.pixels.indices {
                    let z = Float(alpha) * (2 * image.pixels[i] - 1) + Float(sigma) * noise[i]
                    noised.pixels[i] = min(max((z + 1) / 2, 0), 1)
                }
                return Figure.Tile(try Figure.displayed(noised), title: String(format: "t = %.2f", t),
                                   lines: [String(format: "abar = %.3f", NoiseSchedule.alphaBar(t))])
            }
            return .image(try Figure.comparison(tiles, heading: "the forward process: noise added by the cosine schedule"))
        },
        Command("trajectory", [
            Parameter(nil, "model", .workedOn("Model"), "a model with diffusion"),
            Parameter(nil, "image", .image, "the image to edit"),
            Parameter("steps", "steps", .integer(1...Sampling.maximumSteps), default: .number(Double(Sampling.standard.steps)), "DDIM steps"),
            Parameter("refs", "refs", .references, default: .number(1), "training pairs fused as references"),
            Parameter("seed", "seed", .seed, default: .number(0), "the sampling noise's seed"),
        ], summary: "The DDIM path of an edit: the image, the regression head's edit, then what each step estimates, as a strip.",
        doc: "The sampler starts from noise and, at each of its steps, estimates the residual the head missed; the strip shows the\nhead's edit plus that estimate after every step (at most 12 shown, evenly spaced), ending at the edit that edit(...)\nreturns with the same steps and seed.") { call, session in
            let editor = try call.object("model", as: EffectModel.self).editor
            let given = try call.image("image")
            let (steps, refs) = (try call.integer("steps"), try call.integer("refs"))
            let sampling = try editor.sampling(steps: steps, seed: UInt64(call.integer("seed")))
            // Every tile at the working size, where the sampler runs.
            let image = try given.resized(width: editor.size, height: editor.size)
            let head = try editor.edit(image, references: refs, sampling: .headOnly, checkInterrupt: session.checkInterrupt)
            let shown = Set((0..<min(steps, 12)).map { k in steps - (min(steps, 12) - 1 - k) * steps / min(steps, 12) })
            var tiles = [Figure.Tile(try Figure.displayed(image), title: "x"),
                         Figure.Tile(try Figure.displayed(head.image), title: "head")]
            _ = try editor.edit(image, using: head.references, sampling: sampling,
                                checkInterrupt: session.checkInterrupt) { step, estimate in
                if shown.contains(step) { tiles.append(Figure.Tile(try Figure.displayed(estimate), title: "step \(step)")) }
            }
            return .image(try Figure.comparison(tiles, heading: "DDIM, \(steps) steps from noise: the head's edit plus each step's estimate of what it missed"))
        },
    ])
}
