/* execute's inner instructions: decoded from its data into views of the serialized input
 * (nothing copied) and checked in the same pass (indices, flags, privileges, the targets),
 * then invoked signed by the session signer, each account's snapshot taken as its account
 * info is built. */
#include "execute.h"

/* One inner instruction's accounts: in range, flags 0/1, no privilege escalation (the session
 * signer is the one non-signer an inner instruction may sign with), and the session account
 * never writable. Duplicates of an account share its record (parse_input), so comparing
 * records finds the session at any index it is passed at. Both records are read from the
 * accounts array the indices point into (no pointers of their own to keep in registers:
 * measured 6 CU less than passing them in a struct). */
static u64 check_metas(const Context *ctx, const u8 *m, const u8 *end) {
    u64 n = ctx->n_accounts;
    u8 *const *accounts = ctx->accounts;
    for (; m < end; m += INNER_META_SIZE) {
        u64 index = m[INNER_META_INDEX];
        u8 w = m[INNER_META_WRITABLE], s = m[INNER_META_SIGNER];
        if (UNLIKELY(index >= n)) return fail(ERR_INVALID_ACCOUNT_INDEX);
        if (UNLIKELY((w | s) > 1)) return fail(ERR_INVALID_INSTRUCTION_DATA);
        const u8 *a = accounts[index];
        if (UNLIKELY(w > a[INPUT_OFF_IS_WRITABLE])) return fail(ERR_ACCOUNT_NOT_WRITABLE);
        if (UNLIKELY(s > a[INPUT_OFF_IS_SIGNER] && a != accounts[IX_EXECUTE_ACC_SESSION_SIGNER]))
            return fail(ERR_MISSING_SIGNER);
        if (UNLIKELY(w && a == accounts[IX_EXECUTE_ACC_SESSION])) return fail(ERR_SESSION_ACCOUNT_WRITABLE_IN_CPI);
    }
    return 0;
}

u64 parse_inner(const Context *ctx, InnerList *out) {
    const u8 *data = ctx->data;
    const u8 *end = data + ctx->data_len;
    u64 count = data[IX_EXECUTE_ARG_INSTRUCTION_COUNT];
    if (UNLIKELY(count < 1 || count > MAX_INNER_INSTRUCTIONS)) return fail(ERR_INVALID_INSTRUCTION_DATA);
    /* stored first (a refusal below fails the transaction anyway): nothing stays live for
     * after the loop */
    out->count = count;
    const u8 *at = data + IX_EXECUTE_DATA_SIZE;
    for (InnerIx *ix = out->ix; ix < out->ix + count; ix++) {
        /* bounds as lengths left, never as pointers past the end */
        if (UNLIKELY((u64)(end - at) < INNER_HEADER_SIZE)) return fail(ERR_INVALID_INSTRUCTION_DATA);
        u64 program_index = at[0], accounts = at[1];
        if (UNLIKELY(program_index >= ctx->n_accounts)) return fail(ERR_INVALID_ACCOUNT_INDEX);
        if (UNLIKELY(accounts > MAX_INNER_ACCOUNTS)) return fail(ERR_TOO_MANY_ACCOUNTS);
        ix->program = ctx->accounts[program_index];
        if (UNLIKELY(key_eq(acc_key(ix->program), ctx->program_id))) return fail(ERR_CPI_NOT_ALLOWED);
        at += INNER_HEADER_SIZE;
        u64 metas_len = accounts * INNER_META_SIZE;
        if (UNLIKELY((u64)(end - at) < metas_len + INNER_DATA_LEN_SIZE)) return fail(ERR_INVALID_INSTRUCTION_DATA);
        ix->account_count = accounts;
        ix->metas = at;
        u64 err = check_metas(ctx, at, at + metas_len);
        if (err) return err;
        at += metas_len;
        ix->data_len = load_u16(at);
        at += INNER_DATA_LEN_SIZE;
        if (UNLIKELY((u64)(end - at) < ix->data_len)) return fail(ERR_INVALID_INSTRUCTION_DATA);
        ix->data = at;
        at += ix->data_len;
    }
    if (UNLIKELY(at != end)) return fail(ERR_INVALID_INSTRUCTION_DATA);
    return 0;
}

/* An inner meta's writable and signer bytes are contiguous, as are SolAccountMeta's. */
_Static_assert(INNER_META_SIGNER == INNER_META_WRITABLE + 1, "meta flags are contiguous");
_Static_assert(__builtin_offsetof(SolAccountMeta, is_signer) ==
                   __builtin_offsetof(SolAccountMeta, is_writable) + 1,
               "SolAccountMeta flags are contiguous");

u64 invoke_inner(const Context *ctx, const InnerIx *ix, const SolSignerSeeds *signer, Snapshot *snapshot) {
    SolAccountInfo infos[MAX_INNER_ACCOUNTS];
    SolAccountMeta metas[MAX_INNER_ACCOUNTS];
    u64 n = ix->account_count;
    /* the callee's own account need not be among the infos: the runtime finds the program in
     * the transaction's accounts. Built before the loop, so that only the signer seeds and the
     * count stay live across it (measured 3 CU less than after it). */
    SolInstruction instruction = {(SolPubkey *)acc_key(ix->program), metas, n, (u8 *)ix->data,
                                  ix->data_len};
    const u8 *m = ix->metas;
    u8 *const *accounts = ctx->accounts;
    for (u64 i = 0; i < n; i++, m += INNER_META_SIZE) {
        u8 *a = accounts[m[INNER_META_INDEX]];
        account_info(a, &infos[i]);
        metas[i].pubkey = infos[i].key;
        store_u16(&metas[i].is_writable, load_u16(m + INNER_META_WRITABLE));
        /* token accounts are 165 bytes or more: wallets and the signer read no more */
        if (m[INNER_META_WRITABLE] && infos[i].data_len >= TOKEN_ACCOUNT_SIZE) {
            u64 err = snapshot_token_account(snapshot, a);
            if (err) return err;
        }
    }
    return sol_invoke_signed_c(&instruction, infos, n, signer, 1);
}
