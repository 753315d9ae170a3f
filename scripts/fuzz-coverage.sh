#!/usr/bin/env bash
# Source coverage of the fuzz corpora: builds the fuzz targets with clang's profile
# instrumentation (build-fuzz-cov, UMD_FUZZ_COVERAGE=ON), replays each target's seeds
# and kept corpus (build-fuzz/seeds, build-fuzz/corpus: run scripts/fuzz.sh first),
# merges the profiles and reports, per source file of the handlers and the trusted
# side, the regions, functions, lines and branches reached (llvm-cov-19 report).
#   scripts/fuzz-coverage.sh            report to stdout and build-fuzz-cov/report/
# build-fuzz-cov/report/ also holds show.txt (every line with its counts, unreached
# regions marked: what no target reaches) and html/.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
fuzz_build=$(realpath -m "${UMD_FUZZ_BUILD:-$src/build-fuzz}")
cov_build=$src/build-fuzz-cov
report=$cov_build/report
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
mapfile -t targets < <(grep -v '^\s*#' fuzz/targets.txt | awk 'NF == 4 {print $1}')
[ -d "$fuzz_build/seeds" ] || { echo "no seeds in $fuzz_build/seeds: run scripts/fuzz.sh first" >&2; exit 2; }

cmake --preset fuzz -B "$cov_build" -DUMD_FUZZ_COVERAGE=ON "${launcher[@]}" >/dev/null
cmake --build "$cov_build" -j "$(nproc)" --target "${targets[@]}"

rm -rf "$report"
mkdir -p "$report/profiles"
objects=()
for name in "${targets[@]}"; do
  bin=$(find "$cov_build/fuzz" -type f -name "$name" -perm -u+x | head -n1)
  objects+=(-object "$bin")
  dirs=("$fuzz_build/seeds/$name")
  [ -d "$fuzz_build/corpus/$name" ] && dirs+=("$fuzz_build/corpus/$name")
  oracle_env=()
  [ "$name" = fuzz_rpm_oracle ] && oracle_env=(UMD_RPM_ORACLE_PACKAGE="$fuzz_build/seeds/oracle-package.rpm")
  echo "== replaying $name"
  env "${oracle_env[@]}" LLVM_PROFILE_FILE="$report/profiles/$name-%p.profraw" \
      "$bin" -runs=0 -artifact_prefix="$report/" "${dirs[@]}" >"$report/$name.replay.log" 2>&1
done
llvm-profdata-19 merge -sparse "$report"/profiles/*.profraw -o "$report/merged.profdata"

# The sources under test: the handlers' parsers and the trusted side they feed (not
# the fuzz harnesses, not the tests' helpers, not third-party headers).
ignore='(/fuzz/|/tests/|/usr/|/_deps/)'
first=${objects[1]}
llvm-cov-19 report "$first" "${objects[@]:2}" -instr-profile="$report/merged.profdata" \
    -ignore-filename-regex="$ignore" -show-region-summary=false | tee "$report/report.txt"
llvm-cov-19 show "$first" "${objects[@]:2}" -instr-profile="$report/merged.profdata" \
    -ignore-filename-regex="$ignore" -show-branches=count -show-line-counts-or-regions >"$report/show.txt"
llvm-cov-19 show "$first" "${objects[@]:2}" -instr-profile="$report/merged.profdata" \
    -ignore-filename-regex="$ignore" -format=html -output-dir="$report/html" >/dev/null
echo "report: $report/report.txt, per line: $report/show.txt, html: $report/html/index.html"
