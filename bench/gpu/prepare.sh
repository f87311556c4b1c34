#!/usr/bin/env bash
# Makes what run.sh carries to the GPU machine: the llama.cpp source at LLamaSharp 0.30.0's commit and a
# self-contained publish of bench/Inference. Needs .NET and network (git) here; run.sh needs neither.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
commit="${LLAMA_COMMIT:-c0c7e147}"
if [ ! -d "$here/llama.cpp" ]; then
  git clone --quiet https://github.com/ggml-org/llama.cpp "$here/llama.cpp"
  git -C "$here/llama.cpp" checkout --quiet "$commit"
fi
dotnet publish "$repo/bench/Inference" -c Release -r linux-x64 --self-contained -o "$here/publish"
echo "carry $here/llama.cpp, $here/publish and $here/run.sh to the GPU machine, then run: bash run.sh"
