/**
 * One KV key (`<dc>/kv/<key>/edit`): its value in an editor, its indexes and the session holding
 * its lock, followed live; or a new key (`<dc>/kv/<folder>/create`). Every write is a
 * check-and-set against the ModifyIndex the editor's text is based on, so nobody's change is
 * overwritten unseen: `kv/editor.ts` holds the rules.
 */

import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import type { KvEntry } from '../../model/records.ts';
import { ConfirmDialog, describeError, Empty, ErrorPanel, Link, LiveView } from '../components.tsx';
import { formatNanoseconds } from '../kv/duration.ts';
import { type EditorState, editorReducer, initialEditor, isDirty, remoteChange } from '../kv/editor.ts';
import { newKeyProblem, parentFolder } from '../kv/keys.ts';
import { encodeEditorText, presentValue } from '../kv/value.ts';
import { useWatch, write } from '../live.ts';
import { navigate } from '../router.ts';
import { useClient } from '../session.ts';
import { KvBreadcrumbs } from './kv-parts.tsx';
import './kv.css';

export function KvEditPage(props: { dc: string; keyName?: string; createIn?: string }) {
  if (props.keyName !== undefined)
    return <KeyEditor key={props.keyName} dc={props.dc} keyName={props.keyName} />;
  return <KeyCreator key={props.createIn} dc={props.dc} folder={props.createIn ?? ''} />;
}

// ---- an existing key ----

function KeyEditor(props: { dc: string; keyName: string }) {
  const { dc, keyName } = props;
  const client = useClient();
  const live = useWatch((options) => client.kv.get(keyName, options), [client, keyName]);
  const [state, dispatch] = useReducer(editorReducer, initialEditor);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [saveError, setSaveError] = useState<Error | undefined>(undefined);
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<Error | undefined>(undefined);
  const busy = useRef(false);
  const folder = parentFolder(keyName);

  useEffect(() => {
    if (live.value !== undefined) dispatch({ type: 'received', entry: live.value });
  }, [live.value]);

  const save = async (event: Event) => {
    event.preventDefault();
    if (busy.current) return;
    const encoded = encodeEditorText(state.text, state.base.presentation);
    if (!encoded.ok) {
      setProblem(encoded.problem);
      return;
    }
    busy.current = true;
    setProblem(undefined);
    setSaveError(undefined);
    dispatch({ type: 'saveStarted', bytes: encoded.bytes });
    try {
      const options = { cas: state.base.index, flags: state.live?.Flags ?? 0 };
      const saved = await write(() => client.kv.put(keyName, encoded.bytes, options));
      dispatch({ type: saved ? 'saveSucceeded' : 'saveConflicted' });
    } catch (failure) {
      setSaveError(asError(failure));
      dispatch({ type: 'saveFailed' });
    } finally {
      busy.current = false;
    }
  };

  const remove = async () => {
    if (busy.current) return;
    busy.current = true;
    setDeleteError(undefined);
    try {
      const deleted = await write(() => client.kv.delete(keyName, { cas: state.base.index }));
      if (deleted) {
        navigate({ page: 'kv-folder', dc, prefix: folder });
        return;
      }
      setConfirming(false);
      dispatch({ type: 'deleteConflicted' });
    } catch (failure) {
      setDeleteError(asError(failure));
    } finally {
      busy.current = false;
    }
  };

  const heading = (
    <>
      <KvBreadcrumbs dc={dc} path={keyName} />
      <h1>{keyName}</h1>
    </>
  );
  if (state.live === undefined) {
    return (
      <>
        {heading}
        <LiveView live={live}>{() => null}</LiveView>
      </>
    );
  }
  if (state.live === null && !isDirty(state) && state.pending === undefined) {
    return (
      <>
        {heading}
        {live.error ? <ErrorPanel error={live.error} title="Showing the last known state" /> : null}
        <Empty>
          There is no key <code>{keyName}</code>: it was deleted or never existed.{' '}
          <Link to={{ page: 'kv-folder', dc, prefix: folder }}>
            Go to {folder === '' ? 'Key / Value' : folder}
          </Link>
          {' · '}
          <Link to={{ page: 'kv-create', dc, prefix: folder }}>Create a key there</Link>
        </Empty>
      </>
    );
  }

  const presentation = state.base.presentation;
  return (
    <>
      {heading}
      {live.error ? <ErrorPanel error={live.error} title="Not following the key's changes" /> : null}
      <form class="kv-editor" onSubmit={(event) => void save(event)}>
        {state.conflict ? <ConflictAlert state={state} dispatch={dispatch} /> : null}
        {remoteChange(state) && !state.conflict ? (
          <div class="notice" role="status">
            <p>
              This key changed on the server since you opened it ({changeSummary(state)}). Your text is kept;
              saving it now would be refused.
            </p>
            <LoadCurrentButton state={state} dispatch={dispatch} />
          </div>
        ) : null}
        {problem ? (
          <p class="error" role="alert">
            {problem}
          </p>
        ) : null}
        {saveError ? <ErrorPanel error={saveError} title="Not saved" /> : null}
        <div class="kv-value-head">
          <label for="kv-value">Value</label>
          {presentation.mode === 'base64' ? (
            <span class="kv-flag">
              Binary value, {presentation.size} {presentation.size === 1 ? 'byte' : 'bytes'}: shown and edited
              as base64
            </span>
          ) : null}
          {presentation.formatted ? (
            <span class="kv-flag">JSON, shown indented; once edited, it is saved as shown</span>
          ) : null}
        </div>
        <ValueField text={state.text} onInput={(text) => dispatch({ type: 'edited', text })} />
        <div class="kv-buttons">
          <button
            type="submit"
            class="primary"
            // Unedited indented JSON would be stored reformatted: nothing to save until it changes.
            disabled={state.saving || (presentation.formatted && !isDirty(state))}
            aria-busy={state.saving}
          >
            Save
          </button>
          {state.live === null ? null : (
            <button type="button" class="danger" onClick={() => setConfirming(true)}>
              Delete
            </button>
          )}
          <Link class="button" to={{ page: 'kv-folder', dc, prefix: folder }}>
            Back to {folder === '' ? 'Key / Value' : folder}
          </Link>
          {isDirty(state) ? <span class="muted">Unsaved changes</span> : null}
        </div>
      </form>
      {state.live ? <KeyFacts dc={dc} entry={state.live} /> : null}
      <ConfirmDialog
        open={confirming}
        title="Delete key"
        confirmLabel="Delete"
        onConfirm={() => void remove()}
        onCancel={() => {
          setConfirming(false);
          setDeleteError(undefined);
        }}
      >
        <p>
          Delete the key <code>{keyName}</code>?{isDirty(state) ? ' Your unsaved text is lost with it.' : ''}
        </p>
        {deleteError ? (
          <p class="error" role="alert">
            Not deleted: {describeError(deleteError)}
          </p>
        ) : null}
      </ConfirmDialog>
    </>
  );
}

type Dispatch = (event: Parameters<typeof editorReducer>[1]) => void;

/** A save or delete refused by CAS: what changed, and the way forward. */
function ConflictAlert(props: { state: EditorState; dispatch: Dispatch }) {
  const { state } = props;
  const what = state.conflict === 'delete' ? 'so it was not deleted' : 'so your text was not saved';
  return (
    <div class="error kv-conflict" role="alert">
      <p>
        This key changed since you opened it ({changeSummary(state)}), {what}.
        {state.conflict === 'save' ? ' Your text is still in the editor.' : ''}
      </p>
      {state.live ? (
        <details>
          <summary>The current value</summary>
          <pre>{presentValue(state.live.Value).text}</pre>
        </details>
      ) : null}
      <LoadCurrentButton state={state} dispatch={props.dispatch} />
    </div>
  );
}

function LoadCurrentButton(props: { state: EditorState; dispatch: Dispatch }) {
  if (props.state.live === null) {
    return (
      <button type="button" onClick={() => props.dispatch({ type: 'recreate' })}>
        Create the key again with your text
      </button>
    );
  }
  return (
    <button type="button" onClick={() => props.dispatch({ type: 'loadCurrent' })}>
      Load the current value
    </button>
  );
}

/** What moved between the editor's base and the live key, e.g. "modify index 12 → 15". */
function changeSummary(state: EditorState): string {
  if (state.live === null) return 'it was deleted';
  if (state.live === undefined || state.live.ModifyIndex === state.base.index) return 'it was written again';
  if (state.base.index === 0) return `it was created, modify index ${state.live.ModifyIndex}`;
  return `modify index ${state.base.index} → ${state.live.ModifyIndex}`;
}

function KeyFacts(props: { dc: string; entry: KvEntry }) {
  const { entry } = props;
  return (
    <>
      <section class="panel kv-facts" aria-labelledby="kv-facts-title">
        <h2 id="kv-facts-title">Metadata</h2>
        <dl class="kv-grid">
          <dt>Create index</dt>
          <dd>{entry.CreateIndex}</dd>
          <dt>Modify index</dt>
          <dd>{entry.ModifyIndex}</dd>
          <dt>Lock index</dt>
          <dd>{entry.LockIndex}</dd>
          <dt>Flags</dt>
          <dd>{entry.Flags}</dd>
          <dt>Size</dt>
          <dd>
            {entry.Value?.length ?? 0} {(entry.Value?.length ?? 0) === 1 ? 'byte' : 'bytes'}
          </dd>
        </dl>
      </section>
      {entry.Session ? <LockSession dc={props.dc} id={entry.Session} /> : null}
    </>
  );
}

/** The session holding the key's lock, followed live. */
function LockSession(props: { dc: string; id: string }) {
  const client = useClient();
  const live = useWatch((options) => client.session.info(props.id, options), [client, props.id]);
  return (
    <section class="panel kv-lock" aria-labelledby="kv-lock-title">
      <h2 id="kv-lock-title">Lock</h2>
      <p>
        Locked by session <code>{props.id}</code>.
      </p>
      <LiveView live={live}>
        {(session) =>
          session === null ? (
            <p class="muted">The session no longer exists; the lock goes with it.</p>
          ) : (
            <dl class="kv-grid">
              <dt>ID</dt>
              <dd>
                <code>{session.ID}</code>
              </dd>
              <dt>Name</dt>
              <dd>{session.Name || <span class="muted">—</span>}</dd>
              <dt>Node</dt>
              <dd>
                <Link to={{ page: 'node', dc: props.dc, name: session.Node }}>{session.Node}</Link>
              </dd>
              <dt>Behavior</dt>
              <dd>{session.Behavior}</dd>
              <dt>TTL</dt>
              <dd>{session.TTL || <span class="muted">none</span>}</dd>
              <dt>Lock delay</dt>
              <dd>{formatNanoseconds(session.LockDelay)}</dd>
            </dl>
          )
        }
      </LiveView>
    </section>
  );
}

// ---- a new key ----

function KeyCreator(props: { dc: string; folder: string }) {
  const { dc, folder } = props;
  const client = useClient();
  const [key, setKey] = useState(folder);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [exists, setExists] = useState<string | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [saving, setSaving] = useState(false);
  const busy = useRef(false);
  const makesFolder = key.endsWith('/');

  const save = async (event: Event) => {
    event.preventDefault();
    if (busy.current) return;
    const keyProblem = newKeyProblem(key);
    setProblem(keyProblem);
    setExists(undefined);
    setError(undefined);
    if (keyProblem) return;
    busy.current = true;
    setSaving(true);
    try {
      const created = await write(() =>
        client.kv.put(key, makesFolder ? new Uint8Array() : text, { cas: 0 }),
      );
      if (created) {
        navigate(makesFolder ? { page: 'kv-folder', dc, prefix: key } : { page: 'kv-edit', dc, key }, {
          replace: true,
        });
        return;
      }
      setExists(key);
    } catch (failure) {
      setError(asError(failure));
    } finally {
      busy.current = false;
      setSaving(false);
    }
  };

  return (
    <>
      <KvBreadcrumbs dc={dc} path={folder} includeLast />
      <h1>New key{folder === '' ? '' : ` in ${folder}`}</h1>
      <form class="kv-editor" onSubmit={(event) => void save(event)} noValidate>
        {problem ? (
          <p class="error" role="alert">
            {problem}
          </p>
        ) : null}
        {exists ? (
          <p class="error" role="alert">
            A key with that name already exists:{' '}
            <Link
              to={
                exists.endsWith('/')
                  ? { page: 'kv-folder', dc, prefix: exists }
                  : { page: 'kv-edit', dc, key: exists }
              }
            >
              {exists}
            </Link>
            . Nothing was changed.
          </p>
        ) : null}
        {error ? <ErrorPanel error={error} title="Not created" /> : null}
        <label for="kv-key">Key</label>
        <input
          id="kv-key"
          name="key"
          aria-label="Key"
          class="code"
          autocomplete="off"
          spellcheck={false}
          aria-describedby="kv-key-hint"
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
        />
        <p id="kv-key-hint" class="muted kv-hint">
          A key ending in <code>/</code> creates a folder, which has no value.
        </p>
        <label for="kv-value">Value</label>
        <ValueField text={makesFolder ? '' : text} disabled={makesFolder} onInput={setText} />
        <div class="kv-buttons">
          <button type="submit" class="primary" disabled={saving} aria-busy={saving}>
            Save
          </button>
          <Link class="button" to={{ page: 'kv-folder', dc, prefix: folder }}>
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}

/** The value's textarea, the same in the editor and the create form. */
function ValueField(props: { text: string; disabled?: boolean; onInput: (text: string) => void }) {
  return (
    <textarea
      id="kv-value"
      name="value"
      aria-label="Value"
      class="code"
      rows={14}
      spellcheck={false}
      autocomplete="off"
      disabled={props.disabled}
      value={props.text}
      onInput={(event) => props.onInput(event.currentTarget.value)}
    />
  );
}

function asError(failure: unknown): Error {
  return failure instanceof Error ? failure : new Error(String(failure));
}
