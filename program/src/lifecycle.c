/* Session state: the stable on-chain transitions
 *   Requested -> Created (approve) | closed (cancel, timeout)
 *   Created -> Active -> Paused -> Active ...
 *   Created | Active | Paused -> Expired (or closed, with AUTO_EXPIRE) once the clock passes
 *   expires_at; any state -> closed by its owner.
 * Each handler validates every account and the state before it writes anything. */
#include "program.h"

typedef struct {
    u8 *account; /* the serialized session account */
    u8 *d;       /* its data */
    i64 now;
} Loaded;

/* Shared prologue of the owner-signed instructions: [owner (signer), session (writable)]. */
static u64 load_for_owner(const Context *ctx, Loaded *out) {
    u8 *owner = ctx->accounts[IX_ACTIVATE_SESSION_ACC_OWNER];
    out->account = ctx->accounts[IX_ACTIVATE_SESSION_ACC_SESSION];
    u64 err = load_session(ctx, out->account, &out->d);
    if (!err) err = require_session_authority(owner, out->d, SESSION_OFF_OWNER);
    if (!err) err = clock_now(&out->now);
    return err;
}

_Static_assert(IX_ACTIVATE_SESSION_ACC_OWNER == IX_PAUSE_SESSION_ACC_OWNER &&
               IX_ACTIVATE_SESSION_ACC_OWNER == IX_RESUME_SESSION_ACC_OWNER &&
               IX_ACTIVATE_SESSION_ACC_OWNER == IX_APPROVE_SESSION_ACC_OWNER &&
               IX_ACTIVATE_SESSION_ACC_SESSION == IX_PAUSE_SESSION_ACC_SESSION &&
               IX_ACTIVATE_SESSION_ACC_SESSION == IX_RESUME_SESSION_ACC_SESSION &&
               IX_ACTIVATE_SESSION_ACC_SESSION == IX_APPROVE_SESSION_ACC_SESSION &&
               IX_ACTIVATE_SESSION_NUM_ACCOUNTS == 2 && IX_PAUSE_SESSION_NUM_ACCOUNTS == 2 &&
               IX_RESUME_SESSION_NUM_ACCOUNTS == 2 && IX_APPROVE_SESSION_NUM_ACCOUNTS == 2,
               "owner-signed instructions share one account order");

static bool is_expired(const u8 *d, i64 now) { return now >= S_I64(d, SESSION_OFF_EXPIRES_AT); }
static bool request_timed_out(const u8 *d, i64 now) {
    return now >= S_I64(d, SESSION_OFF_REQUEST_DEADLINE);
}

static void set_status(u8 *d, u8 status, i64 now) {
    d[SESSION_OFF_STATUS] = status;
    store_i64(d + SESSION_OFF_UPDATED_AT, now);
}

/* ACCOUNTS of approve_session (generated from the spec by `sessions codegen`; do not edit):
 *   [0] owner: signer.
 *   [1] session: writable.
 */
u64 process_approve_session(const Context *ctx) {
    Loaded s;
    u64 err = load_for_owner(ctx, &s);
    if (err) return err;
    if (s.d[SESSION_OFF_STATUS] != SESSION_STATUS_REQUESTED) return fail(ERR_INVALID_STATUS_TRANSITION);
    if (request_timed_out(s.d, s.now)) return fail(ERR_REQUEST_TIMED_OUT);
    i64 duration = S_I64(s.d, SESSION_OFF_CONFIG_MAX_DURATION);
    /* Creation validated it; a stored value out of range is corruption, not arithmetic. */
    if (duration < 1 || duration > MAX_SESSION_DURATION) return fail(ERR_INVALID_STORED_STATE);
    if (s.now > I64_MAX - duration) return fail(ERR_ARITHMETIC_OVERFLOW);
    store_i64(s.d + SESSION_OFF_EXPIRES_AT, s.now + duration);
    set_status(s.d, SESSION_STATUS_CREATED, s.now);
    emit_session_created((const u8 *)acc_key(s.account), s.d);
    return 0;
}

/* ACCOUNTS of activate_session (generated from the spec by `sessions codegen`; do not edit):
 *   [0] owner: signer.
 *   [1] session: writable.
 */
u64 process_activate_session(const Context *ctx) {
    Loaded s;
    u64 err = load_for_owner(ctx, &s);
    if (err) return err;
    if (s.d[SESSION_OFF_STATUS] != SESSION_STATUS_CREATED) return fail(ERR_INVALID_STATUS_TRANSITION);
    if (is_expired(s.d, s.now)) return fail(ERR_SESSION_EXPIRED);
    store_i64(s.d + SESSION_OFF_ACTIVATED_AT, s.now);
    set_status(s.d, SESSION_STATUS_ACTIVE, s.now);
    emit_session_activated((const u8 *)acc_key(s.account), s.d);
    return 0;
}

/* ACCOUNTS of pause_session (generated from the spec by `sessions codegen`; do not edit):
 *   [0] owner: signer.
 *   [1] session: writable.
 */
u64 process_pause_session(const Context *ctx) {
    Loaded s;
    u64 err = load_for_owner(ctx, &s);
    if (err) return err;
    if (s.d[SESSION_OFF_STATUS] != SESSION_STATUS_ACTIVE) return fail(ERR_SESSION_NOT_ACTIVE);
    if (is_expired(s.d, s.now)) return fail(ERR_SESSION_EXPIRED);
    set_status(s.d, SESSION_STATUS_PAUSED, s.now);
    emit_session_paused((const u8 *)acc_key(s.account), s.d, s.now);
    return 0;
}

/* ACCOUNTS of resume_session (generated from the spec by `sessions codegen`; do not edit):
 *   [0] owner: signer.
 *   [1] session: writable.
 */
u64 process_resume_session(const Context *ctx) {
    Loaded s;
    u64 err = load_for_owner(ctx, &s);
    if (err) return err;
    if (s.d[SESSION_OFF_STATUS] != SESSION_STATUS_PAUSED) return fail(ERR_INVALID_STATUS_TRANSITION);
    if (is_expired(s.d, s.now)) return fail(ERR_SESSION_EXPIRED);
    set_status(s.d, SESSION_STATUS_ACTIVE, s.now);
    emit_session_resumed((const u8 *)acc_key(s.account), s.d, s.now);
    return 0;
}

static void close_with_event(Loaded *s, u8 *receiver, u8 reason) {
    store_i64(s->d + SESSION_OFF_UPDATED_AT, s->now);
    emit_session_closed((const u8 *)acc_key(s->account), s->d, (const u8 *)acc_key(receiver),
                        *acc_lamports(s->account), reason);
    close_account(s->account, receiver);
}

/* Permissionless: once the deadline has passed, anyone may move the session to its end. */
/* ACCOUNTS of expire_session (generated from the spec by `sessions codegen`; do not edit):
 *   [0] session: writable.
 *   [1] creator: writable. Rent receiver; must be session.creator.
 */
u64 process_expire_session(const Context *ctx) {
    Loaded s;
    s.account = ctx->accounts[IX_EXPIRE_SESSION_ACC_SESSION];
    u8 *receiver = ctx->accounts[IX_EXPIRE_SESSION_ACC_CREATOR];
    u64 err = load_session(ctx, s.account, &s.d);
    if (!err) err = require_rent_receiver(receiver, s.d);
    if (!err) err = clock_now(&s.now);
    if (err) return err;
    u8 status = s.d[SESSION_OFF_STATUS];
    if (!stored_status_valid(status)) return fail(ERR_INVALID_STORED_STATE);
    if (status == SESSION_STATUS_EXPIRED) return fail(ERR_INVALID_STATUS_TRANSITION);
    if (status == SESSION_STATUS_REQUESTED) {
        if (!request_timed_out(s.d, s.now)) return fail(ERR_SESSION_NOT_EXPIRED);
        emit_session_expired((const u8 *)acc_key(s.account), s.d, s.now, status);
        close_with_event(&s, receiver, CLOSE_REASON_TIMED_OUT);
        return 0;
    }
    if (!is_expired(s.d, s.now)) return fail(ERR_SESSION_NOT_EXPIRED);
    emit_session_expired((const u8 *)acc_key(s.account), s.d, s.now, status);
    if (S_U32(s.d, SESSION_OFF_CONFIG_SETTINGS) & SETTING_AUTO_EXPIRE) {
        close_with_event(&s, receiver, CLOSE_REASON_EXPIRED);
    } else {
        set_status(s.d, SESSION_STATUS_EXPIRED, s.now);
    }
    return 0;
}

/* The owner closes any session; the creator (the dapp that paid) may withdraw a request or
 * clean up an expired session. Rent always goes back to the creator. */
/* ACCOUNTS of close_session (generated from the spec by `sessions codegen`; do not edit):
 *   [0] authority: signer. The owner, or the creator of a Requested or Expired session.
 *   [1] session: writable.
 *   [2] creator: writable. Rent receiver; must be session.creator.
 */
u64 process_close_session(const Context *ctx) {
    Loaded s;
    u8 *authority = ctx->accounts[IX_CLOSE_SESSION_ACC_AUTHORITY];
    s.account = ctx->accounts[IX_CLOSE_SESSION_ACC_SESSION];
    u8 *receiver = ctx->accounts[IX_CLOSE_SESSION_ACC_CREATOR];
    u64 err = load_session(ctx, s.account, &s.d);
    if (!err) err = require_rent_receiver(receiver, s.d);
    if (!err && !acc_is_signer(authority)) err = fail(ERR_MISSING_SIGNER);
    if (err) return err;
    u8 status = s.d[SESSION_OFF_STATUS];
    if (!stored_status_valid(status)) return fail(ERR_INVALID_STORED_STATE);
    bool by_owner = key_eq(acc_key(authority), S_KEY(s.d, SESSION_OFF_OWNER));
    bool by_creator = key_eq(acc_key(authority), S_KEY(s.d, SESSION_OFF_CREATOR)) &&
                      (status == SESSION_STATUS_REQUESTED || status == SESSION_STATUS_EXPIRED);
    if (!by_owner && !by_creator) return fail(ERR_UNAUTHORIZED);
    err = clock_now(&s.now);
    if (err) return err;
    u8 reason = CLOSE_REASON_CLOSED;
    if (status == SESSION_STATUS_REQUESTED)
        reason = request_timed_out(s.d, s.now) ? CLOSE_REASON_TIMED_OUT : CLOSE_REASON_CANCELLED;
    else if (status == SESSION_STATUS_EXPIRED || is_expired(s.d, s.now))
        reason = CLOSE_REASON_EXPIRED;
    close_with_event(&s, receiver, reason);
    return 0;
}
