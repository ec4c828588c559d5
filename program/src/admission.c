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

u64 check_admitted(const u8 *d, const SolPubkey *caller) {
    u64 len = load_u16(d + SESSION_OFF_GUARD_LEN);
    if (len > GUARD_CAPACITY) return fail(ERR_GUARD_MALFORMED);
    const SolPubkey *owner = S_KEY(d, SESSION_OFF_OWNER);
    /* No guard admits the owner alone (the contract). Only the program writes the stored
     * guard, validated (zero tail included) by creation and update_guard, so the empty guard
     * needs no second validation pass here. */
    bool admitted = len == 0 ? key_eq(caller, owner)
                             : guard_admits(d + SESSION_OFF_GUARD_CODE, len, caller, owner);
    return admitted ? 0 : fail(ERR_CALLER_NOT_ADMITTED);
}

/* Zero means none allowed: usage_count + 1 <= max_executions (no overflow at u64 max). */
u64 check_execution_quota(const u8 *d) {
    if (S_U64(d, SESSION_OFF_USAGE_COUNT) >= S_U64(d, SESSION_OFF_QUOTAS_MAX_EXECUTIONS))
        return fail(ERR_QUOTA_EXCEEDED);
    return 0;
}
