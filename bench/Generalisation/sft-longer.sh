#!/usr/bin/env bash
# SFT alone for longer (EPOCHS, default 10; 2 threads) in the work folder of a finished bench/Generalisation/run.sh
# (same split, tiny model, rationales file and settings), then served and scored next to its SFT run:
#   bash bench/Generalisation/sft-longer.sh [WORK_DIR]      (run from the repository root)
set -euo pipefail
export OMP_WAIT_POLICY=PASSIVE
root="$(pwd)"; w="${1:-${TMPDIR:-/tmp}/dynamiccot-bench-generalisation}"; epochs="${EPOCHS:-10}"; cd "$w"
F="dotnet $root/src/Finetune/bin/Debug/net10.0/dynamiccot-finetune.dll"
Q="dotnet $root/src/Quantize/bin/Debug/net10.0/dynamiccot-quantize.dll"
B="dotnet $root/bench/Generalisation/bin/Debug/net10.0/DynamicCot.Bench.Generalisation.dll"
uptime > sft10-uptime-start.txt
$F train --model hf --gguf lm-f32.gguf --mmproj mm-f32.gguf --data train-rationales.jsonl --full --epochs "$epochs" \
  --lr 3e-3 --batch-size 16 --threads 2 --checkpoint-every 1000 --max-tokens 320 --seed 42 --strategy sft --out run-sft10 > train-sft10.log 2>&1
$Q convert run-sft10/merged --out sft10-f32.gguf --mmproj sft10-mm-f32.gguf --type f32
$Q quantize sft10-f32.gguf sft10-q8_0.gguf --type q8_0
$F eval --model sft10-q8_0.gguf --data split/test.jsonl --train split/train.jsonl --out eval-sft10 --name sft10 --think auto --threads 2 --concurrency 8 --context 512
uptime > sft10-uptime-end.txt
$B --train split/train.jsonl --test split/test.jsonl --out results-sft10 --run "SFT (run.sh)=eval-sft" --run "SFT $epochs epochs=eval-sft10"
