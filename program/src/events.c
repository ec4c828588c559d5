/* Events: sol_log_data(one field = 8-byte Anchor discriminator + borsh payload), so
 * "Program data:" lines decode with any Anchor event parser. The records are laid out by
 * the writers generated from the schema (sessions_events.h: every field at its offset, one
 * store each, into an aligned buffer); what is here is where each field's value comes from,
 * given positionally in the schema's field order, so a field added to or removed from an
 * event fails the build until its emitter follows. */
#include "program.h"
#include "sessions_events.h"

void emit_session_requested(const u8 *session_key, const u8 *d) {
    log_session_requested(&(SessionRequestedFields){
        (const SolPubkey *)session_key,
        S_KEY(d, SESSION_OFF_OWNER),
        S_KEY(d, SESSION_OFF_CREATOR),
        S_U64(d, SESSION_OFF_SESSION_ID),
        S_I64(d, SESSION_OFF_REQUEST_DEADLINE),
    });
}

void emit_session_created(const u8 *session_key, const u8 *d) {
    log_session_created(&(SessionCreatedFields){
        (const SolPubkey *)session_key,
        S_KEY(d, SESSION_OFF_OWNER),
        S_KEY(d, SESSION_OFF_CREATOR),
        S_U64(d, SESSION_OFF_SESSION_ID),
        S_U32(d, SESSION_OFF_CONFIG_PERMISSIONS),
        S_U32(d, SESSION_OFF_CONFIG_SETTINGS),
        S_I64(d, SESSION_OFF_CREATED_AT),
        S_I64(d, SESSION_OFF_EXPIRES_AT),
    });
}

void emit_session_activated(const u8 *session_key, const u8 *d) {
    log_session_activated(&(SessionActivatedFields){
        (const SolPubkey *)session_key,
        S_KEY(d, SESSION_OFF_OWNER),
        S_I64(d, SESSION_OFF_ACTIVATED_AT),
        S_I64(d, SESSION_OFF_EXPIRES_AT),
    });
}

void emit_session_paused(const u8 *session_key, const u8 *d, i64 now) {
    log_session_paused(&(SessionPausedFields){
        (const SolPubkey *)session_key,
        S_KEY(d, SESSION_OFF_OWNER),
        now,
    });
}

void emit_session_resumed(const u8 *session_key, const u8 *d, i64 now) {
    log_session_resumed(&(SessionResumedFields){
        (const SolPubkey *)session_key,
        S_KEY(d, SESSION_OFF_OWNER),
        now,
    });
}

/* expires_at is the deadline that passed: the request's for a timed-out request (one writer
 * per case: a select of the offset first costs the expiry an instruction, measured). */
void emit_session_expired(const u8 *session_key, const u8 *d, i64 now, u8 previous_status) {
    const SolPubkey *session = (const SolPubkey *)session_key;
    if (previous_status == SESSION_STATUS_REQUESTED) {
        log_session_expired(&(SessionExpiredFields){
            session,
            S_KEY(d, SESSION_OFF_OWNER),
            S_I64(d, SESSION_OFF_REQUEST_DEADLINE),
            now,
            previous_status,
        });
        return;
    }
    log_session_expired(&(SessionExpiredFields){
        session,
        S_KEY(d, SESSION_OFF_OWNER),
        S_I64(d, SESSION_OFF_EXPIRES_AT),
        now,
        previous_status,
    });
}

/* closed_at is `now`, the closing time; lamports_returned is what the account holds as it is
 * closed (all of it goes to the receiver). Inlined where the close happens (the program is
 * one translation unit): the event is built from values already in registers, 6 CU less a
 * close, 10 a funded sweep. */
__attribute__((always_inline)) void emit_session_closed(u8 *session, const u8 *receiver, u64 swept, u8 reason,
                                                        i64 now) {
    const u8 *d = acc_data(session);
    log_session_closed(&(SessionClosedFields){
        acc_key(session),
        S_KEY(d, SESSION_OFF_OWNER),
        (const SolPubkey *)receiver,
        *acc_lamports(session),
        swept,
        now,
        reason,
    });
}

void emit_session_executed(const u8 *session_key, const u8 *d, const u8 *caller,
                           const u8 *program, const u64 *figures) {
    log_session_executed(&(SessionExecutedFields){
        (const SolPubkey *)session_key,
        S_KEY(d, SESSION_OFF_OWNER),
        (const SolPubkey *)caller,
        (const SolPubkey *)program,
        figures[EXECUTED_LAMPORTS],
        figures[EXECUTED_COMPUTE_UNITS],
        figures[EXECUTED_USAGE_COUNT],
        figures[EXECUTED_AT],
        (u8)figures[EXECUTED_INSTRUCTION_COUNT],
    });
}

void emit_guard_updated(const UpdateEvent *u) {
    log_session_guard_updated(&(SessionGuardUpdatedFields){
        (const SolPubkey *)u->session_key,
        S_KEY(u->d, SESSION_OFF_OWNER),
        (const SolPubkey *)u->authority,
        u->now,
        load_u16(u->d + SESSION_OFF_GUARD_LEN),
        u->narrowed,
    });
}

void emit_permissions_updated(const UpdateEvent *u, u32 previous) {
    log_session_permissions_updated(&(SessionPermissionsUpdatedFields){
        (const SolPubkey *)u->session_key,
        S_KEY(u->d, SESSION_OFF_OWNER),
        (const SolPubkey *)u->authority,
        u->now,
        previous,
        S_U32(u->d, SESSION_OFF_EFFECTIVE_PERMISSIONS),
        u->narrowed,
    });
}

void emit_quotas_updated(const UpdateEvent *u) {
    log_session_quotas_updated(&(SessionQuotasUpdatedFields){
        (const SolPubkey *)u->session_key,
        S_KEY(u->d, SESSION_OFF_OWNER),
        (const SolPubkey *)u->authority,
        u->d + SESSION_OFF_QUOTAS,
        u->now,
        u->narrowed,
    });
}
