/*
 * Plain C reference for bench/Inference: loads the same llama.cpp library the C# bindings use with
 * dlopen(RTLD_LAZY) + dlsym (as .NET's NativeLibrary.Load does) and makes the same calls with the same parameters
 * as the C# side of the benchmark (LlamaModel.Load, LlamaContext.Create, LlamaBatchBuffer, SamplerChain.Greedy):
 *   pp: clear the KV cache, one llama_decode of N_PROMPT tokens (logits for the last row only);
 *   tg: N_GEN times llama_sampler_sample on the last output, then llama_decode of that single token.
 * Prints one line per round: "round pp_ms tg_ms pp_tok_s tg_tok_s".
 *
 * Build: cc -O2 -DGGML_MAX_NAME=80 -I<llama.node>/src/llama.cpp/include -I<llama.node>/src/llama.cpp/ggml/include
 *           probe.c -o probe -ldl
 * Run:   ./probe LIBRARY MODEL THREADS N_PROMPT N_GEN ROUNDS
 */
#define _POSIX_C_SOURCE 199309L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "llama.h"

#define SYM(name)                                                   \
    __typeof__(&name) p_##name = (__typeof__(&name))dlsym(lib, #name); \
    if (!p_##name) { fprintf(stderr, "missing symbol %s\n", #name); return 2; }

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void quiet(enum ggml_log_level level, const char *text, void *user) { (void)level; (void)text; (void)user; }

/* The C# LlamaContext always installs an abort callback; so does the probe, to make the same calls. */
static bool never_abort(void *user) { (void)user; return false; }

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: probe LIBRARY MODEL THREADS N_PROMPT N_GEN ROUNDS\n");
        return 1;
    }
    const char *library = argv[1], *path = argv[2];
    int threads = atoi(argv[3]), n_prompt = atoi(argv[4]), n_gen = atoi(argv[5]), rounds = atoi(argv[6]);

    void *lib = dlopen(library, RTLD_LAZY);
    if (!lib) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 2; }
    SYM(llama_log_set) SYM(llama_backend_init) SYM(llama_model_default_params) SYM(llama_model_load_from_file)
    SYM(llama_model_get_vocab) SYM(llama_vocab_n_tokens) SYM(llama_context_default_params) SYM(llama_init_from_model)
    SYM(llama_set_abort_callback) SYM(llama_sampler_chain_default_params) SYM(llama_sampler_chain_init)
    SYM(llama_sampler_chain_add) SYM(llama_sampler_init_greedy) SYM(llama_sampler_sample) SYM(llama_sampler_reset)
    SYM(llama_decode) SYM(llama_get_memory) SYM(llama_memory_clear) SYM(llama_batch_init) SYM(llama_batch_free)
    SYM(llama_sampler_free) SYM(llama_free) SYM(llama_model_free)

    p_llama_log_set(quiet, NULL);
    p_llama_backend_init();

    struct llama_model_params mp = p_llama_model_default_params();
    mp.n_gpu_layers = -1;
    mp.load_mode = LLAMA_LOAD_MODE_MMAP;
    mp.check_tensors = false;
    struct llama_model *model = p_llama_model_load_from_file(path, mp);
    if (!model) { fprintf(stderr, "cannot load %s\n", path); return 3; }
    int n_vocab = p_llama_vocab_n_tokens(p_llama_model_get_vocab(model));

    struct llama_context_params cp = p_llama_context_default_params();
    cp.n_ctx = (uint32_t)(n_prompt + n_gen);
    cp.n_batch = (uint32_t)n_prompt;
    cp.n_ubatch = (uint32_t)n_prompt;
    cp.n_seq_max = 1;
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_AUTO;
    cp.kv_unified = true;
    cp.no_perf = false;
    struct llama_context *ctx = p_llama_init_from_model(model, cp);
    if (!ctx) { fprintf(stderr, "cannot create context\n"); return 3; }
    p_llama_set_abort_callback(ctx, never_abort, NULL);

    struct llama_sampler *chain = p_llama_sampler_chain_init(p_llama_sampler_chain_default_params());
    p_llama_sampler_chain_add(chain, p_llama_sampler_init_greedy());

    struct llama_batch batch = p_llama_batch_init(n_prompt, 0, 1);
    for (int round = 0; round <= rounds; round++) { /* round 0 is the warm-up */
        p_llama_memory_clear(p_llama_get_memory(ctx), true);
        p_llama_sampler_reset(chain);
        batch.n_tokens = 0;
        for (int i = 0; i < n_prompt; i++) {
            int k = batch.n_tokens++;
            batch.token[k] = (int32_t)((i * 7919L + 13) % n_vocab);   /* same token ids as the C# side */
            batch.pos[k] = i;
            batch.n_seq_id[k] = 1;
            batch.seq_id[k][0] = 0;
            batch.logits[k] = i == n_prompt - 1;
        }
        double t0 = now_ms();
        if (p_llama_decode(ctx, batch) != 0) { fprintf(stderr, "decode failed\n"); return 4; }
        double t1 = now_ms();
        int last = batch.n_tokens - 1;
        for (int i = 0; i < n_gen; i++) {
            llama_token token = p_llama_sampler_sample(chain, ctx, last);
            batch.n_tokens = 0;
            int k = batch.n_tokens++;
            batch.token[k] = token;
            batch.pos[k] = n_prompt + i;
            batch.n_seq_id[k] = 1;
            batch.seq_id[k][0] = 0;
            batch.logits[k] = 1;
            if (p_llama_decode(ctx, batch) != 0) { fprintf(stderr, "decode failed\n"); return 4; }
            last = 0;
        }
        double t2 = now_ms();
        if (round > 0)
            printf("%d %.3f %.3f %.2f %.2f\n", round, t1 - t0, t2 - t1, n_prompt * 1e3 / (t1 - t0), n_gen * 1e3 / (t2 - t1));
        fflush(stdout);
    }
    p_llama_batch_free(batch);
    p_llama_sampler_free(chain);
    p_llama_free(ctx);
    p_llama_model_free(model);
    return 0;
}
