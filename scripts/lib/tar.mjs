// A minimal POSIX ustar writer: enough for real image layers (directories, files, symlinks)
// with fixed owners and mtimes, so the same input always gives the same bytes and digests.
// Format: POSIX.1-1988 ustar header, 512-byte blocks, two zero blocks at the end.
import { gzipSync } from "node:zlib";

const BLOCK = 512;
const encoder = new TextEncoder();

function field(header, offset, length, value) {
  const bytes = encoder.encode(value);
  if (bytes.length > length) throw new Error(`tar: ${JSON.stringify(value)} does not fit ${length} bytes`);
  header.set(bytes, offset);
}

function octal(header, offset, length, number) {
  // length-1 octal digits then NUL, as GNU and BSD tar write them.
  field(header, offset, length, number.toString(8).padStart(length - 1, "0") + "\0");
}

/** Splits a long path into ustar's prefix (155) and name (100) at a slash. */
function splitPath(path) {
  if (encoder.encode(path).length <= 100) return ["", path];
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(name).length <= 100) return [prefix, name];
  }
  throw new Error(`tar: path too long: ${path}`);
}

function header({ path, type, size, mode, mtime, target = "" }) {
  const block = new Uint8Array(BLOCK);
  const [prefix, name] = splitPath(path);
  field(block, 0, 100, name);
  octal(block, 100, 8, mode);
  octal(block, 108, 8, 0); // uid
  octal(block, 116, 8, 0); // gid
  octal(block, 124, 12, size);
  octal(block, 136, 12, mtime);
  field(block, 148, 8, "        "); // checksum is computed over spaces here
  field(block, 156, 1, type);
  field(block, 157, 100, target);
  field(block, 257, 6, "ustar\0");
  field(block, 263, 2, "00");
  field(block, 265, 32, "root");
  field(block, 297, 32, "root");
  field(block, 345, 155, prefix);
  const sum = block.reduce((a, b) => a + b, 0);
  field(block, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return block;
}

/**
 * A tar archive of `entries`, in order: `{ path, content }` (string or bytes) for files,
 * `{ path, dir: true }` for directories, `{ path, symlink: target }` for symlinks; `mode`
 * defaults to 0644 (files) or 0755 (directories). Every entry gets `mtime` (Unix seconds).
 */
export function tar(entries, mtime) {
  const parts = [];
  for (const entry of entries) {
    if (entry.dir) {
      const path = entry.path.endsWith("/") ? entry.path : entry.path + "/";
      parts.push(header({ path, type: "5", size: 0, mode: entry.mode ?? 0o755, mtime }));
    } else if (entry.symlink !== undefined) {
      parts.push(header({ path: entry.path, type: "2", size: 0, mode: 0o777, mtime, target: entry.symlink }));
    } else {
      const content = typeof entry.content === "string" ? encoder.encode(entry.content) : entry.content;
      parts.push(header({ path: entry.path, type: "0", size: content.length, mode: entry.mode ?? 0o644, mtime }));
      parts.push(content);
      const pad = (BLOCK - (content.length % BLOCK)) % BLOCK;
      if (pad) parts.push(new Uint8Array(pad));
    }
  }
  parts.push(new Uint8Array(2 * BLOCK));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** gzip as image layers are compressed; Node writes a zero mtime in the gzip header. */
export function gzip(bytes) {
  return new Uint8Array(gzipSync(bytes, { level: 9 }));
}
