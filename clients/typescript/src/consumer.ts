// A small consumer of the generated types, as a frontend developer would write it: fetch a guide,
// list scripts, search. Every request and response below is typed from openapi/openapi.json; if
// the spec and this code disagree, `tsc` fails. Prints what it found as JSON on stdout.
//
//   node dist/consumer.js http://127.0.0.1:8000

import createClient from "openapi-fetch";

import type { components, paths } from "./schema.js";

type Script = components["schemas"]["Script"];
type ApiError = components["schemas"]["Error"];

const baseUrl = process.argv[2] ?? process.env["LP_API_URL"] ?? "http://127.0.0.1:8000";

const client = createClient<paths>({
  baseUrl,
  // The spec declares array parameters (`fields`, `type`, `types`) as style=form, explode=false:
  // comma-separated, `fields=slug,title`. openapi-fetch repeats the name by default.
  querySerializer: { array: { style: "form", explode: false } },
});

function fail(what: string, error: ApiError | undefined, status: number): never {
  throw new Error(`${what}: ${status} ${error?.title ?? ""} ${error?.detail ?? ""}`);
}

// A script meant to be sent is never shown without the condition under which it is safe.
function safeToShow(script: Script): boolean {
  return !script.send || (typeof script.safety === "string" && script.safety.length > 0);
}

async function main(): Promise<void> {
  const slug = "no-contact-rule";

  // 1. A whole guide, ready to render.
  const guide = await client.GET("/v1/guides/{slug}", { params: { path: { slug } } });
  if (!guide.data) fail("guide", guide.error, guide.response.status);
  const g = guide.data;
  const sections = g.sections ?? [];
  const scripts = g.scripts ?? [];

  // 2. A smaller payload: the same guide listed with a sparse fieldset.
  const list = await client.GET("/v1/guides", {
    params: { query: { fields: ["slug", "title"], sort: "title", page_size: 50 } },
  });
  if (!list.data) fail("guide list", list.error, list.response.status);

  // 3. Scripts meant to be sent, for the apps.
  const sendable = await client.GET("/v1/scripts", { params: { query: { send: true, page_size: 100 } } });
  if (!sendable.data) fail("scripts", sendable.error, sendable.response.status);

  // 4. Search, with a typo, as a search box would send it.
  const search = await client.GET("/v1/search", {
    params: { query: { q: "why do i mis my ex", type: ["guide", "section"], page_size: 5 } },
  });
  if (!search.data) fail("search", search.error, search.response.status);
  const top = search.data.items[0];

  // 5. Errors are typed too: one shape for every status.
  const missing = await client.GET("/v1/guides/{slug}", { params: { path: { slug: "no-such-guide" } } });

  const facts = {
    baseUrl,
    guide: {
      slug: g.slug,
      title: g.title,
      collection: g.collection?.slug ?? null,
      sections: sections.length,
      firstSection: sections[0]?.anchor ?? null,
      scripts: scripts.length,
      scriptsSafeToShow: scripts.every(safeToShow),
      etag: guide.response.headers.get("ETag"),
    },
    guideList: {
      total: list.data.total,
      keys: [...new Set(list.data.items.flatMap((item) => Object.keys(item)))].sort(),
      includes: list.data.items.some((item) => item.slug === slug),
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
      didYouMean: search.data.did_you_mean ?? null,
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
