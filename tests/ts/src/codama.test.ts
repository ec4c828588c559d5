/** Codama reads the IDL without warnings: one session PDA shared by create_session and request_session,
 * and execute's session signer PDA. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { IDL } from "./env.ts";
import { convertCapturingWarnings } from "./render.ts";

test("rootNodeFromAnchor converts the IDL without warnings", () => {
  const { root, warnings } = convertCapturingWarnings(IDL);
  assert.deepEqual(warnings, []);
  assert.deepEqual(root.program.pdas.map((p) => p.name), ["session", "sessionSigner"]);
  assert.equal(root.program.publicKey, IDL.address);
  assert.equal(root.program.instructions.length, IDL.instructions.length);
  assert.deepEqual(
    root.program.errors.map((e) => [e.code, e.name]),
    IDL.errors.map((e: { code: number; name: string }) => [e.code, e.name.charAt(0).toLowerCase() + e.name.slice(1)]),
  );
});

test("two names for one seed account are what made Codama warn", () => {
  const renamed = structuredClone(IDL);
  const request = renamed.instructions.find((i: { name: string }) => i.name === "request_session");
  request.accounts[0].name = "requester";
  request.accounts[1].pda.seeds[1].path = "requester";
  const { root, warnings } = convertCapturingWarnings(renamed);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /PDA name collision/);
  assert.equal(root.program.pdas.length, 3); // session twice under two names, and the signer
});

test("the rendered Kit client is on disk (render.ts ran before the tests)", () => {
  const generated = new URL("../generated/pdas/session.ts", import.meta.url);
  assert.match(readFileSync(generated, "utf8"), /export async function findSessionPda/);
});
