/* The Session PDA: seeds "session" + creator + session_id (u64 LE) + bump.
 * The caller supplies the bump, so the common case costs one create_program_address
 * (1500 CU) instead of a search. Only the canonical bump is accepted: for a bump below
 * 255 every higher bump must fail to derive an address, which costs 1500 CU per step and
 * is only paid by ids whose canonical bump is not 255 (the client prefers those ids). */
#include "program.h"

static u64 derive(const Context *ctx, const u8 *creator, const u8 *id_le, u8 bump, SolPubkey *out) {
    u8 bump_seed[1] = {bump};
    SolSignerSeed seeds[4] = {
        {(const u8 *)SESSION_SEED, SESSION_SEED_LEN}, {creator, 32}, {id_le, 8}, {bump_seed, 1}};
    return sol_create_program_address(seeds, 4, ctx->program_id, out);
}

static u64 classify_mismatch(const Context *ctx, const u8 *creator, const u8 *id_le, const u8 *session) {
    SolSignerSeed seeds[3] = {
        {(const u8 *)SESSION_SEED, SESSION_SEED_LEN}, {creator, 32}, {id_le, 8}};
    SolPubkey canonical;
    u8 canonical_bump;
    if (sol_try_find_program_address(seeds, 3, ctx->program_id, &canonical, &canonical_bump) == 0 &&
        key_eq(&canonical, acc_key(session)))
        return fail(ERR_INVALID_BUMP);
    return fail(ERR_INVALID_SESSION_ADDRESS);
}

u64 verify_session_address(const Context *ctx, const u8 *creator, const u8 *id_le, u8 bump,
                           const u8 *session) {
    SolPubkey derived;
    if (derive(ctx, creator, id_le, bump, &derived) != 0 || !key_eq(&derived, acc_key(session)))
        return classify_mismatch(ctx, creator, id_le, session);
    for (u64 higher = (u64)bump + 1; higher <= 255; higher++) {
        SolPubkey other;
        if (derive(ctx, creator, id_le, (u8)higher, &other) == 0) return fail(ERR_INVALID_BUMP);
    }
    return 0;
}
