/* The Session PDA: seeds "session" + creator + session_id (u64 LE) + bump, caller-supplied
 * bump, canonical only.
 *
 * sol_create_program_address costs 1,500 CU for two facts that are cheaper to establish
 * directly. create_program_address(seeds, program_id) is
 *     sha256(seed_0 || ... || seed_n || program_id || "ProgramDerivedAddress")
 * and it refuses a digest that decompresses to a point of edwards25519 (such an address
 * could have a private key). So the program hashes the same bytes with sol_sha256 (85 CU
 * + max(10, len / 2) per slice: 135 CU with the three slices below) and asks
 * sol_curve_validate_point (159 CU) whether the digest is a curve point. Both run the
 * runtime's own code (the curve test is the same `CompressedEdwardsY::decompress`), so the
 * answer is the syscall's. Independently, the system program's CreateAccount is signed with
 * the same seeds and the runtime re-derives the signer's address from them, so a mistake
 * here could only refuse a creation, never create the account at another address.
 *
 * Canonical means what find_program_address returns: the highest bump whose digest is off
 * the curve. A bump below 255 is proven canonical by showing every higher bump's digest is
 * on the curve (309 CU per step, measured; the client prefers ids whose canonical bump is 255).
 * Nothing is written before these checks, and each failure has its own code:
 *   - the supplied bump gives no address (on-curve digest) or another address, and the
 *     account is the seeds' canonical PDA: InvalidBump (the bump byte is what is wrong);
 *   - otherwise, the same cases: InvalidSessionAddress (the account is not the PDA);
 *   - the supplied bump gives the account's address but a higher bump is off the curve:
 *     InvalidBump (a real PDA, but not the canonical one). */
#include "program.h"

/* ---- create_program_address without its 1,500 CU, for any seeds with the bump last ---- */

bool pda_higher_bump_exists(const PdaPreimage *p, u8 *bump_at, u8 bump) {
    for (u64 higher = (u64)bump + 1; higher <= SOL_MAX_BUMP; higher++) {
        SolPubkey other;
        if (pda_with_bump(p, bump_at, (u8)higher, &other)) return true;
    }
    return false;
}

/* ---- the Session PDA ---- */

/* "session" | creator | session_id LE | bump, contiguous: the seeds hash as one slice. */
#define SEEDS_OFF_CREATOR SESSION_SEED_LEN
#define SEEDS_OFF_SESSION_ID (SEEDS_OFF_CREATOR + sizeof(SolPubkey))
#define SEEDS_OFF_BUMP (SEEDS_OFF_SESSION_ID + sizeof(u64))
#define SEEDS_LEN (SEEDS_OFF_BUMP + 1)

typedef struct {
    u64 seeds[(SEEDS_LEN + 7) / 8];
    PdaPreimage pda;
} Preimage;

/* Lay out the hashed bytes once; only the bump byte changes between attempts. The stores
 * at SEEDS_OFF_CREATOR (7) and after are unaligned, which the SBF VM permits. */
static void preimage_init(Preimage *p, const Context *ctx, const u8 *creator, const u8 *id_le) {
    u8 *s = (u8 *)p->seeds;
    __builtin_memcpy(s, SESSION_SEED, SESSION_SEED_LEN);
    for (u64 at = 0; at < sizeof(SolPubkey); at += sizeof(u64))
        store_u64(s + SEEDS_OFF_CREATOR + at, load_u64(creator + at));
    store_u64(s + SEEDS_OFF_SESSION_ID, load_u64(id_le));
    pda_preimage(&p->pda, s, SEEDS_LEN, ctx->program_id);
}

/* The supplied bump did not yield the account's address: InvalidBump when the account is
 * the canonical PDA (find_program_address: the first bump from 255 down that is off the
 * curve), InvalidSessionAddress when it is not (or no bump yields an address at all). */
static u64 classify_mismatch(Preimage *p, const u8 *session) {
    for (u64 bump = SOL_MAX_BUMP + 1; bump-- > 0;) {
        SolPubkey canonical;
        if (pda_with_bump(&p->pda, (u8 *)p->seeds + SEEDS_OFF_BUMP, (u8)bump, &canonical))
            return fail(key_eq(&canonical, acc_key(session)) ? ERR_INVALID_BUMP
                                                             : ERR_INVALID_SESSION_ADDRESS);
    }
    return fail(ERR_INVALID_SESSION_ADDRESS);
}

u64 verify_session_address(const Context *ctx, const u8 *creator, const u8 *id_le, u8 bump,
                           const u8 *session) {
    Preimage p;
    preimage_init(&p, ctx, creator, id_le);
    /* 1. the supplied bump yields an address (off the curve) and it is the session account */
    SolPubkey derived;
    u8 *bump_at = (u8 *)p.seeds + SEEDS_OFF_BUMP;
    if (!pda_with_bump(&p.pda, bump_at, bump, &derived) || !key_eq(&derived, acc_key(session)))
        return classify_mismatch(&p, session);
    /* 2. it is canonical: no higher bump yields an address (each digest is on the curve) */
    if (pda_higher_bump_exists(&p.pda, bump_at, bump)) return fail(ERR_INVALID_BUMP);
    return 0;
}
