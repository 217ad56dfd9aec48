/**
 * A KV folder (`<dc>/kv/` + prefix): its sub-folders and keys, one level deep, followed live
 * with `?keys&separator=/`. Keys open in the editor; a folder or key can be deleted from its
 * row, a folder after saying how many keys go with it.
 */

import { useEffect, useRef, useState } from 'preact/hooks';
import { ConfirmDialog, describeError, Empty, Link, LiveView } from '../components.tsx';
import { type FolderRow, filterRows, folderRows, parentFolder } from '../kv/keys.ts';
import { useWatch, write } from '../live.ts';
import { navigate } from '../router.ts';
import { useClient } from '../session.ts';
import { KvBreadcrumbs } from './kv-parts.tsx';
import './kv.css';

export function KvFolderPage(props: { dc: string; prefix: string }) {
  const { dc, prefix } = props;
  const client = useClient();
  const live = useWatch((options) => client.kv.keys(prefix, '/', options), [client, prefix]);
  const [search, setSearch] = useState('');
  const [deleting, setDeleting] = useState<FolderRow | undefined>(undefined);
  useEffect(() => setSearch(''), [prefix]);
  const exists = prefix === '' || (live.value !== undefined && live.value.length > 0);

  return (
    <>
      {prefix === '' ? null : <KvBreadcrumbs dc={dc} path={prefix} />}
      <h1>{prefix === '' ? 'Key / Value' : prefix}</h1>
      <div class="toolbar">
        <input
          type="search"
          aria-label="Search keys"
          placeholder="Search this folder"
          value={search}
          onInput={(event) => setSearch(event.currentTarget.value)}
        />
        <Link class="button primary" to={{ page: 'kv-create', dc, prefix }}>
          Create
        </Link>
        {prefix !== '' && exists ? (
          <button
            type="button"
            class="danger"
            onClick={() => setDeleting({ key: prefix, name: prefix, folder: true })}
          >
            Delete folder
          </button>
        ) : null}
      </div>
      <LiveView live={live}>
        {(keys) => <FolderList dc={dc} prefix={prefix} keys={keys} search={search} onDelete={setDeleting} />}
      </LiveView>
      <DeleteDialog
        target={deleting}
        onClose={() => setDeleting(undefined)}
        onDeleted={(row) => {
          setDeleting(undefined);
          if (row.key === prefix) navigate({ page: 'kv-folder', dc, prefix: parentFolder(prefix) });
        }}
      />
    </>
  );
}

function FolderList(props: {
  dc: string;
  prefix: string;
  keys: string[];
  search: string;
  onDelete: (row: FolderRow) => void;
}) {
  const { dc, prefix, keys, search } = props;
  if (keys.length === 0) {
    if (prefix === '') return <Empty>There are no keys yet. "Create" adds the first one.</Empty>;
    const parent = parentFolder(prefix);
    return (
      <Empty>
        There is nothing under <code>{prefix}</code>: the folder was deleted or never existed.{' '}
        <Link to={{ page: 'kv-folder', dc, prefix: parent }}>
          Go up to {parent === '' ? 'Key / Value' : parent}
        </Link>
      </Empty>
    );
  }
  const rows = folderRows(keys, prefix);
  if (rows.length === 0) return <Empty>This folder is empty.</Empty>;
  const shown = filterRows(rows, search);
  if (shown.length === 0) return <Empty>No keys in this folder match “{search.trim()}”.</Empty>;
  return (
    <table class="list kv">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {shown.map((row) => (
          <tr key={row.key} data-key={row.key}>
            <td class="kv-name" data-kind={row.folder ? 'folder' : 'key'}>
              <Link
                to={
                  row.folder
                    ? { page: 'kv-folder', dc, prefix: row.key }
                    : { page: 'kv-edit', dc, key: row.key }
                }
              >
                {row.name}
              </Link>
            </td>
            <td class="kv-actions">
              <button type="button" class="danger" onClick={() => props.onDelete(row)}>
                Delete<span class="visually-hidden"> {row.name}</span>
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Asks before deleting a key, or a folder with everything under it (counted first). */
function DeleteDialog(props: {
  target: FolderRow | undefined;
  onClose: () => void;
  onDeleted: (row: FolderRow) => void;
}) {
  const { target } = props;
  const client = useClient();
  const [count, setCount] = useState<number | undefined>(undefined);
  const [countError, setCountError] = useState<Error | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const busy = useRef(false);

  useEffect(() => {
    setCount(undefined);
    setCountError(undefined);
    setError(undefined);
    if (!target?.folder) return;
    const controller = new AbortController();
    client.kv
      .keys(target.key, undefined, { signal: controller.signal })
      .then(({ value }) => setCount(value.length))
      .catch((failure: unknown) => {
        if (!controller.signal.aborted)
          setCountError(failure instanceof Error ? failure : new Error(String(failure)));
      });
    return () => controller.abort();
  }, [client, target?.key, target?.folder]);

  const confirm = async () => {
    if (!target || busy.current) return;
    busy.current = true;
    setError(undefined);
    try {
      await write(() => client.kv.delete(target.key, target.folder ? { recurse: true } : {}));
      props.onDeleted(target);
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      busy.current = false;
    }
  };

  return (
    <ConfirmDialog
      open={target !== undefined}
      title={target?.folder ? 'Delete folder' : 'Delete key'}
      confirmLabel="Delete"
      onConfirm={() => void confirm()}
      onCancel={props.onClose}
    >
      {target === undefined ? null : target.folder ? (
        <p>
          Delete <code>{target.key}</code> and everything in it?{' '}
          {countError ? (
            `Its keys could not be counted: ${describeError(countError)}`
          ) : count === undefined ? (
            'Counting its keys…'
          ) : (
            <strong>
              {count} {count === 1 ? 'key' : 'keys'} will be deleted.
            </strong>
          )}
        </p>
      ) : (
        <p>
          Delete the key <code>{target.key}</code>?
        </p>
      )}
      {error ? (
        <p class="error" role="alert">
          Not deleted: {describeError(error)}
        </p>
      ) : null}
    </ConfirmDialog>
  );
}
