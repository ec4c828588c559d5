/* A test program that runs program/src/guard.c in the SVM on a context the test chooses, so
 * the SBF build of the evaluator (unaligned word loads, the bit stack) is fuzzed against the
 * simulator before any instruction of the sessions program evaluates guards.
 *
 * Instruction data (little-endian; tests/guards/probe.py writes it):
 *   u8 mode (PROBE_*), u8 pad[7], Guard (len u16, code[GUARD_CAPACITY]),
 *   caller[32], owner[32], program_id[32], now i64, usage_after u64, window_start i64,
 *   window_count u32, pad u32, lamports_out u64, data_len u64, account_count u64,
 *   token_spend_count u64, data[data_len], account keys [32 * account_count],
 *   token spends [(mint[32], decrease u64) * token_spend_count].
 * The return data: the result (u64), then guard_execute's window seconds (u64; 0 in the
 * other modes). */
#include "guard.h"

#define PROBE_VALIDATE 0
#define PROBE_EVALUATE 1
#define PROBE_ADMITS 2
#define PROBE_RATE_WINDOW 3
#define PROBE_HAS_SIGNER_LEAF 4
#define PROBE_EXECUTE 5
#define PROBE_MAX_ACCOUNTS 16
#define PROBE_MAX_SPENDS 8
#define PROBE_ERR_INPUT 1

#define OFF_MODE 0
#define OFF_GUARD 8
#define OFF_CALLER (OFF_GUARD + GUARD_SIZE)
#define OFF_OWNER (OFF_CALLER + 32)
#define OFF_PROGRAM (OFF_OWNER + 32)
#define OFF_NOW (OFF_PROGRAM + 32)
#define OFF_USAGE (OFF_NOW + 8)
#define OFF_WINDOW_START (OFF_USAGE + 8)
#define OFF_WINDOW_COUNT (OFF_WINDOW_START + 8)
#define OFF_LAMPORTS (OFF_WINDOW_COUNT + 8)
#define OFF_DATA_LEN (OFF_LAMPORTS + 8)
#define OFF_ACCOUNT_COUNT (OFF_DATA_LEN + 8)
#define OFF_SPEND_COUNT (OFF_ACCOUNT_COUNT + 8)
#define OFF_DATA (OFF_SPEND_COUNT + 8)
#define SPEND_SIZE 40

extern void sol_set_return_data(const u8 *data, u64 len);

static u64 ld(const u8 *p) {
    u64 v;
    sol_memcpy_(&v, p, sizeof v);
    return v;
}

/* out[0]: the mode's answer; out[1]: guard_execute's window seconds. */
static u64 run(const u8 *d, u64 n, u64 *out) {
    if (n < OFF_DATA) return PROBE_ERR_INPUT;
    const u8 *code = d + OFF_GUARD + GUARD_OFF_CODE;
    u64 len = (u64)d[OFF_GUARD + GUARD_OFF_LEN] | ((u64)d[OFF_GUARD + GUARD_OFF_LEN + 1] << 8);
    SolPubkey caller, owner, program;
    sol_memcpy_(&caller, d + OFF_CALLER, 32);
    sol_memcpy_(&owner, d + OFF_OWNER, 32);
    sol_memcpy_(&program, d + OFF_PROGRAM, 32);
    u8 mode = d[OFF_MODE];
    if (mode == PROBE_VALIDATE) return (*out = guard_validate(code, len)), 0;
    if (mode == PROBE_ADMITS) return (*out = guard_admits(code, len, &caller, &owner)), 0;
    if (mode == PROBE_RATE_WINDOW) return (*out = guard_rate_window_seconds(code, len)), 0;
    if (mode == PROBE_HAS_SIGNER_LEAF) return (*out = guard_has_signer_leaf(code, len)), 0;
    u64 data_len = ld(d + OFF_DATA_LEN), accounts = ld(d + OFF_ACCOUNT_COUNT);
    u64 spends = ld(d + OFF_SPEND_COUNT);
    if (accounts > PROBE_MAX_ACCOUNTS || spends > PROBE_MAX_SPENDS) return PROBE_ERR_INPUT;
    if (n != OFF_DATA + data_len + 32 * accounts + SPEND_SIZE * spends) return PROBE_ERR_INPUT;
    const SolPubkey *keys[PROBE_MAX_ACCOUNTS];
    const u8 *key = d + OFF_DATA + data_len;
    for (u64 i = 0; i < accounts; i++) keys[i] = (const SolPubkey *)(key + 32 * i);
    GuardTokenSpend spent[PROBE_MAX_SPENDS];
    const u8 *spend = key + 32 * accounts;
    for (u64 i = 0; i < spends; i++) sol_memcpy_(&spent[i], spend + SPEND_SIZE * i, SPEND_SIZE);
    GuardInput in = {&caller, &owner, (i64)ld(d + OFF_NOW), ld(d + OFF_USAGE),
                     (i64)ld(d + OFF_WINDOW_START), (u32)ld(d + OFF_WINDOW_COUNT), &program,
                     d + OFF_DATA, data_len, keys, accounts, ld(d + OFF_LAMPORTS), spent, spends};
    if (mode == PROBE_EXECUTE) return (*out = guard_execute(code, len, &in, out + 1)), 0;
    *out = guard_evaluate(code, len, &in);
    return 0;
}

u64 entrypoint(u8 *input) {
    u8 *p = input;
    if (load_u64(p) != 0) return PROBE_ERR_INPUT; /* no accounts */
    u64 n = load_u64(p + 8);
    u64 result[2] = {0, 0};
    u64 err = run(p + 16, n, result);
    if (err) return err;
    sol_set_return_data((const u8 *)result, sizeof result);
    return 0;
}
