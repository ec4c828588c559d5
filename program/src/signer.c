/* The session signer: the PDA ["signer", session address] of this program, a system account
 * that holds SOL, owns token accounts and is an SPL delegate, and that only execute signs for
 * (invoke_signed with the same seeds; close and expire sweep its SOL back to the owner).
 *
 * The caller supplies the bump; the address is checked the way create_program_address
 * computes it, without its 1,500 CU: the digest
 *     sha256("signer" || session || bump || program_id || "ProgramDerivedAddress")
 * must equal the account's key and must not be a curve point (sol_curve_validate_point, the
 * runtime's own test), and the bump must be canonical: every higher bump's digest is a curve
 * point. So each session has exactly one signer, the one find_program_address returns. */
#include "program.h"

#define SIGNER_SEEDS_OFF_SESSION SIGNER_SEED_LEN
#define SIGNER_SEEDS_OFF_BUMP (SIGNER_SEEDS_OFF_SESSION + sizeof(SolPubkey))
#define SIGNER_SEEDS_LEN (SIGNER_SEEDS_OFF_BUMP + 1)

/* "signer" | session | bump, contiguous, hashed by pda.c's helpers. */
static u64 derive_and_prove(const Context *ctx, const u8 *session_key, u8 bump, const u8 *signer) {
    u64 words[(SIGNER_SEEDS_LEN + 7) / 8];
    u8 *s = (u8 *)words;
    __builtin_memcpy(s, SIGNER_SEED, SIGNER_SEED_LEN);
    /* unaligned word stores (offset 6): the SBF VM permits them */
    for (u64 at = 0; at < sizeof(SolPubkey); at += sizeof(u64))
        store_u64(s + SIGNER_SEEDS_OFF_SESSION + at, load_u64(session_key + at));
    PdaPreimage p;
    pda_preimage(&p, s, SIGNER_SEEDS_LEN, ctx->program_id);
    SolPubkey derived;
    u8 *bump_at = s + SIGNER_SEEDS_OFF_BUMP;
    if (!pda_with_bump(&p, bump_at, bump, &derived) || !key_eq(&derived, acc_key(signer)))
        return fail(ERR_INVALID_SESSION_SIGNER);
    /* at 255 (most signers) there is no higher bump: no call */
    if (bump != SOL_MAX_BUMP && pda_higher_bump_exists(&p, bump_at, bump)) return fail(ERR_INVALID_SESSION_SIGNER);
    return 0;
}

/* The recorded signer: the account must be it. */
static inline u64 recorded_signer(const u8 *d, const u8 *signer) {
    return key_eq(S_KEY(d, SESSION_OFF_SIGNER), acc_key(signer)) ? 0 : fail(ERR_INVALID_SESSION_SIGNER);
}

/* The first execute proves the signer (sha256 + curve checks) and records it with its bump
 * in the session; later ones compare one key. Execute signs with the recorded bump. The
 * session account is the program's, so nothing but this code writes those fields; zero
 * means not recorded. */
u64 session_signer(const Context *ctx, u8 *session, u8 bump, const u8 *signer) {
    u8 *d = acc_data(session);
    if (!key_is_zero(S_KEY(d, SESSION_OFF_SIGNER))) return recorded_signer(d, signer);
    u64 err = derive_and_prove(ctx, (const u8 *)acc_key(session), bump, signer);
    if (err) return err;
    key_copy(d + SESSION_OFF_SIGNER, acc_key(signer));
    d[SESSION_OFF_SIGNER_BUMP] = bump;
    return 0;
}

/* The same check without recording (close and expire write nothing before the sweep, and
 * the session account is closed right after it). */
u64 verify_session_signer(const Context *ctx, u8 *session, u8 bump, const u8 *signer, u8 *out_bump) {
    const u8 *d = acc_data(session);
    if (!key_is_zero(S_KEY(d, SESSION_OFF_SIGNER))) {
        *out_bump = d[SESSION_OFF_SIGNER_BUMP];
        return recorded_signer(d, signer);
    }
    *out_bump = bump;
    return derive_and_prove(ctx, (const u8 *)acc_key(session), bump, signer);
}

/* Move `lamports` from the signer to `to`, signed with the signer's seeds (execute signs
 * its inner instructions with the same three). */
u64 transfer_from_signer(const u8 *session_key, u8 bump, u8 *signer, u8 *to, u64 lamports) {
    u8 bump_seed[1] = {bump};
    SolSignerSeed seeds[3] = {{(const u8 *)SIGNER_SEED, SIGNER_SEED_LEN},
                              {session_key, sizeof(SolPubkey)},
                              {bump_seed, 1}};
    SolSignerSeeds seeds_of_signer = {seeds, 3};
    return transfer_from_pda(signer, to, lamports, &seeds_of_signer);
}
