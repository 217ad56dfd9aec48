import { createRequire } from 'node:module';

/** HashiCorp's HCL v1 parser compiled to JS: `parse(text)` → JSON text or an error string. */
export interface HclParser {
  parse(text: string): string;
}

let loaded: HclParser | undefined;

/**
 * Loads `js-hcl-parser` on first use. It is GopherJS output of ~25 MB resident once loaded, so an
 * agent configured by flags or JSON never pays for it (an idle client agent is then ~25 MB
 * smaller). Its runtime sets `Error.stackTraceLimit = Infinity` and a global `require` as it
 * loads; both are undone so that loading it does not change the process (an unbounded stack
 * trace limit makes every `new Error` slower; its `syscall` hook, the only user of that global,
 * is never reached by parsing).
 */
export function hclParser(): HclParser {
  if (loaded === undefined) {
    const stackTraceLimitBefore = Error.stackTraceLimit;
    const hadGlobalRequire = 'require' in globalThis;
    loaded = createRequire(import.meta.url)('js-hcl-parser') as HclParser;
    Error.stackTraceLimit = stackTraceLimitBefore;
    if (!hadGlobalRequire) delete (globalThis as { require?: unknown }).require;
  }
  return loaded;
}
