#!/usr/bin/env bash
# The "learning" measurement (Finetune): SFT on 200 CMKP posts (text) + 54 VMU posts (with photos) on a tiny Qwen2-VL
# with the TorchSharp trainer, then the merged checkpoint → convert → Q8_0 and greedy decoding of the training posts
# through the engine.
# Run from the repository root after a build: bash bench/Learning/run.sh [WORK_DIR]   (≈ 15–20 min on 2 cores)
set -euo pipefail
work="${1:-${TMPDIR:-/tmp}/dynamiccot-bench-learning}"
root="$(pwd)"
data="$root/../shared/data"
F="dotnet $root/src/Finetune/bin/Debug/net10.0/dynamiccot-finetune.dll"
Q="dotnet $root/src/Quantize/bin/Debug/net10.0/dynamiccot-quantize.dll"
mkdir -p "$work" && cd "$work"
$F data import --format cmkp --in "$data/cmkp_dev/train_sample200.jsonl" --out cmkp.jsonl
$F data import --format vmu --in "$data/vmu16_small_events/data.jsonl" --out vmu.jsonl
cat cmkp.jsonl vmu.jsonl > train.jsonl
$Q tiny --arch qwen2vl --out hf --seed 5
$Q convert hf --out lm-f32.gguf --mmproj mm-f32.gguf --type f32
$F train --model hf --gguf lm-f32.gguf --mmproj mm-f32.gguf --data train.jsonl --strategy sft --epochs 30 --out run \
  --lr 5e-3 --batch-size 8 --rank 32 --alpha 32 --image-tokens 16 --threads 2 --checkpoint-every 500
$Q convert run/merged --out merged-f32.gguf --mmproj merged-mm-f32.gguf --type f32
$Q quantize merged-f32.gguf merged-q8_0.gguf --type q8_0
$F eval --model merged-q8_0.gguf --mmproj mm-f32.gguf --data train.jsonl --out eval --think off --image-max-tokens 16 --threads 2
$F score --data train.jsonl --predictions eval/predictions.jsonl
