/* The annotate view (editors' workbench): the browser side of docs/workbench.md.
 *
 * Vanilla ES2020, no libraries, no build step. The server is the source of truth: after every
 * change the page fetches state/ and re-renders the article, the suggestions and the review
 * list from it. Offsets are Unicode code points of the source's normalised body.
 */
(() => {
  "use strict";

  const configElement = document.getElementById("workbench-config");
  const article = document.getElementById("workbench-article");
  if (!configElement || !article) return;
  const config = JSON.parse(configElement.textContent);

  // -- small helpers ------------------------------------------------------------------------

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const cpLength = (text) => [...text].length;
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  let uid = 0;
  const nextId = (prefix) => `${prefix}-${++uid}`;

  /** Create an element: h("button", {type: "button", class: "x", onclick: fn}, "Label"). */
  function h(tag, attrs = {}, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") element.className = value;
      else if (name === "text") element.textContent = value;
      else if (name === "value") element.value = value;
      else if (name.startsWith("on") && typeof value === "function") {
        element.addEventListener(name.slice(2), value);
      } else element.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : String(child));
    }
    return element;
  }

  function choiceLabel(choices, value) {
    const found = (choices || []).find(([v]) => v === value);
    return found ? found[1] : value;
  }

  /** The short form of a motivation label: "Identifying (names …)" -> "Identifying". */
  function shortMotivation(value) {
    return String(choiceLabel(config.motivations, value)).replace(/\s*\(.*\)\s*$/u, "");
  }

  function excerpt(text, max = 90) {
    const chars = [...String(text || "").replace(/\s+/gu, " ").trim()];
    return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : chars.join("");
  }

  function debounce(fn, wait) {
    let timer = 0;
    const debounced = (...args) => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => fn(...args), wait);
    };
    debounced.cancel = () => window.clearTimeout(timer);
    return debounced;
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&");
  }

  // -- URLs (config.urls, with the paths of the contract as a fallback) ----------------------

  const ZERO_KEY = "00000000-0000-0000-0000-000000000000";
  const sourceId = config.source.id;
  const configUrls = config.urls || {};
  const base =
    configUrls.base ||
    (configUrls.search ? configUrls.search.replace(/search\/$/u, "") : null) ||
    window.location.pathname.replace(/[^/]+\/?$/u, "");
  const keyUrl = (template, fallback, key) =>
    template && template.includes(ZERO_KEY)
      ? template.replace(ZERO_KEY, encodeURIComponent(key))
      : `${base}${fallback.replace("KEY", encodeURIComponent(key))}`;
  const urls = {
    state: configUrls.state || `${base}${sourceId}/state/`,
    create: configUrls.create || `${base}${sourceId}/annotations/`,
    accept: configUrls.accept || `${base}${sourceId}/suggestions/accept/`,
    dismiss: configUrls.dismiss || `${base}${sourceId}/suggestions/dismiss/`,
    search: configUrls.search || `${base}search/`,
    entities: configUrls.entities || `${base}entities/`,
    preview: configUrls.preview || `${base}preview/`,
    update: (key) => keyUrl(configUrls.annotation, "annotations/KEY/", key),
    remove: (key) => keyUrl(configUrls.delete, "annotations/KEY/delete/", key),
  };

  // -- talking to the server -----------------------------------------------------------------

  class NetworkError extends Error {}

  function csrfToken() {
    const input = $("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/u);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /** {status, ok, data}; throws NetworkError when the server cannot be reached. */
  async function api(method, url, body, signal) {
    const options = {
      method,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal,
    };
    if (method !== "GET") options.headers["X-CSRFToken"] = csrfToken();
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, options);
    } catch (error) {
      if (error && error.name === "AbortError") throw error;
      throw new NetworkError("network");
    }
    let data = {};
    if (response.status !== 204) {
      const text = await response.text().catch(() => "");
      const isJson = (response.headers.get("Content-Type") || "").includes("json");
      if (isJson && text) {
        try {
          data = JSON.parse(text);
        } catch {
          data = { error: `The server sent an unreadable answer (${response.status}).` };
        }
      } else if (response.redirected && /login/u.test(response.url)) {
        return {
          status: 401,
          ok: false,
          data: {
            error:
              "Your session has expired. Log in again in another tab, then retry: " +
              "your work here is kept.",
          },
        };
      } else if (!response.ok || text) {
        data = { error: `The server answered ${response.status} ${response.statusText}.` };
      }
    }
    return { status: response.status, ok: response.ok, data: data || {} };
  }

  // -- announcements ---------------------------------------------------------------------------

  const statusRegion = $("#wb-status");
  let statusTimer = 0;

  /** Polite announcement in the status line (also visible). */
  function announce(message, { sticky = false, tone = "" } = {}) {
    window.clearTimeout(statusTimer);
    statusRegion.textContent = "";
    statusRegion.className = `wb-status${tone ? ` wb-status--${tone}` : ""}`;
    // A new text node in the next frame: screen readers announce repeated messages too.
    window.requestAnimationFrame(() => {
      statusRegion.textContent = message;
    });
    if (!sticky) {
      statusTimer = window.setTimeout(() => {
        statusRegion.textContent = "";
        statusRegion.className = "wb-status";
      }, 6000);
    }
  }

  // -- the article's text: code points <-> DOM --------------------------------------------------

  /** Paragraphs as the server rendered them: {el, offset, cps (array of code points)}. */
  let paragraphs = [];
  let bodyCps = []; // the body, code point by code point ("\n" between paragraphs)
  let bodyText = ""; // the same as one string (UTF-16), for searching

  function buildTextModel() {
    paragraphs = $$("p[data-offset]", article).map((el) => ({
      el,
      offset: Number(el.dataset.offset),
      cps: [...el.textContent],
    }));
    const last = paragraphs[paragraphs.length - 1];
    const length = last ? last.offset + last.cps.length : 0;
    bodyCps = new Array(length).fill("\n");
    for (const para of paragraphs) {
      para.cps.forEach((ch, i) => {
        bodyCps[para.offset + i] = ch;
      });
    }
    bodyText = bodyCps.join("");
  }

  function textNodes(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node);
    return nodes;
  }

  /** Code points of the paragraph's text before the DOM point (node, offset). */
  function codePointsBefore(paragraph, node, offset) {
    const point = document.createRange();
    point.setStart(node, offset);
    point.collapse(true);
    let count = 0;
    for (const text of textNodes(paragraph)) {
      if (text === node) {
        count += cpLength(text.data.slice(0, offset)); // offset is in UTF-16 units
        break;
      }
      // The point is in an element: a text node lies wholly before it or wholly after it.
      if (point.comparePoint(text, text.length) <= 0) count += cpLength(text.data);
      else break;
    }
    return count;
  }

  /** Body offset (code points) of a DOM point inside the article; edge is "start" or "end". */
  function domPointToOffset(node, offset, edge) {
    const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    const paragraph = element ? element.closest("p[data-offset]") : null;
    if (paragraph && article.contains(paragraph)) {
      return Number(paragraph.dataset.offset) + codePointsBefore(paragraph, node, offset);
    }
    // Between paragraphs (a triple click, a drag past the end of a line): snap to the text.
    const point = document.createRange();
    point.setStart(node, offset);
    point.collapse(true);
    if (edge === "start") {
      for (const para of paragraphs) {
        if (point.comparePoint(para.el, 0) >= 0) return para.offset;
      }
      return bodyCps.length;
    }
    let result = 0;
    for (const para of paragraphs) {
      if (point.comparePoint(para.el, para.el.childNodes.length) <= 0) {
        result = para.offset + para.cps.length;
      }
    }
    return result;
  }

  /** A passage {start, end, exact} with the whitespace at its ends trimmed, or null. */
  function makePassage(start, end) {
    start = Math.max(0, Math.min(start, bodyCps.length));
    end = Math.max(start, Math.min(end, bodyCps.length));
    while (start < end && /\s/u.test(bodyCps[start])) start += 1;
    while (end > start && /\s/u.test(bodyCps[end - 1])) end -= 1;
    if (start >= end) return null;
    return { start, end, exact: bodyCps.slice(start, end).join("") };
  }

  /** The current DOM selection as a passage of the article, or null. */
  function selectionPassage() {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const first = selection.getRangeAt(0);
    const last = selection.getRangeAt(selection.rangeCount - 1);
    const whole = document.createRange();
    whole.selectNodeContents(article);
    let [startNode, startOffset] = [first.startContainer, first.startOffset];
    let [endNode, endOffset] = [last.endContainer, last.endOffset];
    // Clip to the article: a selection may begin in the title or end in the side panel.
    if (whole.comparePoint(startNode, startOffset) > 0) return null;
    if (whole.comparePoint(endNode, endOffset) < 0) return null;
    if (whole.comparePoint(startNode, startOffset) < 0) [startNode, startOffset] = [article, 0];
    if (whole.comparePoint(endNode, endOffset) > 0) {
      [endNode, endOffset] = [article, article.childNodes.length];
    }
    const start = domPointToOffset(startNode, startOffset, "start");
    const end = domPointToOffset(endNode, endOffset, "end");
    return makePassage(start, end);
  }

  /** UTF-16 index in `text` of its code point number `cps`. */
  function utf16Index(text, cps) {
    let index = 0;
    for (const ch of text) {
      if (cps <= 0) break;
      index += ch.length;
      cps -= 1;
    }
    return index;
  }

  /** The DOM point of a body offset; edge "end" prefers the end of the previous text. */
  function offsetToDomPoint(offset, edge) {
    let para = paragraphs.find((p) =>
      edge === "start"
        ? offset >= p.offset && offset < p.offset + p.cps.length
        : offset > p.offset && offset <= p.offset + p.cps.length,
    );
    let local;
    if (para) local = offset - para.offset;
    else if (edge === "start") {
      para = paragraphs.find((p) => p.offset >= offset);
      local = 0;
    } else {
      para = [...paragraphs].reverse().find((p) => p.offset + p.cps.length <= offset);
      local = para ? para.cps.length : 0;
    }
    if (!para) return null;
    let remaining = local;
    for (const text of textNodes(para.el)) {
      const length = cpLength(text.data);
      if (remaining < length || (edge === "end" && remaining === length)) {
        return { node: text, offset: utf16Index(text.data, remaining) };
      }
      remaining -= length;
    }
    return { node: para.el, offset: para.el.childNodes.length };
  }

  function passageRange(start, end) {
    const from = offsetToDomPoint(start, "start");
    const to = offsetToDomPoint(end, "end");
    if (!from || !to) return null;
    const range = document.createRange();
    range.setStart(from.node, from.offset);
    range.setEnd(to.node, to.offset);
    return range;
  }

  function selectRange(range) {
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function scrollToRange(range) {
    const node = range.startContainer;
    const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    const rect = range.getBoundingClientRect();
    if (rect.top >= 0 && rect.bottom <= window.innerHeight && rect.height > 0) return;
    element.scrollIntoView({
      block: "center",
      behavior: reducedMotion.matches ? "auto" : "smooth",
    });
  }

  // Passages shown without touching the DOM: the CSS Custom Highlight API where available.
  const highlightApi = typeof CSS !== "undefined" && CSS.highlights && window.Highlight;
  const highlighted = {}; // name -> {start, end}

  function setHighlight(name, passage) {
    if (passage) highlighted[name] = { start: passage.start, end: passage.end };
    else delete highlighted[name];
    paintHighlight(name);
  }

  function paintHighlight(name) {
    const passage = highlighted[name];
    if (highlightApi) {
      const range = passage && passageRange(passage.start, passage.end);
      if (range) CSS.highlights.set(name, new window.Highlight(range));
      else CSS.highlights.delete(name);
      return;
    }
    // Fallback: outline the paragraphs that hold the passage.
    for (const el of $$(`.${name}`, article)) el.classList.remove(name);
    if (!passage) return;
    for (const para of paragraphs) {
      if (para.offset < passage.end && para.offset + para.cps.length > passage.start) {
        para.el.classList.add(name);
      }
    }
  }

  let flashTimer = 0;
  function flashPassage(passage) {
    window.clearTimeout(flashTimer);
    setHighlight("wb-flash", passage);
    flashTimer = window.setTimeout(() => setHighlight("wb-flash", null), 1800);
  }

  // -- page state ---------------------------------------------------------------------------------

  const state = {
    data: null, // the last state/ answer
    annotations: new Map(), // key -> Annotation
    pending: null, // the passage currently selected in the article (or found)
    lastFind: null, // {query, start}
  };

  const annotateButton = $("#wb-annotate-selection");

  function setPending(passage) {
    state.pending = passage;
    // The label stays the same: a toolbar that changes size while the mouse drags a
    // selection would move the text under the pointer.
    annotateButton.disabled = !passage;
    form.updateUseSelection();
  }

  // -- token fields: search, listbox, chips ----------------------------------------------------

  const TYPE_NAMES = {
    person: "person",
    organization: "organization",
    event: "event",
    quote: "quote",
  };

  class TokenField {
    /**
     * @param {object} options id, label, type (person|organization|event|quote), single,
     *   allowCreate, placeholder, onChange
     */
    constructor(options) {
      this.options = options;
      this.values = [];
      this.results = [];
      this.active = -1;
      this.query = "";
      this.abort = null;
      const { id, label, type } = options;
      this.inputId = `wb-${id}-input`;
      this.listId = `wb-${id}-listbox`;
      this.errorId = `wb-err-${id}`;
      this.chips = h("ul", { class: "wb-chips", "aria-label": `Chosen: ${label}` });
      this.input = h("input", {
        type: "text",
        id: this.inputId,
        class: "vTextField",
        role: "combobox",
        autocomplete: "off",
        spellcheck: "false",
        "aria-autocomplete": "list",
        "aria-expanded": "false",
        "aria-controls": this.listId,
        "aria-describedby": `${this.errorId} wb-${id}-help`,
        placeholder: options.placeholder || `Search ${TYPE_NAMES[type]}s…`,
      });
      this.list = h("ul", {
        id: this.listId,
        class: "wb-listbox",
        role: "listbox",
        "aria-label": `${label}: results`,
        hidden: true,
      });
      this.help = h("p", { id: `wb-${id}-help`, class: "wb-help wb-visually-hidden" },
        "Type to search; arrow keys move through the results, Enter chooses.");
      this.errors = h("ul", { class: "errorlist", id: this.errorId });
      this.extra = h("div", { class: "wb-token-extra" });
      this.element = h(
        "div",
        { class: "wb-field wb-tokens", "data-field": id },
        h("label", { for: this.inputId }, label),
        this.chips,
        h("div", { class: "wb-combo" }, this.input, this.list),
        this.extra,
        this.help,
        this.errors,
      );
      this.search = debounce(() => this.runSearch(), 250);
      this.input.addEventListener("input", () => {
        this.query = this.input.value.trim();
        if (this.query) this.search();
        else {
          this.search.cancel();
          this.close();
        }
      });
      this.input.addEventListener("keydown", (event) => this.onKey(event));
      this.input.addEventListener("focus", () => {
        if (this.input.value.trim() && this.results.length) this.open();
      });
      this.input.addEventListener("blur", () => {
        window.setTimeout(() => {
          if (!this.element.contains(document.activeElement)) this.close();
        }, 120);
      });
      // Keep the focus in the input while the mouse chooses an option.
      this.list.addEventListener("mousedown", (event) => event.preventDefault());
      this.list.addEventListener("click", (event) => {
        const option = event.target.closest("[role=option]");
        if (option && option.getAttribute("aria-disabled") !== "true") {
          this.choose(Number(option.dataset.index));
        }
      });
    }

    get ids() {
      return this.values.map((v) => v.id);
    }

    set(values) {
      this.values = (values || []).filter(Boolean).map((v) => ({ ...v }));
      this.input.value = "";
      this.query = "";
      this.close();
      this.clearExtra();
      this.renderChips();
    }

    renderChips() {
      const { label } = this.options;
      this.chips.replaceChildren(
        ...this.values.map((value) =>
          h(
            "li",
            { class: "wb-chip" },
            h("span", { class: "wb-chip-label" }, value.label),
            value.status === "draft" ? h("span", { class: "wb-badge" }, "draft") : null,
            h(
              "button",
              {
                type: "button",
                class: "wb-chip-remove",
                "aria-label": `Remove ${value.label} from ${label}`,
                title: "Remove",
                onclick: () => this.remove(value.id),
              },
              "×",
            ),
          ),
        ),
      );
      this.chips.hidden = this.values.length === 0;
      if (this.options.single) {
        this.input.placeholder = this.values.length
          ? "Search to replace…"
          : this.options.placeholder || `Search ${TYPE_NAMES[this.options.type]}s…`;
      }
    }

    remove(id) {
      const value = this.values.find((v) => v.id === id);
      this.values = this.values.filter((v) => v.id !== id);
      this.renderChips();
      this.input.focus();
      if (value) announce(`Removed ${value.label}.`);
      this.changed();
    }

    add(value) {
      if (this.options.single) this.values = [value];
      else if (!this.values.some((v) => v.id === value.id)) this.values.push(value);
      this.renderChips();
      this.input.value = "";
      this.query = "";
      this.close();
      this.changed();
    }

    changed() {
      if (this.options.onChange) this.options.onChange(this);
    }

    async runSearch() {
      const query = this.query;
      if (!query) return;
      if (this.abort) this.abort.abort();
      this.abort = new AbortController();
      const url = `${urls.search}?type=${encodeURIComponent(this.options.type)}&q=${encodeURIComponent(query)}`;
      let response;
      try {
        response = await api("GET", url, undefined, this.abort.signal);
      } catch (error) {
        if (error && error.name === "AbortError") return;
        this.showResults(query, [], "Search failed: the server cannot be reached.");
        return;
      }
      if (query !== this.query) return; // the editor typed on
      if (!response.ok) {
        this.showResults(query, [], response.data.error || "Search failed.");
        return;
      }
      const chosen = new Set(this.ids);
      this.showResults(query, (response.data.results || []).filter((r) => !chosen.has(r.id)));
    }

    showResults(query, results, problem = "") {
      const type = TYPE_NAMES[this.options.type];
      this.results = results.map((r) => ({ kind: "result", value: r }));
      if (this.options.allowCreate) {
        this.results.push({ kind: "create", name: query });
      }
      const items = this.results.map((item, index) => {
        const id = `${this.listId}-${index}`;
        if (item.kind === "create") {
          return h(
            "li",
            { id, role: "option", class: "wb-option wb-option--create", "data-index": index,
              "aria-selected": "false" },
            `Create new ${type} “${query}”`,
          );
        }
        return h(
          "li",
          { id, role: "option", class: "wb-option", "data-index": index, "aria-selected": "false" },
          h("span", {}, item.value.label),
          item.value.status === "draft" ? h("span", { class: "wb-badge" }, "draft") : null,
        );
      });
      if (problem || !results.length) {
        items.unshift(
          h("li", { role: "option", class: "wb-option wb-option--note", "aria-disabled": "true",
            "aria-selected": "false" }, problem || `No ${type} matches “${query}”.`),
        );
      }
      this.list.replaceChildren(...items);
      this.active = -1;
      this.input.removeAttribute("aria-activedescendant");
      this.open();
      const count = results.length;
      announce(problem || `${count} ${count === 1 ? "result" : "results"} for “${query}”.`);
    }

    open() {
      if (!this.list.children.length) return;
      this.list.hidden = false;
      this.input.setAttribute("aria-expanded", "true");
    }

    close() {
      this.list.hidden = true;
      this.input.setAttribute("aria-expanded", "false");
      this.input.removeAttribute("aria-activedescendant");
      this.active = -1;
    }

    isOpen() {
      return !this.list.hidden;
    }

    setActive(index) {
      const options = $$("[role=option][data-index]", this.list);
      if (!options.length) return;
      this.active = (index + options.length) % options.length;
      options.forEach((option, i) => option.setAttribute("aria-selected", String(i === this.active)));
      const option = options[this.active];
      this.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }

    onKey(event) {
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (!this.isOpen()) {
            if (this.results.length) this.open();
            else if (this.input.value.trim()) {
              this.query = this.input.value.trim();
              this.runSearch();
              return;
            }
          }
          this.setActive(this.active + 1);
          break;
        case "ArrowUp":
          event.preventDefault();
          if (!this.isOpen() && this.results.length) this.open();
          this.setActive(this.active < 0 ? -1 : this.active - 1);
          break;
        case "Home":
        case "End":
          if (this.isOpen()) {
            event.preventDefault();
            this.setActive(event.key === "Home" ? 0 : -1);
          }
          break;
        case "Enter":
          // Never submit the form from a search box.
          event.preventDefault();
          if (this.isOpen() && this.active >= 0) this.choose(this.active);
          else if (this.input.value.trim()) {
            this.search.cancel();
            this.query = this.input.value.trim();
            this.runSearch();
          }
          break;
        case "Escape":
          if (this.isOpen()) {
            event.preventDefault();
            event.stopPropagation();
            this.close();
          }
          break;
        case "Tab":
          this.close();
          break;
        default:
          break;
      }
    }

    choose(index) {
      const item = this.results[index];
      if (!item) return;
      if (item.kind === "create") this.startCreate(item.name);
      else {
        this.add({ ...item.value });
        announce(`Added ${item.value.label}.`);
      }
    }

    clearExtra() {
      this.extra.replaceChildren();
    }

    startCreate(name) {
      this.close();
      if (this.options.type === "event") {
        this.askEventDate(name);
        return;
      }
      this.create({ type: this.options.type, name });
    }

    /** An event needs its date: a small inline form, keyboard friendly. */
    askEventDate(name) {
      const dateId = nextId("wb-event-date");
      const errorId = `${dateId}-errors`;
      const date = h("input", {
        type: "text",
        id: dateId,
        class: "vTextField",
        inputmode: "numeric",
        placeholder: "YYYY-MM-DD",
        "aria-describedby": `${dateId}-help ${errorId}`,
      });
      const errors = h("ul", { class: "errorlist", id: errorId });
      const submit = () => this.create({ type: "event", name, when: date.value.trim() }, errors);
      date.addEventListener("keydown", (event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          submit();
        } else if (event.key === "Escape") {
          event.preventDefault();
          this.clearExtra();
          this.input.focus();
        }
      });
      this.extra.replaceChildren(
        h(
          "div",
          { class: "wb-create-event", role: "group", "aria-label": `New event “${name}”` },
          h("label", { for: dateId }, `Date of the new event “${name}”`),
          date,
          h("p", { class: "wb-help", id: `${dateId}-help` }, "YYYY, YYYY-MM or YYYY-MM-DD."),
          errors,
          h(
            "div",
            { class: "wb-inline-actions" },
            h("button", { type: "button", class: "button", onclick: submit }, "Create event"),
            h(
              "button",
              {
                type: "button",
                class: "button wb-button-quiet",
                onclick: () => {
                  this.clearExtra();
                  this.input.focus();
                },
              },
              "Cancel",
            ),
          ),
        ),
      );
      date.focus();
    }

    async create(payload, errorList = this.errors) {
      const type = TYPE_NAMES[payload.type];
      errorList.replaceChildren();
      let response;
      try {
        response = await api("POST", urls.entities, payload);
      } catch {
        errorList.append(h("li", {}, `Could not create the ${type}: the server cannot be reached. Try again.`));
        return;
      }
      if (response.status === 201) {
        this.clearExtra();
        this.add({ id: response.data.id, label: response.data.label, status: response.data.status });
        this.input.focus();
        announce(`Created the draft ${type} “${response.data.label}” and added it.`);
        refresh(); // its name may now be suggested elsewhere in the text
        return;
      }
      const messages = [response.data.error, ...Object.values(response.data.errors || {}).flat()]
        .filter(Boolean);
      errorList.replaceChildren(
        ...(messages.length ? messages : [`Could not create the ${type}.`]).map((m) => h("li", {}, m)),
      );
      announce(messages[0] || `Could not create the ${type}.`, { tone: "error" });
    }

    focus() {
      this.input.focus();
    }
  }

  // -- the editing form ----------------------------------------------------------------------------

  const panel = $("#workbench-panel");
  const panelHeading = $("#wb-panel-heading");
  const panelEmpty = $("#wb-panel-empty");
  const chooser = $("#wb-chooser");
  const formHost = $("#wb-form-host");
  const DRAFT_KEY = `workbench:draft:${sourceId}`;

  const form = (() => {
    let meta = null; // {mode, key, version, start, end, exact, anchor_status, needs_review, url, status}
    let dirty = false;
    let motivationTouched = false;
    let busy = false;
    let lastAction = null; // for "Retry"

    const idFor = (name) => `wb-${name}`;
    const fieldErrors = (name) => h("ul", { class: "errorlist", id: `wb-err-${name}` });

    function select(name, choices, { blank = null } = {}) {
      return h(
        "select",
        { id: idFor(name), name, "aria-describedby": `wb-err-${name}` },
        blank !== null ? h("option", { value: "" }, blank) : null,
        choices.map(([value, label]) => h("option", { value }, label)),
      );
    }

    // The top of the form: errors, conflicts, restored work.
    const alertBox = h("div", { id: "wb-form-alert", class: "wb-alert", "aria-live": "assertive",
      "aria-atomic": "true" });
    const modeLine = h("p", { class: "wb-mode" });
    const restored = h("div", { class: "wb-notice", hidden: true });

    // Passage.
    const passageText = h("blockquote", { class: "wb-passage", id: "wb-passage-text" });
    const passageMeta = h("p", { class: "wb-help", id: "wb-passage-meta" });
    const useSelection = h("button", { type: "button", class: "button wb-button-quiet", hidden: true },
      "Use the selected text as the passage");
    const passageField = h(
      "div",
      { class: "wb-field", "data-field": "passage", role: "group", "aria-labelledby": "wb-passage-label" },
      h("span", { class: "wb-label", id: "wb-passage-label" }, "Passage"),
      passageText,
      passageMeta,
      useSelection,
      fieldErrors("passage"),
    );

    const motivation = select("motivation", config.motivations);
    const motivationField = h("div", { class: "wb-field", "data-field": "motivation" },
      h("label", { for: idFor("motivation") }, "Motivation"), motivation, fieldErrors("motivation"));

    const onTokens = () => markDirty();
    const persons = new TokenField({ id: "persons", label: "Persons", type: "person",
      allowCreate: true, onChange: onTokens });
    const organizations = new TokenField({ id: "organizations", label: "Organizations",
      type: "organization", allowCreate: true, onChange: onTokens });
    const events = new TokenField({ id: "events", label: "Events", type: "event",
      allowCreate: true, onChange: onTokens });

    // Quote: an existing one, or a new one from this passage.
    const quote = new TokenField({ id: "quote", label: "Quote", type: "quote", single: true,
      allowCreate: false, placeholder: "Search quotes by their text…",
      onChange: () => {
        suggestLinking();
        markDirty();
      } });
    const newQuoteToggle = h("button", { type: "button", class: "button wb-button-quiet",
      "aria-expanded": "false", "aria-controls": "wb-new-quote" }, "New quote from this passage");
    const nqText = h("textarea", { id: "wb-nq-text", rows: 3, class: "vLargeTextField",
      "aria-describedby": "wb-err-new_quote-text" });
    const speaker = new TokenField({ id: "new_quote-speaker", label: "Speaker", type: "person",
      single: true, allowCreate: true, placeholder: "Search persons…", onChange: onTokens });
    const nqDescription = h("input", { type: "text", id: "wb-nq-description", class: "vTextField",
      "aria-describedby": "wb-nq-description-help wb-err-new_quote-speaker_description" });
    const nqMedium = h(
      "select",
      { id: "wb-nq-medium", "aria-describedby": "wb-err-new_quote-medium" },
      config.media.map(([value, label]) => h("option", { value }, label)),
    );
    const nqSaidOn = h("input", { type: "text", id: "wb-nq-said-on", class: "vTextField",
      inputmode: "numeric", placeholder: "YYYY-MM-DD",
      "aria-describedby": "wb-nq-said-on-help wb-err-new_quote-said_on" });
    const newQuoteBox = h(
      "fieldset",
      { id: "wb-new-quote", class: "wb-new-quote", hidden: true },
      h("legend", {}, "New quote"),
      h("ul", { class: "errorlist", id: "wb-err-new_quote" }),
      h("div", { class: "wb-field", "data-field": "new_quote-text" },
        h("label", { for: "wb-nq-text" }, "Text (canonical wording)"), nqText,
        fieldErrors("new_quote-text")),
      speaker.element,
      h("div", { class: "wb-field", "data-field": "new_quote-speaker_description" },
        h("label", { for: "wb-nq-description" }, "Or describe an anonymous speaker"),
        nqDescription,
        h("p", { class: "wb-help", id: "wb-nq-description-help" },
          "For instance: “a person with inside knowledge of the company”."),
        fieldErrors("new_quote-speaker_description")),
      h("div", { class: "wb-field-row" },
        h("div", { class: "wb-field", "data-field": "new_quote-medium" },
          h("label", { for: "wb-nq-medium" }, "Medium"), nqMedium, fieldErrors("new_quote-medium")),
        h("div", { class: "wb-field", "data-field": "new_quote-said_on" },
          h("label", { for: "wb-nq-said-on" }, "Said on"), nqSaidOn,
          h("p", { class: "wb-help", id: "wb-nq-said-on-help" }, "YYYY, YYYY-MM or YYYY-MM-DD; may be empty."),
          fieldErrors("new_quote-said_on"))),
    );
    const quoteField = h("div", { class: "wb-quote" }, quote.element,
      h("div", { class: "wb-inline-actions" }, newQuoteToggle), newQuoteBox);

    // Stance.
    const stance = select("stance", config.stances, { blank: "— (none)" });
    const stanceField = h("div", { class: "wb-field", "data-field": "stance" },
      h("label", { for: idFor("stance") }, "Stance"), stance,
      h("p", { class: "wb-help" }, "Optional: how the passage relates to its events."),
      fieldErrors("stance"));

    // Note, with a preview rendered by the server.
    const note = h("textarea", { id: idFor("note"), rows: 5, class: "vLargeTextField",
      "aria-describedby": "wb-note-help wb-err-note" });
    const previewToggle = h("button", { type: "button", class: "button wb-button-quiet",
      "aria-pressed": "false", "aria-controls": "wb-note-preview" }, "Preview");
    const preview = h("div", { id: "wb-note-preview", class: "wb-preview", hidden: true,
      "aria-live": "polite", "aria-label": "Note preview", role: "region" });
    const noteField = h("div", { class: "wb-field", "data-field": "note" },
      h("div", { class: "wb-label-row" }, h("label", { for: idFor("note") }, "Note"), previewToggle),
      note, preview,
      h("p", { class: "wb-help", id: "wb-note-help" }, "Markdown: *emphasis*, [links](https://…), lists."),
      fieldErrors("note"));

    // Correction (only for "correcting").
    const correction = h("textarea", { id: idFor("correction"), rows: 3, class: "vLargeTextField",
      "aria-describedby": "wb-correction-help wb-err-correction" });
    const correctionField = h("div", { class: "wb-field", "data-field": "correction", hidden: true },
      h("label", { for: idFor("correction") }, "Correction"), correction,
      h("p", { class: "wb-help", id: "wb-correction-help" }, "What the text should say."),
      fieldErrors("correction"));

    // Status: a choice for publishers, fixed (and explained) for everyone else.
    const status = config.can_publish ? select("status", config.statuses) : null;
    const statusText = h("p", { class: "wb-fixed", id: "wb-status-fixed" });
    const statusField = h("div", { class: "wb-field", "data-field": "status" },
      status ? h("label", { for: idFor("status") }, "Status") : h("span", { class: "wb-label" }, "Status"),
      status || statusText, fieldErrors("status"));

    // Actions.
    const saveButton = h("button", { type: "submit", class: "button default wb-save" }, "Save");
    const cancelButton = h("button", { type: "button", class: "button wb-button-quiet" }, "Cancel");
    const deleteButton = h("button", { type: "button", class: "button wb-delete", hidden: true }, "Delete");
    const adminLink = h("a", { class: "wb-admin-link", hidden: true }, "Open in the admin");
    const savedFlag = h("span", { class: "wb-saved", "aria-hidden": "true" });

    const element = h(
      "form",
      { id: "wb-form", class: "wb-form", novalidate: true, "aria-labelledby": "wb-panel-heading" },
      alertBox,
      restored,
      modeLine,
      passageField,
      motivationField,
      persons.element,
      organizations.element,
      events.element,
      quoteField,
      stanceField,
      noteField,
      correctionField,
      statusField,
      h("div", { class: "wb-actions" }, saveButton, savedFlag, cancelButton, deleteButton),
      adminLink,
    );
    formHost.append(element);

    // -- behaviour --

    function markDirty() {
      if (!meta) return;
      dirty = true;
      savedFlag.textContent = "";
      persist();
    }

    function suggestLinking() {
      if (motivationTouched || !meta) return;
      const linking = config.motivations.some(([v]) => v === "linking");
      if (linking && (quote.values.length || !newQuoteBox.hidden) && motivation.value !== "linking") {
        motivation.value = "linking";
        updateCorrection();
        announce("Motivation set to “Linking”, as the passage renders a quote.");
      }
    }

    function updateCorrection() {
      correctionField.hidden = motivation.value !== "correcting";
    }

    function setNewQuoteOpen(open, { prefill = true } = {}) {
      newQuoteBox.hidden = !open;
      newQuoteToggle.setAttribute("aria-expanded", String(open));
      newQuoteToggle.textContent = open ? "Use an existing quote instead" : "New quote from this passage";
      quote.element.hidden = open;
      if (open && prefill && !nqText.value.trim() && meta) nqText.value = meta.exact;
    }

    newQuoteToggle.addEventListener("click", () => {
      const open = newQuoteBox.hidden;
      setNewQuoteOpen(open);
      if (open) {
        suggestLinking();
        nqText.focus();
      } else quote.focus();
      markDirty();
    });

    motivation.addEventListener("change", () => {
      motivationTouched = true;
      updateCorrection();
    });

    element.addEventListener("input", markDirty);
    element.addEventListener("change", markDirty);
    element.addEventListener("submit", (event) => {
      event.preventDefault();
      save();
    });
    cancelButton.addEventListener("click", () => cancel());
    deleteButton.addEventListener("click", () => remove());
    useSelection.addEventListener("click", () => {
      if (!state.pending || !meta) return;
      Object.assign(meta, state.pending);
      renderPassage();
      markDirty();
      showCurrent();
      announce(`The passage is now “${excerpt(meta.exact, 60)}”. Save to keep it.`);
    });

    previewToggle.addEventListener("click", async () => {
      const showing = previewToggle.getAttribute("aria-pressed") === "true";
      if (showing) {
        previewToggle.setAttribute("aria-pressed", "false");
        preview.hidden = true;
        note.hidden = false;
        note.focus();
        return;
      }
      let response;
      try {
        response = await api("POST", urls.preview, { note: note.value });
      } catch {
        announce("Could not load the preview: the server cannot be reached.", { tone: "error" });
        return;
      }
      if (!response.ok) {
        announce(response.data.error || "Could not load the preview.", { tone: "error" });
        return;
      }
      // The HTML is sanitised by the server (docs/workbench.md): the only innerHTML of the form.
      preview.innerHTML = response.data.html || "<p><em>(empty note)</em></p>";
      preview.hidden = false;
      note.hidden = true;
      previewToggle.setAttribute("aria-pressed", "true");
    });

    function closePreview() {
      previewToggle.setAttribute("aria-pressed", "false");
      preview.hidden = true;
      preview.replaceChildren();
      note.hidden = false;
    }

    function renderPassage() {
      const orphaned = meta.anchor_status === "orphaned";
      passageText.textContent = meta.exact;
      passageText.classList.toggle("wb-passage--orphaned", orphaned);
      const parts = [`Characters ${meta.start}–${meta.end}`];
      if (orphaned) parts.push("its text is no longer found: select its new place and use the button below, or delete it");
      else if (meta.anchor_status === "fuzzy") parts.push("re-anchored to a similar passage: check it, saving confirms it");
      else if (meta.anchor_status === "moved") parts.push("moved by a text edit");
      passageMeta.textContent = `${parts.join(" · ")}.`;
      updateUseSelection();
    }

    function updateUseSelection() {
      const pending = state.pending;
      useSelection.hidden = !(
        meta &&
        pending &&
        (pending.start !== meta.start || pending.end !== meta.end || meta.anchor_status === "orphaned")
      );
      if (!useSelection.hidden) {
        useSelection.textContent = `Use the selected text as the passage (“${excerpt(pending.exact, 30)}”)`;
      }
    }

    function renderMode() {
      const isNew = meta.mode === "new";
      panelHeading.textContent = isNew ? "New annotation" : "Edit annotation";
      const bits = [];
      if (!isNew) {
        bits.push(shortMotivation(meta.original_motivation || motivation.value));
        bits.push(choiceLabel(config.statuses, meta.status));
        if (meta.needs_review) bits.push("needs review");
      }
      modeLine.textContent = bits.join(" · ");
      modeLine.hidden = isNew;
      deleteButton.hidden = isNew;
      adminLink.hidden = isNew || !meta.url;
      if (meta.url) adminLink.href = meta.url;
      if (!status) {
        statusText.textContent = isNew
          ? "Draft. New annotations are saved as drafts; a publisher publishes them."
          : meta.status === "published"
            ? "Published. Only a publisher can change or delete a published annotation."
            : `${choiceLabel(config.statuses, meta.status)}. Only a publisher can change the status.`;
      }
    }

    function clearErrors() {
      alertBox.replaceChildren();
      for (const list of $$(".errorlist", element)) list.replaceChildren();
      for (const field of $$("[aria-invalid]", element)) field.removeAttribute("aria-invalid");
      for (const field of $$(".wb-field--error", element)) field.classList.remove("wb-field--error");
    }

    /** Fill the form from a model (see read()). */
    function write(model) {
      meta = {
        mode: model.mode,
        key: model.key || null,
        version: model.version ?? null,
        start: model.start,
        end: model.end,
        exact: model.exact,
        anchor_status: model.anchor_status || "anchored",
        needs_review: Boolean(model.needs_review),
        url: model.url || "",
        status: model.status || "draft",
        original_motivation: model.original_motivation || model.motivation,
      };
      clearErrors();
      closePreview();
      restored.hidden = true;
      motivation.value = model.motivation || config.motivations[0][0];
      motivationTouched = Boolean(model.motivation_touched) || model.mode === "edit";
      persons.set(model.persons);
      organizations.set(model.organizations);
      events.set(model.events);
      quote.set(model.quote ? [model.quote] : []);
      const nq = model.new_quote || null;
      nqText.value = nq ? nq.text || "" : "";
      speaker.set(nq && nq.speaker ? [nq.speaker] : []);
      nqDescription.value = nq ? nq.speaker_description || "" : "";
      nqMedium.value = (nq && nq.medium) || (config.media.some(([v]) => v === "other") ? "other" : config.media[0][0]);
      nqSaidOn.value = nq ? nq.said_on || "" : "";
      setNewQuoteOpen(Boolean(nq && nq.open), { prefill: false });
      stance.value = model.stance || "";
      note.value = model.note || "";
      correction.value = model.correction || "";
      if (status) status.value = model.status || "draft";
      updateCorrection();
      renderPassage();
      renderMode();
      savedFlag.textContent = "";
      panelEmpty.hidden = true;
      chooser.hidden = true;
      formHost.hidden = false;
    }

    /** Everything in the form, labels included, so that it can be stored and restored. */
    function read() {
      return {
        ...meta,
        motivation: motivation.value,
        motivation_touched: motivationTouched,
        persons: persons.values,
        organizations: organizations.values,
        events: events.values,
        quote: quote.values[0] || null,
        new_quote: {
          open: !newQuoteBox.hidden,
          text: nqText.value,
          speaker: speaker.values[0] || null,
          speaker_description: nqDescription.value,
          medium: nqMedium.value,
          said_on: nqSaidOn.value,
        },
        stance: stance.value,
        note: note.value,
        correction: correction.value,
        status: status ? status.value : meta.status,
      };
    }

    /** AnnotationInput of the contract. */
    function payload() {
      const model = read();
      const creatingQuote = model.new_quote.open;
      const body = {
        start: model.start,
        end: model.end,
        exact: model.exact,
        motivation: model.motivation,
        note: model.note,
        // Kept in the form when the motivation changes, sent only where it is allowed.
        correction: model.motivation === "correcting" ? model.correction : "",
        stance: model.stance,
        status: config.can_publish ? model.status : "",
        persons: model.persons.map((v) => v.id),
        organizations: model.organizations.map((v) => v.id),
        events: model.events.map((v) => v.id),
        quote: creatingQuote || !model.quote ? null : model.quote.id,
        new_quote: creatingQuote
          ? {
              text: model.new_quote.text,
              speaker: model.new_quote.speaker ? model.new_quote.speaker.id : null,
              speaker_description: model.new_quote.speaker_description,
              medium: model.new_quote.medium,
              said_on: model.new_quote.said_on.trim(),
            }
          : null,
      };
      if (model.mode === "edit") body.version = model.version;
      return body;
    }

    function persist() {
      if (!meta) return;
      try {
        window.sessionStorage.setItem(DRAFT_KEY, JSON.stringify({ saved_at: Date.now(), model: read() }));
      } catch {
        /* storage full or disabled: the beforeunload warning still protects the work */
      }
    }

    function forgetDraft() {
      try {
        window.sessionStorage.removeItem(DRAFT_KEY);
      } catch {
        /* ignore */
      }
    }

    function storedDraft() {
      try {
        const raw = window.sessionStorage.getItem(DRAFT_KEY);
        const parsed = raw ? JSON.parse(raw) : null;
        return parsed && parsed.model && Number.isInteger(parsed.model.start) ? parsed.model : null;
      } catch {
        return null;
      }
    }

    function modelFromAnnotation(annotation) {
      return {
        mode: "edit",
        key: annotation.key,
        version: annotation.version,
        start: annotation.start,
        end: annotation.end,
        exact: annotation.exact,
        anchor_status: annotation.anchor_status,
        needs_review: annotation.needs_review,
        url: annotation.url,
        status: annotation.status,
        motivation: annotation.motivation,
        persons: annotation.persons,
        organizations: annotation.organizations,
        events: annotation.events,
        quote: annotation.quote,
        new_quote: null,
        stance: annotation.stance,
        note: annotation.note,
        correction: annotation.correction,
      };
    }

    // -- opening and closing --

    /** Whether the open form may be replaced: asks before dropping unsaved work. */
    function mayReplace() {
      if (!meta || !dirty) return true;
      // eslint-disable-next-line no-alert
      return window.confirm("The panel has unsaved changes. Discard them?");
    }

    function focusFirst() {
      panelHeading.focus({ preventScroll: !narrow.matches });
      if (narrow.matches) panel.scrollIntoView({ block: "start", behavior: reducedMotion.matches ? "auto" : "smooth" });
    }

    /** Without moving the focus: bring the top of the panel into view in its own column. */
    function revealPanel() {
      if (narrow.matches) return; // below the article: the editor stays with the text
      const side = panel.closest(".wb-side");
      if (side) side.scrollTop = 0;
    }

    function openNew(passage, { focus = true } = {}) {
      setHighlight("wb-found", null); // the passage is now shown as the one being annotated
      write({ mode: "new", ...passage, motivation: config.motivations[0][0] });
      dirty = false;
      showCurrent();
      announce(`New annotation of “${excerpt(passage.exact, 60)}”.`);
      if (focus) focusFirst();
      else revealPanel();
    }

    function openEdit(annotation, { focus = true, scroll = false } = {}) {
      write(modelFromAnnotation(annotation));
      dirty = false;
      showCurrent();
      if (scroll) scrollToAnnotation(annotation);
      announce(`Editing the annotation of “${excerpt(annotation.exact, 60)}”.`);
      if (focus) focusFirst();
      else revealPanel();
    }

    function restore(model) {
      write(model);
      dirty = true;
      restored.hidden = false;
      restored.replaceChildren(
        h("p", {}, "Restored your unsaved work from this tab. It is not saved yet."),
        h("button", { type: "button", class: "button wb-button-quiet", onclick: () => cancel({ ask: true }) },
          "Discard it"),
      );
      showCurrent();
      announce("Restored your unsaved annotation.", { sticky: true });
    }

    function close() {
      meta = null;
      dirty = false;
      formHost.hidden = true;
      chooser.hidden = true;
      panelEmpty.hidden = false;
      panelHeading.textContent = "Annotation";
      clearErrors();
      closePreview();
      showCurrent();
    }

    function cancel({ ask = true } = {}) {
      // eslint-disable-next-line no-alert
      if (ask && dirty && !window.confirm("Discard your unsaved changes to this annotation?")) return;
      forgetDraft();
      close();
      announce("Closed without saving.");
      panelHeading.focus();
    }

    // -- errors --

    const FIELD_TARGETS = {
      start: "passage",
      end: "passage",
      exact: "passage",
      "new_quote.text": "new_quote-text",
      "new_quote.speaker": "new_quote-speaker",
      "new_quote.speaker_description": "new_quote-speaker_description",
      "new_quote.medium": "new_quote-medium",
      "new_quote.said_on": "new_quote-said_on",
      "new_quote.__all__": "new_quote",
      new_quote: "new_quote",
    };

    function flattenErrors(errors, prefix = "") {
      const flat = [];
      for (const [field, value] of Object.entries(errors || {})) {
        const name = prefix ? `${prefix}.${field}` : field;
        if (Array.isArray(value)) flat.push([name, value.map((m) => (typeof m === "string" ? m : m.message || JSON.stringify(m)))]);
        else if (value && typeof value === "object") flat.push(...flattenErrors(value, name));
        else if (value) flat.push([name, [String(value)]]);
      }
      return flat;
    }

    function showErrors(data) {
      clearErrors();
      const general = [];
      let firstInvalid = null;
      for (const [field, messages] of flattenErrors(data.errors)) {
        const target = FIELD_TARGETS[field] || field;
        const list = $(`#wb-err-${CSS.escape(target)}`, element);
        if (!list || field === "__all__" || field === "version") {
          general.push(...messages);
          continue;
        }
        list.append(...messages.map((m) => h("li", {}, m)));
        const wrapper = list.closest(".wb-field");
        if (wrapper) wrapper.classList.add("wb-field--error");
        const control = wrapper && $("input, select, textarea", wrapper);
        if (control) {
          control.setAttribute("aria-invalid", "true");
          firstInvalid = firstInvalid || control;
        }
        if (target.startsWith("new_quote")) setNewQuoteOpen(true, { prefill: false });
      }
      const headline = data.error || "Please correct the errors below.";
      const others = general.filter((m) => m !== headline);
      alertBox.replaceChildren(h("p", { class: "errornote" }, headline));
      if (others.length) {
        alertBox.append(h("ul", { class: "errorlist nonfield" }, others.map((m) => h("li", {}, m))));
      }
      if (firstInvalid) firstInvalid.focus();
      else alertBox.scrollIntoView({ block: "nearest" });
    }

    function showProblem(message, retry) {
      alertBox.replaceChildren(
        h(
          "div",
          { class: "errornote wb-problem" },
          h("p", {}, message),
          retry
            ? h("button", { type: "button", class: "button", onclick: () => retry() }, "Retry")
            : null,
        ),
      );
      alertBox.scrollIntoView({ block: "nearest" });
    }

    function describeAnnotation(current) {
      const names = (list) => (list || []).map((v) => v.label).join(", ") || "—";
      const rows = [
        ["Passage", `“${excerpt(current.exact, 120)}”`],
        ["Motivation", shortMotivation(current.motivation)],
        ["Persons", names(current.persons)],
        ["Organizations", names(current.organizations)],
        ["Events", names(current.events)],
        ["Quote", current.quote ? current.quote.label : "—"],
        ["Stance", current.stance ? choiceLabel(config.stances, current.stance) : "—"],
        ["Status", choiceLabel(config.statuses, current.status)],
        ["Note", current.note ? excerpt(current.note, 160) : "—"],
      ];
      if (current.correction) rows.push(["Correction", excerpt(current.correction, 160)]);
      return h("dl", { class: "wb-current" }, rows.map(([dt, dd]) => [h("dt", {}, dt), h("dd", {}, dd)]));
    }

    function showConflict(data, action) {
      const current = data.current;
      const message =
        "Someone else changed this annotation while you were editing it. Your changes are " +
        "still in the form below, nothing is lost.";
      if (!current) {
        alertBox.replaceChildren(
          h("div", { class: "wb-conflict", role: "group", "aria-label": "Edit conflict" },
            h("p", {}, "Someone else changed or deleted this annotation while you were editing it. " +
              "Your text is still in the form: copy what you need, then cancel and annotate the passage again.")),
        );
        return;
      }
      const retryLabel = action === "delete" ? "Delete it anyway" : "Save mine over theirs";
      alertBox.replaceChildren(
        h(
          "div",
          { class: "wb-conflict", role: "group", "aria-label": "Edit conflict" },
          h("p", {}, h("strong", {}, message)),
          h("p", {}, "Their current version:"),
          describeAnnotation(current),
          h(
            "div",
            { class: "wb-inline-actions" },
            h("button", {
              type: "button",
              class: "button",
              onclick: () => {
                meta.version = current.version;
                persist();
                if (action === "delete") remove();
                else save();
              },
            }, retryLabel),
            h("button", {
              type: "button",
              class: "button wb-button-quiet",
              onclick: () => {
                // eslint-disable-next-line no-alert
                if (!window.confirm("Replace what is in the form with their version?")) return;
                openEdit(current);
                forgetDraft();
              },
            }, "Load their version"),
          ),
        ),
      );
      alertBox.scrollIntoView({ block: "nearest" });
    }

    function setBusy(value) {
      busy = value;
      saveButton.disabled = value;
      deleteButton.disabled = value;
      element.setAttribute("aria-busy", String(value));
    }

    // -- saving and deleting --

    async function save() {
      if (!meta || busy) return;
      lastAction = save;
      persist();
      clearErrors();
      const body = payload();
      const url = meta.mode === "new" ? urls.create : urls.update(meta.key);
      setBusy(true);
      let response;
      try {
        response = await api("POST", url, body);
      } catch {
        showProblem(
          "Could not reach the server, so nothing was saved. Your work is kept in the form (and in this tab). Retry when you are back online.",
          () => lastAction && lastAction(),
        );
        announce("Not saved: the server cannot be reached.", { tone: "error", sticky: true });
        return;
      } finally {
        setBusy(false);
      }
      if (response.status === 200 || response.status === 201) {
        const saved = response.data;
        forgetDraft();
        write(modelFromAnnotation(saved));
        dirty = false;
        savedFlag.textContent = "Saved";
        await refresh();
        showCurrent();
        announce(response.status === 201 ? "Saved: the annotation was created." : "Saved.", { tone: "ok" });
        return;
      }
      if (response.status === 400) {
        showErrors(response.data);
        announce("Not saved: please correct the errors.", { tone: "error" });
      } else if (response.status === 409) {
        showConflict(response.data, "save");
        announce("Not saved: someone else changed this annotation.", { tone: "error" });
      } else {
        showProblem(response.data.error || `Not saved: the server answered ${response.status}.`,
          response.status >= 500 || response.status === 401 ? () => lastAction && lastAction() : null);
        announce("Not saved.", { tone: "error" });
      }
    }

    async function remove() {
      if (!meta || meta.mode !== "edit" || busy) return;
      // eslint-disable-next-line no-alert
      if (!window.confirm(`Delete the annotation of “${excerpt(meta.exact, 60)}”? This cannot be undone.`)) return;
      lastAction = remove;
      clearErrors();
      setBusy(true);
      let response;
      try {
        response = await api("POST", urls.remove(meta.key), { version: meta.version });
      } catch {
        showProblem("Could not reach the server, so nothing was deleted. Retry when you are back online.",
          () => lastAction && lastAction());
        return;
      } finally {
        setBusy(false);
      }
      if (response.status === 204 || response.status === 200) {
        forgetDraft();
        close();
        await refresh();
        announce("Deleted.", { tone: "ok" });
        panelHeading.focus();
      } else if (response.status === 409) {
        showConflict(response.data, "delete");
      } else if (response.status === 403) {
        showProblem(response.data.error || "You are not allowed to delete this annotation.");
      } else {
        showProblem(response.data.error || `Not deleted: the server answered ${response.status}.`);
      }
    }

    return {
      get meta() {
        return meta;
      },
      get dirty() {
        return dirty;
      },
      persist,
      storedDraft,
      forgetDraft,
      restore,
      openNew,
      openEdit,
      mayReplace,
      updateUseSelection,
      focusFirst,
      close,
    };
  })();

  // -- the article: highlights and their annotations -------------------------------------------

  const narrow = window.matchMedia("(max-width: 959px)");

  function markFor(key) {
    return article.querySelector(`mark[data-a="${CSS.escape(key)}"]`);
  }

  /** Outline the open annotation (or the passage of a new one). */
  function showCurrent() {
    for (const mark of $$("mark.wb-mark--current", article)) mark.classList.remove("wb-mark--current");
    const meta = form.meta;
    if (meta && meta.mode === "edit") {
      for (const mark of $$(`mark[data-a="${CSS.escape(meta.key)}"]`, article)) {
        mark.classList.add("wb-mark--current");
      }
    }
    // The form's passage when it is not (or no longer) the highlight on the page.
    const annotation = meta && meta.key ? state.annotations.get(meta.key) : null;
    const samePlace = annotation && annotation.start === meta.start && annotation.end === meta.end;
    setHighlight("wb-pending", meta && meta.anchor_status !== "orphaned" && !samePlace ? meta : null);
  }

  function scrollToAnnotation(annotation) {
    const range = annotation.anchor_status !== "orphaned" && passageRange(annotation.start, annotation.end);
    if (range) {
      scrollToRange(range);
      flashPassage(annotation);
    }
  }

  function decorateArticle() {
    for (const mark of $$("mark[data-a]", article)) {
      const annotation = state.annotations.get(mark.dataset.a);
      if (annotation) {
        const who = [...annotation.persons, ...annotation.organizations, ...annotation.events]
          .map((v) => v.label)
          .join(", ");
        mark.title = `${shortMotivation(annotation.motivation)}${who ? `: ${who}` : ""}${
          annotation.needs_review ? " (needs review)" : ""
        }`;
      }
      if (mark.hasAttribute("data-first") || mark.id === `a-${mark.dataset.a}`) {
        mark.dataset.focusable = "";
        mark.tabIndex = 0;
        mark.setAttribute("aria-describedby", "wb-mark-hint");
      }
    }
  }

  /** Keys of the annotations under a mark, innermost first. */
  function keysAt(mark) {
    const keys = [];
    for (let m = mark; m && article.contains(m); m = m.parentElement && m.parentElement.closest("mark[data-a]")) {
      if (!keys.includes(m.dataset.a)) keys.push(m.dataset.a);
    }
    return keys;
  }

  function openKeys(keys, { focus = false } = {}) {
    const annotations = keys.map((key) => state.annotations.get(key)).filter(Boolean);
    if (!annotations.length) return;
    if (annotations.length === 1) {
      if (form.meta && form.meta.key === annotations[0].key) {
        if (focus) form.focusFirst();
        return;
      }
      if (!form.mayReplace()) return;
      form.openEdit(annotations[0], { focus });
      return;
    }
    // Several passages overlap here: let the editor choose.
    chooser.replaceChildren(
      h("p", { id: "wb-chooser-label" }, `${annotations.length} annotations overlap here. Which one?`),
      h(
        "ul",
        { class: "wb-choices", "aria-labelledby": "wb-chooser-label" },
        annotations.map((annotation) =>
          h(
            "li",
            {},
            h(
              "button",
              {
                type: "button",
                class: `wb-choice wb-choice--${annotation.motivation}`,
                onclick: () => {
                  if (!form.mayReplace()) return;
                  form.openEdit(annotation, { focus: true });
                },
              },
              h("span", { class: "wb-choice-kind" }, shortMotivation(annotation.motivation)),
              h("span", { class: "wb-choice-text" }, `“${excerpt(annotation.exact, 70)}”`),
              [...annotation.persons, ...annotation.organizations, ...annotation.events].length
                ? h("span", { class: "wb-choice-who" },
                    [...annotation.persons, ...annotation.organizations, ...annotation.events].map((v) => v.label).join(", "))
                : null,
            ),
          ),
        ),
      ),
      h("button", { type: "button", class: "button wb-button-quiet", onclick: () => {
        chooser.hidden = true;
        if (!form.meta) $("#wb-panel-empty").hidden = false;
        else $("#wb-form-host").hidden = false;
      } }, "Never mind"),
    );
    chooser.hidden = false;
    $("#wb-panel-empty").hidden = true;
    $("#wb-form-host").hidden = true;
    panelHeading.textContent = "Choose an annotation";
    announce(`${annotations.length} annotations overlap here: choose one.`);
    const first = $("button", chooser);
    if (first) first.focus({ preventScroll: !narrow.matches });
  }

  // Chrome will not start a drag selection inside a focusable element: while the mouse button
  // is down the highlights stop being focusable (the keyboard gets them back on mouseup).
  function setMarksFocusable(focusable) {
    for (const mark of $$("mark[data-focusable]", article)) {
      if (focusable) mark.tabIndex = 0;
      else mark.removeAttribute("tabindex");
    }
  }
  let dragging = false; // the mouse button went down in the article
  article.addEventListener("mousedown", (event) => {
    if (event.button !== 0) return;
    dragging = true;
    setMarksFocusable(false);
  }, true);

  // Mouse: a selection opens a new annotation (even when the drag ends outside the article),
  // a click on a highlight opens it.
  document.addEventListener("mouseup", () => {
    window.setTimeout(() => setMarksFocusable(true), 0);
    if (!dragging) return;
    dragging = false;
    window.setTimeout(() => {
      const passage = selectionPassage();
      if (!passage) return;
      setPending(passage);
      if (form.meta && form.dirty) {
        announce("Passage selected. The panel has unsaved changes: save or cancel them, or use “Use the selected text as the passage”.");
        return;
      }
      if (form.meta && form.meta.mode === "edit" && form.meta.needs_review) {
        // Reviewing a passage that moved or lost its text: the selection is its new place.
        announce("Passage selected. Press “Use the selected text as the passage” to move this annotation there, or “Annotate selection” for a new one.");
        return;
      }
      form.openNew(passage, { focus: false });
    }, 0);
  });

  article.addEventListener("click", (event) => {
    const selection = window.getSelection();
    if (selection && !selection.isCollapsed && article.contains(selection.anchorNode)) return;
    const mark = event.target.closest("mark[data-a]");
    if (!mark || !article.contains(mark)) return;
    openKeys(keysAt(mark));
  });

  article.addEventListener("keydown", (event) => {
    const mark = event.target.closest && event.target.closest("mark[data-a][tabindex]");
    if (!mark || mark !== event.target) return;
    if (event.key === "Enter" || event.key === " " || event.key === "Spacebar") {
      event.preventDefault();
      openKeys([mark.dataset.a], { focus: true });
    }
  });

  // Keyboard selection (caret browsing, shift+arrows) keeps the button up to date.
  let selectionFrame = 0;
  document.addEventListener("selectionchange", () => {
    window.cancelAnimationFrame(selectionFrame);
    selectionFrame = window.requestAnimationFrame(() => {
      const selection = window.getSelection();
      const passage = selectionPassage();
      if (passage) setPending(passage);
      else if (selection && selection.rangeCount && article.contains(selection.anchorNode) && selection.isCollapsed) {
        // A click elsewhere in the article ends the selection; leaving the article (to reach the
        // button or the panel) does not.
        setPending(null);
        state.lastFind = null;
        setHighlight("wb-found", null);
      }
    });
  });

  function annotatePending() {
    const passage = state.pending || selectionPassage();
    if (!passage) {
      announce("Select a passage in the article first (or use “Find passage”).", { tone: "error" });
      return;
    }
    if (form.meta && form.meta.mode === "new" && form.meta.start === passage.start && form.meta.end === passage.end) {
      form.focusFirst();
      return;
    }
    if (!form.mayReplace()) return;
    form.openNew(passage, { focus: true });
  }

  annotateButton.addEventListener("click", annotatePending);
  const skipLink = $(".wb-skip");
  if (skipLink) {
    skipLink.addEventListener("click", (event) => {
      event.preventDefault();
      panelHeading.focus();
    });
  }
  document.addEventListener("keydown", (event) => {
    if (event.altKey && !event.ctrlKey && !event.metaKey && (event.code === "KeyA" || event.key === "a" || event.key === "A")) {
      event.preventDefault();
      annotatePending();
    }
  });

  // -- find passage (keyboard alternative to selecting) ------------------------------------------

  const findInput = $("#wb-find-input");
  const findButton = $("#wb-find-next");

  function codePointIndex(utf16) {
    return cpLength(bodyText.slice(0, utf16));
  }

  function findNext() {
    const query = findInput.value.trim();
    if (!query) {
      announce("Type the words to find.");
      return;
    }
    const pattern = new RegExp(query.split(/\s+/u).map(escapeRegExp).join("\\s+"), "giu");
    const matches = [...bodyText.matchAll(pattern)].filter((m) => m[0].length > 0);
    if (!matches.length) {
      announce(`“${query}” is not in the article.`, { tone: "error" });
      setHighlight("wb-found", null);
      return;
    }
    const found = matches.map((m) => {
      const start = codePointIndex(m.index);
      return { start, end: start + cpLength(m[0]) };
    });
    const after = state.lastFind && state.lastFind.query.toLowerCase() === query.toLowerCase()
      ? state.lastFind.start
      : -1;
    let index = found.findIndex((f) => f.start > after);
    const wrapped = index === -1;
    if (wrapped) index = 0;
    const passage = makePassage(found[index].start, found[index].end);
    if (!passage) return;
    state.lastFind = { query, start: passage.start };
    const range = passageRange(passage.start, passage.end);
    if (range) {
      selectRange(range);
      scrollToRange(range);
    }
    setHighlight("wb-found", passage);
    setPending(passage);
    if (document.activeElement !== findInput) findInput.focus({ preventScroll: true });
    announce(
      `${wrapped && after >= 0 ? "Back at the start. " : ""}Match ${index + 1} of ${found.length}: “${excerpt(passage.exact, 40)}”. Press Alt+A or “Annotate selection” to annotate it.`,
    );
  }

  findInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      findNext();
    }
  });
  findInput.addEventListener("input", () => {
    state.lastFind = null;
  });
  findButton.addEventListener("click", findNext);

  // -- suggestions ---------------------------------------------------------------------------------

  const suggestionsBody = $("#wb-suggestions-body");

  /** The context as text nodes, with the suggested words in <strong>. */
  function emphasise(context, exact) {
    const text = String(context || "");
    if (!exact) return [text];
    let index = -1;
    const middle = text.length / 2;
    for (const haystack of [text, text.toLowerCase()]) {
      const needle = haystack === text ? exact : exact.toLowerCase();
      let best = -1;
      for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
        if (best === -1 || Math.abs(at - middle) < Math.abs(best - middle)) best = at;
      }
      if (best !== -1) {
        index = best;
        break;
      }
    }
    // The context is cut out of the text, often mid-word: say so.
    const open = /^[…\s]/u.test(text) ? "" : "…";
    const close = /[…\s]$/u.test(text) ? "" : "…";
    if (index === -1) return [open, text, close];
    return [open, text.slice(0, index), h("strong", { class: "wb-hit" }, text.slice(index, index + exact.length)),
      text.slice(index + exact.length), close];
  }

  function groupSuggestions(list) {
    const groups = new Map();
    for (const suggestion of list) {
      const id = `${suggestion.entity_type}:${suggestion.entity}`;
      if (!groups.has(id)) {
        groups.set(id, { id, label: suggestion.label, entity_type: suggestion.entity_type,
          entity: suggestion.entity, items: [] });
      }
      groups.get(id).items.push(suggestion);
    }
    return [...groups.values()].sort((a, b) => a.label.localeCompare(b.label));
  }

  function renderSuggestions() {
    const active = document.activeElement;
    const focusId = active && suggestionsBody.contains(active) ? active.dataset.focus : null;
    const list = (state.data && state.data.suggestions) || [];
    if (!list.length) {
      suggestionsBody.replaceChildren(h("p", { class: "wb-help" }, "No suggestions: every known name in the text is linked or dismissed."));
      if (focusId) $("#wb-suggestions-heading").focus();
      return;
    }
    const groups = groupSuggestions(list);
    $("#wb-suggestions-heading").textContent = `Suggested mentions (${list.length})`;
    suggestionsBody.replaceChildren(
      ...groups.map((group, g) => {
        const headingId = `wb-sg-${g}`;
        const type = TYPE_NAMES[group.entity_type] || group.entity_type;
        return h(
          "section",
          { class: "wb-group", "aria-labelledby": headingId },
          h("h3", { id: headingId },
            h("span", { class: "wb-group-label" }, group.label),
            " ",
            h("span", { class: "wb-count", "aria-label": `${group.items.length} ${group.items.length === 1 ? "occurrence" : "occurrences"}` }, String(group.items.length)),
            h("span", { class: "wb-type" }, type)),
          h("div", { class: "wb-inline-actions" },
                h("button", { type: "button", class: "button", "data-focus": `all-link:${group.id}`,
                  "aria-label": `Link all ${group.items.length} to ${group.label}`,
                  onclick: () => resolveSuggestions("accept", group, null) }, "Link all"),
                h("button", { type: "button", class: "button wb-button-quiet", "data-focus": `all-dismiss:${group.id}`,
                  "aria-label": `Dismiss all ${group.items.length} for ${group.label}`,
                  onclick: () => resolveSuggestions("dismiss", group, null) }, "Dismiss all")),
          h(
            "ol",
            { class: "wb-occurrences" },
            group.items.map((item, i) =>
              h(
                "li",
                { class: "wb-occurrence" },
                h("button", { type: "button", class: "wb-occurrence-show", "data-focus": `show:${group.id}:${item.start}`,
                  "aria-label": `Show in the text: ${item.context}`,
                  onclick: () => showSuggestion(item) }, emphasise(item.context, item.exact)),
                h("span", { class: "wb-occurrence-actions" },
                  h("button", { type: "button", class: "button", "data-focus": `link:${group.id}:${item.start}`,
                    "aria-label": `Link “${item.exact}” (${i + 1} of ${group.items.length}) to ${group.label}`,
                    onclick: () => resolveSuggestions("accept", group, item) }, "Link"),
                  h("button", { type: "button", class: "button wb-button-quiet", "data-focus": `dismiss:${group.id}:${item.start}`,
                    "aria-label": `Not ${group.label}: dismiss “${item.exact}” (${i + 1} of ${group.items.length})`,
                    onclick: () => resolveSuggestions("dismiss", group, item) }, "Not this")),
              ),
            ),
          ),
        );
      }),
    );
    if (focusId) {
      const again = $(`[data-focus="${CSS.escape(focusId)}"]`, suggestionsBody);
      const [kind, type, id] = focusId.split(":");
      const fallback =
        $(`[data-focus^="${CSS.escape(`${kind}:${type}:${id}:`)}"]`, suggestionsBody) ||
        $(`[data-focus^="${CSS.escape(`show:${type}:${id}:`)}"]`, suggestionsBody) ||
        $("button", suggestionsBody);
      (again || fallback || $("#wb-suggestions-heading")).focus({ preventScroll: true });
    }
  }

  function showSuggestion(item) {
    const passage = makePassage(item.start, item.end);
    const range = passage && passageRange(passage.start, passage.end);
    if (!range) return;
    scrollToRange(range);
    flashPassage(passage);
    selectRange(range);
    setPending(passage);
    announce(`Shown in the text: “${item.exact}”. Alt+A annotates it.`);
  }

  let resolving = false;
  async function resolveSuggestions(action, group, item) {
    if (resolving) return;
    const count = item ? 1 : group.items.length;
    if (action === "dismiss" && !item &&
      // eslint-disable-next-line no-alert
      !window.confirm(`Dismiss all ${count} suggested mentions of ${group.label}?`)) return;
    const body = item
      ? { start: item.start, end: item.end, exact: item.exact, entity_type: group.entity_type, entity: group.entity }
      : { entity_type: group.entity_type, entity: group.entity, all: true };
    resolving = true;
    suggestionsBody.setAttribute("aria-busy", "true");
    let response;
    try {
      response = await api("POST", action === "accept" ? urls.accept : urls.dismiss, body);
    } catch {
      announce("Nothing changed: the server cannot be reached. Try again.", { tone: "error", sticky: true });
      return;
    } finally {
      resolving = false;
      suggestionsBody.removeAttribute("aria-busy");
    }
    if (!response.ok) {
      announce(response.data.error || `Nothing changed: the server answered ${response.status}.`, { tone: "error", sticky: true });
      await refresh();
      return;
    }
    await refresh();
    if (action === "accept") {
      const created = (response.data.created || []).length;
      announce(`Linked ${created} ${created === 1 ? "passage" : "passages"} to ${group.label}.`, { tone: "ok" });
      if (item) flashPassage(item);
    } else {
      const dismissed = response.data.dismissed ?? count;
      announce(`Dismissed ${dismissed} ${dismissed === 1 ? "suggestion" : "suggestions"} for ${group.label}.`, { tone: "ok" });
    }
  }

  // -- review list ----------------------------------------------------------------------------------

  const reviewBody = $("#wb-review-body");

  function renderReview() {
    const list = (state.data && state.data.review) || [];
    $("#wb-review-heading").textContent = list.length ? `Needs review (${list.length})` : "Needs review";
    if (!list.length) {
      reviewBody.replaceChildren(h("p", { class: "wb-help" }, "Nothing to review: every passage is anchored."));
      return;
    }
    reviewBody.replaceChildren(
      h(
        "ul",
        { class: "wb-review-list" },
        list.map((annotation) => {
          const orphaned = annotation.anchor_status === "orphaned";
          const who = [...annotation.persons, ...annotation.organizations, ...annotation.events]
            .map((v) => v.label)
            .join(", ");
          return h(
            "li",
            { class: `wb-review-item wb-review-item--${annotation.anchor_status}` },
            h("span", { class: `wb-anchor wb-anchor--${annotation.anchor_status}` },
              orphaned ? "Text no longer found" : annotation.anchor_status === "fuzzy" ? "Re-anchored: check it" : annotation.anchor_status),
            h("span", { class: "wb-review-kind" }, shortMotivation(annotation.motivation), who ? ` · ${who}` : ""),
            h("q", { class: orphaned ? "wb-review-text wb-review-text--gone" : "wb-review-text" }, excerpt(annotation.exact, 140)),
            h("button", {
              type: "button",
              class: "button",
              "aria-label": `Open the annotation of “${excerpt(annotation.exact, 40)}” (${orphaned ? "text no longer found" : "re-anchored"})`,
              onclick: () => {
                if (!form.mayReplace()) return;
                form.openEdit(annotation, { focus: true, scroll: !orphaned });
              },
            }, "Open"),
          );
        }),
      ),
    );
  }

  // -- state ------------------------------------------------------------------------------------------

  let refreshCount = 0;
  async function refresh() {
    const ticket = ++refreshCount;
    let response;
    try {
      response = await api("GET", urls.state);
    } catch {
      announce("Could not load the latest state: the server cannot be reached. The page shows what it last knew.", { tone: "error", sticky: true });
      return false;
    }
    if (ticket !== refreshCount) return false; // a later refresh is on its way
    if (!response.ok) {
      announce(response.data.error || `Could not load the latest state (${response.status}).`, { tone: "error", sticky: true });
      return false;
    }
    applyState(response.data);
    return true;
  }

  function applyState(data) {
    const focused = document.activeElement;
    const focusedKey = focused && article.contains(focused) && focused.dataset ? focused.dataset.a : null;
    state.data = data;
    state.annotations = new Map();
    for (const annotation of [...(data.annotations || []), ...(data.review || [])]) {
      state.annotations.set(annotation.key, annotation);
    }
    if (typeof data.html === "string") {
      // Server-rendered and escaped (archive/rendering.py): the article's only source of HTML.
      article.innerHTML = data.html;
    }
    buildTextModel();
    decorateArticle();
    renderSuggestions();
    renderReview();
    showCurrent();
    for (const name of ["wb-found", "wb-flash"]) paintHighlight(name);
    if (focusedKey) {
      const mark = markFor(focusedKey);
      if (mark) mark.focus({ preventScroll: true });
    }
    // A pending passage is only worth keeping while its text is still there.
    if (state.pending && bodyCps.slice(state.pending.start, state.pending.end).join("") !== state.pending.exact) {
      setPending(null);
    }
  }

  // -- never lose work -------------------------------------------------------------------------------

  window.addEventListener("beforeunload", (event) => {
    if (!form.meta || !form.dirty) return;
    form.persist();
    event.preventDefault();
    event.returnValue = ""; // older browsers need it set
  });
  window.addEventListener("pagehide", () => {
    if (form.meta && form.dirty) form.persist();
  });

  // -- start ----------------------------------------------------------------------------------------

  buildTextModel();
  decorateArticle();
  setPending(null);
  (async () => {
    const draft = form.storedDraft();
    await refresh();
    if (draft) form.restore(draft);
  })();
})();
