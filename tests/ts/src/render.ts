/**
 * Render the Kit client from the IDL with Codama (run before the tests; see package.json).
 * Any warning rootNodeFromAnchor prints (a PDA name collision, for one) fails the run.
 */
import { rmSync } from "node:fs";
import { createFromRoot } from "codama";
import { rootNodeFromAnchor } from "@codama/nodes-from-anchor";
import { renderVisitor } from "@codama/renderers-js";
import { GENERATED_DIR, IDL } from "./env.ts";

export function convertCapturingWarnings(idl: unknown) {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(" "));
  try {
    return { root: rootNodeFromAnchor(idl as Parameters<typeof rootNodeFromAnchor>[0]), warnings };
  } finally {
    console.warn = original;
  }
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!);
if (isMain) {
  const { root, warnings } = convertCapturingWarnings(IDL);
  if (warnings.length > 0) {
    console.error(`Codama warned while converting the IDL:\n${warnings.join("\n")}`);
    process.exit(1);
  }
  rmSync(GENERATED_DIR, { recursive: true, force: true });
  await createFromRoot(root).accept(
    renderVisitor(GENERATED_DIR, { generatedFolder: ".", syncPackageJson: false }),
  );
  console.log(`Kit client rendered into ${GENERATED_DIR}`);
}
