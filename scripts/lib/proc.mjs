// Child processes and ports for the demo and the tests: free ports, readiness polling, and
// children that are stopped whatever way the parent ends (normal exit, failure, Ctrl-C).
import { spawn } from "node:child_process";
import { createServer } from "node:net";

const children = new Set();

function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  }
}
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(signal, () => {
    killAll();
    process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
  });
}

/** A port that was free a moment ago on `host` (the kernel picks it). */
export function freePort(host = "127.0.0.1") {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns a child that is killed when this process exits. `stop()` sends SIGTERM, then SIGKILL
 * after `graceMs`, and resolves once the child is gone.
 */
export function spawnManaged(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  children.add(child);
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  exited.then(() => children.delete(child));
  child.once("error", () => children.delete(child));
  const stop = async (graceMs = 3000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { child, exited, stop };
}

/** Polls `url` until it answers with one of `statuses`; rejects after `timeoutMs` or if `exited` settles first. */
export async function waitForHttp(url, { statuses = [200], timeoutMs = 20000, exited } = {}) {
  let gone = false;
  exited?.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (gone) throw new Error(`process serving ${url} exited before it was ready`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (statuses.includes(response.status)) return;
      last = `status ${response.status}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
}

/** `--name value` and `--flag` arguments into an object; unknown names are an error. */
export function parseArgs(argv, known) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.startsWith("--") ? arg.slice(2) : null;
    if (name === "help" || arg === "-h") return { help: true };
    if (!name || !(name in known)) throw new Error(`unknown argument ${arg}`);
    if (known[name] === "flag") out[name] = true;
    else {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      out[name] = argv[++i];
    }
  }
  return out;
}
