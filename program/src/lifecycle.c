/* Session state: the stable on-chain transitions
 *   Requested -> Created (approve) | closed (cancel, timeout)
 *   Created -> Active -> Paused -> Active ...
 *   Created | Active | Paused -> Expired (or closed, with AUTO_EXPIRE) once the clock passes
 *   expires_at; any state -> closed by its owner.
 * Closing (close, or expire of a timed-out request or with AUTO_EXPIRE) also sweeps what the
 * session signer holds in SOL to the owner.
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

/* What closing sweeps: the signer's SOL goes to the owner. */
typedef struct {
    u8 *owner;
    u8 *signer;
    u8 bump; /* the signer's: recorded, or proven from the instruction's signer_bump */
} Sweep;

_Static_assert(IX_CLOSE_SESSION_ACC_SESSION_SIGNER == IX_CLOSE_SESSION_ACC_OWNER + 1 &&
               IX_CLOSE_SESSION_ACC_SYSTEM_PROGRAM == IX_CLOSE_SESSION_ACC_OWNER + 2 &&
               IX_EXPIRE_SESSION_ACC_SESSION_SIGNER == IX_EXPIRE_SESSION_ACC_OWNER + 1 &&
               IX_EXPIRE_SESSION_ACC_SYSTEM_PROGRAM == IX_EXPIRE_SESSION_ACC_OWNER + 2 &&
               IX_CLOSE_SESSION_ARG_SIGNER_BUMP == IX_EXPIRE_SESSION_ARG_SIGNER_BUMP,
               "close and expire list the sweep's accounts and argument alike");

/* The sweep's accounts, from `at` on (owner, signer, system program), verified whether or not
 * the signer holds anything, so that no caller (expire is permissionless) can pass another
 * account and leave the owner's SOL in the signer: the owner is session.owner and writable;
 * the signer is writable and the recorded one, or the canonical PDA ["signer", session]
 * proven with the supplied bump; the system program is the system program. `owner_proven`:
 * the owner account is the record of an account already compared with session.owner. The
 * runtime passes a key listed twice as one record (the second a duplicate marker, which
 * parse_input resolves to the first's pointer), so that record is the same key: the
 * comparison is not repeated. (A bool rather than the proven account: expire passes false,
 * a constant, and pays no pointer comparison.)
 * This, sweep_signer and close_with_event are inlined into both handlers (always_inline),
 * measured: as calls (arguments, the Sweep through memory, spills around them) they cost a
 * close 4 + 24 CU more, and this one the fold's gain (13). */
SOL_ALWAYS_INLINE u64 load_sweep(const Context *ctx, const Loaded *s, u64 at, bool owner_proven,
                                 Sweep *out) {
    out->owner = ctx->accounts[at];
    out->signer = ctx->accounts[at + 1];
    if (!owner_proven && !key_eq(acc_key(out->owner), S_KEY(s->d, SESSION_OFF_OWNER)))
        return fail(ERR_INVALID_OWNER_ACCOUNT);
    if (!acc_is_writable(out->owner) || !acc_is_writable(out->signer)) return fail(ERR_ACCOUNT_NOT_WRITABLE);
    u64 err = verify_session_signer(ctx, s->account, ctx->data[IX_CLOSE_SESSION_ARG_SIGNER_BUMP],
                                    out->signer, &out->bump);
    return err ? err : require_system_program(ctx->accounts[at + 2]);
}

/* What the signer holds goes to the owner, by a system Transfer signed with the signer's
 * seeds. What the runtime would refuse, with an error of its own, is refused first: a signer
 * that is not a system account without data (the Transfer's own rule; execute never lets it
 * become one: SignerEscaped) and an owner the transfer would leave rent-paying (the runtime's
 * rent-state rule, see system.c's check_payer: below its rent-exempt minimum but not empty; as
 * the creator, the owner also receives the session's lamports). *swept: what moved. */
SOL_ALWAYS_INLINE u64 sweep_signer(const Loaded *s, const Sweep *w, u8 *receiver, u64 *swept) {
    u64 lamports = *acc_lamports(w->signer);
    *swept = lamports;
    if (lamports == 0) return 0;
    if (!key_is_zero(acc_owner(w->signer)) || acc_data_len(w->signer) != 0) return fail(ERR_SIGNER_ESCAPED);
    u64 per_byte;
    u64 err = rent_exemption_rate(&per_byte);
    if (err) return err;
    u64 after = *acc_lamports(w->owner) + lamports;
    if (key_eq(acc_key(w->owner), acc_key(receiver))) after += *acc_lamports(s->account);
    if (after < rent_exempt_minimum(per_byte, acc_data_len(w->owner)))
        return fail(ERR_OWNER_BELOW_RENT_EXEMPTION);
    return transfer_from_signer((const u8 *)acc_key(s->account), w->bump, w->signer, w->owner, lamports);
}

/* After the sweep (its CPI must see the instruction's accounts unchanged: closing first
 * would unbalance them): the event, the close. The closing time goes into the event only:
 * the account's data is gone with the close. */
SOL_ALWAYS_INLINE void close_with_event(Loaded *s, u8 *receiver, u64 swept, u8 reason) {
    emit_session_closed(s->account, (const u8 *)acc_key(receiver), swept, reason, s->now);
    close_account(s->account, receiver);
}

/* Permissionless: once the deadline has passed, anyone may move the session to its end. A
 * plain expiry (Expired, the account stays) sweeps nothing: the later close does. */
/* ACCOUNTS of expire_session (generated from the spec by `sessions codegen`; do not edit):
 *   [0] session: writable.
 *   [1] creator: writable. Rent receiver; must be session.creator.
 *   [2] owner: writable. Receives the signer's SOL; must be session.owner.
 *   [3] session_signer: writable, PDA ["signer", session]. The session's signer; swept to the owner
 *       when the session closes.
 *   [4] system_program: address 11111111111111111111111111111111.
 *   [5] clock: address SysvarC1ock11111111111111111111111111111111. Read as an account: about 100
 *       CU less than the sysvar syscall.
 */
u64 process_expire_session(const Context *ctx) {
    Loaded s;
    s.account = ctx->accounts[IX_EXPIRE_SESSION_ACC_SESSION];
    u8 *receiver = ctx->accounts[IX_EXPIRE_SESSION_ACC_CREATOR];
    u64 err = load_session(ctx, s.account, &s.d);
    if (!err) err = require_rent_receiver(receiver, s.d);
    if (!err) err = clock_from_account(ctx->accounts[IX_EXPIRE_SESSION_ACC_CLOCK], &s.now);
    if (err) return err;
    u8 status = s.d[SESSION_OFF_STATUS];
    if (!stored_status_valid(status)) return fail(ERR_INVALID_STORED_STATE);
    if (status == SESSION_STATUS_EXPIRED) return fail(ERR_INVALID_STATUS_TRANSITION);
    bool timed_out = status == SESSION_STATUS_REQUESTED;
    if (!(timed_out ? request_timed_out(s.d, s.now) : is_expired(s.d, s.now)))
        return fail(ERR_SESSION_NOT_EXPIRED);
    Sweep w;
    err = load_sweep(ctx, &s, IX_EXPIRE_SESSION_ACC_OWNER, false, &w);
    if (err) return err;
    bool closes = timed_out || (S_U32(s.d, SESSION_OFF_CONFIG_SETTINGS) & SETTING_AUTO_EXPIRE);
    u64 swept = 0;
    if (closes) err = sweep_signer(&s, &w, receiver, &swept);
    if (err) return err;
    emit_session_expired((const u8 *)acc_key(s.account), s.d, s.now, status);
    if (closes) {
        close_with_event(&s, receiver, swept, timed_out ? CLOSE_REASON_TIMED_OUT : CLOSE_REASON_EXPIRED);
        return 0;
    }
    set_status(s.d, SESSION_STATUS_EXPIRED, s.now);
    return 0;
}

/* The creator of a Requested or Expired session may close it too. A call of its own
 * (noinline, measured: 12 CU less a close by the owner): inlined, the compiler keeps the
 * authority's key words live for it across the owner's comparison and spills them. */
__attribute__((noinline)) static u64 creator_may_close(const u8 *authority, const u8 *d, u8 status) {
    bool creator_may = status == SESSION_STATUS_REQUESTED || status == SESSION_STATUS_EXPIRED;
    if (!creator_may || !key_eq(acc_key(authority), S_KEY(d, SESSION_OFF_CREATOR)))
        return fail(ERR_UNAUTHORIZED);
    return 0;
}

/* The owner closes any session; the creator (the dapp that paid) may withdraw a request or
 * clean up an expired session. Rent always goes back to the creator, the signer's SOL to the
 * owner. */
/* ACCOUNTS of close_session (generated from the spec by `sessions codegen`; do not edit):
 *   [0] authority: signer. The owner, or the creator of a Requested or Expired session.
 *   [1] session: writable.
 *   [2] creator: writable. Rent receiver; must be session.creator.
 *   [3] owner: writable. Receives the signer's SOL; must be session.owner.
 *   [4] session_signer: writable, PDA ["signer", session]. The session's signer; what it holds in
 *       SOL goes to the owner.
 *   [5] system_program: address 11111111111111111111111111111111.
 *   [6] clock: address SysvarC1ock11111111111111111111111111111111. Read as an account: about 100
 *       CU less than the sysvar syscall.
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
    /* the owner, or the creator of a Requested or Expired session (the owner tested first:
     * the common case costs one key comparison, and the sweep's owner check none when the
     * owner account is the authority's record); proven_owner: the authority if it is the
     * owner, else NULL */
    const u8 *proven_owner = authority;
    if (!key_eq(acc_key(authority), S_KEY(s.d, SESSION_OFF_OWNER))) {
        err = creator_may_close(authority, s.d, status);
        if (err) return err;
        proven_owner = NULL;
    }
    Sweep w;
    /* records are never NULL (parse_input's NULL, for a marker the runtime never writes,
     * would fault at the writable check right after, failing the transaction) */
    bool owner_proven = ctx->accounts[IX_CLOSE_SESSION_ACC_OWNER] == proven_owner;
    err = load_sweep(ctx, &s, IX_CLOSE_SESSION_ACC_OWNER, owner_proven, &w);
    if (!err) err = clock_from_account(ctx->accounts[IX_CLOSE_SESSION_ACC_CLOCK], &s.now);
    if (err) return err;
    u8 reason = CLOSE_REASON_CLOSED;
    if (status == SESSION_STATUS_REQUESTED)
        reason = request_timed_out(s.d, s.now) ? CLOSE_REASON_TIMED_OUT : CLOSE_REASON_CANCELLED;
    else if (status == SESSION_STATUS_EXPIRED || is_expired(s.d, s.now))
        reason = CLOSE_REASON_EXPIRED;
    u64 swept;
    err = sweep_signer(&s, &w, receiver, &swept);
    if (err) return err;
    close_with_event(&s, receiver, swept, reason);
    return 0;
}
