// Must compile with `strict: true` (tests/contract/test_typescript_types.py), and pins down what the
// generated types promise a frontend. Never run: every line is checked by `tsc` only.
//
// Each `@ts-expect-error` line is a mistake the types must catch. If the spec loosens (a field turns
// optional, a closed set turns into `string`, blocks lose their per-type shapes), the mistake stops
// being an error, the directive is unused, and `tsc` fails with TS2578.

import createClient from "openapi-fetch";

import type { components, paths } from "../src/schema.js";

type Block = components["schemas"]["Block"];
type Span = components["schemas"]["Span"];
type Hit = components["schemas"]["Hit"];
type Section = components["schemas"]["Section"];

const client = createClient<paths, "application/json">({ baseUrl: "http://127.0.0.1:8000" });
const anyShape = createClient<paths>({ baseUrl: "http://127.0.0.1:8000" });

export async function wholeGuide(): Promise<number> {
  const { data } = await client.GET("/v1/guides/{slug}", { params: { path: { slug: "no-contact-rule" } } });
  if (!data) return 0;
  // Required fields: no `!`, no `?.`, no `?? []`.
  const lengths = data.title.length + data.summary.length + data.byline.length + data.collection.title.length;
  const counts = data.sections.length + data.scripts.length + data.links.length + data.sources.length;
  // Nullable fields are typed as such: present, but maybe null.
  // @ts-expect-error editorial_note may be null
  const note: number = data.editorial_note.length;
  return lengths + counts + note;
}

export async function sparseGuide(): Promise<number> {
  const { data } = await anyShape.GET("/v1/guides/{slug}", {
    params: { path: { slug: "no-contact-rule" }, query: { fields: ["slug"] } },
  });
  if (!data) return 0;
  // @ts-expect-error with `fields=` any field may be left out (GuideSparse)
  return data.title.length;
}

export async function sparseBlocks(): Promise<number> {
  const { data } = await anyShape.GET("/v1/guides/{slug}", {
    params: { path: { slug: "no-contact-rule" }, query: { fields: ["sections"] } },
  });
  let levels = 0;
  for (const section of data?.sections ?? []) {
    for (const block of section.blocks) {
      // Sparse blocks keep their type (and a heading its level), so a switch still narrows them.
      if (block.type === "heading") levels += block.level;
      // @ts-expect-error a sparse block's html may be left out
      if (block.type === "paragraph") levels += block.html.length;
    }
  }
  return levels;
}

export async function sparseList(): Promise<number> {
  const { data } = await anyShape.GET("/v1/guides", { params: { query: { fields: ["slug"] } } });
  if (!data) return 0;
  // The page's own fields are always there; its items have only the fields asked for.
  const first = data.items[0];
  // @ts-expect-error a sparse item's title may be absent
  return data.total + (first ? first.title.length : 0);
}

export function headingLength(section: Section): number {
  // @ts-expect-error the introduction has no heading (null)
  return section.heading.length;
}

// Blocks: one shape per type, told apart by `type`.
export function describe(block: Block): string {
  switch (block.type) {
    case "paragraph":
      // @ts-expect-error a paragraph has no script_id
      return block.script_id;
    case "heading":
      return `h${block.level}: ${block.inlines.length} spans`;
    case "list":
      return `${block.ordered ? "numbered" : "bulleted"} list of ${block.items.length}`;
    case "script":
      return block.script_id;
    case "quote":
    case "safety":
    case "signals":
    case "read_next":
      return `${block.children.length} blocks`;
    case "code":
    case "rule":
      return block.text;
    // @ts-expect-error misspelt block type
    case "scirpt":
      return "never";
    default: {
      const unhandled: never = block; // every block type is handled above
      return unhandled;
    }
  }
}

// @ts-expect-error misspelt block type
export const misspelt: Block["type"] = "scirpt";

export function spanText(span: Span): string {
  switch (span.type) {
    case "text":
    case "code":
      return span.text;
    case "em":
    case "strong":
    case "link":
      return span.children.map(spanText).join("");
    default: {
      const unhandled: never = span;
      return unhandled;
    }
  }
}

// @ts-expect-error inline types are a closed set
export const italic: Span["type"] = "italic";

export function isSection(hit: Hit): boolean {
  // @ts-expect-error hit types are a closed set: guide, section, script
  return hit.type === "sections";
}
