/* Shared declarations of the sessions program: the parsed input, and each concern's API. */
#pragma once
#include "sol.h"
#include "sessions_layout.h"

/* The accounts the program keeps per instruction (execute's inner instructions use the
 * most); an instruction with more fails with TooManyAccounts where it needs them. */
#define MAX_ACCOUNTS MAX_INSTRUCTION_ACCOUNTS

typedef struct {
    u64 n_accounts;
    u8 *accounts[MAX_ACCOUNTS]; /* serialized account records, duplicates resolved */
    const u8 *data;
    u64 data_len;
    const SolPubkey *program_id;
} Context;

/* ---- entrypoint.c: parse the loader's input ---- */
void parse_input(u8 *input, Context *ctx);

/* ---- errors.c: log the error's name and message, return its code ---- */
u64 fail(u64 code);

/* ---- accounts.c: views of serialized accounts and every relation check ---- */
static inline const SolPubkey *acc_key(const u8 *a) { return (const SolPubkey *)(a + INPUT_OFF_KEY); }
static inline SolPubkey *acc_owner(u8 *a) { return (SolPubkey *)(a + INPUT_OFF_OWNER); }
static inline u64 *acc_lamports(u8 *a) { return (u64 *)(a + INPUT_OFF_LAMPORTS); }
static inline u64 acc_data_len(const u8 *a) { return load_u64(a + INPUT_OFF_DATA_LEN); }
static inline u8 *acc_data(u8 *a) { return a + INPUT_OFF_DATA; }
static inline bool acc_is_signer(const u8 *a) { return a[INPUT_OFF_IS_SIGNER] != 0; }
static inline bool acc_is_writable(const u8 *a) { return a[INPUT_OFF_IS_WRITABLE] != 0; }

u64 require_signer(const u8 *account);
/* The C-ABI view of a serialized account that sol_invoke_signed_c takes (inline: it runs
 * per account of every CPI). The input's is_signer, is_writable and executable bytes are
 * contiguous, as are the info's: one word load and store copies the three (and a padding
 * byte of the info). */
_Static_assert(INPUT_OFF_IS_WRITABLE == INPUT_OFF_IS_SIGNER + 1 &&
                   INPUT_OFF_EXECUTABLE == INPUT_OFF_IS_SIGNER + 2,
               "input flags are contiguous");
_Static_assert(__builtin_offsetof(SolAccountInfo, is_writable) ==
                       __builtin_offsetof(SolAccountInfo, is_signer) + 1 &&
                   __builtin_offsetof(SolAccountInfo, executable) ==
                       __builtin_offsetof(SolAccountInfo, is_signer) + 2 &&
                   sizeof(SolAccountInfo) >= __builtin_offsetof(SolAccountInfo, is_signer) + 4,
               "info flags are contiguous, with a padding byte after them");
static inline void account_info(u8 *a, SolAccountInfo *info) {
    info->key = (SolPubkey *)acc_key(a);
    info->lamports = acc_lamports(a);
    info->data_len = acc_data_len(a);
    info->data = acc_data(a);
    info->owner = acc_owner(a);
    info->rent_epoch = 0;
    store_u32(&info->is_signer, load_u32(a) >> (8 * INPUT_OFF_IS_SIGNER));
}

u64 require_writable(const u8 *account);
/* Owner, size, discriminator, version, writable; *out = account data. Handlers that need
 * one specific status check it themselves; those accepting several call stored_status_valid. */
u64 load_session(const Context *ctx, u8 *account, u8 **out);
/* The same checks but writable (validate_session reads a session passed read-only). */
u64 load_session_readonly(const Context *ctx, u8 *account, const u8 **out);
/* inline, as the other per-instruction checks: close and expire run both */
static inline bool stored_status_valid(u8 status) {
    return status == SESSION_STATUS_REQUESTED || status == SESSION_STATUS_CREATED ||
           status == SESSION_STATUS_ACTIVE || status == SESSION_STATUS_PAUSED ||
           status == SESSION_STATUS_EXPIRED;
}
/* always inline: the compiler otherwise keeps one outlined copy, a call in close and expire */
SOL_ALWAYS_INLINE u64 require_system_program(const u8 *account) {
    return key_is_zero(acc_key(account)) ? 0 : fail(ERR_INVALID_SYSTEM_PROGRAM);
}
u64 require_fresh_session_account(const Context *ctx, u8 *account);

/* ---- sysvars.c ---- */
u64 clock_now(i64 *now);
/* From the Clock sysvar account (MissingClockSysvar when it is another account). */
u64 clock_from_account(const u8 *account, i64 *now);
/* Lamports per stored byte (metadata included) that make an account rent-exempt. */
u64 rent_exemption_rate(u64 *per_byte);
static inline u64 rent_exempt_minimum(u64 per_byte, u64 data_len) {
    return (SOL_ACCOUNT_STORAGE_OVERHEAD + data_len) * per_byte;
}

/* ---- pda.c: the Session PDA with a caller-supplied bump, canonical only ---- */
u64 verify_session_address(const Context *ctx, const u8 *creator, const u8 *session_id_le,
                           u8 bump, const u8 *session);

/* ---- system.c: CPIs to the system program, signed by the session PDA ---- */
u64 create_pda_account(const Context *ctx, u8 *payer, u8 *pda, u64 space,
                       const SolSignerSeeds *signer);
/* A system Transfer from a PDA of this program, signed by its seeds. */
u64 transfer_from_pda(u8 *from, u8 *to, u64 lamports, const SolSignerSeeds *signer);
void close_account(u8 *account, u8 *receiver);

/* ---- events.c: one emitter per event ---- */
void emit_session_requested(const u8 *session_key, const u8 *d);
void emit_session_created(const u8 *session_key, const u8 *d);
void emit_session_activated(const u8 *session_key, const u8 *d);
void emit_session_paused(const u8 *session_key, const u8 *d, i64 now);
void emit_session_resumed(const u8 *session_key, const u8 *d, i64 now);
void emit_session_expired(const u8 *session_key, const u8 *d, i64 now, u8 previous_status);
/* The session account as it is closed (key, owner, lamports) at `now`, the closing time. */
void emit_session_closed(u8 *session, const u8 *receiver, u64 swept, u8 reason, i64 now);

/* ---- pda.c: create_program_address checked as sha256 + sol_curve_validate_point, for seeds
 * laid out contiguously with the bump as their last byte ---- */
#define PDA_PREIMAGE_SLICES 3
/* What is hashed: the seeds (the bump their last byte, `bump_at` below), the program id, the
 * PDA marker. The bump byte's address is kept apart from the slices: sol_sha256 reads the
 * struct, so anything stored in it must be stored before every hash. */
typedef struct {
    SolBytes slices[PDA_PREIMAGE_SLICES];
} PdaPreimage;
/* inline: creation's CU budget counts every instruction of these two */
static inline void pda_preimage(PdaPreimage *p, const u8 *seeds, u64 seeds_len, const SolPubkey *program_id) {
    p->slices[0].addr = seeds;
    p->slices[0].len = seeds_len;
    p->slices[1].addr = program_id->x;
    p->slices[1].len = sizeof(SolPubkey);
    p->slices[2].addr = (const u8 *)SOL_PDA_MARKER;
    p->slices[2].len = SOL_PDA_MARKER_LEN;
}

/* true with *out the address when this bump's digest is off the curve (an address exists);
 * `bump_at`: the seeds' last byte, where the bump is written */
static inline bool pda_with_bump(const PdaPreimage *p, u8 *bump_at, u8 bump, SolPubkey *out) {
    *bump_at = bump;
    /* returns 0; its only failures (bad slices, too many) abort the program instead */
    sol_sha256(p->slices, PDA_PREIMAGE_SLICES, out->x);
    u8 unused;
    return sol_curve_validate_point(SOL_CURVE25519_EDWARDS, out->x, &unused) != 0;
}
/* A bump above `bump` yields an address: `bump` is not the canonical one. */
bool pda_higher_bump_exists(const PdaPreimage *p, u8 *bump_at, u8 bump);

/* ---- signer.c: the session signer PDA ["signer", session] with a caller-supplied bump ---- */
/* The signer of a loaded session: the recorded one, or proven now and recorded with its bump
 * (the caller writes the session anyway: execute only, which signs with the recorded bump). */
u64 session_signer(const Context *ctx, u8 *session, u8 bump, const u8 *signer);
/* The same check, recording nothing (close, expire): *out_bump is the bump to sign with. */
u64 verify_session_signer(const Context *ctx, u8 *session, u8 bump, const u8 *signer, u8 *out_bump);
/* A system Transfer from the session's signer, signed with its seeds (the sweep). */
u64 transfer_from_signer(const u8 *session_key, u8 bump, u8 *signer, u8 *to, u64 lamports);

/* ---- instructions_sysvar.c: what the instructions sysvar says about this transaction ---- */
/* The account is the instructions sysvar (MissingInstructionsSysvar). */
u64 require_instructions_sysvar(const u8 *account);
/* The program id of the running top-level instruction (the sysvar at `sysvar_index`,
 * checked here). */
u64 top_level_program(const Context *ctx, u64 sysvar_index, SolPubkey *out);
/* Top level (the sysvar's current instruction is this program's: NotTopLevel), and the
 * transaction's requested compute-unit limit, in one pass. `sysvar` must already be checked
 * to be the instructions sysvar. */
u64 read_transaction(const Context *ctx, const u8 *sysvar, u64 *compute_units);

/* ---- events.c (execute and the updates) ---- */
/* SessionExecuted's figures, passed as one array (at most 5 arguments per call). */
enum {
    EXECUTED_LAMPORTS,
    EXECUTED_COMPUTE_UNITS,
    EXECUTED_USAGE_COUNT,
    EXECUTED_AT,
    EXECUTED_INSTRUCTION_COUNT,
    EXECUTED_FIGURES
};
void emit_session_executed(const u8 *session_key, const u8 *d, const u8 *caller,
                           const u8 *program, const u64 *figures);
/* Who changed a session's limits, when, and whether under the narrowing rule. */
typedef struct {
    const u8 *session_key;
    const u8 *d;
    const u8 *authority;
    i64 now;
    bool narrowed;
} UpdateEvent;
void emit_guard_updated(const UpdateEvent *u);
void emit_permissions_updated(const UpdateEvent *u, u32 previous);
void emit_quotas_updated(const UpdateEvent *u);

/* ---- instruction handlers (one per instruction, each in its concern's file) and the
 * entrypoint's dispatch table, both generated from the instruction specs ---- */
/* Creation's rules for what a session may be given, shared by create/request (create.c's
 * validate_params) and the updates (update.c): known permission bits only, COMPOSE needs
 * EXECUTE; no more borrow slots than exist, and the quotas' reserved bytes zero. */
static inline bool permissions_valid(u32 p) {
    return (p & ~ALL_PERMISSIONS) == 0 && (!(p & PERMISSION_COMPOSE) || (p & PERMISSION_EXECUTE));
}
static inline bool quotas_valid(const u8 *quotas) {
    return load_u16(quotas + RESOURCE_QUOTAS_OFF_MAX_BORROWED_ACCOUNTS) <= BORROW_CAPACITY &&
           load_u32(quotas + RESOURCE_QUOTAS_OFF_RESERVED) == 0;
}

#include "sessions_dispatch.h"

/* Hot-path checks are inline: every instruction runs them, and a call costs CU. */
/* Instruction data must have exactly the declared size; at least the declared accounts.
 * The entrypoint runs it for every instruction, from the dispatch table. */
static inline u64 check_instruction(const Context *ctx, u64 data_size, bool exact, u64 n_accounts) {
    if (exact ? ctx->data_len != data_size : ctx->data_len < data_size)
        return fail(ERR_INVALID_INSTRUCTION_DATA);
    if (ctx->n_accounts < n_accounts) return fail(ERR_NOT_ENOUGH_ACCOUNTS);
    return 0;
}

/* The signer must sign and be the key stored at key_offset of the session (owner, creator). */
static inline u64 require_session_authority(const u8 *signer, const u8 *session, u64 key_offset) {
    if (!acc_is_signer(signer)) return fail(ERR_MISSING_SIGNER);
    if (!key_eq(acc_key(signer), (const SolPubkey *)(session + key_offset))) return fail(ERR_UNAUTHORIZED);
    return 0;
}

/* ---- field access into Session account data (offsets from sessions_layout.h) ---- */
#define S_U8(d, OFF) ((d)[OFF])
#define S_I64(d, OFF) load_i64((d) + (OFF))
#define S_U64(d, OFF) load_u64((d) + (OFF))
#define S_U32(d, OFF) load_u32((d) + (OFF))
#define S_KEY(d, OFF) ((const SolPubkey *)((d) + (OFF)))

/* The rent receiver of a close: the session's creator, writable (close and expire). */
static inline u64 require_rent_receiver(const u8 *receiver, const u8 *session) {
    if (!key_eq(acc_key(receiver), S_KEY(session, SESSION_OFF_CREATOR)))
        return fail(ERR_INVALID_RENT_RECEIVER);
    return acc_is_writable(receiver) ? 0 : fail(ERR_ACCOUNT_NOT_WRITABLE);
}
