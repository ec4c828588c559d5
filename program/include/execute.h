/* execute's internals, shared by its concerns: inner.c (the inner instructions: decoding,
 * the pre-CPI checks, invoke_signed), effects.c (snapshots before each CPI and the checks and
 * spend measured after it), execute.c (the handler: order of checks, quotas, usage, event). */
#pragma once
#include "program.h"
#include "guard.h"

/* One inner instruction as encoded in execute's data (see sessions_client/execute.py):
 * program index u8, account count u8, count * (index u8, is_writable u8, is_signer u8),
 * data length u16 LE, data. Indices point into execute's own accounts. */
#define INNER_META_SIZE 3
#define INNER_META_INDEX 0
#define INNER_META_WRITABLE 1
#define INNER_META_SIGNER 2
#define INNER_HEADER_SIZE 2
#define INNER_DATA_LEN_SIZE 2

typedef struct {
    u8 *program;       /* the callee's serialized account */
    const u8 *metas;   /* account_count * INNER_META_SIZE bytes */
    u64 account_count;
    const u8 *data;
    u64 data_len;
} InnerIx;

typedef struct {
    u64 count;
    InnerIx ix[MAX_INNER_INSTRUCTIONS];
} InnerList;

static inline u8 *inner_account(const Context *ctx, const InnerIx *ix, u64 i) {
    return ctx->accounts[ix->metas[i * INNER_META_SIZE + INNER_META_INDEX]];
}

/* ---- effects.c (types used by inner.c) ---- */
/* Words of the authority fields a snapshot freezes: mint, owner, delegate and close
 * authority (COption: u32 tag + key, read as 4-byte words at their unaligned offsets). */
#define AUTHORITY_WORDS 34

typedef struct {
    u8 *account;
    const SolPubkey *program; /* the token program that owned it */
    u64 amount;
    u64 delegated_amount;
    u32 authorities[AUTHORITY_WORDS];
} TokenSnapshot;

typedef struct {
    u8 *signer;
    u64 lamports;
    u64 token_count;
    TokenSnapshot tokens[MAX_TOKEN_SNAPSHOTS];
} Snapshot;

typedef struct {
    u64 lamports_out; /* gross: the sum of each CPI's decrease */
    u64 mint_count;
    GuardTokenSpend mints[MAX_TOKEN_SNAPSHOTS];
} Spend;

/* Before a CPI: the signer's lamports; then (snapshot_token_account, per writable account of
 * the inner instruction with at least a token account's size) every token account the signer
 * owns or is delegate of. */
void begin_snapshot(Snapshot *out, u8 *signer);
/* cold: most inner accounts are no token accounts; the compiler keeps the call off the
 * account-info loop's straight path and this function small (measured: a token transfer
 * 6 CU less, nothing else changed) */
__attribute__((cold)) u64 snapshot_token_account(Snapshot *s, u8 *a);
/* After the CPI: the signer is still a system account without data, no snapshotted token
 * account changed mint, owner, delegate (except SPL's clearing of a spent allowance) or close
 * authority, or raised its allowance; decreases are added to *spend. */
u64 check_effects(const Snapshot *s, Spend *spend);

/* ---- inner.c ---- */
/* Decode and bound-check every inner instruction: counts, indices, flags (0/1, and no
 * privilege the outer instruction lacks: writable needs writable, signer needs a signer or
 * the session signer), lengths, no trailing bytes; no inner instruction calls this program
 * and none passes the session account writable. */
u64 parse_inner(const Context *ctx, InnerList *out);
/* invoke_signed with the session signer's seeds, snapshotting the token accounts (the
 * snapshot's lamports are the caller's, taken before). */
u64 invoke_inner(const Context *ctx, const InnerIx *ix, const SolSignerSeeds *signer, Snapshot *snapshot);

/* ---- admission.c: the checks execute and validate_session share, in execute's order ---- */
/* Active, not expired, EXECUTE (and COMPOSE for more than one inner instruction). */
u64 check_executable(const u8 *d, i64 now, u64 instruction_count);
/* The stored guard's length is in range, it is well formed (GuardMalformed) and it admits
 * the caller; *window_seconds: its RATE_LIMIT window (0: none), from the same pass
 * (validate_session's admission). */
u64 check_admitted(const u8 *d, const SolPubkey *caller, u64 *window_seconds);
/* execute's admission before its CPIs: the stored guard's length is in range, and without a
 * guard the caller is the owner. A guard's admission is part of its one pass after the CPIs
 * (guard_execute): the transaction is atomic, so refusing then undoes the CPIs. */
u64 check_unguarded_caller(const u8 *d, const SolPubkey *caller);
/* max_executions still allows one more execution. */
u64 check_execution_quota(const u8 *d);
