#!/usr/bin/env bash
# Mutation testing of engine/ with mutmut 3.8, in a scratch clone.
#
# mutmut keys mutants by file path and the tests import `exportctl`, so the clone renames engine/ to exportctl/.
# Slow tests that add no mutant kills of their own are deselected (the wheel build; the exhaustive backend
# agreement, whose quick sample in tests/test_backends.py still runs). Hypothesis uses the `mutation` profile
# (few examples, derandomized) so a mutant's fate is reproducible.
#
#   dev/mutation.sh [SCRATCH_DIR]      # default /tmp/exportctl-mutation; needs `pip install mutmut==3.8.1`
#   MUTATION_SAMPLE=1000 dev/mutation.sh    # a stratified random sample of 1,000 mutants instead of all
#   SCRATCH_DIR/score.txt                    # counts, score and survivors; `cd SCRATCH_DIR && mutmut show NAME`
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
scratch=${1:-/tmp/exportctl-mutation}
rm -rf "$scratch"
git clone -q "$here" "$scratch"
# Take uncommitted work too, so a survivor can be chased before committing.
(cd "$here" && git ls-files -m -o --exclude-standard engine tests) | while read -r f; do
  mkdir -p "$scratch/$(dirname "$f")" && cp "$here/$f" "$scratch/$f"
done
cd "$scratch"
git mv -k engine exportctl >/dev/null
[ -d engine ] && cp -r engine/. exportctl/ && rm -rf engine
cat >> pyproject.toml <<'TOML'

[tool.mutmut]
source_paths = ["exportctl"]
also_copy = ["rules", "chips", "tests", "examples"]
# A fork server that has only collected the tests: with plain fork, each mutant inherits the clean run's caches
# (compiled durable-rules rulesets, the unit registry, rule-file checks) and code behind them never runs mutated.
process_isolation = "forkserver"
# A mutant that hangs (say, an enumeration that no longer stops) is detected: time it out at 3x, not 15x.
timeout_multiplier = 3.0
timeout_constant = 5.0
pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]
pytest_add_cli_args_test_selection = [
  "tests",
  "--deselect", "tests/test_packaging.py",
  "-m", "not exhaustive",
]
TOML
export HYPOTHESIS_PROFILE=mutation
# No cache folder: every mutant shares the code stamp of the mutated files, so a rule set or verdict cached under
# one mutant (or the unmutated code) would be read by the others and hide them.
export EXPORTCTL_CACHE_DIR=""
children=${MUTMUT_CHILDREN:-2}
if [ -n "${MUTATION_SAMPLE:-}" ]; then
  # A seeded random sample of the mutants, the same share of each file: a full run takes over three hours on
  # 2 cores. Generate every mutant (a run asked for a mutant that does not exist stops right after), then draw.
  mutmut run --max-children "$children" __generate_only__ >generate.log 2>&1 || true
  python3 "$here/dev/mutation_score.py" . --draw "$MUTATION_SAMPLE" >sample.txt
  time mutmut run --max-children "$children" $(cat sample.txt) >mutmut.log 2>&1 || true
  python3 "$here/dev/mutation_score.py" . --sample sample.txt --survivors >score.txt
else
  time mutmut run --max-children "$children" >mutmut.log 2>&1 || true
  python3 "$here/dev/mutation_score.py" . --survivors >score.txt
fi
head -3 score.txt
