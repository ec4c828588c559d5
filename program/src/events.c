/* Events: sol_log_data(one field = 8-byte Anchor discriminator + borsh payload), so
 * "Program data:" lines decode with any Anchor event parser. Every event field is 8-aligned
 * (the generated header guarantees it) and written with single stores into an aligned buffer. */
#include "program.h"

#define EVENT_BUFFER(name, size) u64 name##_words[((size) + 7) / 8]; u8 *name = (u8 *)name##_words

static void log_event(const u8 *buf, u64 len) {
    SolBytes field = {buf, len};
    sol_log_data(&field, 1);
}

static void put_session_and_owner(u8 *ev, const u8 *session_key, const u8 *d) {
    key_copy(ev + 8, (const SolPubkey *)session_key);
    key_copy(ev + 40, S_KEY(d, SESSION_OFF_OWNER));
}

_Static_assert(EVENT_SESSION_REQUESTED_OFF_SESSION == 8 && EVENT_SESSION_REQUESTED_OFF_OWNER == 40, "");
_Static_assert(EVENT_SESSION_CREATED_OFF_SESSION == 8 && EVENT_SESSION_CREATED_OFF_OWNER == 40, "");
_Static_assert(EVENT_SESSION_ACTIVATED_OFF_SESSION == 8 && EVENT_SESSION_ACTIVATED_OFF_OWNER == 40, "");
_Static_assert(EVENT_SESSION_PAUSED_OFF_SESSION == 8 && EVENT_SESSION_PAUSED_OFF_OWNER == 40, "");
_Static_assert(EVENT_SESSION_RESUMED_OFF_SESSION == 8 && EVENT_SESSION_RESUMED_OFF_OWNER == 40, "");
_Static_assert(EVENT_SESSION_EXPIRED_OFF_SESSION == 8 && EVENT_SESSION_EXPIRED_OFF_OWNER == 40, "");
_Static_assert(EVENT_SESSION_CLOSED_OFF_SESSION == 8 && EVENT_SESSION_CLOSED_OFF_OWNER == 40, "");

void emit_session_requested(const u8 *session_key, const u8 *d) {
    EVENT_BUFFER(ev, EVENT_SESSION_REQUESTED_SIZE);
    store_u64(ev, EVENT_SESSION_REQUESTED);
    put_session_and_owner(ev, session_key, d);
    key_copy(ev + EVENT_SESSION_REQUESTED_OFF_CREATOR, S_KEY(d, SESSION_OFF_CREATOR));
    store_u64(ev + EVENT_SESSION_REQUESTED_OFF_SESSION_ID, S_U64(d, SESSION_OFF_SESSION_ID));
    store_i64(ev + EVENT_SESSION_REQUESTED_OFF_REQUEST_DEADLINE, S_I64(d, SESSION_OFF_REQUEST_DEADLINE));
    log_event(ev, EVENT_SESSION_REQUESTED_SIZE);
}

void emit_session_created(const u8 *session_key, const u8 *d) {
    EVENT_BUFFER(ev, EVENT_SESSION_CREATED_SIZE);
    store_u64(ev, EVENT_SESSION_CREATED);
    put_session_and_owner(ev, session_key, d);
    key_copy(ev + EVENT_SESSION_CREATED_OFF_CREATOR, S_KEY(d, SESSION_OFF_CREATOR));
    store_u64(ev + EVENT_SESSION_CREATED_OFF_SESSION_ID, S_U64(d, SESSION_OFF_SESSION_ID));
    store_u32(ev + EVENT_SESSION_CREATED_OFF_PERMISSIONS, S_U32(d, SESSION_OFF_CONFIG_PERMISSIONS));
    store_u32(ev + EVENT_SESSION_CREATED_OFF_SETTINGS, S_U32(d, SESSION_OFF_CONFIG_SETTINGS));
    store_i64(ev + EVENT_SESSION_CREATED_OFF_CREATED_AT, S_I64(d, SESSION_OFF_CREATED_AT));
    store_i64(ev + EVENT_SESSION_CREATED_OFF_EXPIRES_AT, S_I64(d, SESSION_OFF_EXPIRES_AT));
    log_event(ev, EVENT_SESSION_CREATED_SIZE);
}

void emit_session_activated(const u8 *session_key, const u8 *d) {
    EVENT_BUFFER(ev, EVENT_SESSION_ACTIVATED_SIZE);
    store_u64(ev, EVENT_SESSION_ACTIVATED);
    put_session_and_owner(ev, session_key, d);
    store_i64(ev + EVENT_SESSION_ACTIVATED_OFF_ACTIVATED_AT, S_I64(d, SESSION_OFF_ACTIVATED_AT));
    store_i64(ev + EVENT_SESSION_ACTIVATED_OFF_EXPIRES_AT, S_I64(d, SESSION_OFF_EXPIRES_AT));
    log_event(ev, EVENT_SESSION_ACTIVATED_SIZE);
}

void emit_session_paused(const u8 *session_key, const u8 *d, i64 now) {
    EVENT_BUFFER(ev, EVENT_SESSION_PAUSED_SIZE);
    store_u64(ev, EVENT_SESSION_PAUSED);
    put_session_and_owner(ev, session_key, d);
    store_i64(ev + EVENT_SESSION_PAUSED_OFF_PAUSED_AT, now);
    log_event(ev, EVENT_SESSION_PAUSED_SIZE);
}

void emit_session_resumed(const u8 *session_key, const u8 *d, i64 now) {
    EVENT_BUFFER(ev, EVENT_SESSION_RESUMED_SIZE);
    store_u64(ev, EVENT_SESSION_RESUMED);
    put_session_and_owner(ev, session_key, d);
    store_i64(ev + EVENT_SESSION_RESUMED_OFF_RESUMED_AT, now);
    log_event(ev, EVENT_SESSION_RESUMED_SIZE);
}

void emit_session_expired(const u8 *session_key, const u8 *d, i64 now, u8 previous_status) {
    EVENT_BUFFER(ev, EVENT_SESSION_EXPIRED_SIZE);
    store_u64(ev, EVENT_SESSION_EXPIRED);
    put_session_and_owner(ev, session_key, d);
    i64 deadline = previous_status == SESSION_STATUS_REQUESTED ? S_I64(d, SESSION_OFF_REQUEST_DEADLINE)
                                                              : S_I64(d, SESSION_OFF_EXPIRES_AT);
    store_i64(ev + EVENT_SESSION_EXPIRED_OFF_EXPIRES_AT, deadline);
    store_i64(ev + EVENT_SESSION_EXPIRED_OFF_EXPIRED_AT, now);
    ev[EVENT_SESSION_EXPIRED_OFF_PREVIOUS_STATUS] = previous_status;
    log_event(ev, EVENT_SESSION_EXPIRED_SIZE);
}

/* closed_at is `now`, the closing time; lamports_returned is what the account holds as it is
 * closed (all of it goes to the receiver). Inlined where the close happens (the program is
 * one translation unit): the event is built from values already in registers, 6 CU less a
 * close, 10 a funded sweep. */
__attribute__((always_inline)) void emit_session_closed(u8 *session, const u8 *receiver, u64 swept, u8 reason,
                                                        i64 now) {
    const u8 *d = acc_data(session);
    EVENT_BUFFER(ev, EVENT_SESSION_CLOSED_SIZE);
    store_u64(ev, EVENT_SESSION_CLOSED);
    put_session_and_owner(ev, (const u8 *)acc_key(session), d);
    key_copy(ev + EVENT_SESSION_CLOSED_OFF_RENT_RECEIVER, (const SolPubkey *)receiver);
    store_u64(ev + EVENT_SESSION_CLOSED_OFF_LAMPORTS_RETURNED, *acc_lamports(session));
    store_u64(ev + EVENT_SESSION_CLOSED_OFF_SWEPT_TO_OWNER, swept);
    store_i64(ev + EVENT_SESSION_CLOSED_OFF_CLOSED_AT, now);
    ev[EVENT_SESSION_CLOSED_OFF_REASON] = reason;
    log_event(ev, EVENT_SESSION_CLOSED_SIZE);
}

_Static_assert(EVENT_SESSION_EXECUTED_OFF_SESSION == 8 && EVENT_SESSION_EXECUTED_OFF_OWNER == 40, "");
_Static_assert(EVENT_SESSION_GUARD_UPDATED_OFF_SESSION == 8 && EVENT_SESSION_GUARD_UPDATED_OFF_OWNER == 40, "");
_Static_assert(EVENT_SESSION_PERMISSIONS_UPDATED_OFF_SESSION == 8 && EVENT_SESSION_PERMISSIONS_UPDATED_OFF_OWNER == 40, "");
_Static_assert(EVENT_SESSION_QUOTAS_UPDATED_OFF_SESSION == 8 && EVENT_SESSION_QUOTAS_UPDATED_OFF_OWNER == 40, "");

void emit_session_executed(const u8 *session_key, const u8 *d, const u8 *caller,
                           const u8 *program, const u64 *figures) {
    EVENT_BUFFER(ev, EVENT_SESSION_EXECUTED_SIZE);
    store_u64(ev, EVENT_SESSION_EXECUTED);
    put_session_and_owner(ev, session_key, d);
    key_copy(ev + EVENT_SESSION_EXECUTED_OFF_CALLER, (const SolPubkey *)caller);
    key_copy(ev + EVENT_SESSION_EXECUTED_OFF_PROGRAM, (const SolPubkey *)program);
    store_u64(ev + EVENT_SESSION_EXECUTED_OFF_LAMPORTS_SPENT, figures[EXECUTED_LAMPORTS]);
    store_u64(ev + EVENT_SESSION_EXECUTED_OFF_COMPUTE_UNITS, figures[EXECUTED_COMPUTE_UNITS]);
    store_u64(ev + EVENT_SESSION_EXECUTED_OFF_USAGE_COUNT, figures[EXECUTED_USAGE_COUNT]);
    store_u64(ev + EVENT_SESSION_EXECUTED_OFF_EXECUTED_AT, figures[EXECUTED_AT]);
    ev[EVENT_SESSION_EXECUTED_OFF_INSTRUCTION_COUNT] = (u8)figures[EXECUTED_INSTRUCTION_COUNT];
    log_event(ev, EVENT_SESSION_EXECUTED_SIZE);
}

static void put_update(u8 *ev, u64 event, const UpdateEvent *u, u64 authority_off) {
    store_u64(ev, event);
    put_session_and_owner(ev, u->session_key, u->d);
    key_copy(ev + authority_off, (const SolPubkey *)u->authority);
}

_Static_assert(EVENT_SESSION_GUARD_UPDATED_OFF_AUTHORITY == EVENT_SESSION_PERMISSIONS_UPDATED_OFF_AUTHORITY &&
               EVENT_SESSION_GUARD_UPDATED_OFF_AUTHORITY == EVENT_SESSION_QUOTAS_UPDATED_OFF_AUTHORITY, "");

void emit_guard_updated(const UpdateEvent *u) {
    EVENT_BUFFER(ev, EVENT_SESSION_GUARD_UPDATED_SIZE);
    put_update(ev, EVENT_SESSION_GUARD_UPDATED, u, EVENT_SESSION_GUARD_UPDATED_OFF_AUTHORITY);
    store_i64(ev + EVENT_SESSION_GUARD_UPDATED_OFF_UPDATED_AT, u->now);
    *(u16 *)(ev + EVENT_SESSION_GUARD_UPDATED_OFF_GUARD_LEN) = load_u16(u->d + SESSION_OFF_GUARD_LEN);
    ev[EVENT_SESSION_GUARD_UPDATED_OFF_NARROWED] = u->narrowed;
    log_event(ev, EVENT_SESSION_GUARD_UPDATED_SIZE);
}

void emit_permissions_updated(const UpdateEvent *u, u32 previous) {
    EVENT_BUFFER(ev, EVENT_SESSION_PERMISSIONS_UPDATED_SIZE);
    put_update(ev, EVENT_SESSION_PERMISSIONS_UPDATED, u, EVENT_SESSION_PERMISSIONS_UPDATED_OFF_AUTHORITY);
    store_i64(ev + EVENT_SESSION_PERMISSIONS_UPDATED_OFF_UPDATED_AT, u->now);
    store_u32(ev + EVENT_SESSION_PERMISSIONS_UPDATED_OFF_PREVIOUS, previous);
    store_u32(ev + EVENT_SESSION_PERMISSIONS_UPDATED_OFF_PERMISSIONS, S_U32(u->d, SESSION_OFF_EFFECTIVE_PERMISSIONS));
    ev[EVENT_SESSION_PERMISSIONS_UPDATED_OFF_NARROWED] = u->narrowed;
    log_event(ev, EVENT_SESSION_PERMISSIONS_UPDATED_SIZE);
}

void emit_quotas_updated(const UpdateEvent *u) {
    EVENT_BUFFER(ev, EVENT_SESSION_QUOTAS_UPDATED_SIZE);
    put_update(ev, EVENT_SESSION_QUOTAS_UPDATED, u, EVENT_SESSION_QUOTAS_UPDATED_OFF_AUTHORITY);
    for (u64 at = 0; at < RESOURCE_QUOTAS_SIZE; at += 8)
        store_u64(ev + EVENT_SESSION_QUOTAS_UPDATED_OFF_QUOTAS + at, load_u64(u->d + SESSION_OFF_QUOTAS + at));
    store_i64(ev + EVENT_SESSION_QUOTAS_UPDATED_OFF_UPDATED_AT, u->now);
    ev[EVENT_SESSION_QUOTAS_UPDATED_OFF_NARROWED] = u->narrowed;
    log_event(ev, EVENT_SESSION_QUOTAS_UPDATED_SIZE);
}
