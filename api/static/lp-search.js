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
 * data-limit (results shown, 1-20, default 8), data-region (the reader's country, ISO 3166-1
 * alpha-2 such as GB, for the support services a safety notice offers; the API otherwise uses the
 * key's region, then the browser's language), data-quick-exit (an http(s) address: shows an "Exit
 * this page" button that leaves at once, replacing this page in the history, as domestic-abuse
 * support sites have). Colours: --lp-accent, --lp-mark, --lp-bg.
 *
 * It searches as you type (200 ms debounce, stale requests aborted), is a WAI-ARIA 1.2 combobox
 * with a listbox popup, shows the safety notice first whenever the API returns one, and falls back
 * to a plain message when the API is unreachable, refuses this page or rate-limits it. The notice
 * leads with the most fitting service for the reader's region: its phone number as a tel: link,
 * its text or chat option; at most three services show, a "more" button reveals the rest. Only the
 * API's `snippet.html` (escaped by the server, matched words in <mark>) is inserted as HTML;
 * everything else is set as text, and only http(s) and tel: addresses become links.
 */
(() => {
  "use strict";
  if (!window.customElements || customElements.get("lp-search")) return;

  const DEBOUNCE_MS = 200;
  const MIN_CHARS = 2;
  const SERVICES_SHOWN = 3; // the rest behind "more": a frightened reader needs the first one, not a directory
  const KEYPAD = { abc: 2, def: 3, ghi: 4, jkl: 5, mno: 6, pqrs: 7, tuv: 8, wxyz: 9 };
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
    .safety a { color: #6e1a14; }
    .safety a:focus-visible, .safety button:focus-visible, .exit:focus-visible {
      outline: 2px solid var(--lp-accent); outline-offset: 2px; }
    .safety .services { list-style: none; padding: 0; }
    .service { margin: .5em 0; }
    .service .name { display: block; font-weight: 600; }
    .service .ways { display: flex; flex-wrap: wrap; gap: .3em .8em; align-items: baseline; margin-top: .15em; }
    .service .call, .safety .emergency { display: inline-block; padding: .15em .55em; border: 1px solid #b3261e;
      border-radius: .3em; background: #fff; color: #6e1a14; font-weight: 700; text-decoration: none; }
    .service .hours { font-size: .85em; color: #555; }
    .safety .more { font: inherit; color: #6e1a14; background: none; border: 0; padding: 0;
                    text-decoration: underline; cursor: pointer; }
    .bar { display: flex; justify-content: flex-end; margin-bottom: .35em; }
    .exit { font: inherit; font-weight: 700; padding: .35em .9em; border: 0; border-radius: .3em;
            background: #b3261e; color: #fff; cursor: pointer; }
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
      this.safety.addEventListener("keydown", (e) => {
        if (e.key !== "Escape") return; // from a link or button in the notice: back to the box, list closed
        e.preventDefault();
        this.input.focus();
        this.close();
      });
      this.list = el("ul", { id: this.listId, role: "listbox", "aria-label": "Search results" });
      this.msg = el("p", { class: "msg", hidden: "" });
      this.live = el("div", { class: "sr", role: "status", "aria-live": "polite" });
      this.panel.append(this.safety, this.list, this.msg);
      const exit = this.quickExitUrl();
      if (exit) {
        // Before the box: in view whatever the panel covers, and one Shift+Tab away from the box.
        const button = el("button", { type: "button", class: "exit", part: "exit" }, "Exit this page");
        button.addEventListener("click", () => this.quickExit(exit));
        const bar = el("div", { class: "bar" });
        bar.append(button);
        root.append(bar);
      }
      root.append(this.input, this.panel, this.live);

      this.options = [];
      this.active = -1;
      this.input.addEventListener("input", () => this.schedule());
      this.input.addEventListener("keydown", (e) => this.onKey(e));
      this.list.addEventListener("mousedown", (e) => e.preventDefault()); // keep focus in the input
      this.addEventListener("focusout", (e) => { if (!this.contains(e.relatedTarget)) this.close(); });
      this.input.addEventListener("focus", () => {
        if (this.options.length || !this.msg.hidden || !this.safety.hidden) this.open();
      });
    }

    /** data-quick-exit as an absolute http(s) URL, or null (anything else is ignored, with a warning). */
    quickExitUrl() {
      const value = this.dataset.quickExit;
      if (value == null || value === "") return null;
      try {
        const url = new URL(value, document.baseURI);
        if (/^https?:$/.test(url.protocol)) return url.href;
      } catch {
        // fall through
      }
      console.warn(`lp-search: data-quick-exit must be an http(s) address; ignored: ${value}`);
      return null;
    }

    quickExit(url) {
      // Nothing of the search stays on screen, and this page leaves the history: Back does not return here.
      clearTimeout(this.timer);
      if (this.controller) this.controller.abort();
      this.input.value = "";
      this.clear();
      this.close();
      window.location.replace(url);
    }

    /** data-region as an ISO 3166-1 alpha-2 code in capitals, or "" (not sent). */
    region() {
      const value = (this.dataset.region || "").trim().toUpperCase();
      if (!value || value === this.badRegion) return "";
      if (!/^[A-Z]{2}$/.test(value)) {
        if (this.badRegion !== value) console.warn(`lp-search: data-region must be a country code such as GB; ignored: ${value}`);
        this.badRegion = value;
        return "";
      }
      return value;
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
      // One result per guide (its best section linked), unless data-group="none".
      const params = new URLSearchParams({ q, page_size: String(limit) });
      if (this.dataset.group !== "none") params.set("group", "guide");
      const region = this.region();
      if (region) params.set("region", region);
      const url = `${api}/v1/search?${params}`;
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
      if (resp.status === 422 && region) {
        // A region the API does not cover: search without it rather than show nothing.
        console.warn(`lp-search: the API does not know data-region ${region}; searching without it`);
        this.badRegion = region;
        return this.search(q);
      }
      if (!resp.ok || !body || !Array.isArray(body.items)) return this.fail("Search is not available right now.");
      this.render(q, body);
    }

    render(q, body) {
      this.clear();
      const notice = body.safety;
      if (notice) {
        this.renderNotice(notice);
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

    /** The notice's message and services, most fitting first; three shown, the rest behind "more". */
    renderNotice(notice) {
      this.safety.append(el("p", { class: "message" }, notice.message || ""));
      const numbers = Array.isArray(notice.emergency_numbers) ? notice.emergency_numbers : [];
      const emergency = numbers.length === 1 ? telHref(numbers[0]) : null; // one region's number, not the list
      if (notice.level === "urgent" && notice.region && emergency) {
        const p = el("p");
        p.append(el("a", { class: "emergency", href: emergency }, `Call ${numbers[0]} (emergency)`));
        this.safety.append(p);
      }
      const resources = (Array.isArray(notice.resources) ? notice.resources : []).filter((r) => r && r.name);
      if (!resources.length) return;
      const listId = `${this.listId}-services`;
      const list = el("ul", { id: listId, class: "services", "aria-label": "Support services" });
      resources.forEach((r, i) => {
        const li = el("li", { class: "service" });
        const nameId = `${listId}-${i}`;
        const name = el("span", { class: "name", id: nameId });
        name.append(isWeb(r.url) ? el("a", { href: r.url, target: "_blank", rel: "noopener" }, r.name) : r.name);
        li.append(name);
        const ways = el("span", { class: "ways" });
        const tel = r.phone ? telHref(r.phone, r.regions) : null;
        if (tel) ways.append(el("a", { class: "call", href: tel, "aria-describedby": nameId }, `Call ${r.phone}`));
        else if (r.phone) ways.append(el("span", { class: "phone" }, `Phone ${r.phone}`));
        if (r.text) ways.append(el("span", { class: "text" }, /^text\b/i.test(r.text) ? r.text : `Text ${r.text}`));
        if (r.chat && isWeb(r.chat)) {
          ways.append(el("a", { class: "chat", href: r.chat, target: "_blank", rel: "noopener", "aria-describedby": nameId },
            "Chat online"));
        } else if (r.chat) {
          ways.append(el("span", { class: "chat" }, `Chat: ${r.chat}`));
        }
        if (r.hours) ways.append(el("span", { class: "hours" }, r.hours));
        if (ways.childNodes.length) li.append(ways);
        if (i >= SERVICES_SHOWN) li.hidden = true;
        list.append(li);
      });
      this.safety.append(list);
      const rest = resources.length - SERVICES_SHOWN;
      if (rest > 0) {
        const label = `Show ${rest} more service${rest === 1 ? "" : "s"}`;
        const more = el("button", { type: "button", class: "more", "aria-expanded": "false", "aria-controls": listId },
          label);
        more.addEventListener("click", () => {
          const open = more.getAttribute("aria-expanded") !== "true";
          [...list.children].forEach((li, i) => { if (i >= SERVICES_SHOWN) li.hidden = !open; });
          more.setAttribute("aria-expanded", String(open));
          more.textContent = open ? "Show fewer services" : label;
        });
        this.safety.append(more);
      }
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

  /** An http(s) address (for a link), or false. */
  function isWeb(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url);
  }

  /**
   * A tel: address from a number as the service writes it: "116 123" -> tel:116123,
   * "0800 REFUGE (0800 733 843)" -> tel:0800733843, "800.656.HOPE (4673)" -> tel:8006564673,
   * "1800RESPECT" -> tel:1800737732 (Australia). Digits and a leading + only; null when there is
   * no number. A vanity number's extra letters are not dialled: it stops at ten digits (eleven
   * for a North American number written with its leading 1).
   */
  function telHref(phone, regions) {
    if (typeof phone !== "string") return null;
    // After a vanity number or a number of its own, "(...)" spells the letters out again or adds a note.
    const before = phone.split("(")[0];
    const main = /[a-z]/i.test(before) || before.replace(/[^0-9]/g, "").length >= 3 ? before : phone;
    if (main.replace(/[^0-9]/g, "").length < 3) return null;
    let digits = "";
    for (const ch of main.toLowerCase()) {
      if (/[0-9]/.test(ch)) digits += ch;
      else if (ch === "+" && !digits) digits = "+";
      else if (/[a-z]/.test(ch)) digits += Object.entries(KEYPAD).find(([letters]) => letters.includes(ch))[1];
    }
    if (/[a-z]/i.test(main) && !digits.startsWith("+")) {
      const nanp = (regions || []).some((r) => r === "US" || r === "CA") && digits.startsWith("1");
      digits = digits.slice(0, nanp ? 11 : 10);
    }
    return /^\+?[0-9]{3,15}$/.test(digits) ? `tel:${digits}` : null;
  }

  customElements.define("lp-search", LpSearch);
})();
