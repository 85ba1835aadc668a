// Must FAIL to compile (tests/contract/test_typescript_types.py): a misspelt block type. Each
// `// expect TSnnnn` comment names the error tsc must report on its line, and no other line may
// have one.

import type { components } from "../../src/schema.js";

type Block = components["schemas"]["Block"];

export function scripts(blocks: Block[]): Block[] {
  return blocks.filter((block) => block.type === "scirpt"); // expect TS2367
}

export const made: Block = { type: "paragrahp", html: "<p>x</p>", text: "x", inlines: [] }; // expect TS2820
