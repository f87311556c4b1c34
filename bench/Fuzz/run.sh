#!/usr/bin/env bash
# The fuzz targets of tests/Fuzz.Tests in their long mode: SECONDS_PER_TARGET each (default 600), one seed per run
# (default: the date), counts appended to bench/Fuzz/results.txt. Findings fail the run and name the kept input; copy
# it into tests/Fuzz.Tests/Regressions/<target>/ with the fix.
set -euo pipefail
cd "$(dirname "$0")/../.."
export FUZZ_SECONDS="${SECONDS_PER_TARGET:-600}" FUZZ_SEED="${FUZZ_SEED:-$(date +%Y%m%d)}" FUZZ_REPORT="$PWD/bench/Fuzz/results.txt"
export OMP_WAIT_POLICY=PASSIVE
echo "# $(date -u +%FT%TZ) seed $FUZZ_SEED, $FUZZ_SECONDS s per target, load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$FUZZ_REPORT"
dotnet test tests/Fuzz.Tests -c Release
