/* The guard language: validate and evaluate the postfix predicate program stored in
 * Session.guard (len u16 + code[GUARD_CAPACITY]). The encoding (opcodes, operand offsets,
 * node sizes, limits) is generated into sessions_layout.h from sessions_client/guard_schema.py.
 *
 * `code` always points at the whole GUARD_CAPACITY-byte code array: the bytes after `len`
 * must be zero. The functions are pure (no logging, no syscall but sol_memcmp_, and
 * sol_memcpy_ for a guard of GUARD_CAPACITY bytes): a caller passes a nonzero result to
 * fail(). A guard that breaks a validation rule is refused by guard_validate, fails closed
 * in guard_evaluate (ERR_GUARD_MALFORMED), admits nobody in guard_admits and has no rate
 * window. */
#pragma once
#include "sol.h"
#include "sessions_layout.h"

/* How much of one mint the session signer's token accounts lost during this execute. */
typedef struct {
    SolPubkey mint;
    u64 decrease;
} GuardTokenSpend;

/* Everything a guard's leaves read: the execution context of one inner instruction. */
typedef struct {
    const SolPubkey *caller;        /* execute's authority signer */
    const SolPubkey *owner;         /* session.owner */
    i64 now;
    u64 usage_after;                /* usage_count + 1 */
    i64 window_start;               /* the stored rate window (usage.rate_window_start), */
    u32 window_count;               /* and its count, before this execution: RATE_LIMIT(n, s)
                                     * counts this one into the window of s seconds
                                     * (guard_window_count) and holds when that is <= n */
    const SolPubkey *program_id;    /* the CPI's program */
    const u8 *data;                 /* the CPI's instruction data */
    u64 data_len;
    const SolPubkey *const *account_keys; /* the CPI's accounts in order */
    u64 account_count;
    u64 lamports_out;               /* gross lamport outflow of the signer during this execute */
    const GuardTokenSpend *token_spends; /* per mint: {mint, decrease}; TOKEN_AT_MOST sums a mint's */
    u64 token_spend_count;
} GuardInput;

/* What execute needs to know before its CPI, from one validating pass (guard_inspect):
 * caller and owner are inputs, the rest outputs. */
typedef struct {
    const SolPubkey *caller;
    const SolPubkey *owner;
    bool admitted;            /* guard_admits(code, len, caller, owner) */
    bool has_signer_leaf;     /* guard_has_signer_leaf(code, len) */
    u64 rate_window_seconds;  /* guard_rate_window_seconds(code, len) */
    bool named;               /* (scratch) some SIGNER_IS key is the caller */
    bool owner_leaf;          /* (scratch) the guard has a SIGNER_IS_OWNER node */
} GuardFacts;

/* 0, or ERR_INVALID_CONFIGURATION when the guard breaks a rule (creation, request, update). */
u64 guard_validate(const u8 *code, u64 len);

/* 0 when the guard holds (len == 0 always holds), ERR_GUARD_REJECTED when it evaluates to
 * false, ERR_GUARD_MALFORMED when it breaks a validation rule. One pass, no recursion. */
u64 guard_evaluate(const u8 *code, u64 len, const GuardInput *in);

/* A rate window of `seconds` restarts at now with this execution when it never started, the
 * clock went back, or it ran out; otherwise the stored one continues. */
static inline bool guard_window_restarts(i64 start, i64 now, u64 seconds) {
    /* now - start cannot overflow: both are clock readings and start <= now here */
    return start == 0 || now < start || (u64)(now - start) >= seconds;
}

/* The largest rate window count (usage.rate_window_count is a u32). */
#define GUARD_COUNT_MAX 0xffffffffu

/* Executions in the rate window of `seconds` once this one is counted: 1 in a window that
 * restarts, else the stored count + 1 (saturating). */
static inline u32 guard_window_count(i64 start, u32 count, i64 now, u64 seconds) {
    if (guard_window_restarts(start, now, seconds)) return 1;
    return count == GUARD_COUNT_MAX ? count : count + 1;
}

/* execute's one pass after its CPIs: 0 when the caller is admitted (guard_admits) and the
 * guard holds, else ERR_GUARD_MALFORMED, ERR_CALLER_NOT_ADMITTED or ERR_GUARD_REJECTED, in
 * that precedence; *window_seconds: the RATE_LIMIT window (0: none) for storing the window. */
u64 guard_execute(const u8 *code, u64 len, const GuardInput *in, u64 *window_seconds);

/* One validating pass answering admission, the rate window and the signer question at once
 * (what execute needs before its CPI, instead of three passes): 0 with *facts filled in, or
 * ERR_GUARD_MALFORMED with the fail-closed answers (nobody admitted, no window, a signer). */
u64 guard_inspect(const u8 *code, u64 len, GuardFacts *facts);

/* Admission before any CPI: len == 0 admits the owner alone; otherwise the caller is admitted
 * when it equals some SIGNER_IS key, or when it is the owner and the guard has a
 * SIGNER_IS_OWNER leaf or no signer leaf at all. A malformed guard admits nobody. */
bool guard_admits(const u8 *code, u64 len, const SolPubkey *caller, const SolPubkey *owner);

/* The RATE_LIMIT window in seconds (>= 1), or 0 when the guard has none or is malformed. */
u64 guard_rate_window_seconds(const u8 *code, u64 len);

/* The guard has a SIGNER_IS or SIGNER_IS_OWNER node (update_guard's narrowing: a part that
 * names no signer cannot widen admission). A malformed guard answers true (fail closed). */
bool guard_has_signer_leaf(const u8 *code, u64 len);
