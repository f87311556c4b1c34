#!/usr/bin/env bash
# Stages what run_device.sh needs into one folder (about 25 MiB) to copy to a GPU host without network or .NET.
# Needs, here: .NET (restored packages), git, and a clone (or bare mirror) of github.com/ggml-org/ggml.
# Usage: stage.sh GGML_GIT_DIR OUT_DIR [--no-engine]
#
# Which ggml: LLamaSharp 0.30.0's natives report ggml 0.18.0, commit 815a2a591 (llama.cpp b10221, 2026-08-01). ggml-org/ggml
# carries llama.cpp's ggml/ through "sync : llama.cpp" commits; 46c86bd1 (ggml 0.18.0, synced 2026-08-04) is the
# first whose tree holds every change up to that llama.cpp commit. Between the previous sync (4429529e) and it,
# include/, ggml-backend-impl.h (GGML_BACKEND_API_VERSION 2) and ggml-impl.h did not change; the one CUDA change
# merged after 2026-08-01 (3e12f441, block_reduce shared-memory race fix, llama.cpp #26385) is reverted here so the
# kernels are those of the build LLamaSharp ships. run_device.sh also diffs the op/type tables of the shipped
# libggml-base against one built from this tree.
set -euo pipefail
GGML="$1"; OUT="$2"; ENGINE="${3:-}"
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
GGML_COMMIT=46c86bd1; GGML_REVERT=3e12f441
natives="${NUGET_PACKAGES:-$HOME/.nuget/packages}/llamasharp.backend.cpu/0.30.0/LLamaSharpRuntimes/linux-x64/native"
mkdir -p "$OUT"; OUT="$(cd "$OUT" && pwd)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

# ggml: the build needs the top-level CMake files, the headers, ggml-base's sources, ggml-cpu (configured, not built)
# and ggml-cuda; the other backends are left out.
mkdir -p "$tmp/ggml"
git -C "$GGML" archive "$GGML_COMMIT" CMakeLists.txt cmake include LICENSE ggml.pc.in src/CMakeLists.txt \
    $(git -C "$GGML" ls-tree --name-only "$GGML_COMMIT" src/ | grep -E '\.(c|cpp|h)$') src/ggml-cpu src/ggml-cuda \
  | tar -x -C "$tmp/ggml"
git -C "$GGML" show "$GGML_REVERT" -- src/ggml-cuda | patch -R -p1 -d "$tmp/ggml" > /dev/null
tar czf "$OUT/ggml-src.tar.gz" -C "$tmp/ggml" .

mkdir -p "$tmp/natives"
cp -r "$natives/avx2" "$natives/avx512" "$tmp/natives/"
tar czf "$OUT/natives.tar.gz" -C "$tmp" natives

cp "$here/llama_gpu.c" "$here/run_device.sh" "$OUT/"

# the tiny Qwen2-VL pair run_device.sh grows to 2B sizes
Q=(dotnet run -c Release --project "$repo/src/Quantize" --)
"${Q[@]}" tiny --arch qwen2vl --hidden 256 --layers 2 --out "$tmp/hf" > /dev/null
"${Q[@]}" convert "$tmp/hf" --out "$OUT/tiny-lm-f16.gguf" --mmproj "$OUT/tiny-mmproj-f16.gguf" --type f16 > /dev/null

photo="$(ls "$repo"/../shared/data/flickr10/images/*.jpg | head -1)"
cp "$photo" "$OUT/photo.jpg"; echo "photo: $photo"
mkdir -p "$OUT/photos"; cp "$repo"/../shared/data/flickr10/images/*.jpg "$OUT/photos/" # the `suggest` step's posts

if [ "$ENGINE" != "--no-engine" ]; then
  dotnet publish "$here/EngineCuda" -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -o "$tmp/engine" > /dev/null
  # the device picks avx512 or avx2, as LLamaSharp does; the other CPU variants and the debugging files stay behind
  rm -rf "$tmp"/engine/runtimes/linux-x64/native/{noavx,avx} "$tmp"/engine/*.pdb "$tmp"/engine/createdump \
         "$tmp"/engine/libmscordaccore.so "$tmp"/engine/libmscordbi.so
  tar cJf "$OUT/engine.tar.gz" -C "$tmp/engine" . # xz: 15 MiB, so that a prebuilt module (37 MiB xz) fits beside it
fi
du -sh "$OUT"/*
