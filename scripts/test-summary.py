"""The counts of make test (scripts/test.sh), from each runner's own closing lines in
LOGS/RUNNER.log: a line per runner (run, failed, skipped), a line naming each failed test, a line for every skip whose reason is
not on Tests/allowed-skips.txt and for every runner that ran no test (each counts as a failure),
and the totals as "N passed, N failed, N skipped". A runner that exited with an error or was
stopped at its time limit (FAILED_RUNNERS, a line each) counts as a failure too."""
import os
import re
import sys

logs = sys.argv[1]
allowed = [line.split("|", 1)[0].strip() for line in open("Tests/allowed-skips.txt")
           if line.strip() and not line.startswith("#")]
totals = {"passed": 0, "failed": 0, "skipped": 0}
problems = []
names = []  # of the failed tests, to find them in a long log


def read(name):
    try:
        with open(f"{logs}/{name}.log", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def row(name, passed, failed, skips):
    """One runner's counts; `skips` are the reasons of its skipped tests."""
    totals["passed"] += passed
    totals["failed"] += failed
    totals["skipped"] += len(skips)
    print(f"{name}: {passed + failed + len(skips)} run, {failed} failed, {len(skips)} skipped")
    if passed + failed == 0:
        problems.append(f"{name} ran no test")
    problems.extend(f"unlisted skip in {name} (allow it in Tests/allowed-skips.txt with its reason, or make it run): {reason}"
                    for reason in skips if not any(piece in reason for piece in allowed))


# swift test (Swift Testing), alone and under the sanitizers.
for name in ["swift", "sanitize"]:
    text = read(name)
    ran = sum(int(n) for n in re.findall(r"^. Test run with (\d+) tests? in \d+ suites? (?:passed|failed)", text, re.M))
    failures = re.findall(r"^. Test (?!run with \d)(.*) failed after", text, re.M)
    failed = len(failures)
    names.extend(f"{name}: {test}" for test in failures)
    skips = [" ".join(s).strip() for s in re.findall(r"^. Test (.*) skipped(?:: (.*))?$", text, re.M)]
    row(name, ran - failed - len(skips), failed, skips)

# Tests/cli/run.sh: "N passed, N failed".
cli = re.findall(r"^(\d+) passed, (\d+) failed$", read("cli"), re.M)
names.extend(f"cli: {check}" for check in re.findall(r"^FAILED: (.*)$", read("cli"), re.M))
row("cli", int(cli[-1][0]) if cli else 0, int(cli[-1][1]) if cli else 0, [])

# pytest -rfEs: its closing line, a SKIPPED line with the reason for each skip, a FAILED or ERROR
# line for each failure. The kernel's tests, and those the sanitizers' runner drives the kernel
# built under them with.
def pytest_row(name, text):
    closing = [line for line in text.splitlines() if re.search(r"\b(passed|failed|error|errors)\b.* in [\d.]+s", line)]
    def count(word, line=closing[-1] if closing else ""):
        return sum(int(n) for n in re.findall(rf"(?<!subtests )\b(\d+) {word}\b", line.replace("subtests passed", "")))
    skips = re.findall(r"^SKIPPED \[\d+\] (.*)$", text, re.M)
    names.extend(f"{name}: {test}" for test in re.findall(r"^(?:FAILED|ERROR) (\S+)", text, re.M))
    row(name, count("passed"), count("failed") + count("errors?"), skips)


pytest_row("kernel", read("kernel"))
pytest_row("bridge", read("bridge"))
pytest_row("sanitize-kernel", read("sanitize"))

problems.extend(f"{runner} failed" for runner in os.environ.get("FAILED_RUNNERS", "").splitlines() if runner)
for name in names:
    print(f"failed: {name}")
for problem in problems:
    print(problem)
print(f"{totals['passed']} passed, {totals['failed'] + len(problems)} failed, {totals['skipped']} skipped")
