/**
 * The key editor's state: the textarea, the value and ModifyIndex it is based on (the CAS index
 * a save sends), and the key as the live watch last showed it. A pure reducer, so the rules are
 * tested without a browser:
 *
 * - Not edited: the editor follows the live value.
 * - Edited: the textarea is never overwritten; `remoteChange` says the key moved on meanwhile.
 * - Saved: the watch's next answer past the CAS index carrying the saved bytes is the save's
 *   echo; its ModifyIndex becomes the CAS index, so a second save does not conflict with the
 *   first. The echo may come before or after the PUT's answer.
 * - A save or delete refused by CAS is a conflict; "load the current value" resolves it.
 */

import type { KvEntry } from '../../model/records.ts';
import { type Presentation, presentValue, sameBytes } from './value.ts';

export interface Base {
  /** The ModifyIndex the text is based on; 0 when the key did not exist. */
  index: number;
  presentation: Presentation;
}

export interface EditorState {
  /** The latest watch answer: `null` when the key does not exist, undefined before the first. */
  live: KvEntry | null | undefined;
  base: Base;
  /** The textarea's text. */
  text: string;
  saving: boolean;
  /** A save sent, or done but not yet seen by the watch. */
  pending: { fromIndex: number; bytes: Uint8Array; text: string } | undefined;
  /** The last save or delete was refused because the key had changed. */
  conflict: 'save' | 'delete' | undefined;
}

export type EditorEvent =
  | { type: 'received'; entry: KvEntry | null }
  | { type: 'edited'; text: string }
  | { type: 'saveStarted'; bytes: Uint8Array }
  | { type: 'saveSucceeded' }
  /** The agent refused the CAS (`false`). */
  | { type: 'saveConflicted' }
  /** The request failed (an error status, no answer): nothing changed. */
  | { type: 'saveFailed' }
  | { type: 'deleteConflicted' }
  /** Replace the text and the CAS index with the live value. */
  | { type: 'loadCurrent' }
  /** The key was deleted: keep the text and make the next save create the key again. */
  | { type: 'recreate' };

export const initialEditor: EditorState = {
  live: undefined,
  base: { index: 0, presentation: presentValue(null) },
  text: '',
  saving: false,
  pending: undefined,
  conflict: undefined,
};

export function isDirty(state: EditorState): boolean {
  return state.text !== state.base.presentation.text;
}

/** The ModifyIndex of the live key; 0 when it does not exist. */
export function liveIndex(state: EditorState): number {
  return state.live?.ModifyIndex ?? 0;
}

/** The key changed on the server after the text was based on it, and the text is edited. */
export function remoteChange(state: EditorState): boolean {
  return (
    state.live !== undefined &&
    state.pending === undefined &&
    isDirty(state) &&
    liveIndex(state) !== state.base.index
  );
}

export function editorReducer(state: EditorState, event: EditorEvent): EditorState {
  return settle(apply(state, event));
}

function apply(state: EditorState, event: EditorEvent): EditorState {
  switch (event.type) {
    case 'received':
      return { ...state, live: event.entry };
    case 'edited':
      return { ...state, text: event.text };
    case 'saveStarted':
      return {
        ...state,
        saving: true,
        conflict: undefined,
        pending: { fromIndex: state.base.index, bytes: event.bytes, text: state.text },
      };
    case 'saveSucceeded': {
      if (!state.pending) return { ...state, saving: false };
      // The saved text is the new base: not edited any more, unless typed into since.
      const base = { ...state.base, presentation: { ...state.base.presentation, text: state.pending.text } };
      return { ...state, saving: false, base };
    }
    case 'saveConflicted':
      return { ...state, saving: false, pending: undefined, conflict: 'save' };
    case 'saveFailed':
      return { ...state, saving: false, pending: undefined };
    case 'deleteConflicted':
      return { ...state, conflict: 'delete' };
    case 'loadCurrent':
      if (state.live === undefined) return state;
      return { ...loaded(state, state.live), conflict: undefined, pending: undefined };
    case 'recreate':
      if (state.live !== null) return state;
      return { ...state, base: { ...state.base, index: 0 }, conflict: undefined };
  }
}

/** Takes the live value as the base and the text. */
function loaded(state: EditorState, entry: KvEntry | null): EditorState {
  const presentation = presentValue(entry?.Value ?? null);
  return { ...state, base: { index: entry?.ModifyIndex ?? 0, presentation }, text: presentation.text };
}

/** Applies the rules that follow from a new live value or a finished save. */
function settle(state: EditorState): EditorState {
  const { live, pending } = state;
  if (live === undefined || state.saving) return state;
  if (pending) {
    if (liveIndex(state) <= pending.fromIndex) return state;
    const echo = live !== null && sameBytes(live.Value, pending.bytes);
    const typedSince = state.text !== pending.text;
    if (echo && typedSince) {
      // Keep the text and how it is edited; only the CAS index moves to the save's.
      return { ...state, pending: undefined, base: { ...state.base, index: live.ModifyIndex } };
    }
    if (echo) return loaded({ ...state, pending: undefined }, live);
    // Someone else wrote after the save: an ordinary remote change from the save's base.
    return settle({ ...state, pending: undefined });
  }
  if (!isDirty(state) && liveIndex(state) !== state.base.index) {
    // The text now is the current value, so a refused save is moot; a refused delete is news.
    const conflict = state.conflict === 'delete' ? 'delete' : undefined;
    return { ...loaded(state, live), conflict };
  }
  return state;
}
