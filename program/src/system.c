/* The system program, by CPI: create the session account signed by its PDA seeds, including
 * an address someone pre-funded to block creation (transfer the shortfall, allocate, assign
 * instead of CreateAccount), and transfer what the session signer holds (signed by the
 * signer's seeds) when the session closes. Closing the session account itself needs no CPI:
 * the program owns it. */
#include "program.h"

/* SystemInstruction variants (bincode u32 tags) */
#define SYSTEM_CREATE_ACCOUNT 0
#define SYSTEM_ASSIGN 1
#define SYSTEM_TRANSFER 2
#define SYSTEM_ALLOCATE 8

/* bincode layout: the u32 tag, then the fields in order, unpadded.
 * CreateAccount { lamports u64, space u64, owner }; Transfer { lamports u64 };
 * Allocate { space u64 }; Assign { owner }. */
#define SYSTEM_IX_OFF_FIRST 4
#define SYSTEM_IX_OFF_SPACE (SYSTEM_IX_OFF_FIRST + sizeof(u64))
#define SYSTEM_IX_OFF_OWNER (SYSTEM_IX_OFF_SPACE + sizeof(u64))
#define SYSTEM_CREATE_ACCOUNT_SIZE (SYSTEM_IX_OFF_OWNER + sizeof(SolPubkey))
#define SYSTEM_U64_ARG_SIZE (SYSTEM_IX_OFF_FIRST + sizeof(u64)) /* Transfer, Allocate */
#define SYSTEM_ASSIGN_SIZE (SYSTEM_IX_OFF_FIRST + sizeof(SolPubkey))
#define SYSTEM_IX_WORDS ((SYSTEM_CREATE_ACCOUNT_SIZE + 7) / 8)

static const SolPubkey SYSTEM_PROGRAM_ID = {{0}};

/* bincode puts the u64s at unaligned offsets; the SBF VM permits unaligned stores, so one
 * store each (the buffer itself is 8-aligned). */
static void put_u32(u8 *p, u32 v) { *(u32 *)p = v; }
static void put_u64(u8 *p, u64 v) { *(u64 *)p = v; }

/* One system instruction: its bincode data and which of its accounts sign. */
typedef struct {
    u8 *data;
    u64 len;
    u64 signing; /* bit i: account i signs (by its own signature, or by the seeds) */
} SystemIx;

#define ALL_SIGN 3u  /* both accounts (CreateAccount; the payer's Transfer; one-account ones) */
#define FIRST_SIGNS 1u /* the sender only: a Transfer from a PDA to an account that need not sign */

/* The system instruction over `n` (1 or 2) accounts, each writable; the signing ones sign by
 * their own signature (the payer) or by the PDA seeds in `signer`. */
static u64 invoke_system(const SystemIx *call, u8 *const *accounts, u64 n,
                         const SolSignerSeeds *signer) {
    SolAccountInfo infos[2];
    SolAccountMeta metas[2];
    for (u64 i = 0; i < n; i++) {
        account_info(accounts[i], &infos[i]);
        metas[i].pubkey = infos[i].key;
        metas[i].is_writable = true;
        metas[i].is_signer = (call->signing >> i) & 1;
    }
    SolInstruction ix = {(SolPubkey *)&SYSTEM_PROGRAM_ID, metas, n, call->data, call->len};
    return sol_invoke_signed_c(&ix, infos, n, signer, 1);
}

/* The system program debits the payer inside the CPI, and a payer it cannot debit aborts
 * the whole instruction with an error of the runtime's, not ours. Each case is refused here
 * first (only a payer that pays: a fully pre-funded address debits nobody):
 *   owned by another program: the runtime's ExternalAccountLamportSpend -> InvalidPayerOwner
 *   holding data: Transfer's InvalidArgument ("`from` must not carry data") -> PayerHoldsData
 *   fewer lamports than the shortfall: the system program's InsufficientFunds -> CreationFailed
 *   left rent-paying: the runtime's InsufficientFundsForRent -> PayerBelowRentExemption
 * The last is agave's rent-state transition rule: an account may end holding 0 lamports or at
 * least its rent-exempt minimum; in between ("rent-paying") only if it was rent-paying before
 * and has not grown (and kept its size). The runtime compares with the account at the start
 * of the transaction; the program sees it at the start of this instruction, which is the same
 * in a one-instruction transaction (fees are taken before both). */
static u64 check_payer(u8 *payer, u64 shortfall, u64 per_byte) {
    if (!key_is_zero(acc_owner(payer))) return fail(ERR_INVALID_PAYER_OWNER);
    if (acc_data_len(payer) != 0) return fail(ERR_PAYER_HOLDS_DATA);
    u64 balance = *acc_lamports(payer);
    if (balance < shortfall) return fail(ERR_CREATION_FAILED);
    u64 minimum = rent_exempt_minimum(per_byte, 0); /* its data length, 0 (checked above) */
    u64 left = balance - shortfall;
    bool rent_paying_after = left != 0 && left < minimum;
    bool rent_paying_before = balance < minimum; /* balance >= shortfall > 0 */
    if (rent_paying_after && !rent_paying_before) return fail(ERR_PAYER_BELOW_RENT_EXEMPTION);
    return 0;
}

u64 create_pda_account(const Context *ctx, u8 *payer, u8 *pda, u64 space,
                       const SolSignerSeeds *signer) {
    u64 per_byte;
    u64 err = rent_exemption_rate(&per_byte);
    if (err) return err;
    u64 rent = rent_exempt_minimum(per_byte, space);
    u64 funded = *acc_lamports(pda);
    /* Top the address up to the rent; a pre-funded address may need less, or nothing. */
    u64 shortfall = funded < rent ? rent - funded : 0;
    if (shortfall) {
        err = check_payer(payer, shortfall, per_byte);
        if (err) return err;
    }
    u64 words[SYSTEM_IX_WORDS];
    u8 *data = (u8 *)words;
    u8 *payer_and_pda[2] = {payer, pda};
    SystemIx call = {data, SYSTEM_CREATE_ACCOUNT_SIZE, ALL_SIGN};
    if (funded == 0) {
        put_u32(data, SYSTEM_CREATE_ACCOUNT);
        put_u64(data + SYSTEM_IX_OFF_FIRST, rent);
        put_u64(data + SYSTEM_IX_OFF_SPACE, space);
        key_copy(data + SYSTEM_IX_OFF_OWNER, ctx->program_id);
        err = invoke_system(&call, payer_and_pda, 2, signer);
    } else {
        call.len = SYSTEM_U64_ARG_SIZE;
        if (shortfall) {
            put_u32(data, SYSTEM_TRANSFER);
            put_u64(data + SYSTEM_IX_OFF_FIRST, shortfall);
            err = invoke_system(&call, payer_and_pda, 2, signer);
            if (err) return fail(ERR_CREATION_FAILED);
        }
        put_u32(data, SYSTEM_ALLOCATE);
        put_u64(data + SYSTEM_IX_OFF_FIRST, space);
        err = invoke_system(&call, &pda, 1, signer);
        if (err) return fail(ERR_CREATION_FAILED);
        put_u32(data, SYSTEM_ASSIGN);
        key_copy(data + SYSTEM_IX_OFF_FIRST, ctx->program_id);
        call.len = SYSTEM_ASSIGN_SIZE;
        err = invoke_system(&call, &pda, 1, signer);
    }
    if (err) return fail(ERR_CREATION_FAILED);
    /* The runtime updated the serialized length; it must be exactly what we asked for. */
    if (acc_data_len(pda) != space) return fail(ERR_CREATION_FAILED);
    return 0;
}

/* Transfer `lamports` from a PDA of this program (`from`, signed by `signer`, the PDA's
 * seeds) to `to`, which need not sign. The runtime aborts the instruction if the system
 * program refuses, so the caller checks first what it would refuse. */
u64 transfer_from_pda(u8 *from, u8 *to, u64 lamports, const SolSignerSeeds *signer) {
    u64 words[SYSTEM_IX_WORDS];
    u8 *data = (u8 *)words;
    put_u32(data, SYSTEM_TRANSFER);
    put_u64(data + SYSTEM_IX_OFF_FIRST, lamports);
    SystemIx call = {data, SYSTEM_U64_ARG_SIZE, FIRST_SIGNS};
    u8 *from_and_to[2] = {from, to};
    return invoke_system(&call, from_and_to, 2, signer);
}

/* Move every lamport to the receiver, shrink to zero and give the account back to the system
 * program: whatever lands at this address later starts empty. Shrinking is the wipe: the
 * runtime keeps only the new length's bytes (it applies the length before the owner, whose
 * change it allows only over zeroed data, and the empty data is), so no memset is needed;
 * the discriminator is cleared all the same, so the bytes this instruction still sees are no
 * session either. */
void close_account(u8 *account, u8 *receiver) {
    *acc_lamports(receiver) += *acc_lamports(account);
    *acc_lamports(account) = 0;
    store_u64(acc_data(account), 0);
    store_u64(account + INPUT_OFF_DATA_LEN, 0);
    u64 *owner = (u64 *)acc_owner(account);
    owner[0] = owner[1] = owner[2] = owner[3] = 0;
}
