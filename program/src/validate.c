/* validate_session: for programs that integrate with sessions. Read-only and callable by CPI;
 * it answers through return data (SessionValidity: session id, remaining seconds, effective
 * permissions) or fails with the error execute would give for the same session and signer,
 * in execute's order: status, expiry, EXECUTE, the no-guard owner rule, the execution quota,
 * admission by the guard (which execute reads in its pass after the CPIs). What execute
 * checks about its inner instructions (the guard's predicates, effects, spend, the compute
 * charge) cannot be known here. */
#include "execute.h"

/* ACCOUNTS of validate_session (generated from the spec by `sessions codegen`; do not edit):
 *   [0] session: read-only. Read-only: any program may call this by CPI.
 *   [1] authority: signer. The key that wants to act.
 */
u64 process_validate_session(const Context *ctx) {
    u8 *account = ctx->accounts[IX_VALIDATE_SESSION_ACC_SESSION];
    u8 *authority = ctx->accounts[IX_VALIDATE_SESSION_ACC_AUTHORITY];
    const u8 *d;
    i64 now = 0;
    u64 err = load_session_readonly(ctx, account, &d);
    if (!err) err = require_signer(authority);
    if (!err) err = clock_now(&now);
    if (!err) err = check_executable(d, now, 1);
    if (!err) err = check_unguarded_caller(d, acc_key(authority));
    if (!err) err = check_execution_quota(d);
    u64 window_seconds = 0;
    if (!err) err = check_admitted(d, acc_key(authority), &window_seconds);
    if (err) return err;
    u64 answer[SESSION_VALIDITY_SIZE / 8];
    u8 *out = (u8 *)answer;
    store_u64(out + SESSION_VALIDITY_OFF_SESSION_ID, S_U64(d, SESSION_OFF_SESSION_ID));
    store_i64(out + SESSION_VALIDITY_OFF_REMAINING_SECONDS, S_I64(d, SESSION_OFF_EXPIRES_AT) - now);
    store_u32(out + SESSION_VALIDITY_OFF_EFFECTIVE_PERMISSIONS, S_U32(d, SESSION_OFF_EFFECTIVE_PERMISSIONS));
    store_u32(out + SESSION_VALIDITY_OFF_RESERVED, 0);
    sol_set_return_data(out, SESSION_VALIDITY_SIZE);
    return 0;
}

_Static_assert(SESSION_VALIDITY_SIZE % 8 == 0, "the answer is whole words");
