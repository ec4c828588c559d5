/**
 * @solana/kit 8 with the Kit client Codama rendered from the IDL (see render.ts):
 * airdrop, transfer, program accounts with filters, account/program/logs subscriptions,
 * and the session lifecycle built with the generated instruction builders.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  address,
  airdropFactory,
  appendTransactionMessageInstructions,
  createSolanaRpc,
  createSolanaRpcSubscriptions,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase64Encoder,
  getSignatureFromTransaction,
  isSolanaError,
  lamports,
  pipe,
  sendAndConfirmTransactionFactory,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type Instruction,
  type KeyPairSigner,
} from "@solana/kit";
import { getTransferSolInstruction } from "@solana-program/system";
import { GENERATED_DIR, IDL, PROGRAM_ID, RPC_URL, SOL, WS_URL, accountFieldOffset, waitFor } from "./env.ts";

const client = await import(`${GENERATED_DIR}/index.ts`);
const rpc = createSolanaRpc(RPC_URL);
const rpcSubscriptions = createSolanaRpcSubscriptions(WS_URL);
const airdrop = airdropFactory({ rpc, rpcSubscriptions });
const sendAndConfirm = sendAndConfirmTransactionFactory({ rpc, rpcSubscriptions });

async function send(payer: KeyPairSigner, instructions: Instruction[]): Promise<string> {
  const { value: latestBlockhash } = await rpc.getLatestBlockhash().send();
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(payer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(latestBlockhash, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  const signed = await signTransactionMessageWithSigners(message);
  await sendAndConfirm(signed as Parameters<typeof sendAndConfirm>[0], { commitment: "confirmed" });
  return getSignatureFromTransaction(signed);
}

async function funded(amount = 2n * BigInt(SOL)): Promise<KeyPairSigner> {
  const signer = await generateKeyPairSigner();
  await airdrop({ recipientAddress: signer.address, lamports: lamports(amount), commitment: "confirmed" });
  return signer;
}

function params(maxDuration = 3600n) {
  return {
    config: { maxDuration, permissions: 1, settings: 0 },
    scope: { program: address("11111111111111111111111111111111"), namespace: new Uint8Array(32) },
    quotas: {
      maxExecutions: 100n,
      maxComputeUnits: 1_000_000n,
      maxLamports: BigInt(SOL),
      maxBorrowedAccounts: 2,
      maxChildren: 2,
      reserved: new Uint8Array(4),
    },
    guard: { len: 0, code: new Uint8Array(254) },
    metadata: new Uint8Array(64),
  };
}

async function bump255(creator: KeyPairSigner, from: bigint): Promise<[bigint, string, number]> {
  for (let id = from; ; id++) {
    const [pda, bump] = await client.findSessionPda({ creator: creator.address, sessionId: id });
    if (bump === 255) return [id, pda, bump];
  }
}

test("airdrop, transfer and balances", async () => {
  const alice = await funded();
  const bob = await generateKeyPairSigner();
  assert.equal((await rpc.getBalance(alice.address).send()).value, 2n * BigInt(SOL));
  const signature = await send(alice, [
    getTransferSolInstruction({ source: alice, destination: bob.address, amount: lamports(1_777_000n) }),
  ]);
  assert.equal((await rpc.getBalance(bob.address).send()).value, 1_777_000n);
  const status = await rpc.getSignatureStatuses([signature as never]).send();
  assert.equal(status.value[0]?.err, null);
  const landed = await rpc
    .getTransaction(signature as never, { commitment: "confirmed", maxSupportedTransactionVersion: 0 })
    .send();
  const block = await rpc
    .getBlock(landed!.slot, {
      commitment: "confirmed",
      maxSupportedTransactionVersion: 0,
      transactionDetails: "signatures",
      rewards: false,
    })
    .send();
  assert.deepEqual(block!.signatures, [signature]);
  assert.equal(block!.blockTime, await rpc.getBlockTime(landed!.slot).send());
  const blocks = await rpc.getBlocks(landed!.slot, landed!.slot, { commitment: "confirmed" }).send();
  assert.deepEqual(blocks, [landed!.slot]);
  const supply = await rpc.getSupply({ commitment: "confirmed" }).send();
  assert.equal(supply.value.circulating, supply.value.total);
  assert.ok(supply.value.total > 0n);
});

test("the lifecycle through the Codama-rendered client, with program, account and logs notifications", async () => {
  const owner = await funded();
  const [sessionId, session, bump] = await bump255(owner, 1n);
  const abort = new AbortController();
  const programSeen: { pubkey: string; status: number }[] = [];
  const accountSeen: bigint[] = [];
  const logsSeen: { signature: string; logs: readonly string[] }[] = [];
  const ownerOffset = BigInt(accountFieldOffset("Session", "owner"));
  const programStream = await rpcSubscriptions
    .programNotifications(address(PROGRAM_ID), {
      commitment: "confirmed",
      encoding: "base64",
      filters: [{ memcmp: { offset: ownerOffset, bytes: owner.address as never, encoding: "base58" } }],
    })
    .subscribe({ abortSignal: abort.signal });
  const accountStream = await rpcSubscriptions
    .accountNotifications(session as never, { commitment: "confirmed", encoding: "base64" })
    .subscribe({ abortSignal: abort.signal });
  const logsStream = await rpcSubscriptions
    .logsNotifications({ mentions: [address(PROGRAM_ID)] }, { commitment: "confirmed" })
    .subscribe({ abortSignal: abort.signal });
  const decoder = client.getSessionDecoder();
  const encoder = getBase64Encoder();
  void (async () => {
    for await (const n of programStream) {
      const data = encoder.encode(n.value.account.data[0]);
      programSeen.push({ pubkey: n.value.pubkey, status: decoder.decode(data).status });
    }
  })();
  void (async () => {
    for await (const n of accountStream) accountSeen.push(n.value.lamports);
  })();
  void (async () => {
    for await (const n of logsStream) logsSeen.push({ signature: n.value.signature, logs: n.value.logs });
  })();

  const create = await client.getCreateSessionInstructionAsync({ creator: owner, sessionId, params: params(), bump });
  assert.equal(create.accounts[1].address, session, "the generated PDA resolver finds the session");
  const createdSig = await send(owner, [create]);
  const activated = await send(owner, [client.getActivateSessionInstruction({ owner, session })]);

  const fetched = await client.fetchSession(rpc, session);
  assert.equal(fetched.data.owner, owner.address);
  assert.equal(fetched.data.sessionId, sessionId);
  assert.equal(fetched.data.status, client.SessionStatus.Active);

  const filtered = await rpc
    .getProgramAccounts(address(PROGRAM_ID), {
      encoding: "base64",
      filters: [
        { dataSize: BigInt(client.getSessionSize()) },
        { memcmp: { offset: ownerOffset, bytes: owner.address as never, encoding: "base58" } },
      ],
    })
    .send();
  assert.deepEqual(filtered.map((a) => a.pubkey), [session]);

  await waitFor(programSeen, (v) => v.length === 2, "two programNotifications");
  await waitFor(accountSeen, (v) => v.length === 2, "two accountNotifications");
  await waitFor(logsSeen, (v) => v.length === 2, "two logsNotifications");
  abort.abort();
  assert.deepEqual(
    programSeen.map((n) => n.status),
    [client.SessionStatus.Created, client.SessionStatus.Active],
  );
  assert.ok(programSeen.every((n) => n.pubkey === session));
  assert.deepEqual(logsSeen.map((n) => n.signature), [createdSig, activated]);
  assert.ok(logsSeen[1].logs.some((line) => line.startsWith("Program data: ")), "the event is logged");
});

test("a program error surfaces as the generated client's error code", async () => {
  const owner = await funded();
  const [sessionId, session, bump] = await bump255(owner, 500n);
  await send(owner, [await client.getCreateSessionInstructionAsync({ creator: owner, sessionId, params: params(), bump })]);
  await send(owner, [client.getActivateSessionInstruction({ owner, session })]);
  const { value: latestBlockhash } = await rpc.getLatestBlockhash().send();
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(owner, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(latestBlockhash, m),
    (m) => appendTransactionMessageInstructions([client.getActivateSessionInstruction({ owner, session })], m),
  );
  const signed = await signTransactionMessageWithSigners(message);
  await assert.rejects(
    sendAndConfirm(signed as Parameters<typeof sendAndConfirm>[0], { commitment: "confirmed" }),
    (err: unknown) => {
      assert.ok(isSolanaError(err), `expected a SolanaError, got ${err}`);
      assert.ok(
        client.isSessionsError(err.cause ?? err, message, client.SESSIONS_ERROR__INVALID_STATUS_TRANSITION),
        `not InvalidStatusTransition: ${String(err.cause ?? err)}`,
      );
      const code = IDL.errors.find((e: { name: string }) => e.name === "InvalidStatusTransition").code;
      assert.equal(client.SESSIONS_ERROR__INVALID_STATUS_TRANSITION, code);
      return true;
    },
  );
});
