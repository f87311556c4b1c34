#!/usr/bin/env bash
# Interleaved training-step comparison (bench/README.md, "Training"): rounds of
#   TorchSharp LoRA · PyTorch LoRA · [ggml LoRA] · TorchSharp full · PyTorch full
# on the same 19.3 M-parameter shape (4 × 128 tokens, 2 threads), so machine load hits every contender alike; each
# line of the log records the 1-minute load per step and each contender's peak RSS.
#
#   bench/Training/compare.sh [ROUNDS] [STEPS]
#   GGML_BENCH=/path/to/ggml-trainer-bench.dll bench/Training/compare.sh   # adds the retired ggml trainer: build
#       bench/Training of the last commit that had it (see bench/README.md) and point GGML_BENCH at its dll
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-3}"
steps="${2:-6}"
export OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=1
dotnet build -c Release bench/Training -v q -nologo >/dev/null
ts=bench/Training/bin/Release/net10.0/DynamicCot.Bench.Training.dll
py=/usr/bin/python3
$py -c "import torch" 2>/dev/null || { echo "PyTorch missing: apt-get install python3-torch libopenblas0-pthread" >&2; exit 1; }
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
for round in $(seq 1 "$rounds"); do
  echo "== round $round"
  dotnet "$ts" --steps "$steps" --warmup 2 --threads 2 | tail -1
  $py bench/Training/torch_reference.py --steps "$steps" --warmup 2 --threads 2 | tail -1
  if [ -n "${GGML_BENCH:-}" ]; then
    /usr/bin/time -f "ggml peak RSS %M KB" dotnet "$GGML_BENCH" --steps 2 --warmup 1 --threads 2 2>&1 | tail -2
  fi
  dotnet "$ts" --steps "$steps" --warmup 2 --threads 2 --full | tail -1
  $py bench/Training/torch_reference.py --steps "$steps" --warmup 2 --threads 2 --full | tail -1
done
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
