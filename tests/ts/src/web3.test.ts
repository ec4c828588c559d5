/** @solana/web3.js 1.x against `sessions localnet`: airdrop, transfer, filters, subscriptions, tokens. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
  sendAndConfirmTransaction,
} from "@solana/web3.js";
import { RPC_URL, WS_URL, waitFor, subscriptionsLive } from "./env.ts";

const connection = new Connection(RPC_URL, { commitment: "confirmed", wsEndpoint: WS_URL });

async function airdrop(to: PublicKey, lamports: number): Promise<string> {
  const signature = await connection.requestAirdrop(to, lamports);
  const latest = await connection.getLatestBlockhash();
  const result = await connection.confirmTransaction({ signature, ...latest }, "confirmed");
  assert.equal(result.value.err, null);
  return signature;
}

test("airdrop and transfer confirm over the websocket, balances and history agree", async () => {
  const alice = Keypair.generate();
  const bob = Keypair.generate();
  await airdrop(alice.publicKey, 2 * LAMPORTS_PER_SOL);
  assert.equal(await connection.getBalance(alice.publicKey), 2 * LAMPORTS_PER_SOL);

  const tx = new Transaction().add(
    SystemProgram.transfer({ fromPubkey: alice.publicKey, toPubkey: bob.publicKey, lamports: 1_234_567 }),
  );
  const signature = await sendAndConfirmTransaction(connection, tx, [alice], { commitment: "confirmed" });
  assert.equal(await connection.getBalance(bob.publicKey), 1_234_567);
  const fetched = await connection.getTransaction(signature, {
    commitment: "confirmed",
    maxSupportedTransactionVersion: 0,
  });
  assert.ok(fetched);
  assert.equal(fetched.meta?.err, null);
  const fee = fetched.meta!.fee;
  assert.equal(await connection.getBalance(alice.publicKey), 2 * LAMPORTS_PER_SOL - 1_234_567 - fee);

  const parsed = await connection.getParsedTransaction(signature, {
    commitment: "confirmed",
    maxSupportedTransactionVersion: 0,
  });
  const instruction = parsed!.transaction.message.instructions[0];
  assert.ok("parsed" in instruction, "system transfer comes back parsed");
  assert.equal(instruction.program, "system");
  assert.deepEqual(instruction.parsed, {
    type: "transfer",
    info: { source: alice.publicKey.toBase58(), destination: bob.publicKey.toBase58(), lamports: 1_234_567 },
  });
});

test("getProgramAccounts with dataSize and memcmp filters", async () => {
  const payer = Keypair.generate();
  await airdrop(payer.publicKey, LAMPORTS_PER_SOL);
  const owner = Keypair.generate().publicKey;
  const accounts = [Keypair.generate(), Keypair.generate(), Keypair.generate()];
  const tx = new Transaction();
  const rent = await connection.getMinimumBalanceForRentExemption(40);
  // Three 40-byte accounts owned by `owner` (a system-assigned owner is any address).
  for (const account of accounts) {
    tx.add(
      SystemProgram.createAccount({
        fromPubkey: payer.publicKey,
        newAccountPubkey: account.publicKey,
        lamports: rent,
        space: 40,
        programId: owner,
      }),
    );
  }
  await sendAndConfirmTransaction(connection, tx, [payer, ...accounts], { commitment: "confirmed" });
  const all = await connection.getProgramAccounts(owner, { filters: [{ dataSize: 40 }] });
  assert.deepEqual(
    all.map((a) => a.pubkey.toBase58()).sort(),
    accounts.map((a) => a.publicKey.toBase58()).sort(),
  );
  assert.equal((await connection.getProgramAccounts(owner, { filters: [{ dataSize: 41 }] })).length, 0);
  const zeros = await connection.getProgramAccounts(owner, {
    filters: [{ memcmp: { offset: 8, bytes: "11111111" } }],
  });
  assert.equal(zeros.length, 3);
});

test("onAccountChange, onLogs and onProgramAccountChange deliver notifications", async () => {
  const payer = Keypair.generate();
  await airdrop(payer.publicKey, LAMPORTS_PER_SOL);
  const recipient = Keypair.generate().publicKey;
  const accountChanges: number[] = [];
  const logs: { signature: string; logs: string[] }[] = [];
  const programChanges: string[] = [];
  const ids = [
    connection.onAccountChange(recipient, (info) => accountChanges.push(info.lamports), { commitment: "confirmed" }),
    connection.onLogs(recipient, (entry) => logs.push(entry), "confirmed"),
    connection.onProgramAccountChange(
      SystemProgram.programId,
      (keyed) => programChanges.push(keyed.accountId.toBase58()),
      { commitment: "confirmed", filters: [{ dataSize: 0 }] },
    ),
  ];
  await subscriptionsLive(connection); // the server confirmed every subscription
  const tx = new Transaction().add(
    SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: recipient, lamports: 5_000_000 }),
  );
  const signature = await sendAndConfirmTransaction(connection, tx, [payer], { commitment: "confirmed" });
  await waitFor(accountChanges, (v) => v.length > 0, "accountNotification");
  await waitFor(logs, (v) => v.length > 0, "logsNotification");
  await waitFor(programChanges, (v) => v.includes(recipient.toBase58()), "programNotification");
  assert.deepEqual(accountChanges, [5_000_000]);
  assert.equal(logs[0].signature, signature);
  assert.ok(logs[0].logs.includes("Program 11111111111111111111111111111111 success"));
  assert.ok(programChanges.includes(payer.publicKey.toBase58()));
  await connection.removeAccountChangeListener(ids[0]);
  await connection.removeOnLogsListener(ids[1]);
  await connection.removeProgramAccountChangeListener(ids[2]);
});

test("SPL Token: a real mint and account through getTokenAccountBalance / getParsedTokenAccountsByOwner", async () => {
  const TOKEN = new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
  const payer = Keypair.generate();
  const holder = Keypair.generate().publicKey;
  await airdrop(payer.publicKey, LAMPORTS_PER_SOL);
  const mint = Keypair.generate();
  const account = Keypair.generate();
  const u64 = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return b;
  };
  // SPL Token instructions spelled by hand: InitializeMint2 (20), InitializeAccount3 (18), MintTo (7)
  const initializeMint2 = new TransactionInstruction({
    programId: TOKEN,
    keys: [{ pubkey: mint.publicKey, isSigner: false, isWritable: true }],
    data: Buffer.concat([Buffer.from([20, 2]), payer.publicKey.toBuffer(), Buffer.from([0])]),
  });
  const initializeAccount3 = new TransactionInstruction({
    programId: TOKEN,
    keys: [
      { pubkey: account.publicKey, isSigner: false, isWritable: true },
      { pubkey: mint.publicKey, isSigner: false, isWritable: false },
    ],
    data: Buffer.concat([Buffer.from([18]), holder.toBuffer()]),
  });
  const mintTo = new TransactionInstruction({
    programId: TOKEN,
    keys: [
      { pubkey: mint.publicKey, isSigner: false, isWritable: true },
      { pubkey: account.publicKey, isSigner: false, isWritable: true },
      { pubkey: payer.publicKey, isSigner: true, isWritable: false },
    ],
    data: Buffer.concat([Buffer.from([7]), u64(12_345n)]),
  });
  const setup = new Transaction().add(
    SystemProgram.createAccount({
      fromPubkey: payer.publicKey,
      newAccountPubkey: mint.publicKey,
      lamports: await connection.getMinimumBalanceForRentExemption(82),
      space: 82,
      programId: TOKEN,
    }),
    initializeMint2,
    SystemProgram.createAccount({
      fromPubkey: payer.publicKey,
      newAccountPubkey: account.publicKey,
      lamports: await connection.getMinimumBalanceForRentExemption(165),
      space: 165,
      programId: TOKEN,
    }),
    initializeAccount3,
  );
  await sendAndConfirmTransaction(connection, setup, [payer, mint, account], { commitment: "confirmed" });
  const minted = await sendAndConfirmTransaction(connection, new Transaction().add(mintTo), [payer], {
    commitment: "confirmed",
  });

  const balance = await connection.getTokenAccountBalance(account.publicKey);
  assert.deepEqual(balance.value, { amount: "12345", decimals: 2, uiAmount: 123.45, uiAmountString: "123.45" });
  assert.equal((await connection.getTokenSupply(mint.publicKey)).value.amount, "12345");
  const parsed = await connection.getParsedTokenAccountsByOwner(holder, { mint: mint.publicKey });
  assert.equal(parsed.value.length, 1);
  assert.ok(parsed.value[0].pubkey.equals(account.publicKey));
  assert.equal(parsed.value[0].account.data.program, "spl-token");
  assert.equal(parsed.value[0].account.data.parsed.info.tokenAmount.uiAmountString, "123.45");
  const raw = await connection.getTokenAccountsByOwner(holder, { programId: TOKEN });
  assert.equal(raw.value.length, 1);
  assert.equal(raw.value[0].account.data.length, 165);
  const tx = await connection.getParsedTransaction(minted, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
  const instruction = tx!.transaction.message.instructions[0];
  assert.ok("parsed" in instruction);
  assert.equal(instruction.program, "spl-token");
  assert.deepEqual(instruction.parsed, {
    type: "mintTo",
    info: {
      mint: mint.publicKey.toBase58(),
      account: account.publicKey.toBase58(),
      mintAuthority: payer.publicKey.toBase58(),
      amount: "12345",
    },
  });
});
