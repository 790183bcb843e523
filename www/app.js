// The tag explorer. Talks only to its own origin: the gateway's /api/v1/ (metadata computed by
// the core, no pulls spent) and /v2/ (raw manifests, counted as pulls; HEADs are free). The
// package's web build (www/pkg/, copied there by `make build`) parses references, decodes
// rate-limit headers, verifies raw manifest digests and orders tag names: this file is
// presentation and navigation.
import init, * as pg from "./pkg/browser.js";
// explorer.rs exports: the same wasm module instance as browser.js (initialized by its init()).
import { explorerTagOrder } from "./pkg/pullgate.js";

const $ = (id) => document.getElementById(id);
// Tags per /api/v1 request (the API caps it at 1000); `?tags_page=N` overrides it.
const TAGS_PAGE = Number(new URLSearchParams(location.search).get("tags_page")) || 500;
const PAGES_IN_FLIGHT = 3;
const ROUTE_REPO = /^#\/r\/(.+?)(?:\/t\/([^/]+))?$/;
// The Accept value for any manifest or index, from the core.
const { MANIFEST_ACCEPT } = pg;

// ---------- small helpers ----------

function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/** Bytes in SI units, as `docker images` prints them. */
function formatBytes(n) {
  if (n === undefined || n === null) return "?";
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = n;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function formatDate(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

function formatWindow(seconds) {
  if (!seconds) return "";
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function shortDigest(digest) {
  const [algorithm, encoded] = digest.split(":");
  return `${algorithm}:${encoded.slice(0, 12)}`;
}

function timeEl(iso) {
  return iso ? h("time", { datetime: iso, title: iso, text: formatDate(iso) }) : h("span", { text: "—" });
}

let toastTimer;
function toast(message) {
  const el = $("toast");
  el.textContent = message;
  el.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove("show"), 1600);
}

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Clipboard API refused (permissions, http): the selection route still works.
    const area = h("textarea", { "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  document.body.dataset.copied = text;
  toast(`Copied ${what}`);
}

/** An error of the gateway's API (distribution error form) or of the network. */
class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

async function api(path) {
  let response;
  try {
    response = await fetch(path, { headers: { accept: "application/json" } });
  } catch (err) {
    throw new ApiError(0, "NETWORK", `the gateway did not answer (${err.message})`);
  }
  if (response.ok) return response.json();
  let code = "UNKNOWN";
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body.errors?.[0]) ({ code, message } = body.errors[0]);
  } catch {
    // not a distribution error body
  }
  if (response.status === 429 && code === "UNKNOWN") code = "TOOMANYREQUESTS";
  throw new ApiError(response.status, code, message, response.headers.get("retry-after"));
}

/**
 * api(), asked again (at most twice, after the Retry-After it names, capped at 5 s) when the
 * gateway answers 503 with a Retry-After: a tags page that ran out of the gateway's upstream
 * request budget before its first tag (others were spending it too) goes on next time from
 * what that call fetched and cached.
 */
async function apiRetrying(path) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await api(path);
    } catch (err) {
      const wait = Number(err.retryAfter);
      if (!(err instanceof ApiError && err.status === 503 && wait > 0 && attempt < 2)) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 5) * 1000));
    }
  }
}

/** What a person can do about an error, by its code. */
function explain(err, subject) {
  switch (err.code) {
    case "NAME_UNKNOWN":
      return ["Repository not found", err.message, `Check the spelling of ${subject}, or search for it above.`];
    case "MANIFEST_UNKNOWN":
      return ["Tag not found", err.message, "The tag may have been deleted or moved; open the repository to see its tags."];
    case "TOOMANYREQUESTS":
      return ["Rate limited", err.message, `Wait${err.retryAfter ? ` ${err.retryAfter} seconds` : " a little"} and try again; browsing this page does not spend pulls.`];
    case "UNAVAILABLE":
      return ["The registry is not answering", err.message, "The registry behind this gateway is down or unreachable. Try again in a minute; if it lasts, tell the gateway's operator."];
    case "NETWORK":
      return ["The gateway is not answering", err.message, "Check your connection, then try again."];
    case "NAME_INVALID":
    case "TAG_INVALID":
    case "DIGEST_INVALID":
      return ["Not a valid reference", err.message, "Fix the name in the address, or search for the repository."];
    default:
      return ["Something went wrong", `${err.message} (${err.code ?? err.name})`, "Try again; if it lasts, tell the gateway's operator."];
  }
}

let retry = null;
function showProblem(err, subject, again) {
  const [title, message, action] = explain(err, subject);
  $("problem-title").textContent = title;
  $("problem-message").textContent = message;
  $("problem-action").textContent = action;
  $("problem").dataset.code = err.code ?? "UNKNOWN";
  $("problem").hidden = false;
  retry = again;
}

function hideProblem() {
  $("problem").hidden = true;
  retry = null;
}

// ---------- rate-limit widget ----------

let budgetState = null;

function renderBudget({ limit, remaining, windowSeconds, retryAfterSeconds, source }) {
  budgetState = { limit, remaining, windowSeconds, retryAfterSeconds };
  const widget = $("budget");
  const note = $("budget-note");
  note.classList.remove("limited");
  widget.dataset.limited = String(remaining === 0);
  if (limit === null || limit === undefined) {
    $("budget-remaining").textContent = "unlimited";
    $("budget-limit").textContent = "";
    $("budget-window").textContent = "";
    $("budget-meter").value = 1;
    note.hidden = false;
    note.textContent = "This gateway does not limit pulls.";
    widget.dataset.remaining = "";
    return;
  }
  $("budget-remaining").textContent = String(remaining ?? "?");
  $("budget-limit").textContent = ` / ${limit}`;
  $("budget-window").textContent = windowSeconds ? `per ${formatWindow(windowSeconds)}` : "";
  $("budget-meter").value = limit ? (remaining ?? 0) / limit : 0;
  widget.dataset.remaining = String(remaining ?? "");
  widget.dataset.limit = String(limit);
  if (remaining === 0) {
    const wait = retryAfterSeconds ? ` A pull frees up in ${formatWindow(retryAfterSeconds) || `${retryAfterSeconds} s`}.` : "";
    note.textContent = `You have used all ${limit} pulls of this ${formatWindow(windowSeconds)} window: docker pull will fail with "toomanyrequests" until one frees up.${wait} Browsing here still works.`;
    note.classList.add("limited");
    note.hidden = false;
  } else if (remaining !== undefined && limit && remaining / limit < 0.1) {
    note.textContent = `Only ${remaining} pulls left in this window.`;
    note.hidden = false;
  } else {
    note.hidden = true;
  }
  if (source) widget.dataset.source = source;
}

/** The budget from /api/v1/budget (never spends a pull). */
async function loadBudget() {
  try {
    const body = await api("/api/v1/budget");
    renderBudget(body.enforced === false ? { limit: null } : body);
  } catch (err) {
    $("budget-remaining").textContent = "unknown";
    $("budget-note").textContent = `Could not read your budget: ${err.message}`;
    $("budget-note").hidden = false;
  }
}

/** Rate-limit headers of a /v2/ response, decoded by the core; true when it had some. */
function budgetFromHeaders(response) {
  const decoded = pg.parseRateLimit(response.headers);
  if (!decoded || decoded.limit === undefined) return false;
  renderBudget({
    limit: decoded.limit,
    remaining: decoded.remaining,
    windowSeconds: decoded.windowSeconds,
    retryAfterSeconds: Number(response.headers.get("retry-after")) || budgetState?.retryAfterSeconds,
    source: decoded.source,
  });
  return true;
}

/**
 * Refresh: a HEAD on the manifest in view (free: HEAD is never counted) gives the gateway's
 * RateLimit headers; elsewhere, /api/v1/budget.
 */
async function refreshBudget() {
  const current = view.repository && (view.tag ?? repoData?.tags?.[0]?.name);
  if (current) {
    try {
      const response = await fetch(`/v2/${view.repository}/manifests/${encodeURIComponent(current)}`, { method: "HEAD", headers: { accept: MANIFEST_ACCEPT } });
      if (budgetFromHeaders(response)) return;
    } catch {
      // fall back to the API
    }
  }
  await loadBudget();
}

// ---------- search ----------

let searchSeq = 0;
let searchTimer;

async function suggest() {
  const q = $("find-input").value.trim();
  const list = $("find-results");
  const seq = ++searchSeq;
  if (!q) {
    list.hidden = true;
    return;
  }
  try {
    const result = await api(`/api/v1/search?q=${encodeURIComponent(q)}`);
    if (seq !== searchSeq) return;
    list.replaceChildren(...result.repositories.slice(0, 12).map((name) => h("li", {}, h("a", { href: `#/r/${name}`, text: name, dataset: { repository: name } }))));
    list.hidden = result.repositories.length === 0 || document.activeElement !== $("find-input");
  } catch {
    list.hidden = true;
  }
}

/** The inline error of a reference the core refuses, or null when it parses. */
function referenceProblem(q) {
  try {
    const ref = pg.normalizeReference(q);
    if (ref.domain !== "docker.io" && ref.domain !== location.host) {
      return { reference: null, message: `${ref.domain} is another registry: this gateway serves ${location.host}` };
    }
    return { reference: ref, message: null };
  } catch (err) {
    if (err instanceof pg.PullgateError) return { reference: null, message: `${err.message} (${err.code})` };
    throw err;
  }
}

async function onFind(event) {
  event.preventDefault();
  const q = $("find-input").value.trim();
  const error = $("find-error");
  error.hidden = true;
  if (!q) return;
  const { reference, message } = referenceProblem(q);
  let result;
  try {
    result = await api(`/api/v1/search?q=${encodeURIComponent(q)}`);
  } catch (err) {
    error.textContent = explain(err, q).slice(1).join(" ");
    error.hidden = false;
    return;
  }
  const hits = result.repositories;
  const exists = result.reference?.exists;
  if (reference && (exists === true || (exists === null && !hits.length))) {
    $("find-results").hidden = true;
    const target = reference.digest ?? reference.tag;
    // A pasted reference names a tag or digest; a bare name (no tag typed) the repository.
    const typedTag = reference.digest || /:[^/]+$/.test(q.replace(/@.*$/, ""));
    location.hash = typedTag ? `#/r/${reference.path}/t/${target}` : `#/r/${reference.path}`;
    return;
  }
  if (hits.length === 1) {
    $("find-results").hidden = true;
    location.hash = `#/r/${hits[0]}`;
    return;
  }
  if (hits.length > 1) {
    await suggest();
    $("find-results").hidden = false;
    $("find-results").querySelector("a")?.focus();
    return;
  }
  error.textContent = message ? `Not a reference: ${message}` : `No repository matches "${q}".`;
  error.hidden = false;
}

// ---------- views ----------

const view = { name: null, repository: null, tag: null };

function show(name) {
  for (const id of ["home", "repository", "tag"]) $(id).hidden = id !== name;
}

async function showHome() {
  show("home");
  document.title = "pullgate explorer";
  const status = $("repositories-status");
  try {
    const result = await api("/api/v1/search?q=");
    if (!result.catalog) {
      status.textContent = "This registry does not list its repositories: type or paste a repository name above.";
      return;
    }
    $("repositories-list").replaceChildren(...result.repositories.map((name) => h("li", {}, h("a", { href: `#/r/${name}`, text: name, dataset: { repository: name } }))));
    $("repositories-count").textContent = `(${result.total})`;
    status.hidden = result.repositories.length > 0;
    status.textContent = "This registry has no repositories yet.";
  } catch (err) {
    status.textContent = "";
    showProblem(err, "the catalog", showHome);
  }
}

// Repository view: all tags from /api/v1 in memory, rendered through a virtual list.
let repoData = null;
let order = [];
let activeIndex = 0;

async function showRepository(repository) {
  show("repository");
  document.title = `${repository} · pullgate explorer`;
  $("repository-title").textContent = repository;
  $("pull-command").textContent = `docker pull ${location.host}/${repository}`;
  if (repoData?.name === repository) {
    applyOrder(false);
    return;
  }
  repoData = null;
  order = [];
  $("repository").dataset.state = "loading";
  $("tags-list").replaceChildren();
  $("tags-list").style.height = "0px";
  $("tags-status").textContent = "Loading tags…";
  $("tags-digests").textContent = "";
  try {
    // Pages (the API bounds each): a small first one painted at once, so a repository of
    // 10,000 tags shows its first tags in a moment, then the rest a few pages at a time. Date
    // sort is across all tags once all are in.
    const data = { name: repository, tags: [], total: 0, complete: false };
    const digests = new Set();
    const seen = new Set();
    const add = (page) => {
      for (const t of page.tags) {
        if (seen.has(t.name)) continue;
        seen.add(t.name);
        t.time = t.created ? Date.parse(t.created) : -Infinity;
        data.tags.push(t);
        digests.add(t.digest);
      }
      rankTags(data);
      repoData = data;
      $("repository").dataset.state = data.complete ? "ready" : "loading";
      $("tags-digests").textContent = `· ${digests.size} distinct ${digests.size === 1 ? "digest" : "digests"}`;
    };
    const url = (n, offset) => `/api/v1/repositories/${repository}/tags?n=${n}&offset=${offset}`;
    const firstPage = await apiRetrying(url(Math.min(TAGS_PAGE, 100), 0));
    if (view.repository !== repository) return;
    data.total = firstPage.total;
    data.complete = firstPage.next === null;
    add(firstPage);
    activeIndex = 0;
    applyOrder(true);
    // For bench/www: the first frame after the first tags are in the DOM paints them.
    requestAnimationFrame(() => performance.mark("tags-first-painted", { detail: { repository } }));
    // The rest in pages fetched a few at a time. A page can come back short (the gateway's
    // upstream request budget ran out): what it didn't cover goes back in the queue.
    const ranges = [];
    for (let offset = firstPage.next; offset !== null && offset < data.total; offset += TAGS_PAGE) ranges.push({ offset, n: TAGS_PAGE });
    let next = 0;
    let left = ranges.length;
    await Promise.all(
      Array.from({ length: Math.min(PAGES_IN_FLIGHT, ranges.length) }, async () => {
        while (next < ranges.length) {
          const { offset, n } = ranges[next++];
          const page = await apiRetrying(url(n, offset));
          if (repoData !== data) return;
          const end = Math.min(offset + n, data.total);
          if (page.next !== null && page.next > offset && page.next < end) {
            ranges.push({ offset: page.next, n: end - page.next });
            left += 1;
          }
          data.complete = --left === 0;
          add(page);
          applyOrder(false);
        }
      }),
    );
    if (repoData !== data) return;
    requestAnimationFrame(() => performance.mark("tags-painted", { detail: { repository, count: data.tags.length } }));
  } catch (err) {
    $("tags-status").textContent = "";
    $("repository").dataset.state = "error";
    if (view.repository === repository) showProblem(err, repository, () => route());
  }
}

/**
 * Each tag's place in name order, both ways, computed by the core (semver-aware) over all tags
 * so far: "highest first" is not the reverse of "lowest first" (other tags follow the
 * versions either way).
 */
function rankTags(data) {
  const names = data.tags.map((t) => t.name);
  explorerTagOrder(names).forEach((tagIndex, position) => {
    data.tags[tagIndex].rank = position;
  });
  explorerTagOrder(names, true).forEach((tagIndex, position) => {
    data.tags[tagIndex].rankDown = position;
  });
}

function filterPredicate() {
  const needle = $("tags-filter").value.trim();
  const error = $("tags-filter-error");
  error.hidden = true;
  if (!needle) return () => true;
  if ($("tags-regex").checked) {
    try {
      const re = new RegExp(needle, "i");
      return (t) => re.test(t.name);
    } catch (err) {
      error.textContent = `Not a regular expression: ${err.message}`;
      error.hidden = false;
      return () => false;
    }
  }
  return (t) => t.name.includes(needle);
}

function applyOrder(resetScroll) {
  if (!repoData) return;
  const sort = $("tags-sort").value;
  const keep = filterPredicate();
  const byName = (a, b) => a.rank - b.rank;
  const compare = {
    "name-asc": byName,
    "name-desc": (a, b) => a.rankDown - b.rankDown,
    // Undated tags last; ties by version, highest first.
    "date-desc": (a, b) => b.time - a.time || a.rankDown - b.rankDown,
    "date-asc": (a, b) => (a.time === -Infinity) - (b.time === -Infinity) || a.time - b.time || a.rank - b.rank,
  }[sort];
  order = repoData.tags.filter(keep).sort(compare);
  const total = repoData.tags.length;
  const noun = total === 1 ? "tag" : "tags";
  if (repoData.complete) {
    $("tags-status").textContent = order.length === total ? `${total} ${noun}` : `${order.length} of ${total} ${noun}`;
  } else {
    const matching = order.length === total ? "" : `${order.length} matching; `;
    $("tags-status").textContent = `${matching}${total} of ${repoData.total} tags loaded…`;
  }
  $("tags-list").style.height = `${order.length * rowHeight()}px`;
  if (resetScroll) {
    $("tags-viewport").scrollTop = 0;
    activeIndex = 0;
  }
  activeIndex = Math.min(activeIndex, Math.max(order.length - 1, 0));
  $("tags-viewport").dataset.count = String(order.length);
  renderRows(true);
}

function rowHeight() {
  return parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--row")) || 64;
}

function tagRow(t, index) {
  const repository = repoData.name;
  const chips = t.platforms.map((p) =>
    h(
      "span",
      { class: "chip", dataset: { platform: p.platform, bytes: String(p.compressedSize) }, title: `${p.platform}: ${p.compressedSize} bytes compressed${p.attestations ? `, ${p.attestations} attestation(s)` : ""}` },
      h("b", { text: p.platform }),
      ` ${formatBytes(p.compressedSize)}`,
      p.attestations ? h("span", { class: "att", "aria-label": "with attestation", text: " ✓" }) : null,
    ),
  );
  return h(
    "div",
    {
      class: `row${index === activeIndex ? " active" : ""}`,
      role: "listitem",
      id: `row-${index}`,
      style: `top:${index * rowHeight()}px`,
      dataset: { tag: t.name, index: String(index) },
    },
    h("span", { class: "name" }, h("a", { href: `#/r/${repository}/t/${encodeURIComponent(t.name)}`, text: t.name, tabindex: "-1" })),
    h("span", {}, h("button", { type: "button", class: "digest-button", "aria-label": `Copy digest ${t.digest} of ${t.name}`, title: t.digest, tabindex: "-1", dataset: { digest: t.digest }, text: shortDigest(t.digest) })),
    h("span", { class: "chips", "aria-label": `Platforms of ${t.name}` }, chips),
    h("span", { class: "when created" }, timeEl(t.created)),
    h("span", { class: "when pulled" }, t.lastPulled ? timeEl(t.lastPulled) : "never pulled here"),
  );
}

let rendered = { first: -1, last: -1 };
function renderRows(force = false) {
  if (!repoData) return;
  const viewport = $("tags-viewport");
  const row = rowHeight();
  const overscan = 6;
  const first = Math.max(0, Math.floor(viewport.scrollTop / row) - overscan);
  const last = Math.min(order.length, Math.ceil((viewport.scrollTop + viewport.clientHeight) / row) + overscan);
  if (!force && first === rendered.first && last === rendered.last) return;
  rendered = { first, last };
  const rows = [];
  for (let i = first; i < last; i++) rows.push(tagRow(order[i], i));
  $("tags-list").replaceChildren(...rows);
}

function moveActive(to) {
  if (!order.length) return;
  activeIndex = Math.max(0, Math.min(order.length - 1, to));
  const viewport = $("tags-viewport");
  const row = rowHeight();
  const top = activeIndex * row;
  if (top < viewport.scrollTop) viewport.scrollTop = top;
  else if (top + row > viewport.scrollTop + viewport.clientHeight) viewport.scrollTop = top + row - viewport.clientHeight;
  renderRows(true);
  const t = order[activeIndex];
  $("tags-active").textContent = `${t.name}, ${activeIndex + 1} of ${order.length}: ${t.platforms.map((p) => `${p.platform} ${formatBytes(p.compressedSize)}`).join(", ")}; created ${formatDate(t.created)}`;
}

function onListKey(event) {
  const page = Math.max(1, Math.floor($("tags-viewport").clientHeight / rowHeight()) - 1);
  const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
  if (event.key in moves) moveActive(activeIndex + moves[event.key]);
  else if (event.key === "Home") moveActive(0);
  else if (event.key === "End") moveActive(order.length - 1);
  else if (event.key === "Enter" && order[activeIndex]) location.hash = `#/r/${repoData.name}/t/${encodeURIComponent(order[activeIndex].name)}`;
  else if (event.key === "c" && order[activeIndex]) copy(order[activeIndex].digest, `digest of ${order[activeIndex].name}`);
  else return;
  event.preventDefault();
}

// Tag view.
let tagData = null;

function list(values) {
  return values?.length ? h("code", { text: values.map((v) => JSON.stringify(v)).join(" ") }) : h("span", { class: "muted", text: "—" });
}

function platformPanel(p, index, selected) {
  const largest = Math.max(1, ...p.layers.map((l) => l.size));
  const c = p.container ?? {};
  const labels = Object.entries(c.labels ?? {});
  return h(
    "section",
    { class: "panel", role: "tabpanel", id: `panel-${index}`, "aria-labelledby": `tab-${index}`, hidden: !selected, dataset: { platform: p.platform } },
    h(
      "dl",
      { class: "facts" },
      h("dt", { text: "Manifest digest" }),
      h("dd", {}, h("code", { class: "manifest-digest", text: p.digest }), " ", h("button", { type: "button", class: "small", "aria-label": `Copy manifest digest of ${p.platform}`, onclick: () => copy(p.digest, "manifest digest") }, "Copy")),
      h("dt", { text: "Compressed size" }),
      h("dd", { class: "platform-size", dataset: { bytes: String(p.compressedSize) }, text: `${formatBytes(p.compressedSize)} (${p.compressedSize} bytes in ${p.layers.length} layers)` }),
      h("dt", { text: "Created" }),
      h("dd", {}, timeEl(p.created)),
    ),
    h("h3", { text: "Layers" }),
    h(
      "ol",
      { class: "layers", "aria-label": `Layers of ${p.platform}` },
      p.layers.map((l) =>
        h(
          "li",
          { dataset: { bytes: String(l.size) } },
          h("code", { title: l.digest, text: shortDigest(l.digest) }),
          h("span", { class: "bar", role: "img", "aria-label": `${Math.round((l.size / largest) * 100)}% of the largest layer` }, h("span", { style: `width:${(l.size / largest) * 100}%` })),
          h("span", { class: "size", text: formatBytes(l.size) }),
        ),
      ),
    ),
    h("h3", { text: "Config" }),
    p.container
      ? h(
          "dl",
          { class: "facts config" },
          h("dt", { text: "Entrypoint" }),
          h("dd", {}, list(c.entrypoint)),
          h("dt", { text: "Cmd" }),
          h("dd", {}, list(c.cmd)),
          h("dt", { text: "User" }),
          h("dd", {}, c.user ? h("code", { text: c.user }) : h("span", { class: "muted", text: "— (root)" })),
          h("dt", { text: "Working dir" }),
          h("dd", {}, c.workingDir ? h("code", { text: c.workingDir }) : h("span", { class: "muted", text: "—" })),
          c.exposedPorts ? [h("dt", { text: "Ports" }), h("dd", {}, list(c.exposedPorts))] : null,
          h("dt", { text: "Env" }),
          h("dd", {}, c.env?.length ? h("ul", { class: "plain" }, c.env.map((e) => h("li", {}, h("code", { text: e })))) : h("span", { class: "muted", text: "—" })),
          h("dt", { text: "Labels" }),
          h("dd", {}, labels.length ? h("ul", { class: "plain" }, labels.map(([k, v]) => h("li", {}, h("code", { text: `${k}=${v}` })))) : h("span", { class: "muted", text: "—" })),
        )
      : h("p", { class: "muted", text: "No image config (not a container image)." }),
    h("h3", { text: "History" }),
    p.history.length
      ? h(
          "table",
          { class: "history" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Created" }), h("th", { scope: "col", text: "Command" }), h("th", { scope: "col", text: "Layer" }))),
          h("tbody", {}, p.history.map((e) => h("tr", {}, h("td", {}, timeEl(e.created)), h("td", {}, h("code", { text: e.createdBy ?? "" }), e.comment ? h("div", { class: "muted", text: e.comment }) : null), h("td", { text: e.emptyLayer ? "none" : "yes" })))),
        )
      : h("p", { class: "muted", text: "No history recorded." }),
    h("h3", { text: `Attestations for ${p.platform}` }),
    p.attestations.length
      ? h(
          "ul",
          { class: "attestations", "aria-label": `Attestations describing ${p.platform}` },
          p.attestations.map((a) =>
            h("li", { dataset: { digest: a.digest } }, h("code", { title: a.digest, text: shortDigest(a.digest) }), ` ${formatBytes(a.size)}: `, a.predicateTypes.length ? a.predicateTypes.join(", ") : "attestation manifest"),
          ),
        )
      : h("p", { class: "muted", text: "No attestations for this platform." }),
  );
}

function selectTab(index, focus = false) {
  for (const tab of $("platform-tabs").children) {
    const selected = Number(tab.dataset.index) === index;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected && focus) tab.focus();
  }
  for (const panel of $("platform-panels").children) panel.hidden = panel.id !== `panel-${index}`;
}

async function showTag(repository, reference) {
  show("tag");
  const byDigest = reference.includes(":");
  const title = `${repository}${byDigest ? "@" : ":"}${reference}`;
  document.title = `${title} · pullgate explorer`;
  $("tag-title").textContent = title;
  $("tag-repository-link").textContent = repository;
  $("tag-repository-link").href = `#/r/${repository}`;
  $("tag-status").textContent = "Loading…";
  $("tag-body").hidden = true;
  $("raw-status").textContent = "";
  $("raw-body").hidden = true;
  try {
    const data = await api(`/api/v1/repositories/${repository}/tags/${encodeURIComponent(reference)}`);
    if (view.repository !== repository || view.tag !== reference) return;
    tagData = data;
    $("tag-status").textContent = data.kind === "index" ? `Multi-platform index: ${data.platforms.length} platforms` : "Single-platform image";
    $("tag-digest").textContent = data.digest;
    $("tag-media-type").textContent = data.mediaType;
    $("tag-last-pulled").replaceChildren(data.lastPulled ? timeEl(data.lastPulled) : h("span", { class: "muted", text: byDigest ? "—" : "never pulled through this gateway" }));
    $("pull-tag").textContent = byDigest ? "(opened by digest)" : `docker pull ${location.host}/${repository}:${reference}`;
    $("pull-digest").textContent = `docker pull ${location.host}/${repository}@${data.digest}`;
    $("platform-tabs").replaceChildren(
      ...data.platforms.map((p, i) =>
        h("button", { type: "button", role: "tab", id: `tab-${i}`, "aria-controls": `panel-${i}`, dataset: { index: String(i), platform: p.platform }, onclick: () => selectTab(i) }, p.platform, p.attestations.length ? h("span", { "aria-label": " with attestation", text: " ✓" }) : null),
      ),
    );
    $("platform-panels").replaceChildren(...data.platforms.map((p, i) => platformPanel(p, i, i === 0)));
    if (data.unattachedAttestations.length) {
      $("platform-panels").append(h("p", { class: "muted", text: `${data.unattachedAttestations.length} attestation(s) describe no platform of this index.` }));
    }
    selectTab(0);
    $("tag-body").hidden = false;
  } catch (err) {
    $("tag-status").textContent = "";
    if (view.tag === reference) showProblem(err, title, () => route());
  }
}

/** The raw manifest through /v2/ (one pull), its digest verified here by the core. */
async function viewRaw() {
  if (!tagData) return;
  const status = $("raw-status");
  const body = $("raw-body");
  status.textContent = "Fetching (1 pull)…";
  status.className = "";
  const response = await fetch(`/v2/${tagData.name}/manifests/${tagData.digest}`, { headers: { accept: MANIFEST_ACCEPT } });
  budgetFromHeaders(response);
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (await response.json()).errors?.[0]?.message ?? message;
    } catch {
      // keep the status line
    }
    status.textContent = response.status === 429 ? `Rate limited: ${message}` : `Could not fetch the manifest: ${message}`;
    status.className = "mismatch";
    return;
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  try {
    const verified = pg.verifyDigest(bytes, tagData.digest);
    const actual = pg.digest(bytes, pg.parseDigest(tagData.digest).algorithm);
    pg.parseManifest(bytes, response.headers.get("content-type") ?? undefined);
    status.textContent = verified ? `✓ Verified: the ${bytes.length} bytes hash to ${actual}` : `✗ Digest mismatch: expected ${tagData.digest}, the bytes hash to ${actual}`;
    status.className = verified ? "verified" : "mismatch";
    status.dataset.verified = String(verified);
  } catch (err) {
    status.textContent = `The core refused the manifest: ${err.message} (${err.code})`;
    status.className = "mismatch";
    status.dataset.verified = "false";
  }
  const text = new TextDecoder().decode(bytes);
  try {
    body.textContent = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    body.textContent = text;
  }
  body.hidden = false;
}

// ---------- routing ----------

async function route() {
  hideProblem();
  $("find-results").hidden = true;
  const match = location.hash.match(ROUTE_REPO);
  const previous = view.name;
  if (match) {
    const repository = match[1];
    const tag = match[2] ? decodeURIComponent(match[2]) : null;
    Object.assign(view, { name: tag ? "tag" : "repository", repository, tag });
    const showing = tag ? showTag(repository, tag) : showRepository(repository);
    if (previous !== null) (tag ? $("tag-title") : $("repository-title")).focus({ preventScroll: true });
    await showing;
  } else {
    Object.assign(view, { name: "home", repository: null, tag: null });
    const showing = showHome();
    if (previous !== null) $("home-title").focus({ preventScroll: true });
    await showing;
  }
}

function onGlobalKey(event) {
  const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement?.tagName);
  if (event.key === "/" && !typing) {
    event.preventDefault();
    $("find-input").focus();
  } else if (event.key === "Escape") {
    if (!$("find-results").hidden) {
      $("find-results").hidden = true;
      $("find-input").focus();
    } else if (!typing && view.name === "tag") location.hash = `#/r/${view.repository}`;
    else if (!typing && view.name === "repository") location.hash = "#/";
  }
}

function onTabKey(event) {
  const tabs = [...$("platform-tabs").children];
  const current = tabs.findIndex((t) => t.getAttribute("aria-selected") === "true");
  const moves = { ArrowRight: 1, ArrowLeft: -1 };
  if (!(event.key in moves)) return;
  event.preventDefault();
  selectTab((current + moves[event.key] + tabs.length) % tabs.length, true);
}

await init();
$("find").addEventListener("submit", onFind);
$("find-input").addEventListener("input", () => {
  $("find-error").hidden = true;
  clearTimeout(searchTimer);
  searchTimer = setTimeout(suggest, 120);
});
$("find-input").addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown" && !$("find-results").hidden) {
    event.preventDefault();
    $("find-results").querySelector("a")?.focus();
  }
});
$("find-results").addEventListener("keydown", (event) => {
  const links = [...$("find-results").querySelectorAll("a")];
  const i = links.indexOf(document.activeElement);
  if (event.key === "ArrowDown") links[Math.min(i + 1, links.length - 1)]?.focus();
  else if (event.key === "ArrowUp") (i <= 0 ? $("find-input") : links[i - 1]).focus();
  else return;
  event.preventDefault();
});
$("tags-filter").addEventListener("input", () => applyOrder(true));
$("tags-regex").addEventListener("change", () => applyOrder(true));
$("tags-sort").addEventListener("change", () => applyOrder(true));
$("tags-viewport").addEventListener("scroll", () => requestAnimationFrame(() => renderRows()));
$("tags-viewport").addEventListener("keydown", onListKey);
$("tags-viewport").addEventListener("click", (event) => {
  const button = event.target.closest(".digest-button");
  if (button) copy(button.dataset.digest, "digest");
  const row = event.target.closest(".row");
  if (row) {
    activeIndex = Number(row.dataset.index);
    renderRows(true);
  }
});
$("platform-tabs").addEventListener("keydown", onTabKey);
$("raw-button").addEventListener("click", viewRaw);
$("budget-refresh").addEventListener("click", refreshBudget);
$("problem-retry").addEventListener("click", () => retry?.());
for (const button of document.querySelectorAll("[data-copy-from]")) {
  button.addEventListener("click", () => copy($(button.dataset.copyFrom).textContent, button.getAttribute("aria-label").replace(/^Copy /, "")));
}
window.addEventListener("hashchange", route);
window.addEventListener("keydown", onGlobalKey);
window.addEventListener("resize", () => repoData && applyOrder(false));
document.body.dataset.ready = "true";
loadBudget();
await route();
