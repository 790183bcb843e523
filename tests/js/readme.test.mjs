// Every example of the package README runs against the built package, and every value it shows
// in a comment (`expr; // value`, or `expr;` followed by `// value` lines) is what the code gives.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const readme = readFileSync(join(root, "pkg/README.md"), "utf8");
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
let project;

before(() => {
  // The package by name, as the README's readers import it.
  project = mkdtempSync(join(tmpdir(), "pullgate-readme-"));
  mkdirSync(join(project, "node_modules"));
  symlinkSync(join(root, "pkg"), join(project, "node_modules/pullgate"), "dir");
  writeFileSync(join(project, "package.json"), JSON.stringify({ type: "module", private: true }));
});

after(() => project && rmSync(project, { recursive: true, force: true }));

/** The block with each shown value turned into an assertion. */
function checked(block) {
  const lines = block.split("\n");
  const out = ['import { deepStrictEqual as __same } from "node:assert/strict";'];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const inline = line.match(/^(\s*)(.+?);\s*\/\/ (.+)$/);
    if (inline && !/^\s*(const|let|import|export|await init)/.test(inline[2]) && isValue(inline[3])) {
      out.push(`${inline[1]}__same(${inline[2]}, ${inline[3]});`);
      continue;
    }
    const statement = line.match(/^(\s*)([^/].*);\s*$/);
    if (statement && lines[i + 1]?.trim().startsWith("// ")) {
      let j = i + 1;
      const shown = [];
      while (lines[j]?.trim().startsWith("// ")) shown.push(lines[j++].trim().slice(3));
      if (isValue(shown.join(" "))) {
        out.push(`${statement[1]}__same(${statement[2]}, ${shown.join(" ")});`);
        i = j - 1;
        continue;
      }
    }
    out.push(line);
  }
  return out.join("\n");
}

function isValue(text) {
  try {
    new Function(`return (${text});`);
    return true;
  } catch {
    return false;
  }
}

test("the package README has examples", () => assert.ok(blocks.length >= 4));

for (const [i, block] of blocks.entries()) {
  test(`package README example ${i + 1} runs and shows what it gives`, () => {
    const file = join(project, `example-${i + 1}.mjs`);
    writeFileSync(file, checked(block));
    execFileSync(process.execPath, [file], { cwd: project, stdio: ["ignore", "pipe", "inherit"] });
  });
}
