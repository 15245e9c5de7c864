#!/usr/bin/env bash
# Mutation testing of engine/ with mutmut 3.8, in a scratch clone.
#
# mutmut keys mutants by file path and the tests import `exportctl`, so the clone renames engine/ to exportctl/.
# Slow tests that add no mutant kills of their own are deselected (the wheel build; the exhaustive backend
# agreement, whose quick sample in tests/test_backends.py still runs). Hypothesis uses the `mutation` profile
# (few examples, derandomized) so a mutant's fate is reproducible.
#
#   dev/mutation.sh [SCRATCH_DIR]      # default /tmp/exportctl-mutation; needs `pip install mutmut==3.8.1`
#   (cd SCRATCH_DIR && mutmut results)  # the survivors; `mutmut show NAME` shows one
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
pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]
pytest_add_cli_args_test_selection = [
  "tests",
  "--deselect", "tests/test_packaging.py",
  "-m", "not exhaustive",
]
TOML
export HYPOTHESIS_PROFILE=mutation
time mutmut run --max-children "${MUTMUT_CHILDREN:-2}" >mutmut.log 2>&1 || true
mutmut results >survivors.txt 2>&1 || true
tail -3 mutmut.log
wc -l survivors.txt
