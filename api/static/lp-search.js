/*
 * <lp-search>: the Love Patterns search box for partner pages. No dependencies, no build step.
 *
 *   <script src="https://API/v1/embed/lp-search.js" defer></script>
 *   <lp-search data-api="https://API" data-key="YOUR-KEY"
 *              data-guide-url="https://partner.example/guides/{slug}#{anchor}"></lp-search>
 *
 * Attributes: data-api (required), data-key (your partner key; leave out for the anonymous tier),
 * data-guide-url (where a result links: {slug} and {anchor} are filled in, "#{anchor}" is dropped
 * for a whole guide; default /guides/{slug}#{anchor} on your site), data-label, data-placeholder,
 * data-limit (results shown, 1-20, default 8). Colours: --lp-accent, --lp-mark, --lp-bg.
 *
 * It searches as you type (200 ms debounce, stale requests aborted), is a WAI-ARIA 1.2 combobox
 * with a listbox popup, shows the safety notice first whenever the API returns one, and falls back
 * to a plain message when the API is unreachable, refuses this page or rate-limits it. Only the
 * API's `snippet.html` (escaped by the server, matched words in <mark>) is inserted as HTML;
 * everything else is set as text.
 */
(() => {
  "use strict";
  if (!window.customElements || customElements.get("lp-search")) return;

  const DEBOUNCE_MS = 200;
  const MIN_CHARS = 2;
  const CSS = `
    :host { display: block; position: relative; max-width: 36rem; font: inherit; color: inherit;
            --lp-accent: #6b2fb3; --lp-mark: #ffe58a; --lp-bg: #fff; }
    input { box-sizing: border-box; width: 100%; padding: .6em .8em; font: inherit; border: 1px solid #888;
            border-radius: .4em; background: var(--lp-bg); color: inherit; }
    input:focus { outline: 2px solid var(--lp-accent); outline-offset: 1px; }
    .panel { position: absolute; z-index: 1000; left: 0; right: 0; margin-top: .25em; background: var(--lp-bg);
             border: 1px solid #bbb; border-radius: .4em; box-shadow: 0 6px 20px rgba(0,0,0,.15);
             max-height: 28rem; overflow-y: auto; }
    .panel[hidden], [hidden] { display: none; }
    .safety { margin: .5em; padding: .6em .8em; border-left: 4px solid #b3261e; background: #fdecea; }
    .safety p { margin: 0 0 .4em; }
    .safety ul { margin: 0; padding-left: 1.2em; }
    .safety .read { margin: .4em 0 0; }
    [role=listbox] { list-style: none; margin: 0; padding: .25em 0; }
    [role=option] { padding: .5em .8em; cursor: pointer; }
    [role=option][aria-selected=true] { background: #f1eafa; box-shadow: inset 3px 0 0 var(--lp-accent); }
    [role=option] a { color: var(--lp-accent); font-weight: 600; text-decoration: none; }
    .in { display: block; font-size: .85em; color: #555; }
    .snippet { display: block; font-size: .9em; margin-top: .15em; }
    mark { background: var(--lp-mark); color: inherit; padding: 0 .1em; }
    .msg { margin: 0; padding: .6em .8em; color: #333; }
    .msg button { font: inherit; color: var(--lp-accent); background: none; border: 0; padding: 0;
                  text-decoration: underline; cursor: pointer; }
    .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  `;
  let instances = 0;

  const el = (tag, attrs = {}, text) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text != null) node.textContent = text;
    return node;
  };

  class LpSearch extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      const id = `lp-search-${++instances}`;
      const root = this.attachShadow({ mode: "open" });
      if ("adoptedStyleSheets" in root && window.CSSStyleSheet && "replaceSync" in CSSStyleSheet.prototype) {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS); // not an inline <style>: works under a strict style-src CSP
        root.adoptedStyleSheets = [sheet];
      } else {
        root.append(el("style", {}, CSS));
      }
      this.listId = `${id}-list`;
      this.input = el("input", {
        type: "search", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
        "aria-controls": this.listId, autocomplete: "off", spellcheck: "false",
        "aria-label": this.dataset.label || "Search guides",
        placeholder: this.dataset.placeholder || "Search guides, e.g. no contact",
      });
      this.panel = el("div", { class: "panel", part: "panel", hidden: "" });
      this.safety = el("div", { class: "safety", role: "note", "aria-label": "Safety information", hidden: "" });
      this.list = el("ul", { id: this.listId, role: "listbox", "aria-label": "Search results" });
      this.msg = el("p", { class: "msg", hidden: "" });
      this.live = el("div", { class: "sr", role: "status", "aria-live": "polite" });
      this.panel.append(this.safety, this.list, this.msg);
      root.append(this.input, this.panel, this.live);

      this.options = [];
      this.active = -1;
      this.input.addEventListener("input", () => this.schedule());
      this.input.addEventListener("keydown", (e) => this.onKey(e));
      this.list.addEventListener("mousedown", (e) => e.preventDefault()); // keep focus in the input
      this.addEventListener("focusout", (e) => { if (!this.contains(e.relatedTarget)) this.close(); });
      this.input.addEventListener("focus", () => { if (this.options.length || !this.msg.hidden) this.open(); });
    }

    disconnectedCallback() {
      clearTimeout(this.timer);
      if (this.controller) this.controller.abort();
    }

    schedule() {
      clearTimeout(this.timer);
      const q = this.input.value.trim();
      if (q.length < MIN_CHARS) {
        if (this.controller) this.controller.abort();
        this.clear();
        this.close();
        return;
      }
      this.timer = setTimeout(() => this.search(q), DEBOUNCE_MS);
    }

    async search(q) {
      if (this.controller) this.controller.abort(); // a newer query makes the older answer stale
      const controller = (this.controller = new AbortController());
      const api = (this.dataset.api || "").replace(/\/+$/, "");
      const limit = Math.min(20, Math.max(1, parseInt(this.dataset.limit, 10) || 8));
      const url = `${api}/v1/search?${new URLSearchParams({ q, page_size: String(limit) })}`;
      const headers = this.dataset.key ? { "X-API-Key": this.dataset.key } : {};
      let resp;
      let body;
      try {
        resp = await fetch(url, { headers, signal: controller.signal, credentials: "omit", mode: "cors" });
        body = resp.ok ? await resp.json() : null;
      } catch (err) {
        if (controller.signal.aborted) return;
        // Unreachable, or refused by CORS (this page's origin is not allowed for the key): the browser
        // does not tell which.
        return this.fail("Search is not available right now.");
      }
      if (controller.signal.aborted) return;
      if (resp.status === 429) {
        const wait = parseInt(resp.headers.get("Retry-After"), 10);
        return this.fail(`Too many searches right now. Please try again${wait > 0 ? ` in ${wait} seconds` : " soon"}.`);
      }
      if (resp.status === 401 || resp.status === 403) return this.fail("Search is not available on this site.");
      if (!resp.ok || !body || !Array.isArray(body.items)) return this.fail("Search is not available right now.");
      this.render(q, body);
    }

    render(q, body) {
      this.clear();
      const notice = body.safety;
      if (notice) {
        this.safety.append(el("p", {}, notice.message));
        const links = el("ul");
        for (const r of notice.resources || []) {
          const li = el("li");
          const name = `${r.title} (${r.region})`;
          li.append(r.url && /^https?:/i.test(r.url) ? el("a", { href: r.url, target: "_blank", rel: "noopener" }, name)
            : document.createTextNode(name));
          if (r.note) li.append(document.createTextNode(` - ${r.note}`));
          links.append(li);
        }
        this.safety.append(links);
        const guides = (notice.guides || []).map((g) => el("a", { href: this.guideUrl({ guide: g.slug }) }, g.title));
        if (guides.length) {
          const read = el("p", { class: "read" }, "Read: ");
          guides.forEach((a, i) => read.append(...(i ? [", ", a] : [a])));
          this.safety.append(read);
        }
        this.safety.hidden = false;
      }
      body.items.forEach((hit, i) => {
        const option = el("li", { id: `${this.listId}-${i}`, role: "option", "aria-selected": "false" });
        const link = el("a", { href: this.guideUrl(hit), tabindex: "-1" }, hit.title);
        option.append(link);
        if (hit.type !== "guide") option.append(el("span", { class: "in" }, `in ${hit.guide_title}`));
        const snippet = el("span", { class: "snippet" });
        snippet.innerHTML = hit.snippet && typeof hit.snippet.html === "string" ? hit.snippet.html : ""; // server-escaped
        option.append(snippet);
        option.addEventListener("click", (e) => { if (e.target !== link) link.click(); });
        this.list.append(option);
        this.options.push(option);
      });
      const n = body.items.length;
      if (!n) {
        this.msg.textContent = `No results for "${q}".`;
        if (body.did_you_mean) {
          const again = el("button", { type: "button" }, body.did_you_mean);
          again.addEventListener("click", () => { this.input.value = body.did_you_mean; this.input.focus(); this.search(body.did_you_mean); });
          this.msg.append(" Did you mean ", again, "?");
        }
        this.msg.hidden = false;
      }
      const count = n ? `${n} result${n === 1 ? "" : "s"}${body.total > n ? ` of ${body.total}` : ""}` : "No results";
      this.announce(notice ? `Safety information first. ${count}.` : `${count}.`);
      this.open();
    }

    guideUrl(hit) {
      const template = this.dataset.guideUrl || "/guides/{slug}#{anchor}";
      const enc = encodeURIComponent;
      let url = hit.anchor ? template.replaceAll("{anchor}", enc(hit.anchor)) : template.replace(/#?\{anchor\}/g, "");
      url = url.replaceAll("{slug}", enc(hit.guide));
      try {
        const parsed = new URL(url, document.baseURI);
        return /^https?:$/.test(parsed.protocol) ? parsed.href : "#";
      } catch {
        return "#";
      }
    }

    fail(message) {
      this.clear();
      this.msg.textContent = message;
      this.msg.hidden = false;
      this.announce(message);
      this.open();
    }

    clear() {
      this.safety.replaceChildren();
      this.safety.hidden = true;
      this.list.replaceChildren();
      this.msg.replaceChildren();
      this.msg.hidden = true;
      this.options = [];
      this.setActive(-1);
    }

    announce(text) {
      this.live.textContent = text;
    }

    open() {
      this.panel.hidden = false;
      this.input.setAttribute("aria-expanded", String(this.options.length > 0));
    }

    close() {
      this.panel.hidden = true;
      this.input.setAttribute("aria-expanded", "false");
      this.setActive(-1);
    }

    setActive(i) {
      if (this.options[this.active]) this.options[this.active].setAttribute("aria-selected", "false");
      this.active = i;
      const option = this.options[i];
      if (option) {
        option.setAttribute("aria-selected", "true");
        this.input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      } else {
        this.input.removeAttribute("aria-activedescendant");
      }
    }

    onKey(e) {
      const n = this.options.length;
      switch (e.key) {
        case "ArrowDown":
        case "ArrowUp": {
          if (!n) return;
          e.preventDefault();
          if (this.panel.hidden) this.open();
          const step = e.key === "ArrowDown" ? 1 : -1;
          this.setActive(this.active < 0 ? (step > 0 ? 0 : n - 1) : (this.active + step + n) % n);
          break;
        }
        case "Enter":
          if (this.active >= 0 && !this.panel.hidden) {
            e.preventDefault();
            this.options[this.active].querySelector("a").click();
          }
          break;
        case "Escape":
          e.preventDefault();
          if (!this.panel.hidden) {
            this.close();
          } else {
            this.input.value = "";
            this.clear();
          }
          break;
        default:
      }
    }
  }

  customElements.define("lp-search", LpSearch);
})();
