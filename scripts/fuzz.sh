#!/usr/bin/env bash
# Runs the fuzz campaign: builds the fuzz preset (build-fuzz) and the seeds, checks
# each target's coverage on its seeds alone against its floor (fuzz/targets.txt),
# runs every target for SECONDS, two at a time, with its corpus kept between runs
# (build-fuzz/corpus/<target>), and prints a table. A crash is symbolized, minimised
# and kept in build-fuzz/crashes/<target>/.
#
#   scripts/fuzz.sh [SECONDS]   the campaign (default 600 s per target)
#   scripts/fuzz.sh --smoke     what CI runs: build, seeds, the floor check and each
#                               target for a few seconds on a fresh corpus
#   scripts/fuzz.sh --seeds     rewrite the seeds (they are written once, then kept)
# Exits 1 when a target crashed or its seed coverage is under its floor, 2 on bad usage.
# Needs scripts/setup-deps.sh --fuzz (clang-19, libFuzzer, llvm-19) and a ci-preset
# build directory for the sandbox escape test that writes the violation reports
# (built here when absent). UMD_FUZZ_BUILD and UMD_CI_BUILD name other directories.
set -euo pipefail
# One compound command: bash reads it whole before running it, so editing this file
# during an hour-long campaign cannot change the run.
{
cd "$(dirname "$0")/.."
src=$(pwd)

seconds=600 smoke=0 reseed=0
case "${1:-}" in
  --smoke) smoke=1 seconds=5 ;;
  --seeds) reseed=1 ;;
  '') ;;
  *[!0-9]*) echo "usage: $0 [SECONDS|--smoke|--seeds]" >&2; exit 2 ;;
  *) seconds=$1 ;;
esac

# Other directories than the presets' (a second tree beside a running campaign):
fuzz_build=$(realpath -m "${UMD_FUZZ_BUILD:-$src/build-fuzz}")
ci_build=$(realpath -m "${UMD_CI_BUILD:-$src/build}")
seeds=$fuzz_build/seeds
logs=$fuzz_build/fuzz-logs
export ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer-19)
export ASAN_OPTIONS=symbolize=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:symbolize=1

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

# target side floor dict, one line each
mapfile -t targets < <(grep -v '^\s*#' fuzz/targets.txt | awk 'NF == 4')

echo "== building the fuzz targets ($fuzz_build)"
cmake --preset fuzz -B "$fuzz_build" "${launcher[@]}" >/dev/null
cmake --build "$fuzz_build" -j "$(nproc)" --target umd-fuzz-seed-writer \
    $(printf '%s\n' "${targets[@]}" | awk '{print $1}')

echo "== building the sandbox escape test ($ci_build, ci preset), whose handler writes real violation reports"
[ -f "$ci_build/CMakeCache.txt" ] || cmake --preset ci -B "$ci_build" "${launcher[@]}" >/dev/null
cmake --build "$ci_build" -j "$(nproc)" --target umd_sandbox_escape_test umd_escape_handler

if [ "$reseed" = 1 ] || [ "$smoke" = 1 ] || [ ! -f "$seeds/.complete" ]; then
  echo "== writing the seeds ($seeds)"
  fuzz/seeds/make-seeds.sh "$fuzz_build" "$seeds" "$ci_build"
  touch "$seeds/.complete"
fi
[ "$reseed" = 1 ] && exit 0

binary() { find "$fuzz_build/fuzz" -type f -name "$1" -perm -u+x | head -n1; }

# The options every run of a target shares: its dictionary, a per-input timeout (a
# hang is a crash; generous, because a campaign at nice 19 on a busy machine can be
# starved for half a minute: one was, in a run that timed out an input taking 0.1 s),
# and the oracle's real-package fixture.
fuzz_env() { [ "$1" = fuzz_rpm_oracle ] && echo "UMD_RPM_ORACLE_PACKAGE=$seeds/oracle-package.rpm"; true; }
fuzz_opts() {
  local dict=$1
  [ "$dict" != - ] && echo "-dict=$src/fuzz/dicts/$dict"
  echo "-timeout=120 -rss_limit_mb=2048"
}

# One target: floor check on the seeds alone, then the run; writes $logs/<target>.{seeds,log,result}.
run_target() {
  local name=$1 side=$2 floor=$3 dict=$4
  local bin corpus crashes seedcov status=0 crash_count=0 unreproduced=0
  bin=$(binary "$name")
  corpus=$fuzz_build/corpus/$name
  crashes=$fuzz_build/crashes/$name
  [ "$smoke" = 1 ] && corpus=$fuzz_build/smoke-corpus/$name && rm -rf "$corpus"
  mkdir -p "$corpus" "$crashes" "$seeds/$name"
  # Coverage on the seeds alone: the instrumentation and the seeds' reach, whatever the kept corpus holds.
  env $(fuzz_env "$name") "$bin" $(fuzz_opts "$dict") -runs=0 -artifact_prefix="$crashes/" "$seeds/$name" \
      >"$logs/$name.seeds" 2>&1 || status=$?
  seedcov=$(grep -o 'INITED cov: [0-9]*' "$logs/$name.seeds" | awk '{print $3}' | tail -n1)
  seedcov=${seedcov:-0}
  if [ "$status" = 0 ]; then
    env $(fuzz_env "$name") "$bin" $(fuzz_opts "$dict") -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$crashes/" "$corpus" "$seeds/$name" >"$logs/$name.log" 2>&1 || status=$?
  else
    cp "$logs/$name.seeds" "$logs/$name.log"   # a seed crashed it: that is the crash
  fi
  # Each artifact is run again (symbolized report in <artifact>.txt): one that no longer
  # fails (a timeout of a starved process) is counted apart; one that does is minimised.
  # Slow units (libFuzzer's -report_slow_units) are kept but are not failures.
  local artifact
  for artifact in $(grep -o "Test unit written to [^ ]*" "$logs/$name.log" | awk '{print $5}'); do
    [ -f "$artifact" ] || continue
    case "$(basename "$artifact")" in slow-unit-*) continue ;; esac
    if env $(fuzz_env "$name") "$bin" $(fuzz_opts "$dict") "$artifact" >"$artifact.txt" 2>&1; then
      unreproduced=$((unreproduced + 1))
      mv "$artifact" "$artifact.unreproduced"
      continue
    fi
    crash_count=$((crash_count + 1))
    env $(fuzz_env "$name") "$bin" $(fuzz_opts "$dict") -minimize_crash=1 -max_total_time=60 \
        -exact_artifact_path="$artifact.min" "$artifact" >"$artifact.minimize.log" 2>&1 || true
    [ -s "$artifact.min" ] && env $(fuzz_env "$name") "$bin" $(fuzz_opts "$dict") "$artifact.min" >"$artifact.min.txt" 2>&1
  done
  # A run that failed without a reproducible artifact (a seed that crashed, a libFuzzer error) is a failure too.
  if [ "$status" != 0 ] && [ "$crash_count" = 0 ] && [ "$unreproduced" = 0 ]; then
    crash_count=1
    cp "$logs/$name.log" "$crashes/failed-run-$(date +%s).txt"
  fi
  local execs rate cov corp
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$logs/$name.log" | awk '{print $2}' | tail -n1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$logs/$name.log" | awk '{print $2}' | tail -n1)
  cov=$(grep -o 'cov: [0-9]*' "$logs/$name.log" | awk '{print $2}' | tail -n1)
  corp=$(find "$corpus" -type f | wc -l)
  local seconds_run
  seconds_run=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$logs/$name.log" | awk '{print $5}' | tail -n1)
  echo "$name $side ${execs:-?} ${rate:-?} $seedcov $floor ${cov:-?} $corp $crash_count $unreproduced ${seconds_run:-?}" >"$logs/$name.result"
}

rm -rf "$logs"
mkdir -p "$logs"
echo "== running ${#targets[@]} targets for ${seconds}s each, two at a time (logs: $logs)"
started=$(date +%s)
running=0
for line in "${targets[@]}"; do
  # shellcheck disable=SC2086
  run_target $line &
  running=$((running + 1))
  if [ "$running" -ge 2 ]; then wait -n || true; running=$((running - 1)); fi
done
wait || true
echo "== done in $(( $(date +%s) - started ))s"

failed=0
# The table goes to a file, then out: a pipeline would run the loop in a subshell and lose `failed`.
printf '| target | side | s | execs | exec/s | seed cov (floor) | cov | corpus | crashes | unreproduced |\n' >"$logs/table.md"
printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n' >>"$logs/table.md"
for line in "${targets[@]}"; do
    name=${line%% *}
    if [ ! -f "$logs/$name.result" ]; then
      printf '| %s | ? | did not run | | | | | | | |\n' "$name" >>"$logs/table.md"; failed=1; continue
    fi
    read -r n side execs rate seedcov floor cov corp crashes unreproduced secs <"$logs/$name.result"
    note=""
    if [ "$seedcov" -lt "$floor" ]; then note=" **under floor**"; failed=1; fi
    [ "$crashes" != 0 ] && failed=1
    printf '| %s | %s | %s | %s | %s | %s (%s)%s | %s | %s | %s | %s |\n' "$n" "$side" "$secs" "$execs" "$rate" "$seedcov" "$floor" "$note" "$cov" "$corp" "$crashes" "$unreproduced" >>"$logs/table.md"
done
cat "$logs/table.md"
if [ "$failed" != 0 ]; then
  echo "FAILED: a target crashed or its seed coverage is under its floor (crashes: $fuzz_build/crashes/<target>/, logs: $logs)" >&2
  exit 1
fi
exit 0
}
