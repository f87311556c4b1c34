#!/usr/bin/env bash
# Serving cost of the 2B-shape Qwen2-VL and Qwen3-VL at Q4_K_M with the F16 projector on this CPU host, arms
# interleaved (the two models alternate within every step; C and C# alternate), the load average recorded before each
# process. Models come from bench/RealScale/convert-quantize.sh with TYPES=q4_k_m KEEP=1 (WORK must be the same).
#
#   WORK=/var/tmp/dynamiccot-scale bench/Serving/serving-cost.sh [guided posts64 cvsc posts256 concurrent posts1024]
#
# Needs: dotnet build -c Release bench/Inference; the plain C program bench/gpu/llama_gpu.c compiled against the
# LLamaSharp CPU natives the C# side loads (CPROG; see bench/README.md "Serving cost"). Results: $WORK/serving.tsv.
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK="${WORK:-/var/tmp/dynamiccot-scale}"
THREADS="${THREADS:-2}"
MODELS="${MODELS:-qwen2-vl-2b qwen3-vl-2b}"
BENCH=(dotnet bench/Inference/bin/Release/net10.0/DynamicCot.Bench.Inference.dll)
CPROG="${CPROG:-/tmp/scale-cprog/llama_c}"
export OMP_WAIT_POLICY=PASSIVE
out="$WORK/serving.tsv"
commit="$(git rev-parse --short HEAD)"

record() { # label command...
  local label="$1"; shift
  local load; load="$(cut -d' ' -f1-3 /proc/loadavg)"
  local lines; lines="$("$@" 2>&1 | grep -E '^RESULT' || true)"
  [ -n "$lines" ] || lines="RESULT	failed"
  while IFS= read -r line; do
    printf '%s\t%s\t%s\tload_before=%s\t%s\n' "$(date +%F' '%T)" "$commit" "$label" "$load" "$line" | tee -a "$out"
  done <<< "$lines"
}

lm() { echo "$WORK/$1-q4_k_m.gguf"; }
mmproj() { echo "$WORK/$1-mmproj-f16.gguf"; }

for stage in "${@:-guided posts64 cvsc posts256 concurrent posts1024}"; do
 for step in $stage; do
  case "$step" in
    guided)
      for m in $MODELS; do record "$m guided" "${BENCH[@]}" serving-guided --model "$(lm "$m")" --threads "$THREADS" --posts "${GUIDED_POSTS:-3}" --max-tokens 48; done ;;
    posts64|posts256|posts1024)
      budget="${step#posts}"
      n="${POSTS:-10}"; [ "$budget" = 1024 ] && n="${POSTS_1024:-$n}"
      for m in $MODELS; do record "$m posts" "${BENCH[@]}" serving-posts --model "$(lm "$m")" --mmproj "$(mmproj "$m")" --threads "$THREADS" --image-tokens "$budget" --posts "$n"; done ;;
    concurrent)
      for m in ${CONCURRENT_MODELS:-$MODELS}; do record "$m concurrent" "${BENCH[@]}" serving-concurrent --model "$(lm "$m")" --mmproj "$(mmproj "$m")" --threads "$THREADS" --image-tokens 64 --posts 8; done ;;
    cvsc)
      # pp512 then tg128 by greedy decoding, the same calls through the plain C program and through the C# bindings.
      for pair in $(seq "${PAIRS:-2}"); do
        for m in ${CVSC_MODELS:-$MODELS}; do
          record "$m C" bash -c "'$CPROG' lm - '$(lm "$m")' '$WORK/c-$m' $THREADS ${ROUNDS:-2} | sed -n 's/^RESULT \\(.*\\)/RESULT\tside=C\t\\1/p'"
          record "$m C#" bash -c "${BENCH[*]} csharp --model '$(lm "$m")' --threads $THREADS --prompt 512 --gen 128 --rounds ${ROUNDS:-2} | awk '/^[0-9]+ /{pp[n]=\$4; tg[n]=\$5; n++} END{asort(pp); asort(tg); printf \"RESULT\tside=C#\tpp512_tok_s=%s\ttg128_tok_s=%s\trounds=%d\n\", pp[int((n+1)/2)], tg[int((n+1)/2)], n}'"
        done
      done
      rm -f "$WORK"/c-*.logits "$WORK"/c-*.tok ;;
    *) echo "unknown step $step" >&2; exit 2 ;;
  esac
 done
done
