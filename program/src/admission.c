/* Whether a session may execute now, and for whom: shared by execute and validate_session,
 * so a program that validates a session by CPI gets exactly the error execute would give. */
#include "execute.h"

u64 check_executable(const u8 *d, i64 now, u64 instruction_count) {
    if (d[SESSION_OFF_STATUS] != SESSION_STATUS_ACTIVE) return fail(ERR_SESSION_NOT_ACTIVE);
    if (now >= S_I64(d, SESSION_OFF_EXPIRES_AT)) return fail(ERR_SESSION_EXPIRED);
    u32 permissions = S_U32(d, SESSION_OFF_EFFECTIVE_PERMISSIONS);
    if (!(permissions & PERMISSION_EXECUTE)) return fail(ERR_PERMISSION_DENIED);
    if (instruction_count > 1 && !(permissions & PERMISSION_COMPOSE)) return fail(ERR_PERMISSION_DENIED);
    return 0;
}

u64 check_admitted(const u8 *d, const SolPubkey *caller, u64 *window_seconds) {
    u64 len = load_u16(d + SESSION_OFF_GUARD_LEN);
    const SolPubkey *owner = S_KEY(d, SESSION_OFF_OWNER);
    *window_seconds = 0;
    if (len > GUARD_CAPACITY) return fail(ERR_GUARD_MALFORMED);
    /* No guard admits the owner alone (the contract). Only the program writes the stored
     * guard, validated (zero tail included) by creation and update_guard, so the empty guard
     * needs no validation pass here. */
    if (len == 0) return key_eq(caller, owner) ? 0 : fail(ERR_CALLER_NOT_ADMITTED);
    /* one validating pass for admission and the rate window (a broken guard fails closed) */
    GuardFacts facts = {.caller = caller, .owner = owner};
    u64 err = guard_inspect(d + SESSION_OFF_GUARD_CODE, len, &facts);
    if (err) return fail(err);
    if (!facts.admitted) return fail(ERR_CALLER_NOT_ADMITTED);
    *window_seconds = facts.rate_window_seconds;
    return 0;
}

u64 check_unguarded_caller(const u8 *d, const SolPubkey *caller) {
    u64 len = load_u16(d + SESSION_OFF_GUARD_LEN);
    if (len > GUARD_CAPACITY) return fail(ERR_GUARD_MALFORMED);
    if (len == 0 && !key_eq(caller, S_KEY(d, SESSION_OFF_OWNER))) return fail(ERR_CALLER_NOT_ADMITTED);
    return 0;
}

/* Zero means none allowed: usage_count + 1 <= max_executions (no overflow at u64 max). */
u64 check_execution_quota(const u8 *d) {
    if (S_U64(d, SESSION_OFF_USAGE_COUNT) >= S_U64(d, SESSION_OFF_QUOTAS_MAX_EXECUTIONS))
        return fail(ERR_QUOTA_EXCEEDED);
    return 0;
}
