/* execute: the session performs its inner instruction(s) by CPI, signed by its signer PDA,
 * within the session's status, permissions, guard and quotas. The order of checks is the
 * README's "Execute": validate every account and argument (the inner instructions' targets:
 * no CPI into this program, the session account never writable in one); Active and not
 * expired; EXECUTE (COMPOSE for several); top level; without a guard, the caller is the
 * owner; the quotas that do not depend on effects (then the time and the compute charge are
 * stamped into the usage, see stamp_usage); then per inner instruction snapshot,
 * invoke_signed, effect checks; the guard's one pass (admission, then its predicates over
 * the measured effects); the lamport quota; the usage count, lamports spent, rate window and
 * the event. Every failure
 * aborts the transaction, so nothing the CPIs did or this code wrote before a later refusal
 * survives: reading the guard once, after the CPIs, is as safe as reading it before. */
#include "execute.h"

/* execute's accounts are read from ctx where they are used, not copied into the Execution:
 * the copies cost a store each and saved no load (measured 14 CU). */
static inline u8 *execute_authority(const Context *ctx) { return ctx->accounts[IX_EXECUTE_ACC_AUTHORITY]; }
static inline u8 *execute_session(const Context *ctx) { return ctx->accounts[IX_EXECUTE_ACC_SESSION]; }
static inline u8 *execute_signer(const Context *ctx) { return ctx->accounts[IX_EXECUTE_ACC_SESSION_SIGNER]; }
/* the instructions sysvar */
static inline u8 *execute_sysvar(const Context *ctx) { return ctx->accounts[IX_EXECUTE_ACC_INSTRUCTIONS_SYSVAR]; }

typedef struct {
    u8 *d;       /* session data */
    i64 now;
    InnerList inner;
} Execution;

/* out of line: measured 7 CU cheaper than inlined (register pressure in the handler) */
__attribute__((noinline)) static u64 load_execution(const Context *ctx, Execution *e) {
    if (ctx->n_accounts > MAX_ACCOUNTS) return fail(ERR_TOO_MANY_ACCOUNTS);
    u8 *account = execute_session(ctx), *signer = execute_signer(ctx);
    u64 err = require_signer(execute_authority(ctx));
    if (!err) err = load_session(ctx, account, &e->d);
    if (!err) err = require_writable(signer);
    /* recorded in the session once proven: run_inner signs with the session's copy */
    if (!err) err = session_signer(ctx, account, ctx->data[IX_EXECUTE_ARG_SIGNER_BUMP], signer);
    if (!err) err = require_instructions_sysvar(execute_sysvar(ctx));
    if (!err) err = clock_from_account(ctx->accounts[IX_EXECUTE_ACC_CLOCK], &e->now);
    if (!err) err = parse_inner(ctx, &e->inner);
    return err;
}

/* usage.compute_units_used + charge <= max_compute_units, without overflow. */
static u64 check_compute_quota(const u8 *d, u64 charge) {
    u64 used = S_U64(d, SESSION_OFF_USAGE_COMPUTE_UNITS_USED);
    u64 max = S_U64(d, SESSION_OFF_QUOTAS_MAX_COMPUTE_UNITS);
    if (charge > max || used > max - charge) return fail(ERR_QUOTA_EXCEEDED);
    return 0;
}

static u64 check_lamport_quota(const u8 *d, u64 spent_now) {
    u64 spent = S_U64(d, SESSION_OFF_USAGE_LAMPORTS_SPENT);
    u64 max = S_U64(d, SESSION_OFF_QUOTAS_MAX_LAMPORTS);
    if (spent_now > max || spent > max - spent_now) return fail(ERR_QUOTA_EXCEEDED);
    return 0;
}

/* The rate window after this execution, stored: the guard's RATE_LIMIT window of `seconds`
 * (from its pass) counts it (guard_window_count) and restarts at now by guard_window_restarts.
 * Called only under a RATE_LIMIT: without one the stored window stays, and is not rewritten. */
static void next_window(u8 *d, i64 now, u64 seconds) {
    i64 start = S_I64(d, SESSION_OFF_USAGE_RATE_WINDOW_START);
    u32 count = S_U32(d, SESSION_OFF_USAGE_RATE_WINDOW_COUNT);
    store_u32(d + SESSION_OFF_USAGE_RATE_WINDOW_COUNT, guard_window_count(start, count, now, seconds));
    if (guard_window_restarts(start, now, seconds)) store_i64(d + SESSION_OFF_USAGE_RATE_WINDOW_START, now);
}

/* Each inner instruction: snapshot, invoke_signed, effects. */
static u64 run_inner(const Context *ctx, Execution *e, Spend *spend) {
    /* the bump seed is the recorded one in the session (session_signer recorded it if it
     * was not): no copy */
    SolSignerSeed seeds[3] = {{(const u8 *)SIGNER_SEED, SIGNER_SEED_LEN},
                              {(const u8 *)acc_key(execute_session(ctx)), sizeof(SolPubkey)},
                              {e->d + SESSION_OFF_SIGNER_BUMP, 1}};
    SolSignerSeeds signer = {seeds, 3};
    spend->lamports_out = 0;
    spend->mint_count = 0;
    /* at least one (parse_inner) */
    const InnerIx *ix = e->inner.ix, *last = ix + e->inner.count;
    do {
        Snapshot snapshot;
        begin_snapshot(&snapshot, execute_signer(ctx));
        u64 err = invoke_inner(ctx, ix, &signer, &snapshot);
        if (!err) err = check_effects(&snapshot, spend);
        if (err) return err;
    } while (++ix < last);
    return 0;
}

/* The guard's one pass per inner instruction, after the CPIs (over the measured spend), for a
 * stored guard (without one the handler skips this and the rate window); *window_seconds:
 * its RATE_LIMIT window, 0 without one. Out of line: inlined, the values it needs were kept
 * (spilled) across the handler's CPI loop on the unguarded path too (measured: unguarded
 * 5 CU less, a guarded execute 12 more). */
__attribute__((noinline)) static u64 evaluate_guard(const Context *ctx, const Execution *e, const Spend *spend,
                                                    u64 *window_seconds) {
    const u8 *d = e->d;
    u64 len = load_u16(d + SESSION_OFF_GUARD_LEN);
    GuardInput in;
    in.caller = acc_key(execute_authority(ctx));
    in.owner = S_KEY(d, SESSION_OFF_OWNER);
    in.now = e->now;
    in.usage_after = S_U64(d, SESSION_OFF_USAGE_COUNT) + 1;
    in.window_start = S_I64(d, SESSION_OFF_USAGE_RATE_WINDOW_START);
    in.window_count = S_U32(d, SESSION_OFF_USAGE_RATE_WINDOW_COUNT);
    in.lamports_out = spend->lamports_out;
    in.token_spends = spend->mints;
    in.token_spend_count = spend->mint_count;
    const SolPubkey *keys[MAX_INNER_ACCOUNTS];
    in.account_keys = keys;
    const u8 *code = d + SESSION_OFF_GUARD_CODE;
    for (u64 k = 0; k < e->inner.count; k++) {
        const InnerIx *ix = &e->inner.ix[k];
        for (u64 i = 0; i < ix->account_count; i++) keys[i] = acc_key(inner_account(ctx, ix, i));
        in.program_id = acc_key(ix->program);
        in.data = ix->data;
        in.data_len = ix->data_len;
        in.account_count = ix->account_count;
        u64 err = guard_execute(code, len, &in, window_seconds);
        if (err) return fail(err);
    }
    return 0;
}

/* The usage this execution adds that nothing of execute's after the CPIs reads (the guard
 * reads the count and the rate window, not these), stamped before the CPIs: the time and the
 * compute charge then need not stay live across the CPI loop (measured 2 CU). Every account
 * relation is checked by then and a refusal after the CPIs undoes these writes with
 * everything else (the transaction is atomic); a callee that reads the session account
 * (read-only: it is never writable in a CPI) sees last_used_at, updated_at and the compute
 * units used of this execution, as it sees the signer recorded by its first. */
static void stamp_usage(u8 *d, i64 now, u64 charge) {
    store_u64(d + SESSION_OFF_USAGE_COMPUTE_UNITS_USED, S_U64(d, SESSION_OFF_USAGE_COMPUTE_UNITS_USED) + charge);
    store_i64(d + SESSION_OFF_USAGE_LAST_USED_AT, now);
    store_i64(d + SESSION_OFF_UPDATED_AT, now); /* every write stamps updated_at */
}

/* After the CPIs and every check: the count and the lamports spent. */
static void record_usage(u8 *d, u64 lamports_out) {
    store_u64(d + SESSION_OFF_USAGE_COUNT, S_U64(d, SESSION_OFF_USAGE_COUNT) + 1);
    store_u64(d + SESSION_OFF_USAGE_LAMPORTS_SPENT, S_U64(d, SESSION_OFF_USAGE_LAMPORTS_SPENT) + lamports_out);
}

/* ACCOUNTS of execute (generated from the spec by `sessions codegen`; do not edit):
 *   [0] authority: signer. The owner, or a key the guard admits.
 *   [1] session: writable.
 *   [2] session_signer: writable, PDA ["signer", session]. The session's signer; signs the inner
 *       instructions.
 *   [3] instructions_sysvar: address Sysvar1nstructions1111111111111111111111111.
 *   [4] clock: address SysvarC1ock11111111111111111111111111111111. Read as an account: about 100
 *       CU less than the sysvar syscall.
 */
u64 process_execute(const Context *ctx) {
    Execution e;
    u64 err = load_execution(ctx, &e);
    u64 charge; /* read_transaction sets it before any use */
    if (!err) err = check_executable(e.d, e.now, e.inner.count);
    if (!err) err = read_transaction(ctx, execute_sysvar(ctx), &charge);
    if (!err) err = check_unguarded_caller(e.d, acc_key(execute_authority(ctx)));
    if (!err) err = check_execution_quota(e.d);
    if (!err) err = check_compute_quota(e.d, charge);
    if (err) return err;
    stamp_usage(e.d, e.now, charge);
    Spend spend;
    err = run_inner(ctx, &e, &spend);
    if (err) return err;
    u64 guard_len = load_u16(e.d + SESSION_OFF_GUARD_LEN);
    if (guard_len == 0) {
        /* no guard: passes (the owner was admitted before the CPIs), and no rate window */
        err = check_lamport_quota(e.d, spend.lamports_out);
        if (err) return err;
    } else {
        u64 window_seconds = 0;
        err = evaluate_guard(ctx, &e, &spend, &window_seconds);
        if (!err) err = check_lamport_quota(e.d, spend.lamports_out);
        if (err) return err;
        if (window_seconds != 0) next_window(e.d, e.now, window_seconds);
    }
    record_usage(e.d, spend.lamports_out);
    u32 settings = S_U32(e.d, SESSION_OFF_CONFIG_SETTINGS);
    /* one test for the common case, neither log */
    if (!(settings & (SETTING_PERFORMANCE_MONITORING | SETTING_EXECUTION_LOGGING))) return 0;
    if (settings & SETTING_PERFORMANCE_MONITORING)
        sol_log_64_(charge, S_U64(e.d, SESSION_OFF_USAGE_COMPUTE_UNITS_USED), spend.lamports_out,
                    S_U64(e.d, SESSION_OFF_USAGE_COUNT), 0);
    if (settings & SETTING_EXECUTION_LOGGING) {
        u64 figures[EXECUTED_FIGURES];
        figures[EXECUTED_LAMPORTS] = spend.lamports_out;
        figures[EXECUTED_COMPUTE_UNITS] = charge;
        figures[EXECUTED_USAGE_COUNT] = S_U64(e.d, SESSION_OFF_USAGE_COUNT);
        figures[EXECUTED_AT] = (u64)S_I64(e.d, SESSION_OFF_USAGE_LAST_USED_AT);
        figures[EXECUTED_INSTRUCTION_COUNT] = e.inner.count;
        emit_session_executed((const u8 *)acc_key(execute_session(ctx)), e.d, (const u8 *)acc_key(execute_authority(ctx)),
                              (const u8 *)acc_key(e.inner.ix[0].program), figures);
    }
    return 0;
}
