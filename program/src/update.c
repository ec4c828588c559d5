/* update_guard / update_permissions / update_quotas. The owner changes anything while the
 * session is Paused (validated like creation). Otherwise only narrowing is allowed, by the
 * owner or by any key the guard admits, at any time:
 *   - permissions: the new set is a subset of the current one;
 *   - quotas: every limit is <= the current one;
 *   - guard: the stored guard becomes AND(old, new) (postfix: old, new, AND), and the new
 *     part may not name signers, so who is admitted cannot change; its rate window is kept.
 * Nothing but the owner of a Paused session widens a limit (NotNarrowing otherwise). */
#include "execute.h"



typedef struct {
    u8 *account;
    u8 *d;
    UpdateEvent event;
    bool owner_may_set; /* the owner, while Paused: any valid value */
} Update;

static u64 load_update(const Context *ctx, Update *u) {
    u8 *authority = ctx->accounts[IX_UPDATE_GUARD_ACC_AUTHORITY];
    u->account = ctx->accounts[IX_UPDATE_GUARD_ACC_SESSION];
    u64 err = load_session(ctx, u->account, &u->d);
    if (!err) err = require_signer(authority);
    if (!err) err = clock_now(&u->event.now);
    if (err) return err;
    if (!stored_status_valid(u->d[SESSION_OFF_STATUS])) return fail(ERR_INVALID_STORED_STATE);
    bool is_owner = key_eq(acc_key(authority), S_KEY(u->d, SESSION_OFF_OWNER));
    u->owner_may_set = is_owner && u->d[SESSION_OFF_STATUS] == SESSION_STATUS_PAUSED;
    u->event.session_key = (const u8 *)acc_key(u->account);
    u->event.d = u->d;
    u->event.authority = (const u8 *)acc_key(authority);
    u->event.narrowed = !u->owner_may_set;
    /* the owner may always narrow; anyone else must be admitted by the guard */
    u64 window_seconds = 0;
    if (!is_owner) return check_admitted(u->d, acc_key(authority), &window_seconds);
    return 0;
}

_Static_assert(IX_UPDATE_GUARD_ACC_AUTHORITY == IX_UPDATE_PERMISSIONS_ACC_AUTHORITY &&
               IX_UPDATE_GUARD_ACC_AUTHORITY == IX_UPDATE_QUOTAS_ACC_AUTHORITY &&
               IX_UPDATE_GUARD_ACC_SESSION == IX_UPDATE_PERMISSIONS_ACC_SESSION &&
               IX_UPDATE_GUARD_ACC_SESSION == IX_UPDATE_QUOTAS_ACC_SESSION,
               "the update instructions share one account order");

/* ACCOUNTS of update_permissions (generated from the spec by `sessions codegen`; do not edit):
 *   [0] authority: signer. The owner (any change, while Paused) or an admitted key.
 *   [1] session: writable.
 */
u64 process_update_permissions(const Context *ctx) {
    Update u;
    u64 err = load_update(ctx, &u);
    if (err) return err;
    u32 next = load_u32(ctx->data + IX_UPDATE_PERMISSIONS_ARG_PERMISSIONS);
    u32 current = S_U32(u.d, SESSION_OFF_EFFECTIVE_PERMISSIONS);
    if (!permissions_valid(next)) return fail(ERR_INVALID_CONFIGURATION);
    if (!u.owner_may_set && (next & ~current) != 0) return fail(ERR_NOT_NARROWING);
    /* effective_permissions is what is in force; config.permissions stays the creation's */
    store_u32(u.d + SESSION_OFF_EFFECTIVE_PERMISSIONS, next);
    store_i64(u.d + SESSION_OFF_UPDATED_AT, u.event.now);
    emit_permissions_updated(&u.event, current);
    return 0;
}

/* The u64 and u16 limits of ResourceQuotas, each compared field by field. */
static bool quotas_within(const u8 *next, const u8 *current) {
    static const u64 WIDE[] = {RESOURCE_QUOTAS_OFF_MAX_EXECUTIONS, RESOURCE_QUOTAS_OFF_MAX_COMPUTE_UNITS,
                               RESOURCE_QUOTAS_OFF_MAX_LAMPORTS};
    for (u64 i = 0; i < sizeof(WIDE) / sizeof(WIDE[0]); i++)
        if (load_u64(next + WIDE[i]) > load_u64(current + WIDE[i])) return false;
    return load_u16(next + RESOURCE_QUOTAS_OFF_MAX_BORROWED_ACCOUNTS) <=
               load_u16(current + RESOURCE_QUOTAS_OFF_MAX_BORROWED_ACCOUNTS) &&
           load_u16(next + RESOURCE_QUOTAS_OFF_MAX_CHILDREN) <= load_u16(current + RESOURCE_QUOTAS_OFF_MAX_CHILDREN);
}

_Static_assert(RESOURCE_QUOTAS_OFF_RESERVED + 4 == RESOURCE_QUOTAS_SIZE, "quotas end with reserved");

/* ACCOUNTS of update_quotas (generated from the spec by `sessions codegen`; do not edit):
 *   [0] authority: signer. The owner (any change, while Paused) or an admitted key.
 *   [1] session: writable.
 */
u64 process_update_quotas(const Context *ctx) {
    Update u;
    u64 err = load_update(ctx, &u);
    if (err) return err;
    const u8 *next = ctx->data + IX_UPDATE_QUOTAS_ARG_QUOTAS;
    if (!quotas_valid(next)) return fail(ERR_INVALID_CONFIGURATION);
    if (!u.owner_may_set && !quotas_within(next, u.d + SESSION_OFF_QUOTAS)) return fail(ERR_NOT_NARROWING);
    for (u64 at = 0; at < RESOURCE_QUOTAS_SIZE; at += 8)
        store_u64(u.d + SESSION_OFF_QUOTAS + at, load_u64(next + at));
    store_i64(u.d + SESSION_OFF_UPDATED_AT, u.event.now);
    emit_quotas_updated(&u.event);
    return 0;
}

static void reset_rate_window(u8 *d) {
    store_i64(d + SESSION_OFF_USAGE_RATE_WINDOW_START, 0);
    store_u32(d + SESSION_OFF_USAGE_RATE_WINDOW_COUNT, 0);
}

/* AND(old, new) into the session: old's bytes stay, new's follow, then AND; an empty old
 * guard is "true", so the result is new alone. Validated whole (length, depth, one rate
 * limit) before it is stored. */
static u64 narrow_guard(u8 *d, const u8 *next, u64 next_len) {
    u8 *code = d + SESSION_OFF_GUARD_CODE;
    u64 old_len = load_u16(d + SESSION_OFF_GUARD_LEN);
    if (old_len > GUARD_CAPACITY) return fail(ERR_GUARD_MALFORMED);
    if (guard_has_signer_leaf(next, next_len)) return fail(ERR_NOT_NARROWING);
    u64 combined = old_len == 0 ? next_len : old_len + next_len + 1;
    if (combined > GUARD_CAPACITY) return fail(ERR_INVALID_CONFIGURATION);
    u64 words[GUARD_SIZE / 8];
    u8 *buf = (u8 *)words;
    for (u64 i = 0; i < GUARD_CAPACITY; i++) buf[i] = i < old_len ? code[i] : 0;
    u64 at = old_len;
    for (u64 i = 0; i < next_len; i++) buf[at++] = next[i];
    if (old_len != 0) buf[at] = GUARD_OP_AND;
    if (guard_validate(buf, combined) != 0) return fail(ERR_INVALID_CONFIGURATION);
    bool had_window = guard_rate_window_seconds(code, old_len) != 0;
    sol_memcpy_(code, buf, GUARD_CAPACITY);
    store_u16(d + SESSION_OFF_GUARD_LEN, (u16)combined);
    if (!had_window) reset_rate_window(d); /* a rate limit that is new starts a new window */
    return 0;
}

/* ACCOUNTS of update_guard (generated from the spec by `sessions codegen`; do not edit):
 *   [0] authority: signer. The owner (any change, while Paused) or an admitted key.
 *   [1] session: writable.
 */
u64 process_update_guard(const Context *ctx) {
    Update u;
    u64 err = load_update(ctx, &u);
    if (err) return err;
    u64 next_len = load_u16(ctx->data + IX_UPDATE_GUARD_ARG_GUARD_LEN);
    const u8 *next = ctx->data + IX_UPDATE_GUARD_ARG_GUARD_CODE;
    if (next_len > GUARD_CAPACITY || guard_validate(next, next_len) != 0) return fail(ERR_INVALID_CONFIGURATION);
    if (u.owner_may_set) {
        sol_memcpy_(u.d + SESSION_OFF_GUARD, ctx->data + IX_UPDATE_GUARD_ARG_GUARD, GUARD_SIZE);
        reset_rate_window(u.d);
    } else {
        err = narrow_guard(u.d, next, next_len);
        if (err) return err;
    }
    store_i64(u.d + SESSION_OFF_UPDATED_AT, u.event.now);
    emit_guard_updated(&u.event);
    return 0;
}
