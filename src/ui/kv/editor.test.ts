import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KvEntry } from '../../model/records.ts';
import {
  type EditorEvent,
  type EditorState,
  editorReducer,
  initialEditor,
  isDirty,
  remoteChange,
} from './editor.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);

function entry(value: string, modifyIndex: number): KvEntry {
  return {
    Key: 'app/config',
    Value: utf8(value),
    Flags: 0,
    LockIndex: 0,
    Session: '',
    CreateIndex: 1,
    ModifyIndex: modifyIndex,
  };
}

function run(...events: EditorEvent[]): EditorState {
  return events.reduce(editorReducer, initialEditor);
}

const received = (value: KvEntry | null): EditorEvent => ({ type: 'received', entry: value });
const edited = (text: string): EditorEvent => ({ type: 'edited', text });
const saveStarted = (text: string): EditorEvent => ({ type: 'saveStarted', bytes: utf8(text) });

describe('the key editor', () => {
  it('loads the first value and follows the live value while not edited', () => {
    let state = run(received(entry('one', 5)));
    assert.equal(state.text, 'one');
    assert.equal(state.base.index, 5);
    state = editorReducer(state, received(entry('two', 7)));
    assert.equal(state.text, 'two');
    assert.equal(state.base.index, 7);
    assert.equal(remoteChange(state), false);
  });

  it('never overwrites edited text; it says the key changed on the server instead', () => {
    const state = run(received(entry('one', 5)), edited('mine'), received(entry('two', 7)));
    assert.equal(state.text, 'mine');
    assert.equal(state.base.index, 5, 'the CAS index stays where the text was based');
    assert.equal(remoteChange(state), true);
  });

  it('says so when an edited key is deleted', () => {
    const state = run(received(entry('one', 5)), edited('mine'), received(null));
    assert.equal(state.text, 'mine');
    assert.equal(remoteChange(state), true);
  });

  it('follows the live value again once the text is back to what it was based on', () => {
    const state = run(received(entry('one', 5)), edited('x'), edited('one'), received(entry('two', 7)));
    assert.equal(state.text, 'two');
  });

  it('takes the CAS index from the echo of a save that arrives after the answer', () => {
    let state = run(received(entry('one', 5)), edited('mine'), saveStarted('mine'), {
      type: 'saveSucceeded',
    });
    assert.equal(isDirty(state), false);
    assert.equal(remoteChange(state), false);
    state = editorReducer(state, received(entry('mine', 9)));
    assert.equal(state.base.index, 9);
    assert.equal(state.pending, undefined);
    state = editorReducer(editorReducer(state, edited('again')), saveStarted('again'));
    assert.equal(state.pending?.fromIndex, 9, "a second save sends the first save's ModifyIndex");
  });

  it('takes the CAS index from an echo that arrives before the answer', () => {
    const state = run(
      received(entry('one', 5)),
      edited('mine'),
      saveStarted('mine'),
      received(entry('mine', 9)),
      { type: 'saveSucceeded' },
    );
    assert.equal(state.base.index, 9);
    assert.equal(state.text, 'mine');
    assert.equal(state.pending, undefined);
  });

  it('ignores a watch answer from before the save while waiting for the echo', () => {
    const state = run(
      received(entry('one', 5)),
      edited('mine'),
      saveStarted('mine'),
      { type: 'saveSucceeded' },
      received(entry('one', 5)),
    );
    assert.equal(state.text, 'mine');
    assert.ok(state.pending);
    assert.equal(remoteChange(state), false);
  });

  it('keeps text typed while the save was under way, moving only the CAS index', () => {
    const state = run(
      received(entry('one', 5)),
      edited('mine'),
      saveStarted('mine'),
      edited('mine and more'),
      { type: 'saveSucceeded' },
      received(entry('mine', 9)),
    );
    assert.equal(state.text, 'mine and more');
    assert.equal(state.base.index, 9);
    assert.equal(isDirty(state), true);
    assert.equal(remoteChange(state), false);
  });

  it('follows another writer that wrote after the save when the text was not touched since', () => {
    const state = run(
      received(entry('one', 5)),
      edited('mine'),
      saveStarted('mine'),
      { type: 'saveSucceeded' },
      received(entry('theirs', 11)),
    );
    assert.equal(state.text, 'theirs');
    assert.equal(state.base.index, 11);
  });

  it('flags another writer after the save when the text was typed into since', () => {
    const state = run(
      received(entry('one', 5)),
      edited('mine'),
      saveStarted('mine'),
      { type: 'saveSucceeded' },
      edited('mine 2'),
      received(entry('theirs', 11)),
    );
    assert.equal(state.text, 'mine 2');
    assert.equal(state.base.index, 5, 'the next save conflicts, as it should');
    assert.equal(remoteChange(state), true);
  });

  it('keeps the text on a conflict until the current value is loaded', () => {
    let state = run(
      received(entry('one', 5)),
      edited('mine'),
      received(entry('two', 7)),
      saveStarted('mine'),
      { type: 'saveConflicted' },
    );
    assert.equal(state.conflict, 'save');
    assert.equal(state.text, 'mine');
    assert.equal(state.base.index, 5);
    state = editorReducer(state, { type: 'loadCurrent' });
    assert.equal(state.conflict, undefined);
    assert.equal(state.text, 'two');
    assert.equal(state.base.index, 7);
  });

  it('keeps the text and the base on a failed request', () => {
    const state = run(received(entry('one', 5)), edited('mine'), saveStarted('mine'), { type: 'saveFailed' });
    assert.equal(state.text, 'mine');
    assert.equal(state.base.index, 5);
    assert.equal(state.pending, undefined);
    assert.equal(state.saving, false);
  });

  it('recreates a deleted key from the text with a create-only save', () => {
    let state = run(received(entry('one', 5)), edited('mine'), received(null));
    state = editorReducer(state, { type: 'recreate' });
    assert.equal(state.base.index, 0);
    assert.equal(state.text, 'mine');
    assert.equal(remoteChange(state), false);
    assert.equal(editorReducer(state, saveStarted('mine')).pending?.fromIndex, 0);
  });

  it('keeps a refused delete visible while following the live value', () => {
    const state = run(received(entry('one', 5)), { type: 'deleteConflicted' }, received(entry('two', 7)));
    assert.equal(state.conflict, 'delete');
    assert.equal(state.text, 'two');
  });

  it('switches to base64 when a followed value becomes binary, not while edited', () => {
    const binary: KvEntry = { ...entry('', 8), Value: new Uint8Array([0, 1, 2]) };
    assert.equal(run(received(entry('one', 5)), received(binary)).base.presentation.mode, 'base64');
    const edited_ = run(received(entry('one', 5)), edited('x'), received(binary));
    assert.equal(edited_.base.presentation.mode, 'text');
  });
});
