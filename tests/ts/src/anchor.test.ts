/**
 * Anchor TS 0.32 drives the whole session lifecycle from the IDL alone: instructions,
 * PDA resolution, account decoding and filters, events through addEventListener, and
 * program errors mapped to their IDL names (from the program's Anchor-format log line).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import anchor from "@coral-xyz/anchor"; // CommonJS: its named exports are read off the default

const { AnchorError, AnchorProvider, BN, Program, Wallet } = anchor;
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey } from "@solana/web3.js";
import { IDL, RPC_URL, SOL, WS_URL, accountFieldOffset, accountSize, u64le, waitFor, subscriptionsLive } from "./env.ts";

const connection = new Connection(RPC_URL, { commitment: "confirmed", wsEndpoint: WS_URL });
const owner = Keypair.generate();
const provider = new AnchorProvider(connection, new Wallet(owner), { commitment: "confirmed" });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const program = new Program(IDL, provider) as anchor.Program<any>;
const EXECUTE = 1;

function params(maxDuration = 3600) {
  return {
    config: { maxDuration: new BN(maxDuration), permissions: EXECUTE, settings: 0 },
    scope: { program: PublicKey.default, namespace: new Array(32).fill(0) },
    quotas: {
      maxExecutions: new BN(100),
      maxComputeUnits: new BN(1_000_000),
      maxLamports: new BN(SOL),
      maxBorrowedAccounts: 2,
      maxChildren: 2,
      reserved: [0, 0, 0, 0],
    },
    guard: { len: 0, code: new Array(254).fill(0) },
    metadata: new Array(64).fill(0),
  };
}

function sessionAddress(creator: PublicKey, id: number): [PublicKey, number] {
  return PublicKey.findProgramAddressSync(
    [Buffer.from("session"), creator.toBuffer(), Buffer.from(u64le(id))],
    program.programId,
  );
}

/** An id whose canonical bump is 255, the cheapest to verify (any id works). */
function bump255Id(creator: PublicKey, from: number): number {
  for (let id = from; ; id++) if (sessionAddress(creator, id)[1] === 255) return id;
}

before(async () => {
  const signature = await connection.requestAirdrop(owner.publicKey, 10 * LAMPORTS_PER_SOL);
  await connection.confirmTransaction({ signature, ...(await connection.getLatestBlockhash()) });
});

const listeners: number[] = [];
after(async () => {
  for (const id of listeners) await program.removeEventListener(id);
});

test("the whole lifecycle built from the IDL, with events through addEventListener", async () => {
  const events: { name: string; slot: number; signature: string; data: any }[] = [];
  for (const name of ["sessionCreated", "sessionActivated", "sessionPaused", "sessionResumed", "sessionClosed"]) {
    listeners.push(
      program.addEventListener(name, (data, slot, signature) => events.push({ name, slot, signature, data }), "confirmed"),
    );
  }
  await subscriptionsLive(connection); // the server confirmed every subscription
  const id = bump255Id(owner.publicKey, 1);
  const [session, bump] = sessionAddress(owner.publicKey, id);
  const created = await program.methods
    .createSession(new BN(id), params(), bump)
    .accounts({ creator: owner.publicKey })
    .rpc();
  const stored = await program.account.session.fetch(session);
  assert.deepEqual(Object.keys(stored.status), ["created"]);
  assert.ok(stored.owner.equals(owner.publicKey));
  assert.ok(stored.creator.equals(owner.publicKey));
  assert.equal(stored.sessionId.toNumber(), id);
  assert.equal((await connection.getAccountInfo(session))!.data.length, accountSize("Session"));

  for (const step of ["activateSession", "pauseSession", "resumeSession"]) {
    await program.methods[step]().accounts({ owner: owner.publicKey, session }).rpc();
  }
  assert.deepEqual(Object.keys((await program.account.session.fetch(session)).status), ["active"]);
  // the session signer holds SOL; closing returns it to the owner (Anchor resolves the
  // signer from the IDL's PDA seeds, ["signer", session]; its bump is an argument)
  const [signer, signerBump] = PublicKey.findProgramAddressSync(
    [Buffer.from("signer"), session.toBuffer()],
    program.programId,
  );
  const funded = await connection.requestAirdrop(signer, 2_000_000);
  await connection.confirmTransaction({ signature: funded, ...(await connection.getLatestBlockhash()) });
  await program.methods
    .closeSession(signerBump)
    .accounts({ authority: owner.publicKey, session, creator: owner.publicKey, owner: owner.publicKey })
    .rpc();
  assert.equal(await program.account.session.fetchNullable(session), null);
  assert.equal(await connection.getBalance(signer), 0);

  await waitFor(events, (v) => v.length === 5, "five session events");
  assert.deepEqual(
    events.map((e) => e.name),
    ["sessionCreated", "sessionActivated", "sessionPaused", "sessionResumed", "sessionClosed"],
  );
  assert.equal(events[0].signature, created);
  for (const event of events) assert.ok(event.data.session.equals(session), event.name);
  assert.equal(events[4].data.sweptToOwner.toNumber(), 2_000_000);
  const tx = await connection.getTransaction(created, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
  assert.equal(events[0].slot, tx!.slot);
});

test("request_session (creator = the dapp) and approve_session, resolved from the same PDA seeds", async () => {
  const dapp = Keypair.generate();
  const signature = await connection.requestAirdrop(dapp.publicKey, LAMPORTS_PER_SOL);
  await connection.confirmTransaction({ signature, ...(await connection.getLatestBlockhash()) });
  const id = bump255Id(dapp.publicKey, 1);
  const [session, bump] = sessionAddress(dapp.publicKey, id);
  await program.methods
    .requestSession(new BN(id), owner.publicKey, new BN(600), params(), bump)
    .accounts({ creator: dapp.publicKey })
    .signers([dapp])
    .rpc();
  const requested = await program.account.session.fetch(session);
  assert.deepEqual(Object.keys(requested.status), ["requested"]);
  assert.ok(requested.creator.equals(dapp.publicKey));
  await program.methods.approveSession().accounts({ owner: owner.publicKey, session }).rpc();
  assert.deepEqual(Object.keys((await program.account.session.fetch(session)).status), ["created"]);
});

test("program accounts with filters: account.session.all with an owner memcmp", async () => {
  const other = Keypair.generate();
  const mine = await program.account.session.all([
    { memcmp: { offset: accountFieldOffset("Session", "owner"), bytes: owner.publicKey.toBase58() } },
  ]);
  assert.ok(mine.length >= 1);
  for (const entry of mine) assert.ok(entry.account.owner.equals(owner.publicKey));
  const none = await program.account.session.all([
    { memcmp: { offset: accountFieldOffset("Session", "owner"), bytes: other.publicKey.toBase58() } },
  ]);
  assert.equal(none.length, 0);
});

test("program errors map to their IDL names in .rpc() and .simulate()", async () => {
  const id = bump255Id(owner.publicKey, 1000);
  const [session, bump] = sessionAddress(owner.publicKey, id);
  await program.methods.createSession(new BN(id), params(), bump).accounts({ creator: owner.publicKey }).rpc();
  await program.methods.activateSession().accounts({ owner: owner.publicKey, session }).rpc();

  const again = program.methods.activateSession().accounts({ owner: owner.publicKey, session });
  await assert.rejects(again.rpc(), (err: unknown) => {
    assert.ok(err instanceof AnchorError, `expected an AnchorError, got ${err}`);
    assert.equal(err.error.errorCode.code, "InvalidStatusTransition");
    assert.equal(err.error.errorCode.number, 6022);
    const idlError = IDL.errors.find((e: { code: number }) => e.code === 6022);
    assert.equal(idlError.name, err.error.errorCode.code);
    assert.equal(err.error.errorMessage, idlError.msg);
    assert.ok(err.program.equals(program.programId));
    return true;
  });
  // Anchor 0.32's .simulate() throws a SimulateError that carries the simulation (it does not
  // translate it, on any cluster); its logs hold the Anchor-format line AnchorError.parse reads.
  await assert.rejects(again.simulate(), (err: any) => {
    assert.ok(err.simulationResponse, `expected a SimulateError, got ${err}`);
    const parsed = AnchorError.parse(err.simulationResponse.logs);
    assert.ok(parsed, `no AnchorError in ${err.simulationResponse.logs}`);
    assert.equal(parsed.error.errorCode.code, "InvalidStatusTransition");
    assert.equal(parsed.error.errorCode.number, 6022);
    return true;
  });

  const invalid = program.methods
    .createSession(new BN(id + 1), params(0), sessionAddress(owner.publicKey, id + 1)[1])
    .accounts({ creator: owner.publicKey });
  await assert.rejects(invalid.rpc(), (err: unknown) => {
    assert.ok(err instanceof AnchorError);
    assert.equal(err.error.errorCode.code, "InvalidConfiguration");
    assert.equal(err.error.errorCode.number, 6004);
    return true;
  });
});
