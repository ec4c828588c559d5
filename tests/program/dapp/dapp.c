/* A minimal "dapp" for the CPI tests: it forwards its instruction to the sessions program.
 *
 * Accounts: [0] the sessions program (the callee must be among the caller's accounts),
 * [1..n) forwarded in order with the flags they arrived with. Instruction data is forwarded
 * unchanged, so the test decides exactly what the sessions program sees (for example
 * create_session with or without the instructions sysvar as its 4th account).
 * A failing CPI aborts the transaction with the callee's error, which the test asserts. */
#include "sol.h"

#define DAPP_MAX_ACCOUNTS 8
#define DAPP_ERR_ACCOUNTS 1

u64 entrypoint(u8 *input) {
    u64 n = load_u64(input);
    if (n < 1 || n > DAPP_MAX_ACCOUNTS) return DAPP_ERR_ACCOUNTS;
    u8 *records[DAPP_MAX_ACCOUNTS];
    u8 *p = input + 8;
    for (u64 i = 0; i < n; i++) {
        if (*p == INPUT_DUP_NONE) {
            records[i] = p;
            u64 data_len = load_u64(p + INPUT_OFF_DATA_LEN);
            p += INPUT_OFF_DATA + data_len + MAX_PERMITTED_DATA_INCREASE;
            p = (u8 *)(((u64)p + 7) & ~7ULL);
            p += 8; /* rent_epoch */
        } else {
            records[i] = records[*p];
            p += INPUT_DUP_RECORD_SIZE;
        }
    }
    u64 data_len = load_u64(p);
    u8 *data = p + 8;

    SolAccountInfo infos[DAPP_MAX_ACCOUNTS];
    SolAccountMeta metas[DAPP_MAX_ACCOUNTS];
    for (u64 i = 0; i < n; i++) {
        u8 *a = records[i];
        infos[i].key = (SolPubkey *)(a + INPUT_OFF_KEY);
        infos[i].lamports = (u64 *)(a + INPUT_OFF_LAMPORTS);
        infos[i].data_len = load_u64(a + INPUT_OFF_DATA_LEN);
        infos[i].data = a + INPUT_OFF_DATA;
        infos[i].owner = (SolPubkey *)(a + INPUT_OFF_OWNER);
        infos[i].rent_epoch = 0;
        infos[i].is_signer = a[INPUT_OFF_IS_SIGNER] != 0;
        infos[i].is_writable = a[INPUT_OFF_IS_WRITABLE] != 0;
        infos[i].executable = a[INPUT_OFF_EXECUTABLE] != 0;
        if (i > 0) {
            metas[i - 1].pubkey = infos[i].key;
            metas[i - 1].is_signer = infos[i].is_signer;
            metas[i - 1].is_writable = infos[i].is_writable;
        }
    }
    SolInstruction ix = {infos[0].key, metas, n - 1, data, data_len};
    return sol_invoke_signed_c(&ix, infos, n, NULL, 0);
}
