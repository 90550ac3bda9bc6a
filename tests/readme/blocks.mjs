// The fenced code blocks of a Markdown file, for the README tests: { lang, code, line, name, directive }.
//   name       the path in a first-line comment (`// app/api/token-check/route.ts`, `<!-- index.html -->`)
//   directive  the text of an HTML comment `<!-- readme-test: ... -->` right above the block (how the
//              test runs it, when that is not obvious from the language), else ""
import { readFileSync } from "node:fs";

export function codeBlocks(file) {
  const lines = readFileSync(file, "utf8").split("\n");
  const blocks = [];
  let open = null;
  let lastDirective = { text: "", line: -10 };
  lines.forEach((l, i) => {
    if (open) {
      if (new RegExp(`^ {${open.indent}}\`\`\`\\s*$`).test(l)) {
        const code = open.body.join("\n") + "\n";
        const first = open.body[0] ?? "";
        const name = /^\s*(?:\/\/|#|<!--)\s*([\w./[\]-]+\.(?:ts|tsx|mjs|cjs|js|html|sh))\b/.exec(first)?.[1] ?? "";
        blocks.push({ lang: open.lang, code, line: open.line, name, directive: open.directive });
        open = null;
      } else open.body.push(l.startsWith(" ".repeat(open.indent)) ? l.slice(open.indent) : l);
      return;
    }
    const d = /^<!--\s*readme-test:\s*(.*?)\s*-->\s*$/.exec(l);
    if (d) lastDirective = { text: d[1], line: i };
    const m = /^( {0,3})```(\w*)/.exec(l); // indented: a block inside a list item
    if (m) {
      const directive = lastDirective.line >= i - 2 ? lastDirective.text : "";
      open = { lang: m[2], line: i + 1, body: [], directive, indent: m[1].length };
    }
  });
  if (open) throw new Error(`${file}: unclosed code block at line ${open.line}`);
  return blocks;
}
