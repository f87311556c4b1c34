#!/usr/bin/env bash
# GPU measurement of the serving stack (bench/README.md, "GPU"), for a Linux x86-64 host with an NVIDIA GPU, nvcc,
# CMake and ninja, and neither network nor .NET. Everything it needs is in one folder made by stage.sh:
#   ggml-src.tar.gz    ggml at the backend ABI of LLamaSharp 0.30.0's natives (stage.sh says which commit)
#   natives.tar.gz     LLamaSharp.Backend.Cpu 0.30.0's linux-x64 avx2 + avx512 libraries, unchanged
#   llama_gpu.c        the C driver (pp512 / tg128 / greedy parity / mtmd image encode)
#   tiny-lm-f16.gguf, tiny-mmproj-f16.gguf   a tiny Qwen2-VL pair from `dynamiccot-quantize tiny` + `convert`
#   photo.jpg          a real photo for the image encode
#   photos/            optional: the photos of the `suggest` step (whole suggestions through the C# engine)
#   engine.tar.gz      optional: self-contained publish of bench/gpu/EngineCuda (the C# engine; gzip or xz)
#   prebuilt/          optional: libggml-cuda.so.gz.* from an earlier run (skips the CUDA build)
# It builds libggml-cuda.so for this GPU's architecture only, grows the tiny pair to Qwen2-VL-2B sizes with random
# weights, and runs each measurement on the CPU (no CUDA module loaded) and on CUDA (the module loaded into the same
# LLamaSharp libllama with ggml_backend_load), then compares them.
# Usage: run_device.sh STAGED_DIR RESULT_DIR [TIME_BUDGET_S]
set -uo pipefail
C="$(cd "$1" && pwd)"; R="$2"; BUDGET="${3:-540}"
mkdir -p "$R"; exec > >(tee "$R/log.txt") 2>&1
W=/tmp/llama-gpu; rm -rf "$W"; mkdir -p "$W/res" "$W/m"
step() { echo "[$(date +%T) +${SECONDS}s] $*"; }
left() { [ $((BUDGET - SECONDS)) -gt "$1" ]; } # at least $1 seconds of the budget left?
export OMP_WAIT_POLICY=PASSIVE
# Qwen2-VL-2B's language model and vision tower sizes (vocabulary: the tiny tokenizer's 1,088). gain: block matrices
# get std gain/sqrt(fan in), which keeps 28 random layers from amplifying rounding differences into other tokens.
LM_SIZE="${LM_SIZE:-qwen2vl.embedding_length=1536 qwen2vl.feed_forward_length=8960 qwen2vl.block_count=28
  qwen2vl.attention.head_count=12 qwen2vl.attention.head_count_kv=2 qwen2vl.rope.dimension_sections=16,24,24,0
  output=untied gain=0.12}"
VIT_SIZE="${VIT_SIZE:-clip.vision.embedding_length=1280 clip.vision.feed_forward_length=5120 clip.vision.block_count=32
  clip.vision.attention.head_count=16 clip.vision.projection_dim=1536 gain=0.5}"
IMAGE_TOKENS="${IMAGE_TOKENS:-1024}"
STEPS=" ${STEPS:-lm image engine q8 batch noise} " # which measurements, in this order of priority (also: suggest)
want() { [[ "$STEPS" == *" $1 "* ]]; }
T=$(nproc)

step "host"
nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap,clocks.max.sm --format=csv,noheader
grep -m1 'model name' /proc/cpuinfo; echo "cpus $T"; nvcc --version | tail -2 | head -1; cmake --version | head -1

V=avx2; grep -qw avx512f /proc/cpuinfo && V=avx512 # LLamaSharp's own choice on this CPU
if [ -f "$C/natives.tar.gz" ]; then
  tar xzf "$C/natives.tar.gz" -C "$W"; N="$W/natives/$V"
else # the same files, from the engine's publish
  mkdir -p "$W/engine"; tar xf "$C/engine.tar.gz" -C "$W/engine"; N="$W/engine/runtimes/linux-x64/native/$V"
fi
echo "LLamaSharp CPU variant: $V"
mkdir -p "$W/ggml"; tar xzf "$C/ggml-src.tar.gz" -C "$W/ggml"

ARCH=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d .)
if [ -z "$ARCH" ]; then
  step "no NVIDIA GPU: CPU arms only (the CUDA arms report their failure)"
elif ls "$C"/prebuilt/libggml-cuda.so.* >/dev/null 2>&1; then
  step "CUDA module: prebuilt"
  if [ -f "$C/prebuilt/libggml-cuda.so.xz" ]; then xz -dc "$C/prebuilt/libggml-cuda.so.xz" > "$N/libggml-cuda.so"
  else cat "$C"/prebuilt/libggml-cuda.so.gz.* | gunzip > "$N/libggml-cuda.so"; fi
else
  step "CUDA module: configure (sm_$ARCH)"
  # Unversioned sonames as in LLamaSharp's libraries, so the module's NEEDED libggml-base.so is the one already loaded.
  cmake -S "$W/ggml" -B "$W/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_BACKEND_DL=ON \
        -DGGML_CPU=OFF -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$ARCH" -DGGML_CUDA_GRAPHS=ON -DGGML_CUDA_NCCL=OFF \
        -DGGML_NATIVE=OFF -DGGML_BUILD_TESTS=OFF -DGGML_BUILD_EXAMPLES=OFF -DCMAKE_PLATFORM_NO_VERSIONED_SONAME=ON \
        > "$W/cmake.log" 2>&1 || { tail -30 "$W/cmake.log"; exit 1; }
  step "CUDA module: build"
  timeout $((BUDGET - SECONDS - 150)) cmake --build "$W/build" --target ggml-cuda -j"$T" > "$W/build.log" 2>&1 \
    || { grep -m5 -B2 -A8 'error' "$W/build.log"; tail -5 "$W/build.log"; cp "$W/build.log" "$R/"; exit 1; }
  cp "$(find "$W/build" -name libggml-cuda.so | head -1)" "$N/"
  gzip -1 -c "$N/libggml-cuda.so" | split -b 15M -d - "$R/libggml-cuda.so.gz."
fi
# the module needs the CUDA runtime and cuBLAS of the toolkit it was built with
command -v nvcc > /dev/null && export LD_LIBRARY_PATH="$(dirname "$(readlink -f "$(command -v nvcc)")")/../lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
[ -f "$N/libggml-cuda.so" ] && { ls -la "$N/libggml-cuda.so"; readelf -d "$N/libggml-cuda.so" | grep -E 'NEEDED|SONAME'; }
step "module ready at ${SECONDS}s"

cc -O2 -I"$W/ggml/include" -I"$W/ggml/src" "$C/llama_gpu.c" -o "$W/llama_gpu" -L"$N" -lllama -lmtmd -lggml -lggml-base \
   -lggml-cpu -lm -Wl,-rpath,"$N" || exit 1
G="$W/llama_gpu"; M="$W/m"; X="$W/res"; CU="$N/libggml-cuda.so"

step "ABI: shipped libggml-base vs the one built from this tree"
"$G" abi > "$X/abi-shipped.txt"; "$G" abi-cpu
BUILT_BASE="$(find "$W/build" -name libggml-base.so 2>/dev/null | head -1)"
if [ -n "$BUILT_BASE" ]; then
  LD_LIBRARY_PATH="$(dirname "$BUILT_BASE")" "$G" abi > "$X/abi-built.txt"
  diff <(tail -n +2 "$X/abi-shipped.txt") <(tail -n +2 "$X/abi-built.txt") > /dev/null \
    && echo "op/type tables, tensor and graph overhead: identical ($(head -1 "$X/abi-shipped.txt"))" \
    || echo "ABI TABLES DIFFER"
fi

step "models: Qwen2-VL-2B sizes, random weights"
"$G" grow "$C/tiny-lm-f16.gguf" "$M/lm-f16.gguf" $LM_SIZE | tail -1
"$G" quantize "$M/lm-f16.gguf" "$M/lm-q4_k_m.gguf" 15 "$T" 2>/dev/null
{ want image || want suggest; } && "$G" grow "$C/tiny-mmproj-f16.gguf" "$M/mmproj-f16.gguf" $VIT_SIZE | tail -1

engine_ready() { # the C# engine unpacked, with the CUDA module beside its libllama
  [ -x "$W/engine/DynamicCot.Bench.EngineCuda" ] || { mkdir -p "$W/engine"; tar xf "$C/engine.tar.gz" -C "$W/engine"; }
  ENGINE_DIR="$(dirname "$(find "$W/engine" -path "*/$V/libllama.so" | head -1)")"
  [ "$CU" -ef "$ENGINE_DIR/libggml-cuda.so" ] || cp "$CU" "$ENGINE_DIR/"
}
lm() { # lm NAME MODULE MODEL THREADS ROUNDS
  "$G" lm "$2" "$3" "$X/$1" "$4" "$5" 2> "$X/$1.err" | grep -E '^(RESULT|device|backend|model|round)' \
    || { echo "$1 failed:"; tail -5 "$X/$1.err"; }
  grep -E 'offloaded|CUDA0 model buffer|graph splits|flash_attn' "$X/$1.err" | sort -u | head -6
}
lm_pair() { # lm_pair QUANT: CPU then CUDA, then the comparison
  step "LM $1: CPU ($T threads)"; lm "cpu-$1" - "$M/lm-$1.gguf" "$T" 2
  step "LM $1: CUDA";             lm "cuda-$1" "$CU" "$M/lm-$1.gguf" "$T" 3
  "$G" compare "$X/cpu-$1" "$X/cuda-$1"
}
want lm && lm_pair q4_k_m

if want image && left 90; then
  step "image encode: CPU"
  "$G" mtmd - "$M/lm-q4_k_m.gguf" "$M/mmproj-f16.gguf" "$C/photo.jpg" "$X/cpu-img" "$T" 1 "$IMAGE_TOKENS" 2> "$X/cpu-img.err" \
    | grep -E 'RESULT|round' || tail -5 "$X/cpu-img.err"
  step "image encode: CUDA"
  "$G" mtmd "$CU" "$M/lm-q4_k_m.gguf" "$M/mmproj-f16.gguf" "$C/photo.jpg" "$X/cuda-img" "$T" 3 "$IMAGE_TOKENS" 2> "$X/cuda-img.err" \
    | grep -E 'RESULT|round' || tail -5 "$X/cuda-img.err"
  grep -m3 -iE 'CLIP using|using .* backend' "$X/cuda-img.err"
  "$G" compare-embd "$X/cpu-img.embd" "$X/cuda-img.embd"
fi

if want engine && [ -f "$C/engine.tar.gz" ] && left 60; then
  step "C# engine (src/Inference on LLamaSharp) on CUDA"
  engine_ready
  "$W/engine/DynamicCot.Bench.EngineCuda" "$ENGINE_DIR/libggml-cuda.so" "$M/lm-q4_k_m.gguf" "$T" 3 \
    "$X/engine-cuda-q4_k_m" 2> "$X/engine.err" | grep -E 'RESULT|engine|device' || tail -8 "$X/engine.err"
  [ -f "$X/cuda-q4_k_m.tok" ] || "$G" lm "$CU" "$M/lm-q4_k_m.gguf" "$X/cuda-q4_k_m" "$T" 1 > /dev/null 2>&1
  cmp -s "$X/engine-cuda-q4_k_m.tok" "$X/cuda-q4_k_m.tok" && echo "engine greedy tokens = the C driver's CUDA tokens" \
    || echo "engine greedy tokens differ from the C driver's CUDA tokens"
fi

if want suggest && [ -f "$C/engine.tar.gz" ] && [ -d "$C/photos" ] && left 90; then
  # whole suggestions as the plugin's jobs run them: decode, image encode, prompt, guided answer; 1 and 8 at a time
  engine_ready
  step "suggestions through the C# engine: CUDA, image budgets ${BUDGETS:-64 256 1024}"
  "$W/engine/DynamicCot.Bench.EngineCuda" suggest "$ENGINE_DIR/libggml-cuda.so" "$M/lm-q4_k_m.gguf" "$M/mmproj-f16.gguf" \
    "$C/photos" "$T" 2> "$X/suggest-cuda.err" | grep -E 'RESULT|device' || tail -8 "$X/suggest-cuda.err"
  if left 150; then
    step "suggestions through the C# engine: CPU ($T threads), image budget 256"
    BUDGETS=256 "$W/engine/DynamicCot.Bench.EngineCuda" suggest - "$M/lm-q4_k_m.gguf" "$M/mmproj-f16.gguf" \
      "$C/photos" "$T" 2> "$X/suggest-cpu.err" | grep -E 'RESULT' || tail -8 "$X/suggest-cpu.err"
  fi
fi

if want batch && left 90; then # 8 posts at once, as Engine:ParallelRequests does
  step "batch of 8 x 256-token prompts: CPU"
  "$G" batch - "$M/lm-q4_k_m.gguf" "$T" 2 8 256 2> "$X/cpu-batch.err" | grep -E 'RESULT|round' || tail -5 "$X/cpu-batch.err"
  step "batch of 8 x 256-token prompts: CUDA"
  "$G" batch "$CU" "$M/lm-q4_k_m.gguf" "$T" 3 8 256 2> "$X/cuda-batch.err" | grep -E 'RESULT|round' || tail -5 "$X/cuda-batch.err"
fi

if want q8 && left 100; then
  "$G" quantize "$M/lm-f16.gguf" "$M/lm-q8_0.gguf" 7 "$T" 2>/dev/null
  lm_pair q8_0
fi

if want noise && want lm && left 40; then
  step "noise floor: CPU at $((T / 2)) vs $T threads"
  lm cpu-half-q4_k_m - "$M/lm-q4_k_m.gguf" $((T / 2)) 1 > /dev/null
  "$G" compare "$X/cpu-q4_k_m" "$X/cpu-half-q4_k_m"
fi
nvidia-smi --query-gpu=clocks.sm,temperature.gpu,power.draw --format=csv,noheader
tar czf "$R/results.tar.gz" -C "$X" .
step "done"
