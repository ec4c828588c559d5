/* Account parsing and relation checks. Every handler runs these before it writes anything;
 * each failed relation has its own error code. */
#include "program.h"

u64 require_signer(const u8 *account) {
    return acc_is_signer(account) ? 0 : fail(ERR_MISSING_SIGNER);
}

u64 require_writable(const u8 *account) {
    return acc_is_writable(account) ? 0 : fail(ERR_ACCOUNT_NOT_WRITABLE);
}

/* Owner, size, discriminator, version: inline in both loaders (every instruction runs one). */
static inline u64 session_header(const Context *ctx, u8 *account) {
    const SolPubkey *owner = acc_owner(account);
    if (!key_eq(owner, ctx->program_id)) {
        /* A closed session is an empty system account: say so, not "wrong owner". */
        if (key_is_zero(owner) && acc_data_len(account) == 0) return fail(ERR_SESSION_NOT_FOUND);
        return fail(ERR_INVALID_ACCOUNT_OWNER);
    }
    if (acc_data_len(account) != SESSION_ACCOUNT_SIZE) return fail(ERR_INVALID_ACCOUNT_SIZE);
    const u8 *d = acc_data(account);
    if (load_u64(d) != SESSION_DISCRIMINATOR) return fail(ERR_INVALID_DISCRIMINATOR);
    if (d[SESSION_OFF_VERSION] != SESSION_VERSION) return fail(ERR_UNSUPPORTED_VERSION);
    return 0;
}

u64 load_session_readonly(const Context *ctx, u8 *account, const u8 **out) {
    u64 err = session_header(ctx, account);
    if (err) return err;
    *out = acc_data(account);
    return 0;
}

u64 load_session(const Context *ctx, u8 *account, u8 **out) {
    u64 err = session_header(ctx, account);
    if (err) return err;
    if (!acc_is_writable(account)) return fail(ERR_ACCOUNT_NOT_WRITABLE);
    *out = acc_data(account);
    return 0;
}

/* A new session's address must be writable and not yet hold a session (or anything else). */
u64 require_fresh_session_account(const Context *ctx, u8 *account) {
    if (!acc_is_writable(account)) return fail(ERR_ACCOUNT_NOT_WRITABLE);
    const SolPubkey *owner = acc_owner(account);
    if (key_eq(owner, ctx->program_id)) return fail(ERR_SESSION_ALREADY_EXISTS);
    if (!key_is_zero(owner) || acc_data_len(account) != 0) return fail(ERR_INVALID_ACCOUNT_OWNER);
    return 0;
}
