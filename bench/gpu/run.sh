#!/usr/bin/env bash
# GPU timing of the keyphrase engine (bench/README.md, "GPU"). For a machine with an NVIDIA GPU, nvcc and CMake, but
# no network and no .NET. It needs two things carried next to this script (made by prepare.sh on a machine with .NET):
#   llama.cpp/   the llama.cpp source at the commit LLamaSharp 0.30.0 is built from (c0c7e147)
#   publish/     a self-contained linux-x64 publish of bench/Inference (the engine, its managed deps and the runtime)
# It builds llama.cpp with CUDA as shared libraries, puts them where LLamaSharp looks for its CUDA 12 build
# (publish/runtimes/linux-x64/native/cuda12/), makes a random-weight model at Qwen2-VL-2B dimensions in Q4_K_M, and
# times suggestions: p50 latency of one at a time, and posts/s with 8 in flight.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/llama.cpp"; app="$here/publish"; work="${WORK:-$here/work}"
[ -f "$src/CMakeLists.txt" ] || { echo "missing $src (run prepare.sh where there is network)"; exit 1; }
[ -x "$app/DynamicCot.Bench.Inference" ] || { echo "missing $app (run prepare.sh where .NET is installed)"; exit 1; }
command -v nvcc >/dev/null || { echo "nvcc not found"; exit 1; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON -DBUILD_SHARED_LIBS=ON \
      -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF >/dev/null
cmake --build "$work/build" -j"$(nproc)" --target llama mtmd >/dev/null
dest="$app/runtimes/linux-x64/native/cuda12"
mkdir -p "$dest"
find "$work/build" -name 'lib*.so' \( -name 'libllama.so' -o -name 'libmtmd.so' -o -name 'libggml*.so' \) -exec cp {} "$dest/" \;
ls "$dest"

export DYNAMICCOT_LLAMA_BACKEND=cuda OMP_WAIT_POLICY=PASSIVE
"$app/DynamicCot.Bench.Inference" gpu --dir "$work/model-2b" --requests "${REQUESTS:-64}" --max-tokens "${MAX_TOKENS:-32}" | tee "$work/gpu.txt"
