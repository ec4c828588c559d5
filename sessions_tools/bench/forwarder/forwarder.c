/* The CPI calibration program of the execute bench (sessions_tools/bench/cpi_base.py): the
 * least a program can do to make one signed CPI of the shape execute's SOL transfer makes,
 * so that what a CPI itself costs can be measured instead of assumed.
 *
 * Accounts: [0] the system program, [1] this program's PDA ["x", bump] (writable; the
 * payer), [2] the destination (writable). Data: u8 bump, u64 lamports. It builds the two
 * account infos and metas and the system program's Transfer data, then invoke_signed with
 * the PDA's seeds: the same CPI (two accounts, twelve bytes of data, one signer PDA) as an
 * execute of one system transfer.
 *
 * Built with -DFORWARDER_NO_INVOKE it does everything but the invoke (a compiler barrier
 * keeps the work the invoke would read) and returns 0: the difference of the two builds'
 * CU, minus the callee's own CU, is the runtime's charge for the CPI. */
#include "sol.h"

#define FORWARDER_ACCOUNTS 3
#define FORWARDER_INFOS 2
#define FORWARDER_DATA_SIZE (1 + sizeof(u64))
#define FORWARDER_ERR_INPUT 1
#define SYSTEM_TRANSFER_TAG 2
#define SYSTEM_TRANSFER_SIZE (sizeof(u32) + sizeof(u64))
#define SEED "x"

static u8 *next_record(u8 *p) {
    p += INPUT_OFF_DATA + load_u64(p + INPUT_OFF_DATA_LEN) + MAX_PERMITTED_DATA_INCREASE;
    return (u8 *)((((u64)p + 7) & ~7ULL) + sizeof(u64)); /* aligned, then rent_epoch */
}

static void info_of(u8 *a, SolAccountInfo *info) {
    info->key = (SolPubkey *)(a + INPUT_OFF_KEY);
    info->lamports = (u64 *)(a + INPUT_OFF_LAMPORTS);
    info->data_len = load_u64(a + INPUT_OFF_DATA_LEN);
    info->data = a + INPUT_OFF_DATA;
    info->owner = (SolPubkey *)(a + INPUT_OFF_OWNER);
    info->rent_epoch = 0;
    info->is_signer = a[INPUT_OFF_IS_SIGNER];
    info->is_writable = a[INPUT_OFF_IS_WRITABLE];
    info->executable = a[INPUT_OFF_EXECUTABLE];
}

u64 entrypoint(u8 *input) {
    if (load_u64(input) != FORWARDER_ACCOUNTS) return FORWARDER_ERR_INPUT;
    u8 *records[FORWARDER_ACCOUNTS];
    u8 *p = input + sizeof(u64);
    for (u64 i = 0; i < FORWARDER_ACCOUNTS; i++) {
        if (*p != INPUT_DUP_NONE) return FORWARDER_ERR_INPUT; /* three distinct accounts */
        records[i] = p;
        p = next_record(p);
    }
    if (load_u64(p) != FORWARDER_DATA_SIZE) return FORWARDER_ERR_INPUT;
    const u8 *data = p + sizeof(u64);

    SolAccountInfo infos[FORWARDER_INFOS];
    SolAccountMeta metas[FORWARDER_INFOS];
    for (u64 i = 0; i < FORWARDER_INFOS; i++) {
        info_of(records[i + 1], &infos[i]);
        metas[i].pubkey = infos[i].key;
        metas[i].is_writable = 1;
        metas[i].is_signer = i == 0; /* the PDA pays */
    }
    u8 transfer[SYSTEM_TRANSFER_SIZE];
    store_u32(transfer, SYSTEM_TRANSFER_TAG);
    sol_memcpy_(transfer + sizeof(u32), data + 1, sizeof(u64));
    u8 bump[1] = {data[0]};
    SolSignerSeed seeds[2] = {{(const u8 *)SEED, sizeof(SEED) - 1}, {bump, 1}};
    SolSignerSeeds signer = {seeds, 2};
    SolInstruction ix = {(SolPubkey *)(records[0] + INPUT_OFF_KEY), metas, FORWARDER_INFOS,
                         transfer, SYSTEM_TRANSFER_SIZE};
#ifdef FORWARDER_NO_INVOKE
    /* what the invoke would read stays written: the compiler may not drop the work */
    __asm__ volatile("" : : "r"(&ix), "r"(infos), "r"(&signer) : "memory");
    return 0;
#else
    return sol_invoke_signed_c(&ix, infos, FORWARDER_INFOS, &signer, 1);
#endif
}
