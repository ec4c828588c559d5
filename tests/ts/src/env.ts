/**
 * What every test file shares: the localnet it talks to (from the environment the
 * pytest driver sets; missing variables are an error, never a skip), the IDL, and
 * helpers derived from the IDL alone (field offsets for memcmp filters, valid params).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run this suite through tests/test_ts_interop.py`);
  }
  return value;
}

export const RPC_URL = required("SESSIONS_RPC_URL");
export const WS_URL = required("SESSIONS_WS_URL");
export const IDL_PATH = required("SESSIONS_IDL");
export const GENERATED_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "generated");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type IdlJson = any;
export const IDL: IdlJson = JSON.parse(readFileSync(IDL_PATH, "utf8"));
export const PROGRAM_ID: string = IDL.address;
export const SOL = 1_000_000_000;

type IdlType = string | { defined?: { name: string }; array?: [IdlType, number] };
const PRIMITIVE_SIZES: Record<string, number> = {
  bool: 1, u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, u64: 8, i64: 8, u128: 16, i128: 16, pubkey: 32,
};

/** Borsh size of a fixed-size IDL type (the Session account has no variable-length fields). */
export function typeSize(type: IdlType): number {
  if (typeof type === "string") {
    const size = PRIMITIVE_SIZES[type];
    if (size === undefined) throw new Error(`not a fixed-size type: ${type}`);
    return size;
  }
  if (type.array) return typeSize(type.array[0]) * type.array[1];
  const defined = IDL.types.find((t: IdlJson) => t.name === type.defined?.name);
  if (!defined) throw new Error(`unknown type ${JSON.stringify(type)}`);
  if (defined.type.kind === "enum") {
    if (defined.type.variants.some((v: IdlJson) => v.fields)) throw new Error("data enum");
    return 1;
  }
  return defined.type.fields.reduce((sum: number, f: IdlJson) => sum + typeSize(f.type), 0);
}

/** Byte offset of `field` in an account's data: 8-byte discriminator, then the borsh fields. */
export function accountFieldOffset(account: string, field: string): number {
  const struct = IDL.types.find((t: IdlJson) => t.name === account);
  let offset = 8;
  for (const f of struct.type.fields) {
    if (f.name === field) return offset;
    offset += typeSize(f.type);
  }
  throw new Error(`${account} has no field ${field}`);
}

/** The account size the IDL implies (must equal what the program allocates). */
export function accountSize(account: string): number {
  return 8 + typeSize({ defined: { name: account } });
}

export function u64le(value: number | bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true);
  return bytes;
}

/** Resolve when `predicate` holds for one of the values `collect` was handed, or fail after `ms`. */
export function waitFor<T>(
  values: T[],
  predicate: (values: T[]) => boolean,
  what: string,
  ms = 5000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (predicate(values)) return resolve();
      if (Date.now() - started > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/**
 * Resolve once every subscription a web3.js Connection (and so Anchor's event listeners,
 * which use the provider's Connection) asked for has been confirmed by the server.
 * web3.js 1.x exposes no API for this, so it reads the connection's own subscription table.
 */
export function subscriptionsLive(connection: unknown, ms = 10_000): Promise<void> {
  const table = () =>
    Object.values((connection as { _subscriptionsByHash: Record<string, { state: string }> })._subscriptionsByHash);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const entries = table();
      if (entries.length > 0 && entries.every((s) => s.state === "subscribed")) return resolve();
      if (Date.now() - started > ms) {
        return reject(new Error(`subscriptions not confirmed: ${JSON.stringify(entries.map((s) => s.state))}`));
      }
      setTimeout(tick, 20);
    };
    tick();
  });
}
