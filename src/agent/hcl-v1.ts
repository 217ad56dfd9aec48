/**
 * HCL v1, the format of Consul's `.hcl` config files, read with HashiCorp's own v1 parser
 * (`js-hcl-parser`, the Go code compiled to JS). The result has the shape Go's `hcl.Decode`
 * gives into an `interface{}`: every block becomes a list of objects, which the config
 * decoder folds back into single blocks where Consul expects one.
 */

import { hclParser } from '../io/hcl-parser.ts';

const failurePrefix = 'unable to parse JSON: ';

/** The parsed document, or the parser's message (e.g. `At 1:7: literal not terminated`). */
export function parseHclV1(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  let output: string;
  try {
    output = hclParser().parse(text);
  } catch (error) {
    // A Go panic inside the compiled parser surfaces as a JS exception.
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  if (output.startsWith(failurePrefix)) return { ok: false, message: output.slice(failurePrefix.length) };
  try {
    return { ok: true, value: JSON.parse(output) };
  } catch {
    return { ok: false, message: output };
  }
}
