// Must FAIL to compile (tests/contract/test_typescript_types.py): a sparse answer (`fields=`) used as
// if it were whole. Each `// expect TSnnnn` comment names the error tsc must report on its line.

import type { components } from "../../src/schema.js";

type GuideSparse = components["schemas"]["GuideSparse"];
type Guide = components["schemas"]["Guide"];

export function titleLength(g: GuideSparse): number {
  return g.title.length; // expect TS18048
}

export function asWhole(g: GuideSparse): Guide {
  return g; // expect TS2322
}
