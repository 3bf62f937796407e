#!/usr/bin/env bash
# Builds the libFuzzer targets of Tests/Fuzz with coverage and AddressSanitizer, and fuzzes each for a while:
#
#   Tests/Scripts/fuzz.sh                                every target, 60 s each
#   FUZZ_SECONDS=600 FUZZ_TARGETS="fuzz-jwt fuzz-s3-xml" Tests/Scripts/fuzz.sh
#
# Everything goes under .build-fuzz/: the binaries (.build-fuzz/debug/fuzz-*), a working copy of each committed seed
# corpus (.build-fuzz/corpus/<target>, kept between runs and grown by libFuzzer; Tests/Fuzz/Corpus and Events/, the
# event decoder's seeds, are never written), libFuzzer's output (.build-fuzz/logs/<target>.log) and crashing inputs (.build-fuzz/crashes/<target>-*).
# Exits non-zero when any target crashed, after fuzzing the others, with the input and how to rerun it.
#
# Builds take /tmp/swift-build.lock (FUZZ_BUILD_LOCK) when flock is installed, so that only one Swift build runs on
# the machine at a time.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

scratch=.build-fuzz
seconds=${FUZZ_SECONDS:-60}
all_targets="fuzz-event-decoding fuzz-jwt fuzz-s3-xml fuzz-filename fuzz-runtime-headers"
read -r -a targets <<<"${FUZZ_TARGETS:-$all_targets}"
swift=${SWIFT:-swift}
lock=${FUZZ_BUILD_LOCK:-/tmp/swift-build.lock}
# Swift's own crash backtracer fights with AddressSanitizer; libFuzzer prints the stack itself.
export SWIFT_BACKTRACE=enable=no

step() { printf '==> %s\n' "$*"; }

for target in "${targets[@]}"; do
    if [[ " $all_targets " != *" $target "* ]]; then
        echo "unknown fuzz target $target; known: $all_targets" >&2
        exit 2
    fi
done
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "FUZZ_SECONDS must be a whole number of seconds above 0, not \"$seconds\"" >&2
    exit 2
fi

locked=()
if command -v flock >/dev/null; then locked=(flock "$lock"); fi

# One product per invocation: building everything would compile the other executables with -parse-as-library too.
for target in "${targets[@]}"; do
    step "building $target"
    "${locked[@]}" "$swift" build --scratch-path "$scratch" -c debug --product "$target" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING
done

mkdir -p "$scratch/crashes" "$scratch/logs"
summaries=()
failed=0
for target in "${targets[@]}"; do
    corpus="$scratch/corpus/$target"
    log="$scratch/logs/$target.log"
    mkdir -p "$corpus"
    # The committed seeds, copied in again; what libFuzzer added on earlier runs stays. The event decoder's seeds
    # are the sample events themselves (Events/, expected responses included), not a copy of them.
    if [ "$target" = fuzz-event-decoding ]; then
        find Events -name '*.json' -exec cp -p {} "$corpus"/ \;
    else
        cp -p Tests/Fuzz/Corpus/"$target"/* "$corpus"/
    fi
    before=$(find "$scratch/crashes" -maxdepth 1 -name "$target-*" | wc -l)

    step "fuzzing $target for $seconds s"
    status=0
    "$scratch/debug/$target" "$corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$scratch/crashes/$target-" >"$log" 2>&1 || status=$?

    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    # The last status line: "#123456 DONE cov: 1234 ft: 5678 corp: 90/12Kb …" (or pulse/NEW lines on a crash).
    progress=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    coverage=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$progress")
    features=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$progress")
    inputs=$(find "$corpus" -maxdepth 1 -type f | wc -l)
    kilobytes=$(($(cat "$corpus"/* | wc -c) / 1024))
    summary="$target: ${executions:-?} execs, cov ${coverage:-?}, ft ${features:-?}"
    summary+=", corpus $inputs inputs ($kilobytes KB)"

    if [ "$status" -eq 0 ]; then
        summaries+=("$summary, no crash")
        continue
    fi
    failed=1
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    if [ -z "$artifact" ] && [ "$(find "$scratch/crashes" -maxdepth 1 -name "$target-*" | wc -l)" -gt "$before" ]; then
        artifact=$(ls -t "$scratch/crashes/$target-"* | head -1 || true)
    fi
    summaries+=("$summary, FAILED (exit $status): ${artifact:-no input written, see $log}")
    # The trap's message and libFuzzer's symbolised stack (Swift's own stack above it has no symbols in this build).
    echo "$target failed (exit $status); from $log:" >&2
    grep 'Fatal error' "$log" | head -5 >&2 || true
    sed -n '/ERROR: libFuzzer\|ERROR: AddressSanitizer\|ERROR: LeakSanitizer/,/^SUMMARY/p' "$log" | head -30 >&2 || true
    if [ -n "$artifact" ]; then
        echo "the input: $artifact (base64: $(base64 -w0 <"$artifact" | head -c 400))" >&2
        echo "reproduce: SWIFT_BACKTRACE=enable=no $scratch/debug/$target $artifact" >&2
    fi
done

step "summary ($seconds s per target)"
printf '    %s\n' "${summaries[@]}"
exit "$failed"
