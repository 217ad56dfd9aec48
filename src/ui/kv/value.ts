/**
 * A KV value in the editor's textarea and back. Text is edited as text; JSON that formats without
 * loss is shown indented; anything a textarea cannot hold byte for byte (invalid UTF-8, control
 * bytes, a lone carriage return) is binary and edited as base64. `encodeEditorText` turns the
 * textarea back into the bytes to store, so a value saved unchanged is stored unchanged.
 */

import { Base64Error, decodeBase64, encodeBase64 } from '../../lib/base64.ts';

export type EditorMode = 'text' | 'base64';

export interface Presentation {
  mode: EditorMode;
  /** The textarea's text: lines end in `\n`, as a textarea keeps them. */
  text: string;
  /** How lines end when the text is stored again; `\r\n` when the value had only CRLF lines. */
  lineEnding: '\n' | '\r\n';
  /** The value is a JSON object or array shown indented, which is not how it is stored. */
  formatted: boolean;
  /** The stored value's length. */
  size: number;
}

/** A control character other than tab, LF and CR: unreadable, and not typed into a textarea. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return true;
  }
  return false;
}

/** How the editor shows a value; `null` (a key without a value) is empty text. */
export function presentValue(value: Uint8Array | null): Presentation {
  const bytes = value ?? new Uint8Array();
  const binary: Presentation = {
    mode: 'base64',
    text: encodeBase64(bytes),
    lineEnding: '\n',
    formatted: false,
    size: bytes.length,
  };
  let text: string;
  try {
    // ignoreBOM keeps a leading byte order mark in the text, so saving it keeps it too.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return binary;
  }
  if (hasControlCharacter(text)) return binary;
  // A textarea turns CR and CRLF into LF: only text whose every line ends in CRLF comes back.
  let lineEnding: '\n' | '\r\n' = '\n';
  if (text.includes('\r')) {
    const lines = text.split('\n');
    const crlfOnly = lines.slice(0, -1).every((line) => line.endsWith('\r')) && !/\r(?!\n)/.test(text);
    if (!crlfOnly) return binary;
    text = text.replaceAll('\r\n', '\n');
    lineEnding = '\r\n';
  }
  const indented = indentedJson(text);
  return {
    mode: 'text',
    text: indented ?? text,
    lineEnding,
    formatted: indented !== undefined && indented !== text,
    size: bytes.length,
  };
}

export type Encoded = { ok: true; bytes: Uint8Array } | { ok: false; problem: string };

/** The bytes to store for the textarea's text, edited in `presentation`'s mode. */
export function encodeEditorText(
  text: string,
  presentation: Pick<Presentation, 'mode' | 'lineEnding'>,
): Encoded {
  if (presentation.mode === 'base64') {
    try {
      return { ok: true, bytes: decodeBase64(text.replace(/\s+/g, '')) };
    } catch (error) {
      if (!(error instanceof Base64Error)) throw error;
      return { ok: false, problem: `The value is not valid base64 (${error.message}). Nothing was saved.` };
    }
  }
  const stored = presentation.lineEnding === '\r\n' ? text.replaceAll('\n', '\r\n') : text;
  return { ok: true, bytes: new TextEncoder().encode(stored) };
}

/**
 * `text` indented by two spaces when it is a JSON object or array that `JSON.stringify` writes
 * back without loss; undefined otherwise. Numbers beyond double precision, duplicate member
 * names or escapes written differently would change if formatted, so those are shown as stored.
 */
export function indentedJson(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (JSON.stringify(parsed) !== withoutInsignificantSpace(trimmed)) return undefined;
  return JSON.stringify(parsed, null, 2);
}

/** Valid JSON text without the white space between tokens. */
function withoutInsignificantSpace(json: string): string {
  let out = '';
  let inString = false;
  let escaped = false;
  for (const character of json) {
    if (inString) {
      out += character;
      if (escaped) escaped = false;
      else if (character === '\\') escaped = true;
      else if (character === '"') inString = false;
    } else if (character === '"') {
      inString = true;
      out += character;
    } else if (character !== ' ' && character !== '\t' && character !== '\n' && character !== '\r') {
      out += character;
    }
  }
  return out;
}

/** Bytes equal, for telling the watch's echo of a save from another writer's value. */
export function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  const left = a ?? new Uint8Array();
  const right = b ?? new Uint8Array();
  if (left.length !== right.length) return false;
  for (let i = 0; i < left.length; i++) if (left[i] !== right[i]) return false;
  return true;
}
