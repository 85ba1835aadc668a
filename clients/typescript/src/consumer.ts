// A small consumer of the generated types, as a frontend developer would write it: fetch a guide
// and render its blocks, follow a renamed slug, list scripts, search. Every request and response
// below is typed from openapi/openapi.json, with no `!` and no casts; if the spec and this code
// disagree, `tsc` fails. Prints what it found as JSON on stdout.
//
//   node dist/consumer.js http://127.0.0.1:8000

import createClient, { type ClientOptions } from "openapi-fetch";

import type { components, paths } from "./schema.js";

type Block = components["schemas"]["Block"];
type Span = components["schemas"]["Span"];
type Script = components["schemas"]["Script"];
type ApiError = components["schemas"]["Error"];

const baseUrl = process.argv[2] ?? process.env["LP_API_URL"] ?? "http://127.0.0.1:8000";

// The spec declares array parameters (`fields`, `type`, `types`) as style=form, explode=false:
// comma-separated, `fields=slug,title`. openapi-fetch repeats the name by default.
const options: ClientOptions = { baseUrl, querySerializer: { array: { style: "form", explode: false } } };
// Whole answers are application/json, where every field that is always present is required. A
// client typed for that media type alone gets exactly those shapes (Guide, GuidePage, ...): use it
// for requests without `fields=`.
const client = createClient<paths, "application/json">(options);
// A `fields=` answer has its own media type (application/vnd.lovepatterns.sparse+json) and schema,
// in which every field is optional. A client typed for every media type (openapi-fetch's default)
// gets "whole or sparse" for the two operations that have both, so it never claims a field is there.
const sparse = createClient<paths>(options);

function fail(what: string, error: ApiError | undefined, status: number): never {
  throw new Error(`${what}: ${status} ${error?.title ?? ""} ${error?.detail ?? ""}`);
}

// A script meant to be sent is never shown without the condition under which it is safe.
function safeToShow(script: Script): boolean {
  return !script.send || (typeof script.safety === "string" && script.safety.length > 0);
}

// Inline spans to plain text: a switch on `type` narrows each span to its own shape.
function spanText(span: Span): string {
  switch (span.type) {
    case "text":
    case "code":
      return span.text;
    case "em":
    case "strong":
    case "link":
      return span.children.map(spanText).join("");
  }
}

// Every block a renderer meets, by type; the `never` line fails to compile if a type is added to
// the spec and not handled here.
function visit(block: Block, seen: Map<string, number>): void {
  seen.set(block.type, (seen.get(block.type) ?? 0) + 1);
  switch (block.type) {
    case "paragraph":
    case "heading":
      if (block.inlines.map(spanText).join("") !== block.text) throw new Error(`spans and text differ: ${block.text}`);
      return;
    case "list":
      block.items.forEach((item) => item.forEach((b) => visit(b, seen)));
      return;
    case "quote":
    case "safety":
    case "signals":
    case "read_next":
      block.children.forEach((b) => visit(b, seen));
      return;
    case "script":
      if (block.script_id.length === 0) throw new Error("script block without its script");
      return;
    case "code":
    case "rule":
      return;
    default: {
      const unhandled: never = block;
      throw new Error(`unknown block ${JSON.stringify(unhandled)}`);
    }
  }
}

async function main(): Promise<void> {
  const slug = "no-contact-rule";

  // 1. A whole guide, ready to render: every field is there, no `?? []` or `!` needed.
  const guide = await client.GET("/v1/guides/{slug}", { params: { path: { slug } } });
  if (!guide.data) fail("guide", guide.error, guide.response.status);
  const g = guide.data;
  const blocks = new Map<string, number>();
  g.sections.forEach((s) => s.blocks.forEach((b) => visit(b, blocks)));

  // 2. A renamed guide: openapi-fetch follows the 308 by itself, so the site learns the new slug
  // from the body (or from `response.url`); it should replace its link to the old one.
  const oldSlug = "no-contact";
  const moved = await client.GET("/v1/guides/{slug}", { params: { path: { slug: oldSlug } } });
  if (!moved.data) fail("renamed guide", moved.error, moved.response.status);

  // 3. A smaller payload: guides listed with a sparse fieldset, typed as such (fields optional).
  const list = await sparse.GET("/v1/guides", {
    params: { query: { fields: ["slug", "title"], sort: "title", page_size: 50 } },
  });
  if (!list.data) fail("guide list", list.error, list.response.status);

  // 4. Scripts meant to be sent, for the apps.
  const sendable = await client.GET("/v1/scripts", { params: { query: { send: true, page_size: 100 } } });
  if (!sendable.data) fail("scripts", sendable.error, sendable.response.status);

  // 5. Search, with a typo, as a search box would send it.
  const search = await client.GET("/v1/search", {
    params: { query: { q: "why do i mis my ex", type: ["guide", "section"], page_size: 5 } },
  });
  if (!search.data) fail("search", search.error, search.response.status);
  const top = search.data.items[0];

  // 6. Errors are typed too: one shape for every status.
  const missing = await client.GET("/v1/guides/{slug}", { params: { path: { slug: "no-such-guide" } } });

  const facts = {
    baseUrl,
    guide: {
      slug: g.slug,
      title: g.title,
      titleLength: g.title.length,
      collection: g.collection.slug,
      sections: g.sections.length,
      firstSection: g.sections[0]?.anchor ?? null,
      scripts: g.scripts.length,
      scriptsSafeToShow: g.scripts.every(safeToShow),
      blocks: Object.fromEntries([...blocks].sort()),
      etag: guide.response.headers.get("ETag"),
      contentType: guide.response.headers.get("Content-Type"),
    },
    renamed: {
      asked: oldSlug,
      slug: moved.data.slug,
      redirected: moved.response.redirected,
      url: new URL(moved.response.url).pathname,
    },
    guideList: {
      total: list.data.total,
      keys: [...new Set(list.data.items.flatMap((item) => Object.keys(item)))].sort(),
      includes: list.data.items.some((item) => item.slug === slug),
      titlesMissing: list.data.items.filter((item) => item.title === undefined).length,
      contentType: list.response.headers.get("Content-Type"),
    },
    scripts: {
      total: sendable.data.total,
      allSend: sendable.data.items.every((s) => s.send),
      allHaveSafety: sendable.data.items.every(safeToShow),
      first: sendable.data.items[0]?.id ?? null,
    },
    search: {
      total: search.data.total,
      normalized: search.data.query.normalized,
      didYouMean: search.data.did_you_mean,
      top: top ? { type: top.type, guide: top.guide, href: top.href } : null,
      safety: search.data.safety ? search.data.safety.matched : null,
    },
    missing: { status: missing.response.status, error: missing.error ?? null },
  };
  console.log(JSON.stringify(facts, null, 2));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
