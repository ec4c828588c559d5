/* create_session and request_session: validate every account and argument, verify the PDA
 * with the supplied bump, then create the account by CPI and write the initial state.
 * Check order (each failure its own code, nothing written before the CPI):
 *   1. data size, account count                   check_instruction
 *   2. payer signs and is writable, system program,
 *      the session address is writable and empty   check_creation_accounts
 *   3. params (request: ttl and owner too)         validate_params
 *   4. the PDA and its canonical bump              verify_session_address (pda.c)
 *   5. the top-level program of a CPI              creator_program
 *   6. clock, expiry/deadline without overflow     clock_now, add_seconds
 *   7. rent sysvar, the payer can be debited and
 *      stays rent-exempt (or empty)                create_pda_account (system.c)
 *   then the CPI, the initial state, the event. */
#include "program.h"
#include "guard.h"

/* Reject anything the program cannot honour: unbounded lifetimes, unknown flag bits,
 * COMPOSE without EXECUTE, more borrow slots than exist, nonzero reserved bytes, and a guard
 * that breaks any rule of the guard language (guard.c). */
static u64 validate_params(const u8 *p) {
    const u8 *config = p + SESSION_PARAMS_OFF_CONFIG;
    i64 max_duration = load_i64(config + SESSION_CONFIG_OFF_MAX_DURATION);
    u32 permissions = load_u32(config + SESSION_CONFIG_OFF_PERMISSIONS);
    u32 settings = load_u32(config + SESSION_CONFIG_OFF_SETTINGS);
    if (max_duration < 1 || max_duration > MAX_SESSION_DURATION) return fail(ERR_INVALID_CONFIGURATION);
    if (!permissions_valid(permissions) || (settings & ~ALL_SETTINGS) != 0)
        return fail(ERR_INVALID_CONFIGURATION);
    if (!quotas_valid(p + SESSION_PARAMS_OFF_QUOTAS)) return fail(ERR_INVALID_CONFIGURATION);
    const u8 *guard = p + SESSION_PARAMS_OFF_GUARD;
    if (guard_validate(guard + GUARD_OFF_CODE, load_u16(guard + GUARD_OFF_LEN)))
        return fail(ERR_INVALID_CONFIGURATION);
    return 0;
}

/* Accounts shared by both creators: payer (signer, writable), session, system program. */
static u64 check_creation_accounts(const Context *ctx, u8 *payer, u8 *session, u8 *system) {
    u64 err = require_signer(payer);
    if (!err) err = require_writable(payer);
    if (!err) err = require_system_program(system);
    if (!err) err = require_fresh_session_account(ctx, session);
    return err;
}

/* A session created through a CPI records the program of the top-level instruction;
 * a wallet's direct call records the zero key. */
static u64 creator_program(const Context *ctx, u64 sysvar_index, SolPubkey *out) {
    if (sol_get_stack_height() <= SOL_TOP_LEVEL_STACK_HEIGHT) {
        u64 *w = (u64 *)out;
        w[0] = w[1] = w[2] = w[3] = 0;
        return 0;
    }
    return top_level_program(ctx, sysvar_index, out);
}

static u64 add_seconds(i64 now, i64 seconds, i64 *out) {
    if (seconds > 0 && now > I64_MAX - seconds) return fail(ERR_ARITHMETIC_OVERFLOW);
    *out = now + seconds;
    return 0;
}

static u64 create_account(const Context *ctx, u8 *payer, u8 *session, const u8 *id_le, u8 bump) {
    u8 bump_seed[1] = {bump};
    SolSignerSeed seeds[4] = {{(const u8 *)SESSION_SEED, SESSION_SEED_LEN},
                              {(const u8 *)acc_key(payer), 32}, {id_le, 8}, {bump_seed, 1}};
    SolSignerSeeds signer = {seeds, 4};
    return create_pda_account(ctx, payer, session, SESSION_ACCOUNT_SIZE, &signer);
}

/* Copy `size` bytes as u64 words. __builtin_memcpy through u8 pointers copies byte by byte
 * (a u8 pointer promises no alignment): 2 instructions per byte instead of per word. The
 * Session fields are 8-aligned (the generated header asserts it) and so are the arguments
 * here (instruction data starts 8-aligned; the SBF VM would permit unaligned words anyway). */
static inline void copy_words(u8 *dst, const u8 *src, u64 size) {
    for (u64 at = 0; at < size; at += sizeof(u64)) store_u64(dst + at, load_u64(src + at));
}

/* Write the initial state; the account's data is all zeros after creation, so only nonzero
 * fields are written. */
SOL_ALWAYS_INLINE void init_session(u8 *d, const u8 *params, const u8 *owner, const u8 *creator,
                                    const SolPubkey *origin, u64 session_id, u8 bump, u8 status,
                                    i64 now) {
    store_u64(d, SESSION_DISCRIMINATOR);
    d[SESSION_OFF_VERSION] = SESSION_VERSION;
    d[SESSION_OFF_BUMP] = bump;
    d[SESSION_OFF_STATUS] = status;
    store_u32(d + SESSION_OFF_EFFECTIVE_PERMISSIONS,
              load_u32(params + SESSION_PARAMS_OFF_CONFIG + SESSION_CONFIG_OFF_PERMISSIONS));
    key_copy(d + SESSION_OFF_OWNER, (const SolPubkey *)owner);
    key_copy(d + SESSION_OFF_CREATOR, (const SolPubkey *)creator);
    key_copy(d + SESSION_OFF_CREATOR_PROGRAM, origin);
    store_u64(d + SESSION_OFF_SESSION_ID, session_id);
    /* small fixed copies inline (one u64 load/store pair per word), larger ones by syscall */
    copy_words(d + SESSION_OFF_CONFIG, params + SESSION_PARAMS_OFF_CONFIG, SESSION_CONFIG_SIZE);
    copy_words(d + SESSION_OFF_QUOTAS, params + SESSION_PARAMS_OFF_QUOTAS, RESOURCE_QUOTAS_SIZE);
    sol_memcpy_(d + SESSION_OFF_SCOPE, params + SESSION_PARAMS_OFF_SCOPE, SESSION_SCOPE_SIZE);
    sol_memcpy_(d + SESSION_OFF_METADATA, params + SESSION_PARAMS_OFF_METADATA, SESSION_SIZE_METADATA);
    store_i64(d + SESSION_OFF_CREATED_AT, now);
    store_i64(d + SESSION_OFF_UPDATED_AT, now);
}

/* The validated guard (zero bytes after len), copied only when there is one: the new
 * account's data is zero already. */
static void store_guard(u8 *d, const u8 *params) {
    if (load_u16(params + SESSION_PARAMS_OFF_GUARD + GUARD_OFF_LEN) != 0)
        sol_memcpy_(d + SESSION_OFF_GUARD, params + SESSION_PARAMS_OFF_GUARD, GUARD_SIZE);
}

_Static_assert(SESSION_SIZE_CONFIG == SESSION_CONFIG_SIZE, "config copied whole");
_Static_assert(SESSION_SIZE_SCOPE == SESSION_SCOPE_SIZE, "scope copied whole");
_Static_assert(SESSION_SIZE_QUOTAS == RESOURCE_QUOTAS_SIZE, "quotas copied whole");
_Static_assert(SESSION_CONFIG_SIZE % sizeof(u64) == 0 && RESOURCE_QUOTAS_SIZE % sizeof(u64) == 0,
               "config and quotas copied as whole words");
_Static_assert(SESSION_PARAMS_OFF_CONFIG % sizeof(u64) == 0 && SESSION_PARAMS_OFF_QUOTAS % sizeof(u64) == 0 &&
                   IX_CREATE_SESSION_ARG_PARAMS % sizeof(u64) == 0 && IX_REQUEST_SESSION_ARG_PARAMS % sizeof(u64) == 0,
               "the copied arguments are 8-aligned in instruction data");
_Static_assert(SESSION_SIZE_GUARD == GUARD_SIZE, "guard copied whole");

/* ACCOUNTS of create_session (generated from the spec by `sessions codegen`; do not edit):
 *   [0] creator: signer, writable. Owner; signs and pays.
 *   [1] session: writable, PDA ["session", creator, session_id].
 *   [2] system_program: address 11111111111111111111111111111111.
 */
u64 process_create_session(const Context *ctx) {
    u8 *creator = ctx->accounts[IX_CREATE_SESSION_ACC_CREATOR];
    u8 *session = ctx->accounts[IX_CREATE_SESSION_ACC_SESSION];
    u64 err = check_creation_accounts(ctx, creator, session, ctx->accounts[IX_CREATE_SESSION_ACC_SYSTEM_PROGRAM]);
    if (err) return err;
    const u8 *data = ctx->data;
    const u8 *params = data + IX_CREATE_SESSION_ARG_PARAMS;
    const u8 *id_le = data + IX_CREATE_SESSION_ARG_SESSION_ID;
    u8 bump = data[IX_CREATE_SESSION_ARG_BUMP];
    err = validate_params(params);
    if (!err) err = verify_session_address(ctx, (const u8 *)acc_key(creator), id_le, bump, session);
    SolPubkey origin;
    if (!err) err = creator_program(ctx, IX_CREATE_SESSION_NUM_ACCOUNTS, &origin);
    i64 now = 0, expires_at = 0;
    if (!err) err = clock_now(&now);
    if (!err)
        err = add_seconds(now, load_i64(params + SESSION_PARAMS_OFF_CONFIG + SESSION_CONFIG_OFF_MAX_DURATION),
                          &expires_at);
    if (!err) err = create_account(ctx, creator, session, id_le, bump);
    if (err) return err;
    u8 *d = acc_data(session);
    init_session(d, params, (const u8 *)acc_key(creator), (const u8 *)acc_key(creator), &origin,
                 load_u64(id_le), bump, SESSION_STATUS_CREATED, now);
    store_guard(d, params);
    store_i64(d + SESSION_OFF_EXPIRES_AT, expires_at);
    emit_session_created((const u8 *)acc_key(session), d);
    return 0;
}

/* ACCOUNTS of request_session (generated from the spec by `sessions codegen`; do not edit):
 *   [0] creator: signer, writable. The requesting dapp; signs, pays rent and becomes the session's
 *       creator.
 *   [1] session: writable, PDA ["session", creator, session_id].
 *   [2] system_program: address 11111111111111111111111111111111.
 */
u64 process_request_session(const Context *ctx) {
    u8 *requester = ctx->accounts[IX_REQUEST_SESSION_ACC_CREATOR];
    u8 *session = ctx->accounts[IX_REQUEST_SESSION_ACC_SESSION];
    u64 err = check_creation_accounts(ctx, requester, session, ctx->accounts[IX_REQUEST_SESSION_ACC_SYSTEM_PROGRAM]);
    if (err) return err;
    const u8 *data = ctx->data;
    const u8 *params = data + IX_REQUEST_SESSION_ARG_PARAMS;
    const u8 *id_le = data + IX_REQUEST_SESSION_ARG_SESSION_ID;
    const u8 *owner = data + IX_REQUEST_SESSION_ARG_OWNER;
    i64 ttl = load_i64(data + IX_REQUEST_SESSION_ARG_REQUEST_TTL);
    u8 bump = data[IX_REQUEST_SESSION_ARG_BUMP];
    err = validate_params(params);
    if (!err && (ttl < 1 || ttl > MAX_REQUEST_TTL || key_is_zero((const SolPubkey *)owner)))
        err = fail(ERR_INVALID_CONFIGURATION);
    if (!err) err = verify_session_address(ctx, (const u8 *)acc_key(requester), id_le, bump, session);
    SolPubkey origin;
    if (!err) err = creator_program(ctx, IX_REQUEST_SESSION_NUM_ACCOUNTS, &origin);
    i64 now = 0, deadline = 0;
    if (!err) err = clock_now(&now);
    if (!err) err = add_seconds(now, ttl, &deadline);
    if (!err) err = create_account(ctx, requester, session, id_le, bump);
    if (err) return err;
    u8 *d = acc_data(session);
    init_session(d, params, owner, (const u8 *)acc_key(requester), &origin, load_u64(id_le), bump,
                 SESSION_STATUS_REQUESTED, now);
    store_guard(d, params);
    store_i64(d + SESSION_OFF_REQUEST_DEADLINE, deadline);
    emit_session_requested((const u8 *)acc_key(session), d);
    return 0;
}
