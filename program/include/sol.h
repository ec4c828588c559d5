/* A minimal freestanding Solana SDK for C programs built with upstream LLVM's BPF
 * backend and loaded as SBPF v0.
 *
 * Rules this code follows (see README "Building the program"): no mutable globals,
 * at most 5 arguments per call, no struct returns, no signed division, no
 * variable-length memcpy/memset (use the sol_memcpy_/sol_memset_ syscalls). */
#pragma once

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long i64;
typedef int i32;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

_Static_assert(sizeof(u64) == 8, "u64");
_Static_assert(sizeof(void *) == 8, "64-bit pointers");

typedef struct {
    u8 x[32];
} SolPubkey;

/* The C ABI structures sol_invoke_signed_c expects. The flags are bytes holding 0 or 1 (what
 * the runtime reads); u8 rather than bool, so copying the input's flag bytes is a plain load
 * and store instead of a normalising branch per flag. */
typedef struct {
    SolPubkey *key;
    u64 *lamports;
    u64 data_len;
    u8 *data;
    SolPubkey *owner;
    u64 rent_epoch;
    u8 is_signer;
    u8 is_writable;
    u8 executable;
} SolAccountInfo;

typedef struct {
    SolPubkey *pubkey;
    u8 is_writable;
    u8 is_signer;
} SolAccountMeta;

typedef struct {
    SolPubkey *program_id;
    SolAccountMeta *accounts;
    u64 account_len;
    u8 *data;
    u64 data_len;
} SolInstruction;

typedef struct {
    const u8 *addr;
    u64 len;
} SolSignerSeed;

typedef struct {
    const SolSignerSeed *addr;
    u64 len;
} SolSignerSeeds;

typedef struct {
    const u8 *addr;
    u64 len;
} SolBytes;

typedef struct {
    u64 slot;
    i64 epoch_start_timestamp;
    u64 epoch;
    u64 leader_schedule_epoch;
    i64 unix_timestamp;
} SolClock;

/* Rent: the threshold is an f64; there is no FPU, so it is read as its bit pattern. */
typedef struct {
    u64 lamports_per_byte_year;
    u64 exemption_threshold_bits;
    u8 burn_percent;
} SolRent;

/* ---- syscalls (the loader resolves them by name) ---- */
extern void sol_log_(const char *message, u64 len);
extern void sol_log_64_(u64, u64, u64, u64, u64);
extern void sol_log_data(const SolBytes *fields, u64 count);
extern u64 sol_get_clock_sysvar(void *out);
extern u64 sol_get_rent_sysvar(void *out);
/* Read `length` bytes at `offset` of any sysvar (SIMD-0127): cheaper than the whole struct. */
extern u64 sol_get_sysvar(const void *sysvar_id, void *out, u64 offset, u64 length);
extern u64 sol_memcmp_(const void *a, const void *b, u64 n, i32 *result);
extern u64 sol_get_stack_height(void);
extern u64 sol_invoke_signed_c(const SolInstruction *ix, const SolAccountInfo *infos, u64 n_infos,
                               const SolSignerSeeds *signers, u64 n_signers);
extern u64 sol_create_program_address(const SolSignerSeed *seeds, u64 n, const SolPubkey *program_id,
                                      SolPubkey *out);
extern u64 sol_try_find_program_address(const SolSignerSeed *seeds, u64 n,
                                        const SolPubkey *program_id, SolPubkey *out, u8 *bump);
/* sha256 of the concatenated slices: 85 CU + max(10, len / 2) per slice. */
extern u64 sol_sha256(const SolBytes *slices, u64 n, u8 *out);
/* 0 when the 32 bytes decompress to a point of the curve, 1 when not (159 CU for
 * edwards25519); `result` is unused by the runtime. */
extern u64 sol_curve_validate_point(u64 curve_id, const u8 *point, u8 *result);
extern void sol_memcpy_(void *dst, const void *src, u64 n);
extern void sol_memset_(void *dst, u8 value, u64 n);
extern void sol_set_return_data(const u8 *data, u64 len);

/* sol_curve_validate_point's id of edwards25519 (the curve of Solana keys). */
#define SOL_CURVE25519_EDWARDS 0
/* The suffix create_program_address appends to the seeds and the program id before hashing. */
#define SOL_PDA_MARKER "ProgramDerivedAddress"
#define SOL_PDA_MARKER_LEN (sizeof(SOL_PDA_MARKER) - 1)
/* Bytes of account metadata the runtime charges rent for on top of the data. */
#define SOL_ACCOUNT_STORAGE_OVERHEAD 128
/* The highest bump seed, where find_program_address starts. */
#define SOL_MAX_BUMP 255
/* sol_get_stack_height() of a top-level instruction (a CPI runs higher). */
#define SOL_TOP_LEVEL_STACK_HEIGHT 1
/* The largest i64 (C11 freestanding has no <stdint.h> INT64_MAX here). */
#define I64_MAX 0x7fffffffffffffffLL

/* A helper with more than five arguments must never be a real call (SBF passes five in
 * registers): it is declared with this, so the compiler inlines it or fails. */
#define SOL_ALWAYS_INLINE static inline __attribute__((always_inline))

/* A refusal's test: laid out as one branch off the straight path (hot loops use it). */
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

#define SOL_LOG(literal) sol_log_((literal), sizeof(literal) - 1)

/* ---- the serialized input of the aligned BPF loaders (v2 / upgradeable) ----
 * per account: dup marker u8 (0xff = new), is_signer u8, is_writable u8, executable u8,
 * 4 bytes padding, key[32], owner[32], lamports u64, data_len u64, data[data_len],
 * MAX_PERMITTED_DATA_INCREASE bytes of realloc room, pad to 8, rent_epoch u64.
 * A duplicate is its marker (index of the first occurrence) plus 7 bytes padding. */
#define INPUT_DUP_NONE 0xff
#define INPUT_OFF_IS_SIGNER 1
#define INPUT_OFF_IS_WRITABLE 2
#define INPUT_OFF_EXECUTABLE 3
#define INPUT_OFF_KEY 8
#define INPUT_OFF_OWNER 40
#define INPUT_OFF_LAMPORTS 72
#define INPUT_OFF_DATA_LEN 80
#define INPUT_OFF_DATA 88
#define INPUT_DUP_RECORD_SIZE 8
#define MAX_PERMITTED_DATA_INCREASE (10 * 1024)

static inline u64 load_u64(const u8 *p) { return *(const u64 *)p; }
static inline i64 load_i64(const u8 *p) { return *(const i64 *)p; }
static inline u32 load_u32(const u8 *p) { return *(const u32 *)p; }
static inline u16 load_u16(const u8 *p) { return *(const u16 *)p; }
static inline void store_u64(u8 *p, u64 v) { *(u64 *)p = v; }
static inline void store_i64(u8 *p, i64 v) { *(i64 *)p = v; }
static inline void store_u32(u8 *p, u32 v) { *(u32 *)p = v; }
static inline void store_u16(u8 *p, u16 v) { *(u16 *)p = v; }

/* Keys in the input buffer, in the Session layout and in events are 8-aligned
 * (the generated header asserts it), so four u64 compares suffice. */
static inline bool key_eq(const SolPubkey *a, const SolPubkey *b) {
    const u64 *x = (const u64 *)a, *y = (const u64 *)b;
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

static inline bool key_is_zero(const SolPubkey *a) {
    const u64 *x = (const u64 *)a;
    return (x[0] | x[1] | x[2] | x[3]) == 0;
}

static inline void key_copy(u8 *dst, const SolPubkey *src) {
    const u64 *s = (const u64 *)src;
    u64 *d = (u64 *)dst;
    d[0] = s[0];
    d[1] = s[1];
    d[2] = s[2];
    d[3] = s[3];
}
