/* Account parsing and relation checks. Every handler runs these before it writes anything;
 * each failed relation has its own error code. */
#include "program.h"

u64 check_instruction(const Context *ctx, u64 data_size, u64 n_accounts) {
    if (ctx->data_len != data_size) return fail(ERR_INVALID_INSTRUCTION_DATA);
    if (ctx->n_accounts < n_accounts) return fail(ERR_NOT_ENOUGH_ACCOUNTS);
    return 0;
}

u64 require_signer(const u8 *account) {
    return acc_is_signer(account) ? 0 : fail(ERR_MISSING_SIGNER);
}

u64 require_writable(const u8 *account) {
    return acc_is_writable(account) ? 0 : fail(ERR_ACCOUNT_NOT_WRITABLE);
}

static bool stored_status_valid(u8 status) {
    return status == SESSION_STATUS_REQUESTED || status == SESSION_STATUS_CREATED ||
           status == SESSION_STATUS_ACTIVE || status == SESSION_STATUS_PAUSED ||
           status == SESSION_STATUS_EXPIRED;
}

u64 load_session(const Context *ctx, u8 *account, u8 **out) {
    const SolPubkey *owner = acc_owner(account);
    if (!key_eq(owner, ctx->program_id)) {
        /* A closed session is an empty system account: say so, not "wrong owner". */
        if (key_is_zero(owner) && acc_data_len(account) == 0) return fail(ERR_SESSION_NOT_FOUND);
        return fail(ERR_INVALID_ACCOUNT_OWNER);
    }
    if (acc_data_len(account) != SESSION_ACCOUNT_SIZE) return fail(ERR_INVALID_ACCOUNT_SIZE);
    u8 *d = acc_data(account);
    if (load_u64(d) != SESSION_DISCRIMINATOR) return fail(ERR_INVALID_DISCRIMINATOR);
    if (d[SESSION_OFF_VERSION] != SESSION_VERSION) return fail(ERR_UNSUPPORTED_VERSION);
    if (!stored_status_valid(d[SESSION_OFF_STATUS])) return fail(ERR_INVALID_STORED_STATE);
    if (!acc_is_writable(account)) return fail(ERR_ACCOUNT_NOT_WRITABLE);
    *out = d;
    return 0;
}

/* The signer must sign and be the key stored at key_offset (owner or creator). */
u64 require_session_authority(const u8 *signer, const u8 *session, u64 key_offset) {
    if (!acc_is_signer(signer)) return fail(ERR_MISSING_SIGNER);
    if (!key_eq(acc_key(signer), S_KEY(session, key_offset))) return fail(ERR_UNAUTHORIZED);
    return 0;
}

u64 require_system_program(const u8 *account) {
    return key_is_zero(acc_key(account)) ? 0 : fail(ERR_INVALID_SYSTEM_PROGRAM);
}

u64 require_rent_receiver(const u8 *receiver, const u8 *session) {
    if (!key_eq(acc_key(receiver), S_KEY(session, SESSION_OFF_CREATOR)))
        return fail(ERR_INVALID_RENT_RECEIVER);
    return acc_is_writable(receiver) ? 0 : fail(ERR_ACCOUNT_NOT_WRITABLE);
}

/* A new session's address must be writable and not yet hold a session (or anything else). */
u64 require_fresh_session_account(const Context *ctx, u8 *account) {
    if (!acc_is_writable(account)) return fail(ERR_ACCOUNT_NOT_WRITABLE);
    const SolPubkey *owner = acc_owner(account);
    if (key_eq(owner, ctx->program_id)) return fail(ERR_SESSION_ALREADY_EXISTS);
    if (!key_is_zero(owner) || acc_data_len(account) != 0) return fail(ERR_INVALID_ACCOUNT_OWNER);
    return 0;
}
