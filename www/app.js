// The tag explorer: lists the registry's repositories and one repository's tags through the
// gateway (same origin, /v2/). Anything parsed is parsed by the core (the pullgate package's web
// build, www/pkg/, copied there by `make build`); this file is presentation.
import init, * as pg from "./pkg/browser.js";

// Registries cap pages (distribution: 1000 for the catalog); ask for pages this size and
// follow `Link: <...>; rel="next"` until there is none.
const PAGE_SIZE = 100;

const $ = (id) => document.getElementById(id);

/** The `rel="next"` URL of a registry list response (distribution spec, "Listing Tags"). */
function nextPage(response) {
  const link = response.headers.get("link");
  const match = link && link.match(/<([^>]*)>\s*;\s*rel="?next"?/);
  return match ? new URL(match[1], response.url).href : null;
}

/** The message of a distribution error body, or the status line. */
async function failure(response) {
  let detail = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body.errors?.length) detail = body.errors.map((e) => `${e.code}: ${e.message}`).join("; ");
  } catch {
    // not a distribution error body: the status says enough
  }
  return new Error(detail);
}

/** Every item of a paginated list endpoint (`key` is "repositories" or "tags"). */
async function listAll(path, key, onPage) {
  const items = [];
  let url = new URL(`${path}?n=${PAGE_SIZE}`, location.href).href;
  while (url) {
    const response = await fetch(url, { headers: { accept: "application/json" } });
    if (!response.ok) throw await failure(response);
    const body = await response.json();
    items.push(...(body[key] ?? []));
    onPage?.(items);
    url = nextPage(response);
  }
  return items;
}

/**
 * A typed reference ("hello", "demo/single:1.0.0", "docker.io/library/hello", with this
 * gateway's host or none) as the repository path the gateway serves, normalized by the core.
 */
function repositoryOf(input) {
  const reference = pg.normalizeReference(input.trim());
  // The gateway serves one registry: a bare name (normalized to docker.io) or one naming this
  // host means a repository here; another host's reference can't be served from here.
  if (reference.domain !== "docker.io" && reference.domain !== location.host) {
    throw new Error(`${reference.domain} is another registry: this gateway serves ${location.host}`);
  }
  return { repository: reference.path, tag: reference.tag };
}

function link(repository) {
  return `#/r/${repository}`;
}

async function showRepositories() {
  const status = $("repositories-status");
  const list = $("repositories-list");
  try {
    const repositories = await listAll("/v2/_catalog", "repositories", (items) => {
      status.textContent = `Loading… ${items.length}`;
    });
    list.replaceChildren(
      ...repositories.map((name) => {
        const a = document.createElement("a");
        a.href = link(name);
        a.textContent = name;
        a.dataset.repository = name;
        const li = document.createElement("li");
        li.append(a);
        return li;
      }),
    );
    $("repositories-count").textContent = `(${repositories.length})`;
    status.hidden = repositories.length > 0;
    status.textContent = "This registry has no repositories.";
    markCurrent();
  } catch (err) {
    // Docker Hub and most hosted registries don't serve the catalog: searching by name still works.
    status.textContent = `This registry does not list its repositories (${err.message}). Type a repository name above.`;
  }
}

let shown = null;

async function showRepository(repository, tag) {
  shown = repository;
  markCurrent();
  $("repository").hidden = false;
  $("repository-title").textContent = repository;
  $("pull-command").textContent = `docker pull ${location.host}/${repository}${tag ? `:${tag}` : ""}`;
  const status = $("tags-status");
  const list = $("tags-list");
  const filter = $("tags-filter");
  list.replaceChildren();
  filter.hidden = true;
  filter.value = tag ?? "";
  status.textContent = "Loading tags…";
  try {
    const tags = await listAll(`/v2/${repository}/tags/list`, "tags", (items) => {
      if (shown === repository) status.textContent = `Loading tags… ${items.length}`;
    });
    if (shown !== repository) return;
    status.textContent = tags.length === 1 ? "1 tag" : `${tags.length} tags`;
    list.replaceChildren(
      ...tags.map((t) => {
        const li = document.createElement("li");
        li.textContent = t;
        li.dataset.tag = t;
        return li;
      }),
    );
    filter.hidden = tags.length < 10;
    applyFilter();
  } catch (err) {
    if (shown === repository) status.textContent = `Could not list the tags of ${repository}: ${err.message}`;
  }
}

function applyFilter() {
  const needle = $("tags-filter").value.trim();
  for (const li of $("tags-list").children) li.hidden = needle !== "" && !li.dataset.tag.includes(needle);
}

function markCurrent() {
  for (const a of $("repositories-list").querySelectorAll("a")) {
    if (a.dataset.repository === shown) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

function route() {
  const match = location.hash.match(/^#\/r\/(.+)$/);
  if (match) {
    const [repository, tag] = decodeURIComponent(match[1]).split(":");
    showRepository(repository, tag);
  } else {
    shown = null;
    $("repository").hidden = true;
    markCurrent();
  }
}

function onFind(event) {
  event.preventDefault();
  const error = $("find-error");
  error.hidden = true;
  try {
    const { repository, tag } = repositoryOf($("find-input").value);
    location.hash = link(repository) + (tag ? `:${tag}` : "");
  } catch (err) {
    error.textContent = err instanceof pg.PullgateError ? `${err.message} (${err.code})` : String(err);
    error.hidden = false;
  }
}

await init();
$("find").addEventListener("submit", onFind);
$("tags-filter").addEventListener("input", applyFilter);
window.addEventListener("hashchange", route);
document.body.dataset.ready = "true";
route();
showRepositories();
