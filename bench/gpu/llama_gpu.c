/*
 * Serving measurements on LLamaSharp 0.30.0's own native build (libllama / libmtmd / libggml* of
 * LLamaSharp.Backend.Cpu, llama.cpp 815a2a5 = b10221, ggml 0.18.0), on the CPU or on a CUDA GPU. The GPU arm loads a
 * ggml-cuda backend module built from ggml sources with the same backend ABI (see build_cuda.sh) into that same
 * libllama with ggml_backend_load, the call LLamaSharp's libggml exports for exactly this; nothing else changes.
 *
 * It links against the LLamaSharp libraries and declares the few llama/mtmd structs it passes itself, with the
 * layouts LLamaSharp 0.30.0 marshals (LLamaModelParams 72 B, LLamaContextParams 160 B, mtmd_context_params 80 B,
 * LLamaModelQuantizeParams 56 B: read with Marshal.OffsetOf from LLama.dll 0.30.0); ggml/gguf come from the ggml
 * headers of the tree the CUDA module is built from, whose ABI `abi` prints for comparison.
 *
 * Modes (CUDA = path of libggml-cuda.so, or "-" for the CPU arm, which then never touches a GPU):
 *   abi                                           ggml op/type tables, tensor overhead, backend API version
 *   grow TEMPLATE OUT.gguf KEY=VALUE...           random-weight F16 copy of a Qwen2-VL LM or mmproj at new sizes
 *                                                 (gguf u32 keys; rope sections as a,b,c,d; output=untied)
 *   quantize IN OUT FTYPE THREADS                 llama_model_quantize (FTYPE: llama_ftype number, 7 = Q8_0, 15 = Q4_K_M)
 *   lm CUDA MODEL OUT THREADS ROUNDS              pp512, then tg128 by greedy decoding; OUT.tok / OUT.logits
 *   batch CUDA MODEL THREADS ROUNDS N_SEQ N_PROMPT   N_SEQ prompts in one decode, then 128 steps of N_SEQ tokens
 *   mtmd CUDA MODEL MMPROJ IMAGE OUT THREADS ROUNDS MAX_IMAGE_TOKENS   image encode time; OUT.embd
 *   compare A B                                   greedy tokens identical? max |logit difference| (A/B: OUT prefixes)
 *   compare-embd A.embd B.embd
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ggml.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"
#include "gguf.h"
#include "../src/ggml-backend-impl.h"

/* ---- llama.h / mtmd.h declarations, LLamaSharp 0.30.0 layouts ---- */
struct llama_model;
struct llama_context;
struct llama_vocab;
typedef struct llama_memory_i *llama_memory_t;

struct lm_model_params {
    ggml_backend_dev_t *devices;
    const void *tensor_buft_overrides;
    int32_t n_gpu_layers;
    int32_t split_mode;
    int32_t load_mode; /* 0 none, 1 mmap, 2 mlock, 3 mmap+mlock, 4 direct io */
    int32_t main_gpu;
    const float *tensor_split;
    void *progress_callback;
    void *progress_callback_user_data;
    const void *kv_overrides;
    bool vocab_only, check_tensors, use_extra_bufts, no_host, no_alloc, load_mtp;
};
_Static_assert(sizeof(struct lm_model_params) == 72, "LLamaModelParams is 72 bytes");
_Static_assert(offsetof(struct lm_model_params, kv_overrides) == 56, "kv_overrides at 56");

struct lm_context_params {
    uint32_t n_ctx, n_batch, n_ubatch, n_seq_max, n_rs_seq, n_outputs_max;
    int32_t n_threads, n_threads_batch;
    int32_t ctx_type, rope_scaling_type, pooling_type, attention_type, flash_attn_type;
    float rope_freq_base, rope_freq_scale, yarn_ext_factor, yarn_attn_factor, yarn_beta_fast, yarn_beta_slow;
    uint32_t yarn_orig_ctx;
    float defrag_thold;
    void *cb_eval, *cb_eval_user_data;
    int32_t type_k, type_v;
    void *abort_callback, *abort_callback_user_data;
    bool embeddings, offload_kqv, no_perf, op_offload, swa_full, kv_unified;
    void *samplers;
    size_t n_samplers;
    void *ctx_other;
};
_Static_assert(sizeof(struct lm_context_params) == 160, "LLamaContextParams is 160 bytes");
_Static_assert(offsetof(struct lm_context_params, cb_eval) == 88, "cb_eval at 88");
_Static_assert(offsetof(struct lm_context_params, samplers) == 136, "samplers at 136");

struct lm_batch {
    int32_t n_tokens;
    int32_t *token;
    float *embd;
    int32_t *pos;
    int32_t *n_seq_id;
    int32_t **seq_id;
    int8_t *logits;
};

struct lm_quantize_params {
    int32_t nthread, ftype, output_tensor_type, token_embedding_type;
    bool allow_requantize, quantize_output_tensor, only_copy, pure, keep_split, dry_run;
    void *imatrix, *kv_overrides, *tensor_types, *prune_layers;
};
_Static_assert(sizeof(struct lm_quantize_params) == 56, "LLamaModelQuantizeParams is 56 bytes");

struct mtmd_ctx_params {
    bool use_gpu, print_timings;
    int32_t n_threads;
    const char *image_marker, *media_marker;
    int32_t flash_attn_type;
    bool warmup;
    int32_t image_min_tokens, image_max_tokens;
    void *cb_eval, *cb_eval_user_data;
    int32_t batch_max_tokens;
    void *progress_callback, *progress_callback_user_data;
};
_Static_assert(sizeof(struct mtmd_ctx_params) == 80, "mtmd_context_params is 80 bytes");

struct mtmd_text {
    const char *text;
    size_t text_len;
    bool add_special, parse_special;
};

void llama_backend_init(void);
const char *llama_print_system_info(void);
struct lm_model_params llama_model_default_params(void);
struct lm_context_params llama_context_default_params(void);
struct lm_quantize_params llama_model_quantize_default_params(void);
uint32_t llama_model_quantize(const char *in, const char *out, const struct lm_quantize_params *params);
struct llama_model *llama_model_load_from_file(const char *path, struct lm_model_params params);
void llama_model_free(struct llama_model *model);
const struct llama_vocab *llama_model_get_vocab(const struct llama_model *model);
int32_t llama_vocab_n_tokens(const struct llama_vocab *vocab);
int32_t llama_model_n_embd(const struct llama_model *model);
uint64_t llama_model_n_params(const struct llama_model *model);
uint64_t llama_model_size(const struct llama_model *model);
int32_t llama_model_desc(const struct llama_model *model, char *buf, size_t buf_size);
struct llama_context *llama_init_from_model(struct llama_model *model, struct lm_context_params params);
void llama_free(struct llama_context *ctx);
struct lm_batch llama_batch_init(int32_t n_tokens, int32_t embd, int32_t n_seq_max);
void llama_batch_free(struct lm_batch batch);
int32_t llama_decode(struct llama_context *ctx, struct lm_batch batch);
void llama_synchronize(struct llama_context *ctx);
float *llama_get_logits_ith(struct llama_context *ctx, int32_t i);
llama_memory_t llama_get_memory(const struct llama_context *ctx);
void llama_memory_clear(llama_memory_t mem, bool data);

struct mtmd_context;
struct mtmd_bitmap;
struct mtmd_input_chunks;
struct mtmd_input_chunk;
struct mtmd_ctx_params mtmd_context_params_default(void);
const char *mtmd_default_marker(void);
struct mtmd_context *mtmd_init_from_file(const char *mmproj, const struct llama_model *model, struct mtmd_ctx_params params);
void mtmd_free(struct mtmd_context *ctx);
/* at this commit the helper returns {bitmap, video context} and takes a "placeholder" flag (LLamaSharp 0.30.0:
 * mtmd_helper_bitmap_init_from_file_native(ctx, path, bool) -> mtmd_helper_bitmap_wrapper, 16 bytes) */
struct mtmd_bitmap_wrapper { struct mtmd_bitmap *bitmap; void *video_ctx; };
struct mtmd_bitmap_wrapper mtmd_helper_bitmap_init_from_file(struct mtmd_context *ctx, const char *path, bool placeholder);
void mtmd_bitmap_free(struct mtmd_bitmap *bitmap);
struct mtmd_input_chunks *mtmd_input_chunks_init(void);
void mtmd_input_chunks_free(struct mtmd_input_chunks *chunks);
size_t mtmd_input_chunks_size(const struct mtmd_input_chunks *chunks);
const struct mtmd_input_chunk *mtmd_input_chunks_get(const struct mtmd_input_chunks *chunks, size_t idx);
int32_t mtmd_input_chunk_get_type(const struct mtmd_input_chunk *chunk);
size_t mtmd_input_chunk_get_n_tokens(const struct mtmd_input_chunk *chunk);
int32_t mtmd_tokenize(struct mtmd_context *ctx, struct mtmd_input_chunks *out, const struct mtmd_text *text,
                      const struct mtmd_bitmap **bitmaps, size_t n_bitmaps);
int32_t mtmd_encode_chunk(struct mtmd_context *ctx, const struct mtmd_input_chunk *chunk);
float *mtmd_get_output_embd(struct mtmd_context *ctx);

/* ---- helpers ---- */
static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void die(const char *what) {
    fprintf(stderr, "error: %s\n", what);
    exit(1);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    if (n == 0) return 0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Loads the CUDA module (or nothing for "-") and lists the devices llama.cpp will see. */
static bool load_backend(const char *module) {
    bool cuda = strcmp(module, "-") != 0;
    if (cuda) {
        ggml_backend_reg_t reg = ggml_backend_load(module);
        if (!reg) die("ggml_backend_load refused the CUDA module (see the log above)");
        printf("backend module: %s (api %d)\n", ggml_backend_reg_name(reg), reg->api_version);
        /* one libggml-base in the process: the module bound to LLamaSharp's, not to a copy of its own */
        FILE *maps = fopen("/proc/self/maps", "r");
        char line[4096], seen[8][1024];
        int n_seen = 0;
        while (maps && fgets(line, sizeof line, maps)) {
            char *path = strchr(line, '/');
            if (!path || !strstr(path, "libggml")) continue;
            path[strcspn(path, "\n")] = 0;
            bool known = false;
            for (int i = 0; i < n_seen; i++) known |= strcmp(seen[i], path) == 0;
            if (!known && n_seen < 8) { snprintf(seen[n_seen++], sizeof seen[0], "%s", path); printf("mapped: %s\n", path); }
        }
        if (maps) fclose(maps);
    }
    for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        size_t free_b = 0, total_b = 0;
        ggml_backend_dev_memory(dev, &free_b, &total_b);
        printf("device %zu: %s | %s | %.1f GiB\n", i, ggml_backend_dev_name(dev), ggml_backend_dev_description(dev),
               total_b / 1073741824.0);
    }
    return cuda;
}

static struct llama_model *load_model(const char *path, bool cuda) {
    struct lm_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = cuda ? -1 : 0;
    mp.load_mode = 1;
    struct llama_model *model = llama_model_load_from_file(path, mp);
    if (!model) die("llama_model_load_from_file failed");
    char desc[256];
    llama_model_desc(model, desc, sizeof desc);
    printf("model: %s | %.1f M params | %.1f MiB\n", desc, llama_model_n_params(model) / 1e6,
           llama_model_size(model) / 1048576.0);
    return model;
}

/* ---- abi ---- */
static int cmd_abi(void) {
    printf("ggml %s commit %s\n", ggml_version(), ggml_commit());
    printf("GGML_OP_COUNT(header) %d\n", GGML_OP_COUNT);
    for (int i = 0; i < GGML_OP_COUNT; i++) printf("op %d %s %s\n", i, ggml_op_name(i), ggml_op_symbol(i));
    for (int i = 0; i < GGML_UNARY_OP_COUNT; i++) printf("unary %d %s\n", i, ggml_unary_op_name(i));
    for (int i = 0; i < GGML_GLU_OP_COUNT; i++) printf("glu %d %s\n", i, ggml_glu_op_name(i));
    for (int i = 0; i < GGML_TYPE_COUNT; i++)
        printf("type %d %s size %zu block %lld\n", i, ggml_type_name(i) ? ggml_type_name(i) : "-", ggml_type_size(i),
               (long long)ggml_blck_size(i));
    printf("tensor_overhead %zu (header sizeof ggml_tensor %zu)\n", ggml_tensor_overhead(), sizeof(struct ggml_tensor));
    printf("graph_overhead %zu\n", ggml_graph_overhead());
    printf("backend api header %d\n", GGML_BACKEND_API_VERSION);
    return 0;
}

/* The CPU registry's api_version as the shipped libggml-cpu reports it: the number ggml_backend_load checks a module
 * against. Printed apart from `abi`, which also runs against a freshly built libggml-base without libggml-cpu. */
static int cmd_abi_cpu(void) {
    ggml_backend_reg_t cpu = ggml_backend_cpu_reg();
    printf("cpu reg api %d, header %d, %zu interface bytes\n", cpu->api_version, GGML_BACKEND_API_VERSION,
           sizeof(struct ggml_backend_reg_i));
    return cpu->api_version == GGML_BACKEND_API_VERSION ? 0 : 1;
}

/* ---- info: the u32 keys and tensor shapes of a GGUF ---- */
static int cmd_info(const char *path) {
    struct ggml_context *meta = NULL;
    struct gguf_init_params ip = { .no_alloc = true, .ctx = &meta };
    struct gguf_context *g = gguf_init_from_file(path, ip);
    if (!g) die("cannot read the GGUF");
    for (int64_t i = 0; i < gguf_get_n_kv(g); i++) {
        enum gguf_type t = gguf_get_kv_type(g, i);
        if (t == GGUF_TYPE_UINT32) printf("kv %s = %u\n", gguf_get_key(g, i), gguf_get_val_u32(g, i));
        else if (t == GGUF_TYPE_FLOAT32) printf("kv %s = %g\n", gguf_get_key(g, i), gguf_get_val_f32(g, i));
        else if (t == GGUF_TYPE_STRING) printf("kv %s = \"%.60s\"\n", gguf_get_key(g, i), gguf_get_val_str(g, i));
        else if (t == GGUF_TYPE_BOOL) printf("kv %s = %d\n", gguf_get_key(g, i), gguf_get_val_bool(g, i));
        else printf("kv %s (type %d)\n", gguf_get_key(g, i), t);
    }
    for (int64_t i = 0; i < gguf_get_n_tensors(g); i++) {
        struct ggml_tensor *t = ggml_get_tensor(meta, gguf_get_tensor_name(g, i));
        printf("tensor %-28s %-5s [%lld, %lld, %lld, %lld]\n", t->name, ggml_type_name(t->type), (long long)t->ne[0],
               (long long)t->ne[1], (long long)t->ne[2], (long long)t->ne[3]);
    }
    return 0;
}

/* ---- grow: random-weight F16 copy at new sizes ---- */
struct dim_map { int64_t from[16], to[16]; int n; };

static int64_t map_dim(const struct dim_map *m, int64_t d) {
    for (int i = 0; i < m->n; i++) if (m->from[i] == d) return m->to[i];
    return d;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
/* xorshift64*, uniform in [-1, 1): reproducible weights (same arguments, same bytes) and fast enough for 2 G values */
static float rand_uniform(void) {
    rng_state ^= rng_state >> 12; rng_state ^= rng_state << 25; rng_state ^= rng_state >> 27;
    return (float)((rng_state * 0x2545F4914F6CDD1Dull) >> 40) * (1.0f / 8388608.0f) - 1.0f;
}

static int64_t kv_u32(const struct gguf_context *g, const char *key) {
    int64_t id = gguf_find_key(g, key);
    return id < 0 ? -1 : (int64_t)gguf_get_val_u32(g, id);
}

/* KEY=VALUE: gguf u32 key to override (e.g. qwen2vl.embedding_length=1536); the tensor shapes follow from the map of
 * every overridden size's old value to its new one, plus the derived sizes (heads x head size, 4 x vision width). */
static int cmd_grow(int argc, char **argv) {
    const char *template_path = argv[0], *out = argv[1];
    struct ggml_context *meta = NULL;
    struct gguf_init_params ip = { .no_alloc = true, .ctx = &meta };
    struct gguf_context *src = gguf_init_from_file(template_path, ip);
    if (!src) die("cannot read the template GGUF");
    struct gguf_context *dst = gguf_init_empty();
    gguf_set_kv(dst, src);
    struct dim_map map = { .n = 0 };
    const char *arch = gguf_get_val_str(src, gguf_find_key(src, "general.architecture"));
    bool vision = strcmp(arch, "clip") == 0;
    int64_t old_layers = -1, new_layers = -1, proj_dim = -1;
    bool untie = false;
    float gain = 1.0f; /* gain=G: block matrices get std G/sqrt(fan in) */
    char key[128];
    for (int i = 2; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) die("grow: expected KEY=VALUE");
        snprintf(key, sizeof key, "%.*s", (int)(eq - argv[i]), argv[i]);
        long long v = atoll(eq + 1);
        if (!strcmp(key, "output")) { untie = strcmp(eq + 1, "untied") == 0; continue; }
        if (!strcmp(key, "gain")) { gain = (float)atof(eq + 1); continue; }
        if (strstr(key, "rope.dimension_sections")) {
            /* four comma-separated ints */
            int32_t s[4] = { 0 };
            sscanf(eq + 1, "%d,%d,%d,%d", &s[0], &s[1], &s[2], &s[3]);
            gguf_set_arr_data(dst, key, GGUF_TYPE_INT32, s, 4);
            continue;
        }
        int64_t old = kv_u32(src, key);
        if (old < 0) { fprintf(stderr, "grow: no u32 key %s in the template\n", key); return 1; }
        gguf_set_val_u32(dst, key, (uint32_t)v);
        if (strstr(key, "block_count")) { old_layers = old; new_layers = v; continue; }
        if (strstr(key, "head_count")) continue; /* heads only change the head size, handled below */
        if (strstr(key, "projection_dim")) { proj_dim = v; continue; } /* only mm.2's output, set by name below */
        map.from[map.n] = old; map.to[map.n] = v; map.n++;
    }
    /* derived sizes: K/V width (text) and the 2x2 merger width (vision) */
    char k1[96], k2[96], k3[96];
    if (!vision) {
        snprintf(k1, sizeof k1, "%s.embedding_length", arch);
        snprintf(k2, sizeof k2, "%s.attention.head_count", arch);
        snprintf(k3, sizeof k3, "%s.attention.head_count_kv", arch);
        int64_t e0 = kv_u32(src, k1), h0 = kv_u32(src, k2), kv0 = kv_u32(src, k3);
        int64_t e1 = kv_u32(dst, k1), h1 = kv_u32(dst, k2), kv1 = kv_u32(dst, k3);
        int64_t w0 = kv0 * (e0 / h0), w1 = kv1 * (e1 / h1);
        if (w0 != e0) { map.from[map.n] = w0; map.to[map.n] = w1; map.n++; }
        printf("grow %s: head size %lld -> %lld, kv width %lld -> %lld\n", arch, (long long)(e0 / h0),
               (long long)(e1 / h1), (long long)w0, (long long)w1);
    } else {
        int64_t e0 = kv_u32(src, "clip.vision.embedding_length"), e1 = kv_u32(dst, "clip.vision.embedding_length");
        map.from[map.n] = 4 * e0; map.to[map.n] = 4 * e1; map.n++;
    }
    for (int i = 0; i < map.n; i++) printf("  size %lld -> %lld\n", (long long)map.from[i], (long long)map.to[i]);

    struct ggml_init_params cp = { .mem_size = (size_t)4096 * ggml_tensor_overhead(), .mem_buffer = NULL, .no_alloc = true };
    struct ggml_context *shapes = ggml_init(cp);
    const char *block_prefix = vision ? "v.blk." : "blk.";
    int64_t n_tensors = gguf_get_n_tensors(src);
    size_t total = 0;
    struct ggml_tensor *made[4096];
    int n_made = 0;
    for (int64_t layer = -1; layer < (new_layers < 0 ? 0 : new_layers); layer++) {
        for (int64_t t = 0; t < n_tensors; t++) {
            const char *name = gguf_get_tensor_name(src, t);
            bool in_block = strncmp(name, block_prefix, strlen(block_prefix)) == 0;
            char new_name[GGML_MAX_NAME];
            if (layer < 0) {
                if (in_block && new_layers >= 0) continue;
                snprintf(new_name, sizeof new_name, "%s", name);
            } else {
                if (!in_block) continue;
                const char *rest = name + strlen(block_prefix);
                if (atoll(rest) != 0) continue; /* block 0 is the pattern for every new block */
                snprintf(new_name, sizeof new_name, "%s%lld%s", block_prefix, (long long)layer, strchr(rest, '.'));
            }
            struct ggml_tensor *tt = ggml_get_tensor(meta, name);
            int64_t ne[4] = { 1, 1, 1, 1 };
            int nd = ggml_n_dims(tt);
            for (int d = 0; d < 4; d++) ne[d] = d < nd ? map_dim(&map, tt->ne[d]) : 1;
            /* the merger's last linear layer projects onto the language model's width, which can equal another size
             * in the template (the tiny one has 256 for it, the vision FFN and the 2x2 merge alike) */
            if (vision && proj_dim > 0 && strncmp(name, "mm.2.", 5) == 0) ne[nd - 1] = proj_dim;
            struct ggml_tensor *nt = ggml_new_tensor(shapes, nd < 2 ? GGML_TYPE_F32 : GGML_TYPE_F16, nd, ne);
            ggml_set_name(nt, new_name);
            made[n_made++] = nt;
            total += ggml_nbytes(nt);
        }
    }
    (void)old_layers;
    /* output=untied: an own random output matrix instead of the tied token embeddings, whose self-similarity makes a
     * random model repeat one token forever under greedy decoding */
    if (untie && !vision && gguf_find_tensor(src, "output.weight") < 0) {
        struct ggml_tensor *emb = ggml_get_tensor(meta, "token_embd.weight");
        struct ggml_tensor *nt = ggml_new_tensor_2d(shapes, GGML_TYPE_F16, map_dim(&map, emb->ne[0]), emb->ne[1]);
        ggml_set_name(nt, "output.weight");
        made[n_made++] = nt;
        total += ggml_nbytes(nt);
    }
    /* fill: norm weights 1, biases uniform with std 0.02, token embeddings std 1, every other matrix std 1/sqrt(fan in),
     * so that each layer changes the hidden state as much as a trained one does and greedy decoding walks through
     * varied tokens (with 0.02 everywhere, tied embeddings make the model repeat its input token) */
    for (int i = 0; i < n_made; i++) {
        struct ggml_tensor *nt = made[i];
        int64_t n = ggml_nelements(nt);
        float *f = malloc(n * sizeof(float));
        bool norm = strstr(nt->name, "norm") || strstr(nt->name, ".ln") || strstr(nt->name, "post_ln");
        bool bias = strstr(nt->name, ".bias") != NULL;
        bool in_block = strstr(nt->name, "blk.") != NULL;
        float std = bias ? 0.02f : strstr(nt->name, "token_embd") ? 1.0f : (in_block ? gain : 1.0f) / sqrtf((float)nt->ne[0]);
        for (int64_t j = 0; j < n; j++) f[j] = norm && !bias ? 1.0f : 1.7320508f * std * rand_uniform();
        void *data = malloc(ggml_nbytes(nt));
        if (nt->type == GGML_TYPE_F16) ggml_fp32_to_fp16_row(f, data, n); else memcpy(data, f, n * sizeof(float));
        free(f);
        nt->data = data;
        gguf_add_tensor(dst, nt);
    }
    printf("grow: %d tensors, %.1f MiB F16/F32 -> %s\n", n_made, total / 1048576.0, out);
    if (!gguf_write_to_file(dst, out, false)) die("gguf_write_to_file failed");
    return 0;
}

static int cmd_quantize(char **argv) {
    struct lm_quantize_params qp = llama_model_quantize_default_params();
    qp.ftype = atoi(argv[2]);
    qp.nthread = atoi(argv[3]);
    double t0 = now_ms();
    uint32_t rc = llama_model_quantize(argv[0], argv[1], &qp);
    printf("quantize ftype %d: rc %u in %.1f s\n", qp.ftype, rc, (now_ms() - t0) / 1e3);
    return rc != 0;
}

/* ---- lm: pp512 / tg128 by greedy decoding ---- */
#define N_PROMPT 512
#define N_GEN 128

static int argmax(const float *v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) if (v[i] > v[best]) best = i;
    return best;
}

static int cmd_lm(char **argv) {
    const char *module = argv[0], *path = argv[1], *out = argv[2];
    int threads = atoi(argv[3]), rounds = atoi(argv[4]);
    bool cuda = load_backend(module);
    struct llama_model *model = load_model(path, cuda);
    int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));

    struct lm_context_params cp = llama_context_default_params();
    cp.n_ctx = 1024;
    cp.n_batch = cp.n_ubatch = N_PROMPT;
    cp.n_seq_max = 1;
    cp.n_threads = cp.n_threads_batch = threads;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) die("llama_init_from_model failed");

    struct lm_batch batch = llama_batch_init(N_PROMPT, 0, 1);
    float *logits = malloc((size_t)(N_GEN + 1) * n_vocab * sizeof(float));
    int tokens[N_GEN], first_tokens[N_GEN];
    double pp[64], tg[64];
    int measured = 0;
    bool deterministic = true;
    for (int r = 0; r <= rounds && r < 64; r++) {
        llama_memory_clear(llama_get_memory(ctx), true);
        batch.n_tokens = N_PROMPT;
        for (int i = 0; i < N_PROMPT; i++) {
            batch.token[i] = (int32_t)((i * 7919u + 13u) % (unsigned)n_vocab);
            batch.pos[i] = i;
            batch.n_seq_id[i] = 1;
            batch.seq_id[i][0] = 0;
            batch.logits[i] = i == N_PROMPT - 1;
        }
        double t0 = now_ms();
        if (llama_decode(ctx, batch) != 0) die("llama_decode (prompt) failed");
        llama_synchronize(ctx);
        double t1 = now_ms();
        const float *l = llama_get_logits_ith(ctx, -1);
        memcpy(logits, l, n_vocab * sizeof(float));
        for (int g = 0; g < N_GEN; g++) {
            tokens[g] = argmax(l, n_vocab);
            batch.n_tokens = 1;
            batch.token[0] = tokens[g];
            batch.pos[0] = N_PROMPT + g;
            batch.logits[0] = 1;
            if (llama_decode(ctx, batch) != 0) die("llama_decode (token) failed");
            l = llama_get_logits_ith(ctx, -1);
            memcpy(logits + (size_t)(g + 1) * n_vocab, l, n_vocab * sizeof(float));
        }
        double t2 = now_ms();
        printf("round %d%s: pp%d %.1f ms (%.1f tok/s), tg%d %.1f ms (%.1f tok/s)\n", r, r == 0 ? " (warm-up)" : "",
               N_PROMPT, t1 - t0, N_PROMPT * 1e3 / (t1 - t0), N_GEN, t2 - t1, N_GEN * 1e3 / (t2 - t1));
        if (r == 0) {
            memcpy(first_tokens, tokens, sizeof tokens);
            char p[4096];
            snprintf(p, sizeof p, "%s.logits", out);
            FILE *f = fopen(p, "wb");
            fwrite(&n_vocab, sizeof n_vocab, 1, f);
            fwrite(logits, sizeof(float), (size_t)(N_GEN + 1) * n_vocab, f);
            fclose(f);
            snprintf(p, sizeof p, "%s.tok", out);
            f = fopen(p, "w");
            for (int g = 0; g < N_GEN; g++) fprintf(f, "%d\n", tokens[g]);
            fclose(f);
        } else {
            if (memcmp(first_tokens, tokens, sizeof tokens) != 0) deterministic = false;
            pp[measured] = N_PROMPT * 1e3 / (t1 - t0);
            tg[measured] = N_GEN * 1e3 / (t2 - t1);
            measured++;
        }
    }
    printf("RESULT %s threads %d: pp%d %.1f tok/s, tg%d %.1f tok/s (median of %d), greedy repeatable across rounds: %s\n",
           cuda ? "cuda" : "cpu", threads, N_PROMPT, median(pp, measured), N_GEN, median(tg, measured), measured,
           deterministic ? "yes" : "NO");
    llama_batch_free(batch);
    free(logits);
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}

/* ---- batch: N_SEQ sequences decoded together, as the engine batches parallel requests ---- */
static int cmd_batch(char **argv) {
    const char *module = argv[0], *path = argv[1];
    int threads = atoi(argv[2]), rounds = atoi(argv[3]), n_seq = atoi(argv[4]), n_prompt = atoi(argv[5]);
    if (n_seq < 1 || n_seq > 64 || n_prompt < 1) die("batch: 1..64 sequences, a positive prompt length");
    bool cuda = load_backend(module);
    struct llama_model *model = load_model(path, cuda);
    int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    struct lm_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t)(n_seq * (n_prompt + N_GEN));
    cp.n_batch = (uint32_t)(n_seq * n_prompt); /* one llama_decode for every prompt, in ubatches of 512 */
    cp.n_ubatch = cp.n_batch < 512 ? cp.n_batch : 512;
    cp.n_seq_max = (uint32_t)n_seq;
    cp.n_threads = cp.n_threads_batch = threads;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) die("llama_init_from_model failed");
    struct lm_batch batch = llama_batch_init(n_seq * n_prompt, 0, 1);
    int *last = malloc(n_seq * sizeof(int));
    double pp[64], tg[64];
    int measured = 0;
    for (int r = 0; r <= rounds && r < 64; r++) {
        llama_memory_clear(llama_get_memory(ctx), true);
        batch.n_tokens = 0;
        for (int q = 0; q < n_seq; q++)
            for (int i = 0; i < n_prompt; i++) {
                int k = batch.n_tokens++;
                batch.token[k] = (int32_t)(((i + 31u * q) * 7919u + 13u) % (unsigned)n_vocab);
                batch.pos[k] = i;
                batch.n_seq_id[k] = 1;
                batch.seq_id[k][0] = q;
                batch.logits[k] = i == n_prompt - 1;
                if (i == n_prompt - 1) last[q] = k;
            }
        double t0 = now_ms();
        if (llama_decode(ctx, batch) != 0) die("llama_decode (prompts) failed");
        llama_synchronize(ctx);
        double t1 = now_ms();
        for (int g = 0; g < N_GEN; g++) {
            int next[64];
            for (int q = 0; q < n_seq; q++) next[q] = argmax(llama_get_logits_ith(ctx, last[q]), n_vocab);
            batch.n_tokens = n_seq;
            for (int q = 0; q < n_seq; q++) {
                batch.token[q] = next[q];
                batch.pos[q] = n_prompt + g;
                batch.n_seq_id[q] = 1;
                batch.seq_id[q][0] = q;
                batch.logits[q] = 1;
                last[q] = q;
            }
            if (llama_decode(ctx, batch) != 0) die("llama_decode (tokens) failed");
        }
        llama_synchronize(ctx);
        double t2 = now_ms();
        printf("round %d%s: %d x pp%d %.1f ms, %d x tg%d %.1f ms\n", r, r == 0 ? " (warm-up)" : "", n_seq, n_prompt,
               t1 - t0, n_seq, N_GEN, t2 - t1);
        if (r > 0) {
            pp[measured] = n_seq * n_prompt * 1e3 / (t1 - t0);
            tg[measured] = n_seq * N_GEN * 1e3 / (t2 - t1);
            measured++;
        }
    }
    printf("RESULT %s batch of %d: prompts %.1f tok/s, generation %.1f tok/s in all (median of %d)\n",
           cuda ? "cuda" : "cpu", n_seq, median(pp, measured), median(tg, measured), measured);
    free(last);
    llama_batch_free(batch);
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}

/* ---- mtmd: image encode ---- */
static int cmd_mtmd(char **argv) {
    const char *module = argv[0], *lm = argv[1], *mmproj = argv[2], *image = argv[3], *out = argv[4];
    int threads = atoi(argv[5]), rounds = atoi(argv[6]), max_tokens = atoi(argv[7]);
    bool cuda = load_backend(module);
    struct llama_model *model = load_model(lm, cuda);
    struct mtmd_ctx_params mp = mtmd_context_params_default();
    mp.image_max_tokens = max_tokens;
    mp.use_gpu = cuda;
    mp.n_threads = threads;
    mp.print_timings = false;
    mp.warmup = true;
    struct mtmd_context *mctx = mtmd_init_from_file(mmproj, model, mp);
    if (!mctx) die("mtmd_init_from_file failed");
    struct mtmd_bitmap *bmp = mtmd_helper_bitmap_init_from_file(mctx, image, false).bitmap;
    if (!bmp) die("cannot read the image");
    struct mtmd_input_chunks *chunks = mtmd_input_chunks_init();
    struct mtmd_text text = { .text = mtmd_default_marker(), .text_len = strlen(mtmd_default_marker()),
                              .add_special = false, .parse_special = true };
    const struct mtmd_bitmap *bitmaps[1] = { bmp };
    if (mtmd_tokenize(mctx, chunks, &text, bitmaps, 1) != 0) die("mtmd_tokenize failed");
    const struct mtmd_input_chunk *img = NULL;
    for (size_t i = 0; i < mtmd_input_chunks_size(chunks); i++)
        if (mtmd_input_chunk_get_type(mtmd_input_chunks_get(chunks, i)) == 1) img = mtmd_input_chunks_get(chunks, i);
    if (!img) die("no image chunk");
    size_t n_tok = mtmd_input_chunk_get_n_tokens(img);
    int n_embd = llama_model_n_embd(model);
    double ms[64];
    int measured = 0;
    for (int r = 0; r <= rounds && r < 64; r++) {
        double t0 = now_ms();
        if (mtmd_encode_chunk(mctx, img) != 0) die("mtmd_encode_chunk failed");
        double t1 = now_ms();
        printf("round %d%s: encode %zu image tokens in %.1f ms\n", r, r == 0 ? " (warm-up)" : "", n_tok, t1 - t0);
        if (r > 0) ms[measured++] = t1 - t0;
        if (r == 0) {
            char p[4096];
            snprintf(p, sizeof p, "%s.embd", out);
            FILE *f = fopen(p, "wb");
            int32_t hdr[2] = { (int32_t)n_tok, n_embd };
            fwrite(hdr, sizeof hdr, 1, f);
            fwrite(mtmd_get_output_embd(mctx), sizeof(float), n_tok * (size_t)n_embd, f);
            fclose(f);
        }
    }
    printf("RESULT %s mtmd encode: %zu tokens, %.1f ms (median of %d)\n", cuda ? "cuda" : "cpu", n_tok,
           median(ms, measured), measured);
    mtmd_input_chunks_free(chunks);
    mtmd_bitmap_free(bmp);
    mtmd_free(mctx);
    llama_model_free(model);
    return 0;
}

/* ---- compare ---- */
static float *read_floats(const char *path, int32_t *hdr, int n_hdr, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "cannot open %s\n", path); exit(1); }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (fread(hdr, sizeof(int32_t), n_hdr, f) != (size_t)n_hdr) die("short file");
    *n = (size - n_hdr * sizeof(int32_t)) / sizeof(float);
    float *v = malloc(*n * sizeof(float));
    if (fread(v, sizeof(float), *n, f) != *n) die("short file");
    fclose(f);
    return v;
}

static int cmd_compare(char **argv) {
    char pa[4096], pb[4096];
    int ta[N_GEN], tb[N_GEN];
    for (int s = 0; s < 2; s++) {
        snprintf(pa, sizeof pa, "%s.tok", argv[s]);
        FILE *f = fopen(pa, "r");
        if (!f) die("cannot open a .tok file");
        for (int g = 0; g < N_GEN; g++) if (fscanf(f, "%d", s ? &tb[g] : &ta[g]) != 1) die("short .tok file");
        fclose(f);
    }
    int diverge = N_GEN;
    for (int g = 0; g < N_GEN; g++) if (ta[g] != tb[g]) { diverge = g; break; }
    snprintf(pa, sizeof pa, "%s.logits", argv[0]);
    snprintf(pb, sizeof pb, "%s.logits", argv[1]);
    int32_t va, vb;
    size_t na, nb;
    float *a = read_floats(pa, &va, 1, &na), *b = read_floats(pb, &vb, 1, &nb);
    if (va != vb || na != nb) die("logit files differ in shape");
    /* logits of step g are computed on the same tokens in both runs while g <= diverge */
    int steps = diverge < N_GEN ? diverge + 1 : N_GEN + 1;
    double max_d = 0, max_abs = 0;
    for (size_t i = 0; i < (size_t)steps * va; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d > max_d) max_d = d;
        if (fabs(a[i]) > max_abs) max_abs = fabs(a[i]);
    }
    if (diverge == N_GEN) printf("RESULT greedy tokens: all %d identical\n", N_GEN);
    else printf("RESULT greedy tokens: first %d identical, then %d vs %d\n", diverge, ta[diverge], tb[diverge]);
    printf("RESULT logits over %d steps x %d vocab: max |diff| %.3g (max |logit| %.3g)\n", steps, va, max_d, max_abs);
    return 0;
}

static int cmd_compare_embd(char **argv) {
    int32_t ha[2], hb[2];
    size_t na, nb;
    float *a = read_floats(argv[0], ha, 2, &na), *b = read_floats(argv[1], hb, 2, &nb);
    if (na != nb || ha[0] != hb[0] || ha[1] != hb[1]) die("embedding files differ in shape");
    double max_d = 0, max_abs = 0;
    for (size_t i = 0; i < na; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d > max_d) max_d = d;
        if (fabs(a[i]) > max_abs) max_abs = fabs(a[i]);
    }
    printf("RESULT image embeddings %d x %d: max |diff| %.3g (max |value| %.3g)\n", ha[0], ha[1], max_d, max_abs);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: see the comment at the top of llama_gpu.c\n"); return 2; }
    const char *mode = argv[1];
    if (!strcmp(mode, "abi")) return cmd_abi();
    if (!strcmp(mode, "abi-cpu")) return cmd_abi_cpu();
    if (!strcmp(mode, "info") && argc == 3) return cmd_info(argv[2]);
    if (!strcmp(mode, "compare") && argc == 4) return cmd_compare(argv + 2);
    if (!strcmp(mode, "compare-embd") && argc == 4) return cmd_compare_embd(argv + 2);
    if (!strcmp(mode, "grow") && argc >= 5) return cmd_grow(argc - 2, argv + 2);
    llama_backend_init();
    if (!strcmp(mode, "quantize") && argc == 6) return cmd_quantize(argv + 2);
    if (!strcmp(mode, "lm") && argc == 7) return cmd_lm(argv + 2);
    if (!strcmp(mode, "batch") && argc == 8) return cmd_batch(argv + 2);
    if (!strcmp(mode, "mtmd") && argc == 10) return cmd_mtmd(argv + 2);
    fprintf(stderr, "bad arguments for %s\n", mode);
    return 2;
}
