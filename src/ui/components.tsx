/**
 * The small pieces every page uses: links that navigate without a reload, health badges, tags,
 * key/value lists, error and empty states, and a confirmation dialog.
 */

import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError, ConnectionError } from '../api-client/client.ts';
import type { Health } from './health.ts';
import type { Live } from './live.ts';
import { href, navigate, type Route } from './router.ts';

/** A real link (open in a new tab works) that navigates in place on a plain click. */
export function Link(props: {
  to: Route;
  children: ComponentChildren;
  class?: string;
  title?: string;
  'aria-current'?: 'page' | undefined;
  'aria-label'?: string;
}) {
  const { to, children, ...rest } = props;
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a {...rest} href={href(to)} onClick={onClick}>
      {children}
    </a>
  );
}

const healthLabel: Record<Health, string> = {
  passing: 'Passing',
  warning: 'Warning',
  critical: 'Critical',
  maintenance: 'Maintenance',
};

/** A health badge; `label` replaces the status word (for counts such as "3 passing"). */
export function Badge(props: { status: Health; label?: string }) {
  return (
    <span class="badge" data-status={props.status}>
      {props.label ?? healthLabel[props.status]}
    </span>
  );
}

export function Tags(props: { tags: readonly string[] | null | undefined }) {
  const tags = props.tags ?? [];
  if (tags.length === 0) return <span class="muted">—</span>;
  return (
    <ul class="tags" aria-label="Tags">
      {tags.map((tag) => (
        <li key={tag}>{tag}</li>
      ))}
    </ul>
  );
}

/** Metadata as a definition list; a dash when there is none. */
export function MetaList(props: { meta: Record<string, string> | null | undefined; label?: string }) {
  const entries = Object.entries(props.meta ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <dl class="meta" aria-label={props.label ?? 'Metadata'}>
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** What went wrong, in words a person can act on. */
export function describeError(error: Error): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return `Permission denied (${error.body}). Set an ACL token in Settings.`;
    return `The agent answered ${error.status}: ${error.body || 'no details'}`;
  }
  if (error instanceof TypeError || error instanceof ConnectionError) return 'The agent does not answer.';
  return error.message;
}

export function ErrorPanel(props: { error: Error; title?: string }) {
  return (
    <div class="error" role="alert">
      {props.title ? <strong>{props.title}: </strong> : null}
      {describeError(props.error)}
    </div>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}

/**
 * The three states of live data: loading, failed with nothing to show, or the value (with the
 * error above it when a later request failed, so the last known state stays readable).
 */
export function LiveView<T>(props: { live: Live<T>; children: (value: T) => ComponentChildren }) {
  const { value, error, loading } = props.live;
  if (value === undefined) {
    if (error) return <ErrorPanel error={error} />;
    if (loading)
      return (
        <p class="loading" aria-busy="true">
          Loading…
        </p>
      );
    return null;
  }
  return (
    <>
      {error ? <ErrorPanel error={error} title="Showing the last known state" /> : null}
      {props.children(value)}
    </>
  );
}

/** A modal confirmation; Escape or "Cancel" closes it, focus starts on Cancel. */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (props.open && !element.open) {
      element.showModal();
      cancel.current?.focus();
    } else if (!props.open && element.open) {
      element.close();
    }
  }, [props.open]);
  return (
    <dialog
      ref={dialog}
      aria-labelledby="confirm-title"
      onCancel={(event) => {
        event.preventDefault();
        props.onCancel();
      }}
    >
      <h2 id="confirm-title">{props.title}</h2>
      <div>{props.children}</div>
      <div class="actions">
        <button type="button" ref={cancel} onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

// ---- list toolbars ----

export function SearchField(props: {
  label: string;
  placeholder: string;
  value: string;
  onInput: (value: string) => void;
}) {
  return (
    <input
      type="search"
      aria-label={props.label}
      placeholder={props.placeholder}
      value={props.value}
      onInput={(event) => props.onInput(event.currentTarget.value)}
    />
  );
}

/** A labelled select; `options` are `[value, text]` pairs. */
export function SelectField(props: {
  label: string;
  value: string;
  options: readonly (readonly [value: string, text: string])[];
  onChange: (value: string) => void;
}) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <select
        aria-label={props.label}
        value={props.value}
        onChange={(event) => props.onChange(event.currentTarget.value)}
      >
        {props.options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** "12 services", or "3 of 12 services" while filters hide some. */
export function ResultCount(props: {
  shown: number;
  total: number;
  filtered: boolean;
  noun: [string, string];
}) {
  const [one, many] = props.noun;
  return (
    <p class="count" role="status">
      {props.filtered ? `${props.shown} of ${props.total}` : props.total} {props.total === 1 ? one : many}
    </p>
  );
}

export function NoMatches(props: { noun: string; onClear: () => void }) {
  return (
    <div class="empty">
      <p>No {props.noun} match these filters.</p>
      <button type="button" onClick={props.onClear}>
        Clear filters
      </button>
    </div>
  );
}

/** The trail of pages above this one; `current` names this page itself, when shown. */
export function Breadcrumbs(props: { trail: readonly { label: string; to: Route }[]; current?: string }) {
  return (
    <nav aria-label="Breadcrumb">
      <ol class="breadcrumbs">
        {props.trail.map((crumb) => (
          <li key={href(crumb.to)}>
            <Link to={crumb.to}>{crumb.label}</Link>
          </li>
        ))}
        {props.current === undefined ? null : <li aria-current="page">{props.current}</li>}
      </ol>
    </nav>
  );
}
