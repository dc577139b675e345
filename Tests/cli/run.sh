#!/usr/bin/env bash
# `likewise run` as a user meets it: a good script writes its pictures and exits 0; a script with
# an error still writes what it displayed before it, reports file:line:column with a caret on
# stderr, and exits 1. Prints "N passed, N failed".
set -u
binary=$(cd "$(dirname "${1:-.build/debug/likewise}")" && pwd -P)/$(basename "${1:-.build/debug/likewise}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Every call of the binary below goes through this, so that a hang fails its check instead of
# stalling the run: five minutes a call (the longest, demo and eval, take under a minute here).
bin=$work/likewise
printf '#!/bin/sh\nexec timeout --kill-after=10s 300 "%s" "$@"\n' "$binary" > "$bin"
chmod +x "$bin"
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $1"; fi; }

cat > "$work/good.lw" <<'LW'
let pairs = synth("big_smile", count: 3, size: 32, seed: 1)
print("pairs:", pairs.count)
show(pairs[0].source)
grid(pairs)
LW
run_script() { "$bin" run "$work/$1.lw" --out "$work/$1" > "$work/$1.out" 2> "$work/$1.err"; status=$?; }
run_script good
check "a good script exits 0" '[[ $status -eq 0 ]]'
check "it prints" 'grep -q "pairs: 3" "$work/good.out"'
check "it writes each picture as a numbered PNG" '[[ -f "$work/good/001.png" && -f "$work/good/002.png" ]]'
check "the PNGs are PNG" '[[ $(head -c 4 "$work/good/001.png" | od -An -c | tr -d " ") == "211PNG" ]]'

# Help is wrapped once, by the argument parser, at the terminal's width: never mid-sentence.
check "every command's help breaks lines only where the parser wraps them" 'python3 "$(dirname "$0")/help_lines.py" "$bin" > "$work/help-lines.out" || { cat "$work/help-lines.out"; false; }'

# A script shows every expression statement's value, not only the last as a cell does.
cat > "$work/values.lw" <<'LW'
let a = 6
a * 7
info(model(synth("old", count: 2, size: 32, seed: 1), preset: "tiny", pairing: "one2one"))
let b = a
LW
run_script values
check "a script shows the value of each expression statement" '[[ $status -eq 0 ]] && grep -qx "42" "$work/values.out" && grep -q "^working size " "$work/values.out"'

cat > "$work/bad.lw" <<'LW'
show(synth("old", count: 2, size: 32))
let x = 1
trian(x)
LW
run_script bad
check "a failing script exits 1" '[[ $status -eq 1 ]]'
check "the error names file:line:column" 'grep -q "bad.lw:3:1: NameError: unknown command .trian." "$work/bad.err"'
check "a caret marks the place" 'grep -q "^  \^\^\^\^\^$" "$work/bad.err"'
check "pictures shown before the error are written" '[[ -f "$work/bad/001.png" ]]'

# A picture updated in place (the loss plot while training) is one file, rewritten; a table prints in full.
cat > "$work/live.lw" <<'LW'
let m = model(synth("old", count: 2, size: 32, seed: 1), preset: "tiny", pairing: "one2one")
train(m, steps: 30)
print(evaluate(m, synth("old", count: 2, size: 32, seed: 9)))
LW
run_script live
check "training writes its loss plot once and updates that file" '[[ $status -eq 0 && $(ls "$work/live" | wc -l) == 1 && -f "$work/live/001.png" ]]'
check "print shows a table row by row" 'grep -q "^identity " "$work/live.out" && grep -q "^one2one " "$work/live.out"'

printf 'let a = 20\nshow(\n  a + 1)\na * 2\nprnt(a)\na\n' | "$bin" repl --out "$work/repl" > "$work/repl.out" 2>&1
status=$?
check "the repl ends at end of input with status 0" '[[ $status -eq 0 ]]'
check "the repl gathers an open bracket over lines" 'grep -q "\.\.\. 21$" "$work/repl.out"'
check "the repl shows the value of an expression" 'grep -qx "lw> 40" "$work/repl.out"'
check "the repl reports an error and goes on" 'grep -q "NameError: 1:1: unknown command .prnt. — did you mean .print.?" "$work/repl.out" && grep -A3 NameError "$work/repl.out" | grep -qx "lw> 20"'

# What `make demo` runs (here at the tiny preset): the editor trained on a built-in task, every
# picture the README lists as a PNG, index.html showing them all beside the metrics.
"$bin" demo --out "$work/demo" --preset tiny --pairs 4 --steps 20 --heldout 4 > "$work/demo.out" 2>&1
status=$?
check "demo exits 0" '[[ $status -eq 0 ]]'
png_size() { python3 -c 'import struct, sys; d = open(sys.argv[1], "rb").read(24); assert d[:8] == b"\x89PNG\r\n\x1a\n"; print("%dx%d" % struct.unpack(">II", d[16:24]))' "$1" 2>/dev/null; }
for name in tasks pairs flow carried loss edits; do
  check "demo writes $name.png and index.html shows it" '[[ -n $(png_size "$work/demo/$name.png") ]] && grep -q "<img src=\"$name.png\"" "$work/demo/index.html"'
done
check "demo writes the metrics as metrics.png" '[[ -n $(png_size "$work/demo/metrics.png") ]]'
check "index.html carries the metrics beside the identity" 'grep -q "<td>identity</td>" "$work/demo/index.html" && grep -q "<td>structural</td>" "$work/demo/index.html"'
# (Measured: 33.63 dB where the edit is against the identity's 32.54, after 20 steps at tiny.)
check "the demo trains the editor and beats the identity where the edit is" 'tail -n 1 "$work/demo.out" | python3 -c "import json, sys; s = json.load(sys.stdin); assert s[\"summary\"] == \"editor\" and s[\"edit_psnr\"] > s[\"identity_edit_psnr\"] + 0.5 > 0.5, s"'
check "its training is reported as JSON lines" '[[ $(grep -c "^{\"step\": " "$work/demo.out") -ge 10 ]]'

# LIKEWISE_THREADS sets the engine's thread count; a value that is not a number leaves the default.
printf 'print(threads())\n' > "$work/threads.lw"
check "LIKEWISE_THREADS=1 gives one thread" '[[ $(LIKEWISE_THREADS=1 "$bin" run "$work/threads.lw" --out "$work/t") == 1 ]]'
check "LIKEWISE_THREADS=3 gives three" '[[ $(LIKEWISE_THREADS=3 "$bin" run "$work/threads.lw" --out "$work/t") == 3 ]]'
check "without it, one a core" '[[ $(env -u LIKEWISE_THREADS "$bin" run "$work/threads.lw" --out "$work/t") == $(nproc) ]]'
check "a value that is not a number leaves the default" '[[ $(LIKEWISE_THREADS=many "$bin" run "$work/threads.lw" --out "$work/t") == $(nproc) ]]'

# Missing flow weights are an error that says where they were looked for, not a crash.
printf 'let p = synth("old", count: 2, size: 32)\nflow(p[0].source, p[1].source)\n' > "$work/flow.lw"
LIKEWISE_FLOW_WEIGHTS=/nonexistent/flow.safetensors "$bin" run "$work/flow.lw" --out "$work/flow-run" > /dev/null 2> "$work/flow.err"
status=$?
check "missing flow weights are an error naming the file" '[[ $status -eq 1 ]] && grep -q "/nonexistent/flow.safetensors" "$work/flow.err"'
check "the shipped weights are found beside the binary" '"$bin" run "$work/flow.lw" --out "$work/flow-run" > /dev/null'

# likewise eval: every row, with the edit-region numbers, in the table, the JSON and the picture.
"$bin" eval --task blue_eyes --preset tiny --pairs 3 --large 6 --steps 4 --heldout 4 --json "$work/eval.json" --png "$work/eval.png" > "$work/eval.out" 2> "$work/eval.err"
status=$?
check "eval exits 0" '[[ $status -eq 0 ]]'
check "eval prints a row a method" '[[ $(grep -cE "^(identity|n2n|one2one|pix2pix) +[0-9]+ pairs  PSNR" "$work/eval.out") -eq 5 ]]'
check "eval writes the rows as JSON" 'python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert (d[\"task\"], d[\"pairs\"], d[\"heldout\"], d[\"pairing\"], d[\"flow_estimator\"]) == (\"blue_eyes\", 3, 4, \"structural\", \"learned\"), d
assert [(r[\"method\"], r[\"pairs\"]) for r in d[\"rows\"]] == [(\"identity\", 0), (\"n2n\", 3), (\"one2one\", 3), (\"pix2pix\", 3), (\"pix2pix\", 6)]
for r in d[\"rows\"]:
    assert set(r) == {\"method\", \"diffusion\", \"pairs\", \"psnr\", \"ssim\", \"edit_psnr\", \"edit_cover\", \"outside_psnr\", \"sharpness\", \"steps\", \"train_seconds\"}, r
    assert 0 < r[\"edit_cover\"] < 1 and r[\"edit_psnr\"] > 0 and r[\"outside_psnr\"] > 0 and r[\"sharpness\"] > 0 and r[\"diffusion\"] is False
assert d[\"rows\"][0][\"edit_psnr\"] < d[\"rows\"][0][\"psnr\"]
" "$work/eval.json"'
check "eval draws the held-out examples: four rows of source, truth and five edits" '[[ $(png_size "$work/eval.png") == 824x637 ]]'
# --seeds: the whole evaluation once a seed, each row with its seed, then the summary over them.
"$bin" eval --task sleepy --preset tiny --pairs 3 --large 0 --steps 3 --heldout 3 --seed 5 --seeds 2 --json "$work/seeds.json" > "$work/seeds.out" 2> /dev/null
status=$?
check "eval --seeds 2 runs each seed and prints mean ± sd and the differences with intervals" '[[ $status -eq 0 ]] && grep -q "^seed 6 (2 of 2)" "$work/seeds.out" && grep -q "^over 2 seeds (5, 6): mean ± standard deviation" "$work/seeds.out" && grep -qE "^n2n@3 +PSNR [0-9.]+ ± [0-9.]+" "$work/seeds.out" && grep -qE "^n2n@3 − one2one@3 +[-+][0-9.]+ ± [0-9.]+ dB  \[[-+][0-9.]+, [-+][0-9.]+\]  (real|within the noise)" "$work/seeds.out"'
check "eval --seeds --json has every seed's rows and the summary" 'python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert [(r[\"method\"], r[\"seed\"]) for r in d[\"rows\"]] == [(m, s) for s in (5, 6) for m in (\"identity\", \"n2n\", \"one2one\", \"pix2pix\")], d[\"rows\"]
s = d[\"summary\"]
assert s[\"seeds\"] == [5, 6] and [r[\"label\"] for r in s[\"rows\"]] == [\"identity\", \"n2n@3\", \"one2one@3\", \"pix2pix@3\"]
n2n = [r for r in d[\"rows\"] if r[\"method\"] == \"n2n\"]
assert abs(s[\"rows\"][1][\"edit_psnr\"][\"mean\"] - (n2n[0][\"edit_psnr\"] + n2n[1][\"edit_psnr\"]) / 2) < 1e-9
assert len(s[\"differences\"]) == 3 and all(x[\"low\"] <= x[\"difference\"][\"mean\"] <= x[\"high\"] for x in s[\"differences\"])
" "$work/seeds.json"'
# --converge: the baselines also trained until validation stops improving, with their best weights.
"$bin" eval --task old --preset tiny --pairs 3 --large 4 --steps 2 --heldout 2 --converge --converge-every 4 --converge-cap 24 --validation 3 --json "$work/converge.json" > "$work/converge.out" 2> /dev/null
status=$?
check "eval --converge adds one2one and pix2pix trained to their best on validation pairs" '[[ $status -eq 0 ]] && grep -qE "^one2one-converged@3: best on validation at step [0-9]+ \([0-9.]+ dB where the edit is\), stopped at [0-9]+" "$work/converge.out" && python3 -c "
import json, sys
rows = json.load(open(sys.argv[1]))[\"rows\"]
assert [(r[\"method\"], r[\"pairs\"]) for r in rows][-2:] == [(\"one2one-converged\", 3), (\"pix2pix-converged\", 4)], rows
assert all(4 <= r[\"steps\"] <= 24 and r[\"steps\"] % 4 == 0 for r in rows[-2:]), rows
" "$work/converge.json"'
# --regret: auto's candidates trained in full, then auto's choices scored as what they chose.
"$bin" eval --task old --preset tiny --pairs 5 --large 0 --steps 10 --heldout 3 --seeds 2 --flow-estimator horn-schunck --regret --json "$work/regret.json" > "$work/regret.out" 2> /dev/null
status=$?
check "eval --regret trains the candidates, makes each plan's choice and summarises the regret" '[[ $status -eq 0 ]] && grep -qE "^auto pairing (structural|implicit|one2one): .* on 1 held-out pairs after 15 steps .*; the choice took [0-9]+ s, [0-9]+ % of its training; regret [0-9.]+ dB where the edit is \(best: (structural|implicit|one2one)\)$" "$work/regret.out" && grep -qE "^auto-folds pairing .* on 2 folds of 1 held-out pairs after 15 steps" "$work/regret.out" && grep -qE "^auto-single pairing .* on 1 held-out pairs after 5 steps" "$work/regret.out" && grep -qE "^auto@5 +[0-9.]+ ± [0-9.]+ dB, worst [0-9.]+ dB; chose the best on [0-2] of 2 seeds$" "$work/regret.out" && python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
methods = [r[\"method\"] for r in d[\"rows\"] if r[\"seed\"] == 1]
assert methods == [\"identity\", \"structural\", \"implicit\", \"one2one\", \"auto\", \"auto-folds\", \"auto-single\"], methods
rows = {r[\"method\"]: r for r in d[\"rows\"] if r[\"seed\"] == 2}
chosen = [m for m in (\"structural\", \"implicit\", \"one2one\") if rows[m][\"edit_psnr\"] == rows[\"auto\"][\"edit_psnr\"]]
assert chosen and rows[\"auto\"][\"train_seconds\"] > rows[chosen[0]][\"train_seconds\"], rows
best = max(rows[m][\"edit_psnr\"] for m in (\"structural\", \"implicit\", \"one2one\"))
regret = {r[\"label\"]: r for r in d[\"summary\"][\"regrets\"]}
assert set(regret) == {\"auto@5\", \"auto-folds@5\", \"auto-single@5\"} and regret[\"auto@5\"][\"worst\"] >= best - rows[\"auto\"][\"edit_psnr\"] - 1e-9, regret
" "$work/regret.json"'
python3 "$(dirname "$0")/../../bench/results_table.py" "$work/regret.json" > "$work/regret-table.out"
status=$?
check "results_table.py makes auto's table from eval --regret" '[[ $status -eq 0 ]] && grep -qE "^\| .old. \| [0-9.]+ ± [0-9.]+ \| [0-9.]+ ± [0-9.]+ \| [0-9.]+ ± [0-9.]+ \| (structural|implicit|one2one) [0-9.]+, (structural|implicit|one2one) [0-9.]+ \|" "$work/regret-table.out" && grep -qE "^auto-single: regret over 2 task-seeds mean [0-9.]+ dB, worst [0-9.]+ dB, the best chosen on [0-2]; the choice took [0-9]+ % of the chosen candidate" "$work/regret-table.out"'
# --suggest-rounds: a pair added each round, suggest's first or one at random, and n2n trained again.
"$bin" eval --task old --preset tiny --pairs 2 --pool 3 --suggest-rounds 2 --steps 2 --heldout 2 --seeds 2 --flow-estimator horn-schunck --json "$work/trial.json" --png "$work/trial.png" > "$work/trial.out" 2> /dev/null
status=$?
check "eval --suggest-rounds adds a suggested and a random pair a round and pairs the curves by seed" '[[ $status -eq 0 ]] && grep -q "^old, seed 2 (2 of 2): 2 pairs to start, 3 unedited to choose from, 2 held out; 2 steps a round, 32 px$" "$work/trial.out" && [[ $(grep -cE "^(suggested|unlike) round [12]: \+old_[2-4] → [34] pairs, edit PSNR [0-9.]+ \(PSNR [0-9.]+\), trained [0-9]+ s$" "$work/trial.out") -eq 8 ]] && grep -qE "^4 pairs +suggested [0-9.]+ ± [0-9.]+  unlike [0-9.]+ ± [0-9.]+  random [0-9.]+ ± [0-9.]+$" "$work/trial.out" && grep -qE "^suggested − random at 4 pairs: [-+][0-9.]+ ± [0-9.]+ dB  \[[-+][0-9.]+, [-+][0-9.]+\]  (real|within the noise)$" "$work/trial.out" && grep -qE "^unlike − random over rounds 1…2: [-+][0-9.]+ ± [0-9.]+ dB" "$work/trial.out" && [[ $(png_size "$work/trial.png") == 520x300 ]] && python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert (d[\"task\"], d[\"pairs\"], d[\"pool\"], d[\"steps\"]) == (\"old\", 2, 3, 2) and [t[\"seed\"] for t in d[\"trials\"]] == [1, 2], d
for t in d[\"trials\"]:
    assert [(r.get(\"arm\"), r[\"round\"], r[\"row\"][\"pairs\"]) for r in t[\"rounds\"]] == [(None, 0, 2)] + [(a, k, 2 + k) for a in (\"suggested\", \"unlike\", \"random\") for k in (1, 2)], t
s = d[\"summary\"]
arms = {a[\"arm\"]: a for a in s[\"arms\"]}
assert s[\"pairs\"] == [2, 3, 4] and list(arms) == [\"suggested\", \"unlike\", \"random\"] and all(len(a[\"curve\"]) == 3 for a in arms.values())
assert \"versus_random\" not in arms[\"random\"] and arms[\"suggested\"][\"mean_versus_random\"][\"low\"] <= arms[\"suggested\"][\"mean_versus_random\"][\"difference\"][\"mean\"]
" "$work/trial.json"'
"$bin" eval --task old --preset tiny --pairs 2 --pool 3 --suggest-rounds 4 > /dev/null 2> "$work/trial-pool.err"
"$bin" eval --task old --preset tiny --suggest-rounds 2 --regret > /dev/null 2> "$work/trial-regret.err"
"$bin" eval --task old --preset tiny --suggest-rounds 2 --pairing auto > /dev/null 2> "$work/trial-auto.err"
check "eval --suggest-rounds refuses a pool smaller than its rounds, other measurements and auto, by name" 'grep -q "pool must be --suggest-rounds (4)…10000, got 3" "$work/trial-pool.err" && grep -q "suggest-rounds trains n2n alone, --steps steps a round: not with --regret" "$work/trial-regret.err" && grep -q "give structural, implicit or combined, not auto" "$work/trial-auto.err"'
# --calibration: each n-to-n row says how well its references' spread foretells its error.
"$bin" eval --task blue_eyes --preset tiny --pairs 4 --large 0 --steps 3 --heldout 2 --flow-estimator horn-schunck --calibration 3 --reliability "$work/reliability.png" --json "$work/calibration.json" > "$work/calibration.out" 2> /dev/null
status=$?
check "eval --calibration measures the n-to-n row's confidence against its error" '[[ $status -eq 0 ]] && grep -qE "^n2n@4 calibration with 3 references: spread–error correlation -?[0-9.]+ \(-?[0-9.]+ where the edit is\); error by spread fifth, surest first: [0-9.]+ [0-9.]+ [0-9.]+ [0-9.]+ [0-9.]+ — the least sure fifth errs [0-9.]+× the surest$" "$work/calibration.out" && python3 -c "
import json, sys
rows = {r[\"method\"]: r for r in json.load(open(sys.argv[1]))[\"rows\"]}
c = rows[\"n2n\"][\"calibration\"]
assert c[\"references\"] == 3 and len(c[\"fifths\"]) == 5 and -1 <= c[\"correlation\"] <= 1, c
assert [f[\"spread\"] for f in c[\"fifths\"]] == sorted(f[\"spread\"] for f in c[\"fifths\"]), c
assert \"calibration\" not in rows[\"one2one\"], rows[\"one2one\"]
" "$work/calibration.json"'
check "eval --reliability plots the calibrated row's fifths beside error = spread" '[[ $(png_size "$work/reliability.png") == 560x300 ]]'
"$bin" eval --task old --calibration 1 > /dev/null 2> "$work/calibration-bad.err"
check "eval --calibration 1 is refused" 'grep -q "calibration must be 2…64 references, got 1" "$work/calibration-bad.err"'
"$bin" eval --task old --reliability "$work/r.png" > /dev/null 2> "$work/reliability-bad.err"
check "eval --reliability without --calibration is refused" 'grep -q "reliability plots what --calibration measures: give --calibration too" "$work/reliability-bad.err"'
"$bin" eval --task old --regret --diffusion > /dev/null 2> "$work/regret-bad.err"
check "eval --regret with --diffusion is refused" 'grep -q "regret trains auto.s candidates as auto does, plain: not with --diffusion" "$work/regret-bad.err"'
"$bin" eval --data "$work" --converge > /dev/null 2> "$work/converge-bad.err"
check "eval --converge with --data is refused" 'grep -q "converge draws validation pairs from a built-in task" "$work/converge-bad.err"'
"$bin" eval --task sleepy --seeds 0 > /dev/null 2> "$work/seeds-bad.err"
check "eval --seeds 0 is refused" 'grep -q "seeds must be 1…30, got 0" "$work/seeds-bad.err"'
# Trained a little on a task whose edit covers the face, both editors beat the identity where the
# edit is on held-out pairs: a broken training would leave them at it. (Measured: identity 15.21,
# n2n 22.72, one2one 21.66 dB after 30 steps at tiny; pix2pix, from scratch, 15.88.)
"$bin" eval --task old --preset tiny --pairs 4 --large 0 --steps 30 --heldout 4 --json "$work/eval-old.json" > /dev/null 2>&1
check "eval: after 30 steps n2n and one2one beat the identity where the edit is, by 3 dB" 'python3 -c "
import json, sys
rows = {r[\"method\"]: r[\"edit_psnr\"] for r in json.load(open(sys.argv[1]))[\"rows\"]}
assert rows[\"n2n\"] > rows[\"identity\"] + 3 and rows[\"one2one\"] > rows[\"identity\"] + 3, rows
" "$work/eval-old.json"'
# --full-size: the held-out scenes drawn larger, every method through every lift, and the colour fit.
"$bin" eval --task blue_eyes --preset tiny --pairs 3 --large 0 --steps 2 --heldout 2 --full-size 64 --json "$work/eval-full.json" > /dev/null 2>&1
check "eval --full-size scores each method at that size through every lift, beside a global colour fit" 'python3 -c "
import json, sys
rows = json.load(open(sys.argv[1]))[\"rows\"]
named = [(r[\"method\"], r.get(\"size\"), r.get(\"lift\")) for r in rows]
lifts = [\"upsample\", \"detail\", \"grid\", \"residual\", \"adaptive\"]
expected = [(\"identity\", None, None), (\"identity\", 64, None), (\"colour-fit\", None, None), (\"colour-fit\", 64, None)]
for method in [\"n2n\", \"one2one\", \"pix2pix\"]:
    expected += [(method, None, None)] + [(method, 64, lift) for lift in lifts]
assert named == expected, named
full = {(r[\"method\"], r.get(\"lift\")): r for r in rows if r.get(\"size\") == 64}
# Where the edit changes nothing, carrying the change keeps more of the photo than scaling the edit up.
assert full[(\"one2one\", \"detail\")][\"outside_psnr\"] > full[(\"one2one\", \"upsample\")][\"outside_psnr\"], full
" "$work/eval-full.json"'
# --diffusion scores n2n's head and its samples; --vae adds the reconstruction ceilings.
"$bin" eval --task sleepy --preset tiny --pairs 3 --large 0 --steps 3 --heldout 2 --diffusion --sample-steps 2 --vae --json "$work/diffusion.json" > "$work/diffusion.out" 2> /dev/null
status=$?
check "eval --diffusion --vae has the head, the samples and two VAE ceilings" '[[ $status -eq 0 ]] && python3 -c "
import json, sys
rows = json.load(open(sys.argv[1]))[\"rows\"]
assert [(r[\"method\"], r[\"diffusion\"]) for r in rows] == [(\"identity\", False), (\"n2n\", False), (\"n2n\", True), (\"vae\", False), (\"vae-noskip\", False), (\"one2one\", False), (\"pix2pix\", False)], rows
assert rows[1][\"psnr\"] != rows[2][\"psnr\"] and rows[3][\"steps\"] == 3
" "$work/diffusion.json" && grep -q "^n2n+diff " "$work/diffusion.out"'
"$bin" eval --task sleepy --sample-steps 0 > /dev/null 2> "$work/steps-bad.err"
check "eval --sample-steps 0 is refused" 'grep -q "sample-steps must be 1…100, got 0" "$work/steps-bad.err"'
# --data DIR: the folder's pairs, shuffled, train on --pairs and hold the rest out, scored at the
# working size and at their own; --budget trains by the clock.
mkdir -p "$work/own"
{ echo 'let p = synth("old", count: 5, size: 32, seed: 60)'
  for i in 0 1 2 3 4; do echo "save(p[$i].source, \"$work/own/face${i}_src.png\")"; echo "save(p[$i].target, \"$work/own/face${i}_tgt.png\")"; done
} > "$work/own.lw"
"$bin" run "$work/own.lw" --out "$work/own-run" > /dev/null
"$bin" eval --data "$work/own" --preset tiny --pairs 3 --budget 2 --pairing implicit --json "$work/own.json" > "$work/own.out" 2> "$work/own.err"
status=$?
check "eval --data holds out the pairs it does not train on" '[[ $status -eq 0 ]] && python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert (d[\"task\"], d[\"pairs\"], d[\"heldout\"], d[\"pairing\"]) == (\"own\", 3, 2, \"implicit\"), d
working = [r for r in d[\"rows\"] if \"size\" not in r]
assert [r[\"method\"] for r in working] == [\"identity\", \"colour-fit\", \"n2n\", \"one2one\", \"pix2pix\"]
assert all(r[\"steps\"] >= 5 and r[\"train_seconds\"] < 6 for r in working[2:]), working
# Each held-out photo is scored at its own size too (size 0), every method through every lift.
own = [(r[\"method\"], r.get(\"lift\")) for r in d[\"rows\"] if r.get(\"size\") == 0]
lifts = [\"upsample\", \"detail\", \"grid\", \"residual\", \"adaptive\"]
assert own == [(\"identity\", None), (\"colour-fit\", None)] + [(m, l) for m in [\"n2n\", \"one2one\", \"pix2pix\"] for l in lifts], own
" "$work/own.json"'
# --suggest-rounds on a folder: its start, pool and held-out pairs drawn from the folder by seed.
"$bin" eval --data "$work/own" --preset tiny --pairs 2 --pool 2 --suggest-rounds 2 --steps 2 --flow-estimator horn-schunck > "$work/own-trial.out" 2> /dev/null
status=$?
check "eval --suggest-rounds --data adds the folder's own pairs a round" '[[ $status -eq 0 ]] && grep -q "^own, seed 1: 2 pairs to start, 2 unedited to choose from, 1 held out; 2 steps a round, 32 px$" "$work/own-trial.out" && [[ $(grep -cE "^(suggested|unlike|random) round [12]: \+face[0-4] → [34] pairs, edit PSNR [0-9.]+ \(PSNR [0-9.]+\), trained [0-9]+ s$" "$work/own-trial.out") -eq 6 ]] && grep -qE "^suggested − random over rounds 1…2: [-+][0-9.]+ dB  within the noise$" "$work/own-trial.out"'
"$bin" eval --data "$work/own" --pairs 3 --pool 2 --suggest-rounds 2 > /dev/null 2> "$work/own-trial-bad.err"
"$bin" eval --data "$work/own" --pairs 5 > /dev/null 2> "$work/own-bad.err"
check "eval --data refuses to leave no pair held out, naming the options" 'grep -q "own has 5 pairs and --pairs 3 with --pool 2 asks for 5, leaving none to hold out; give fewer" "$work/own-trial-bad.err" && grep -q "own has 5 pairs and --pairs 5 asks for 5, leaving none to hold out; give fewer" "$work/own-bad.err"'
"$bin" eval --task nosuch > /dev/null 2> "$work/eval-bad.err"
status=$?
check "an unknown task is an error naming the tasks" '[[ $status -ne 0 ]] && grep -q "unknown task .nosuch.; the built-in tasks are blue_eyes" "$work/eval-bad.err"'

# train --pairing auto says its plan first; --auto-budget caps the choice (no step fits 0.01 s: the
# fewest, 5 in the first round and 15 in the second).
"$bin" train --task old --pairs 4 --preset tiny --steps 2 --flow-estimator horn-schunck --auto-budget 0.01 --out "$work/auto.safetensors" > "$work/auto.out" 2>&1
status=$?
check "auto says its plan and fits its budget" '[[ $status -eq 0 ]] && grep -q "^auto: trying structural, implicit, one2one for 12 steps each on 3 pairs, scored on 1 held out, the better half going on each round to 3× the steps (12, 36) (fewer steps if they would take over 0 s)$" "$work/auto.out" && grep -q "^auto: 5 steps each in the first round, to fit 0 s at " "$work/auto.out" && grep -q "on 1 held-out pairs after 15 steps" "$work/auto.out"'

# likewise train saves an effect; likewise apply edits a folder with it, resumably, and lists what
# it could not read.
"$bin" train --task blue_eyes --pairs 3 --preset tiny --pairing structural --steps 3 --out "$work/effect.safetensors" > "$work/train.out" 2> "$work/train.err"
status=$?
check "train exits 0 and says what it saved" '[[ $status -eq 0 ]] && grep -q "^saved .*effect.safetensors: 3 pairs, structural, preset tiny, 3 steps$" "$work/train.out"'
check "train reports its progress" 'grep -q "^step 3/3  loss" "$work/train.err"'
check "progress on a pipe is whole lines, without carriage returns or escape codes" '! grep -q $'"'"'[\r\x1b]'"'"' "$work/train.err"'
"$bin" train --task old --pairs 3 --preset tiny --pairing structural --steps 2 --refine-flow 2 --out "$work/refined.safetensors" > /dev/null 2> "$work/refine.err"
status=$?
check "train --refine-flow refines the flow on the pairs first" '[[ $status -eq 0 ]] && grep -q "^refining the flow on your pairs (2 steps)" "$work/refine.err"'
"$bin" train --task old --flow-estimator horn-schunck --refine-flow 2 --out "$work/x.safetensors" > /dev/null 2> "$work/refine-bad.err"
status=$?
check "only the learned flow can be refined" '[[ $status -ne 0 ]] && grep -q "only the learned flow can be refined on your pairs; horn-schunck has nothing to learn" "$work/refine-bad.err"'
"$bin" train --task old --pairs 3 --preset tiny --pairing implicit --steps 2 --end-to-end --out "$work/e2e.safetensors" > "$work/e2e.out" 2> /dev/null
status=$?
check "train --end-to-end trains Mx with the head and saves it so" '[[ $status -eq 0 ]] && grep -q "^saved .*e2e.safetensors: 3 pairs, implicit, Mx end to end, preset tiny, 2 steps$" "$work/e2e.out" && python3 -c "
import json, struct, sys
data = open(sys.argv[1], \"rb\").read()
header = json.loads(data[8:8 + struct.unpack(\"<Q\", data[:8])[0]])
assert json.loads(header[\"__metadata__\"][\"editor.design\"])[\"end_to_end\"] is True
assert \"model.flow.block.0.weight\" in header and \"optimizer.exp_avg.flow.block.0.weight\" in header
" "$work/e2e.safetensors"'
"$bin" train --task old --pairs 3 --preset tiny --pairing structural --steps 2 --transform-channels --out "$work/fc.safetensors" > "$work/fc.out" 2> /dev/null
status=$?
check "train --transform-channels saves an effect whose head reads Mx" '[[ $status -eq 0 ]] && grep -q "^saved .*fc.safetensors: 3 pairs, structural, Mx as channels, preset tiny, 2 steps$" "$work/fc.out" && python3 -c "
import json, struct, sys
data = open(sys.argv[1], \"rb\").read()
header = json.loads(data[8:8 + struct.unpack(\"<Q\", data[:8])[0]])
assert json.loads(header[\"__metadata__\"][\"editor.design\"])[\"transform_channels\"] is True
" "$work/fc.safetensors"'
"$bin" train --task old --pairing one2one --transform-channels --out "$work/x.safetensors" > /dev/null 2> "$work/fc-bad.err"
check "--transform-channels with a direct pairing is refused" 'grep -q "a one2one editor has no reference" "$work/fc-bad.err"'
"$bin" train --task old --pairing one2one --end-to-end --out "$work/x.safetensors" > /dev/null 2> "$work/e2e-bad.err"
check "--end-to-end with a direct pairing is refused" 'grep -q "end-to-end training trains Mx, which a one2one editor does not use" "$work/e2e-bad.err"'
mkdir -p "$work/photos"
printf 'let p = synth("blue_eyes", count: 3, size: 48, seed: 50)
save(p[0].source, "%s/photos/a.png")
save(p[1].source, "%s/photos/b.png")
save(p[2].source, "%s/photos/c.png")
save(p[2].target, "%s/photos/d.JPG")
' "$work" "$work" "$work" "$work" > "$work/photos.lw"
"$bin" run "$work/photos.lw" --out "$work/photos-run" > /dev/null
printf 'not a png' > "$work/photos/broken.png"
# A photo of its own odd size and aspect (a gradient, written by zlib: no image library needed).
python3 -c '
import struct, sys, zlib
w, h = 57, 31
rows = b"".join(b"\0" + bytes(v for x in range(w) for v in (4 * x, 8 * y, 128)) for y in range(h))
chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                             + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
' "$work/photos/e.png"
# A grey one: reading it as RGB is said in a line, by image() and by apply.
python3 -c '
import struct, sys, zlib
w, h = 20, 12
rows = b"".join(b"\0" + bytes(10 * x for x in range(w)) for y in range(h))
chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                             + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
' "$work/grey.png"
printf 'let g = image("%s/grey.png")\ng.width\n' "$work" > "$work/grey.lw"
check "image() of a grey PNG says it was read as RGB" '"$bin" run "$work/grey.lw" --out "$work/grey-run" 2>&1 | grep -q "note: .*grey.png: grey, read as RGB"'
"$bin" apply "$work/effect.safetensors" "$work/photos" "$work/edited" > /dev/null 2> "$work/apply.err"
status=$?
check "apply edits every readable image at its own size (the effect works at 32 px)" '[[ $(png_size "$work/edited/a.png") == 48x48 && $(png_size "$work/edited/e.png") == 57x31 && -f "$work/edited/b.png" && -f "$work/edited/c.png" ]]'
check "apply lists the unreadable file and exits 1" '[[ $status -eq 1 ]] && grep -q "photos/broken.png: not a PNG file" "$work/apply.err" && grep -q "5 edited, 0 already done, 1 unreadable" "$work/apply.err"'
check "apply writes a JPEG back as a JPEG under its own name" '[[ $(head -c 3 "$work/edited/d.JPG" | od -An -tx1 | tr -d " ") == ffd8ff ]]'
"$bin" apply "$work/effect.safetensors" "$work/photos/a.png" "$work/nope" > /dev/null 2> "$work/apply-file.err"
status=$?
check "apply on a file says it is not a folder" '[[ $status -ne 0 ]] && grep -q "photos/a.png: is a file, not a folder of images" "$work/apply-file.err"'
# --confidence: a map beside each edit, named as it, at its size; the least sure listed.
"$bin" apply "$work/effect.safetensors" "$work/photos" "$work/sure-out" --refs 2 --confidence "$work/sure-maps" > /dev/null 2> "$work/sure.err"
status=$?
check "apply --confidence writes a map of each edit at its size and lists the least sure" '[[ $status -eq 1 ]] && [[ $(png_size "$work/sure-maps/e.png") == 57x31 && $(png_size "$work/sure-out/e.png") == 57x31 && -f "$work/sure-maps/d.JPG" && ! -e "$work/sure-maps/broken.png" ]] && grep -qE "^least sure: [a-e]\.(png|JPG) [0-9.]+, [a-e]\.(png|JPG) [0-9.]+, " "$work/sure.err"'
# Maps asked for after the edits: written beside them, the edits kept.
cp "$work/sure-out/e.png" "$work/sure-e-before.png"
"$bin" apply "$work/effect.safetensors" "$work/photos" "$work/sure-out" --refs 2 --confidence "$work/sure-later" > "$work/sure-later.out" 2> "$work/sure-later.err"
check "apply --confidence into a finished run writes the maps it lacks and keeps the edits" 'cmp -s "$work/sure-e-before.png" "$work/sure-out/e.png" && [[ $(png_size "$work/sure-later/e.png") == 57x31 && -f "$work/sure-later/d.JPG" ]] && grep -q "0 edited, 5 already done, 1 unreadable" "$work/sure-later.err" && grep -q "^note: 5 edits were already there and kept; their confidence maps were written$" "$work/sure-later.err"'
# Without --refs, --confidence compares 4 references (the effect's 3 pairs here, all it has).
"$bin" apply "$work/effect.safetensors" "$work/photos" "$work/sure-out2" --confidence "$work/sure-maps2" > /dev/null 2> /dev/null
"$bin" apply "$work/effect.safetensors" "$work/photos" "$work/sure-out4" --refs 1 --confidence "$work/sure-maps4" > /dev/null 2> "$work/sure-one.err"
"$bin" apply "$work/effect.safetensors" "$work/photos" "$work/sure-out3" --refs 2 --confidence "$work/sure-out3" > /dev/null 2> "$work/sure-same.err"
check "apply --confidence needs no --refs, and refuses one reference or the output folder" '[[ -f "$work/sure-maps2/e.png" ]] && python3 -c "
import json, sys; assert json.load(open(sys.argv[1]))[\"references\"] == 4" "$work/sure-out2/.likewise-apply" && grep -q "confidence maps compare references: give 2 or more, got 1" "$work/sure-one.err" && grep -q "is the output folder: the confidence maps would replace the edits" "$work/sure-same.err"'
# suggest: which images to edit by hand next, with why; --json every image's numbers; the unreadable listed, exit 1.
"$bin" suggest "$work/effect.safetensors" "$work/photos" --count 2 --refs 2 --json "$work/suggest.json" > "$work/suggest.out" 2> "$work/suggest.err"
status=$?
check "suggest names the least sure images with why and writes every image's numbers as JSON" '[[ $status -eq 1 ]] && [[ $(wc -l < "$work/suggest.out") -eq 2 ]] && grep -qE "^1\. [a-e]\.(png|JPG): the least sure of 5 \(mean spread [0-9.]+\); [0-9a-z]+ least like the training pairs of 5 \(distance [0-9.]+\)$" "$work/suggest.out" && grep -qE "^2\. [a-e]\.(png|JPG): 2nd least sure of 5 " "$work/suggest.out" && grep -q "photos/broken.png: not a PNG file" "$work/suggest.err" && python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
spreads = [r[\"spread\"] for r in d[\"images\"]]
assert len(spreads) == 5 and spreads == sorted(spreads, reverse=True) and [r[\"spread_rank\"] for r in d[\"images\"]] == [1, 2, 3, 4, 5], d
" "$work/suggest.json"'
"$bin" suggest "$work/effect.safetensors" "$work/photos" --refs 1 > /dev/null 2> "$work/suggest-refs.err"
status=$?
check "suggest with one reference is refused by name" '[[ $status -ne 0 ]] && grep -q "refs must be 2…64, got 1" "$work/suggest-refs.err"'
mkdir -p "$work/tree/2026/june"
cp "$work/photos/a.png" "$work/tree/top.png" && cp "$work/photos/e.png" "$work/tree/2026/june/e.png" && cp "$work/photos/d.JPG" "$work/tree/2026/d.JPG"
"$bin" apply "$work/effect.safetensors" "$work/tree" "$work/tree-out" --recursive > /dev/null 2> "$work/tree.err"
status=$?
check "apply --recursive keeps the folder tree, each image at its own size" '[[ $status -eq 0 && $(png_size "$work/tree-out/2026/june/e.png") == 57x31 && -f "$work/tree-out/2026/d.JPG" && -f "$work/tree-out/top.png" ]] && grep -q "3 edited, 0 already done, 0 unreadable" "$work/tree.err"'
"$bin" apply "$work/effect.safetensors" "$work/tree" "$work/tree/" > /dev/null 2> "$work/tree-same.err"
status=$?
check "apply refuses to write into the folder it reads" '[[ $status -ne 0 ]] && grep -q "is the input folder: the edits would replace the photos" "$work/tree-same.err"'
rm "$work/edited/b.png"
"$bin" apply "$work/effect.safetensors" "$work/photos" "$work/edited" > /dev/null 2> "$work/apply2.err"
check "a second run does only what is left" 'grep -q "1 edited, 4 already done, 1 unreadable" "$work/apply2.err"'
# --view pad: the networks see each photo with its aspect kept; the edits come back at their sizes.
"$bin" train --task blue_eyes --pairs 3 --preset tiny --pairing one2one --steps 2 --view pad --out "$work/padded.safetensors" > /dev/null 2>&1
"$bin" apply "$work/padded.safetensors" "$work/photos" "$work/edited-pad" > /dev/null 2>&1
check "train --view pad saves an effect that edits each image at its own size" '[[ $(png_size "$work/edited-pad/e.png") == 57x31 && $(png_size "$work/edited-pad/a.png") == 48x48 ]]'
"$bin" train --task blue_eyes --pairs 3 --preset tiny --view crop --out "$work/nope.safetensors" > /dev/null 2> "$work/view-bad.err"
check "an unknown view is refused, naming the views" 'grep -q "the view must be one of squeeze, pad, got \"crop\"" "$work/view-bad.err"'
# An effect with diffusion: apply samples each edit, one seed giving the same images.
"$bin" train --task blue_eyes --pairs 3 --preset tiny --pairing one2one --diffusion --steps 3 --out "$work/diffusion.safetensors" > "$work/train-d.out" 2> /dev/null
check "train --diffusion says so" 'grep -q "^saved .*diffusion.safetensors: 3 pairs, one2one, with diffusion, preset tiny, 3 steps$" "$work/train-d.out"'
rm "$work/photos/broken.png"
"$bin" apply "$work/fc.safetensors" "$work/photos" "$work/edited-fc" > /dev/null 2>&1
check "apply edits with an effect whose head reads Mx" '[[ $(png_size "$work/edited-fc/a.png") == 48x48 && -f "$work/edited-fc/c.png" ]]'
"$bin" apply "$work/diffusion.safetensors" "$work/photos" "$work/sampled1" --steps 3 --seed 5 > /dev/null 2>&1
"$bin" apply "$work/diffusion.safetensors" "$work/photos" "$work/sampled2" --steps 3 --seed 5 > /dev/null 2>&1
"$bin" apply "$work/diffusion.safetensors" "$work/photos" "$work/head" --steps 0 > /dev/null 2>&1
check "apply --steps --seed samples the same images twice, and --steps 0 is the head" 'cmp -s "$work/sampled1/a.png" "$work/sampled2/a.png" && ! cmp -s "$work/sampled1/a.png" "$work/head/a.png"'
"$bin" apply "$work/effect.safetensors" "$work/photos" "$work/nope" --steps 2 > /dev/null 2> "$work/apply-steps.err"
status=$?
check "apply --steps on an effect without diffusion is an error" '[[ $status -ne 0 ]] && grep -q "effect.safetensors: sampling: steps: 2 needs a model with diffusion" "$work/apply-steps.err"'
"$bin" apply "$work/photos/a.png" "$work/photos" "$work/edited" > /dev/null 2> "$work/apply3.err"
status=$?
check "a file that is not an effect is an error naming it" '[[ $status -ne 0 ]] && grep -q "photos/a.png: not a usable checkpoint" "$work/apply3.err"'

# Ctrl-C (SIGINT) in the middle of the work: train --out leaves the previous file whole (it writes
# only at the end, atomically), and apply leaves only whole pictures and resumes where it stopped.
# started_then_interrupt CONDITION LOG COMMAND…: runs COMMAND (its stderr to LOG), sends SIGINT
# once CONDITION holds (within a minute), and waits for it. A shell starts a background job with
# SIGINT ignored; env --default-signal gives the command the terminal's Ctrl-C back.
started_then_interrupt() {
  local condition=$1 log=$2
  shift 2
  env --default-signal=INT "$@" > /dev/null 2> "$log" &
  local pid=$! waited=0
  until eval "$condition" || ((waited >= 600)); do sleep 0.1; waited=$((waited + 1)); done
  kill -INT "$pid" 2> /dev/null
  wait "$pid"
}
cp "$work/effect.safetensors" "$work/ctrlc.safetensors"
started_then_interrupt 'grep -q "^step [0-9]" "$work/ctrlc.err"' "$work/ctrlc.err" "$binary" train --task blue_eyes --pairs 3 --preset tiny --pairing one2one --steps 100000 --out "$work/ctrlc.safetensors"
check "Ctrl-C during train --out leaves the previous effect whole, and no partial file" 'grep -q "^step [0-9]" "$work/ctrlc.err" && cmp -s "$work/effect.safetensors" "$work/ctrlc.safetensors" && [[ ! -e "$work/.ctrlc.safetensors.partial" ]]'
mkdir -p "$work/many"
printf 'let p = synth("old", count: 30, size: 48, seed: 60)\nfor i in 0..<30 { save(p[i].source, "%s/many/" + "p" + i + ".png") }\n' "$work" > "$work/many.lw"
"$bin" run "$work/many.lw" --out "$work/many-run" > /dev/null 2>&1
started_then_interrupt '(($(ls "$work/many-out" 2> /dev/null | wc -l) >= 2))' "$work/many-apply.err" "$binary" apply "$work/effect.safetensors" "$work/many" "$work/many-out"
stopped=$(ls "$work/many-out" | wc -l)
png_whole() { python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); assert d[:8] == b"\x89PNG\r\n\x1a\n" and d[-8:-4] == b"IEND"' "$1" 2>/dev/null; }
check "Ctrl-C during apply leaves only whole pictures, and no temporary file" '((stopped > 0 && stopped < 30)) && grep -q "apply: interrupted; every file written is whole, and the same command resumes where it stopped" "$work/many-apply.err" && (for f in "$work"/many-out/*; do png_whole "$f" || exit 1; done) && [[ $(ls -A "$work/many-out" | grep "^\." | grep -cvx ".likewise-apply") -eq 0 ]]'
"$bin" apply "$work/effect.safetensors" "$work/many" "$work/many-out" > /dev/null 2> "$work/many-again.err"
check "and a second apply does only what is left" 'grep -q "$((30 - stopped)) edited, $stopped already done, 0 unreadable" "$work/many-again.err"'

# What the product writes, another process reads back (#28): an effect trained on crops of real
# photographs (320² and 300², the reported case), saved by one process and loaded by another; its
# edits through apply and through a script byte for byte alike; a saved picture read and saved
# again unchanged; the flow network's weights of train --flow used by a script.
fixtures=$(cd "$(dirname "$0")/../Fixtures" && pwd)
printf 'let p = loadPairs("%s/saved-effect-hash", size: 32)\nlet a = model(p, preset: "tiny", pairing: "one2one")\nsave(a, "%s/photos.safetensors")\nlet b = loadModel("%s/photos.safetensors")\nprint("loaded")\n' \
  "$fixtures" "$work" "$work" > "$work/repro.lw"
check "the reported photographs' effect loads back in the process that saved it" '[[ $("$bin" run "$work/repro.lw" --out "$work/repro" 2>&1) == loaded ]]'
"$bin" apply "$work/photos.safetensors" "$work/photos" "$work/repro-applied" > /dev/null 2>&1
check "and another process applies the effect the script saved" '[[ $? -eq 0 && -f "$work/repro-applied/a.png" ]]'
"$bin" train --data "$fixtures/saved-effect-hash" --preset tiny --pairing structural --steps 2 --out "$work/real.safetensors" > /dev/null 2> "$work/real.err"
check "train --data on real photographs saves an effect" '[[ $? -eq 0 && -f "$work/real.safetensors" ]]'
"$bin" apply "$work/real.safetensors" "$work/photos" "$work/real-applied" > /dev/null 2> "$work/real-apply.err"
check "another process applies it, without a warning" '[[ $? -eq 0 && -f "$work/real-applied/a.png" ]] && ! grep -q warning "$work/real-apply.err"'
printf 'let m = loadModel("%s/real.safetensors")\nsave(edit(m, image("%s/photos/a.png")), "%s/real-script/a.png")\nlet x = image("%s/real-applied/a.png")\nsave(x, "%s/real-script/again.png")\n' \
  "$work" "$work" "$work" "$work" "$work" > "$work/real.lw"
"$bin" run "$work/real.lw" --out "$work/real-run" > /dev/null 2> "$work/real-run.err"
check "a third edits alike: apply's output and the script's edit are the same bytes" '[[ $? -eq 0 ]] && cmp -s "$work/real-applied/a.png" "$work/real-script/a.png"'
check "a PNG read and saved again is the same file" 'cmp -s "$work/real-applied/a.png" "$work/real-script/again.png"'
"$bin" train --flow --preset tiny --steps 2 --out "$work/flow-weights.safetensors" > /dev/null 2>&1
LIKEWISE_FLOW_WEIGHTS="$work/flow-weights.safetensors" "$bin" run "$work/flow.lw" --out "$work/flow-own" > /dev/null 2> "$work/flow-own.err"
check "the flow weights of train --flow are read by another process" '[[ $? -eq 0 && -f "$work/flow-weights.safetensors" ]]'
# A saved effect whose stored pairs are damaged still edits, with a warning, and trains again once
# given its pairs; damaged weights refuse to load, naming the file.
damage() { python3 -c '
import json, struct, sys
path, name, out = sys.argv[1:4]
data = bytearray(open(path, "rb").read())
n = struct.unpack("<Q", data[:8])[0]
start = 8 + n + json.loads(data[8:8 + n])[name]["data_offsets"][0]
data[start + 40] ^= 0x20
open(out, "wb").write(data)' "$@"; }
damage "$work/real.safetensors" pairs.target "$work/damaged-pairs.safetensors"
damage "$work/real.safetensors" model.head.attention.key.weight "$work/damaged-weights.safetensors"
"$bin" apply "$work/damaged-pairs.safetensors" "$work/photos" "$work/damaged-applied" > /dev/null 2> "$work/damaged-apply.err"
check "an effect with damaged pairs still applies, warning that training needs them again" '[[ $? -eq 0 && -f "$work/damaged-applied/c.png" ]] && grep -q "warning: .*damaged-pairs.safetensors: the training pairs saved with this effect are damaged (coffee_07)" "$work/damaged-apply.err"'
printf 'let m = loadModel("%s/damaged-pairs.safetensors")\ntrain(m, steps: 3)\n' "$work" > "$work/damaged-train.lw"
"$bin" run "$work/damaged-train.lw" --out "$work/damaged-run" > /dev/null 2> "$work/damaged-train.err"
check "training it is refused, saying how to give the pairs" '[[ $? -eq 1 ]] && grep -q "loadModel(path, pairs: loadPairs(folder))" "$work/damaged-train.err"'
printf 'let m = loadModel("%s/damaged-pairs.safetensors", pairs: loadPairs("%s/saved-effect-hash", size: 32))\ntrain(m, steps: 3, plot: false)\nprint(m.steps)\n' "$work" "$fixtures" > "$work/restored.lw"
check "given its pairs again, it trains on" '[[ $("$bin" run "$work/restored.lw" --out "$work/restored-run" 2> "$work/restored.err" | tail -n 1) == 5 ]] && ! grep -q warning "$work/restored.err"'
"$bin" apply "$work/damaged-weights.safetensors" "$work/photos" "$work/nothing" > /dev/null 2> "$work/damaged-weights.err"
check "damaged weights refuse to load, naming the file and the tensor" '[[ $? -ne 0 ]] && grep -q "damaged-weights.safetensors: not a usable checkpoint: 1 of its .* tensors does not match the SHA-256 saved with it (.model.head.attention.key.weight. first): the file is damaged" "$work/damaged-weights.err"'

HOME="$work/home" "$bin" install --user > /dev/null
check "install --user writes the kernelspec under ~/.local/share/jupyter" '[[ -f "$work/home/.local/share/jupyter/kernels/likewise/kernel.json" && -f "$work/home/.local/share/jupyter/kernels/likewise/logo-64x64.png" ]]'
VIRTUAL_ENV="$work/env" "$bin" install --sys-prefix > /dev/null
check "the kernelspec states the protocol version the kernel speaks" 'grep -q "\"kernel_protocol_version\" : \"5.5\"" "$work/home/.local/share/jupyter/kernels/likewise/kernel.json"'
check "install --sys-prefix writes it into the active environment" 'grep -q "\"{connection_file}\"" "$work/env/share/jupyter/kernels/likewise/kernel.json"'
"$bin" install --prefix "$work/prefix" > /dev/null
check "the installed argv is this binary, absolute" 'grep -q "\"$binary\"" "$work/prefix/share/jupyter/kernels/likewise/kernel.json"'

# --vae-ablations: the skip VAE without noise injection and without the frequency loss, beside the two ceilings.
"$bin" eval --task sleepy --preset tiny --pairs 3 --large 0 --steps 2 --heldout 2 --vae --vae-ablations --json "$work/ablations.json" > /dev/null 2>&1
status=$?
check "eval --vae --vae-ablations adds vae-nonoise and vae-nofrequency" '[[ $status -eq 0 ]] && python3 -c "
import json, sys
rows = [r[\"method\"] for r in json.load(open(sys.argv[1]))[\"rows\"] if r[\"method\"].startswith(\"vae\")]
assert rows == [\"vae\", \"vae-noskip\", \"vae-nonoise\", \"vae-nofrequency\"], rows
" "$work/ablations.json"'
"$bin" eval --task old --preset tiny --pairs 3 --large 0 --steps 2 --heldout 2 --end-to-end --condition-ablations --json "$work/e2e.json" > /dev/null 2>&1
status=$?
check "eval --end-to-end --condition-ablations adds n2n-e2e and the two ablations after n2n" '[[ $status -eq 0 ]] && python3 -c "
import json, sys
rows = [r[\"method\"] for r in json.load(open(sys.argv[1]))[\"rows\"]]
assert rows == [\"identity\", \"n2n\", \"n2n-e2e\", \"n2n-no-flow-colour\", \"n2n-no-xj\", \"one2one\", \"pix2pix\"], rows
" "$work/e2e.json"'
"$bin" eval --task sleepy --vae-ablations > /dev/null 2> "$work/ablations.err"
check "--vae-ablations without --vae is an error saying so" 'grep -q "vae-ablations needs --vae" "$work/ablations.err"'
"$bin" eval --task sleepy --latent-side 32 > /dev/null 2> "$work/latent.err"
check "--latent-side without --vae is an error saying so" 'grep -q "latent-side needs --vae" "$work/latent.err"'

# The networks' bench at the tiny preset (debug build: the numbers mean nothing, the lines must be there).
"$bin" bench train --preset tiny --runs 1 --threads 1 --profile > "$work/bench-train.jsonl" 2> "$work/bench-train.err"
status=$?
check "bench train times every network, one JSON line each" '[[ $status -eq 0 ]] && [[ $(grep -c "\"op\": \"train_step\"" "$work/bench-train.jsonl") -eq 4 ]] && python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$work/bench-train.jsonl"'
check "its profile names op kinds and passes" 'grep -q "\"pass\": \"backward\", \"kind\": \"conv2d\"" "$work/bench-train.jsonl" && grep -q "\"pass\": \"phase\", \"kind\": \"AdamW\"" "$work/bench-train.jsonl"'
"$bin" bench train --networks nonsense > /dev/null 2> "$work/bench-bad.err"
status=$?
check "an unknown network is an error naming the networks" '[[ $status -ne 0 ]] && grep -q "unknown network .nonsense.; the networks are head, flow, vae, denoiser" "$work/bench-bad.err"'
"$bin" bench edit --preset tiny --runs 1 > "$work/bench-edit.jsonl" 2> "$work/bench-edit.err"
status=$?
check "bench edit times 1 and 4 references, with and without DDIM steps" '[[ $status -eq 0 ]] && [[ $(grep -c "\"op\": \"edit\"" "$work/bench-edit.jsonl") -eq 4 ]]'

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
