/**
 * Settings: the ACL token the UI sends (kept in this browser's localStorage, as Consul's UI
 * keeps it) and what the serving agent says about itself.
 */

import { useState } from 'preact/hooks';
import type { AgentConfig } from '../../api-client/client.ts';
import { LiveView } from '../components.tsx';
import { usePoll } from '../live.ts';
import { saveToken, useClient, useToken } from '../session.ts';
import './page.css';
import './settings.css';

export function SettingsPage() {
  return (
    <>
      <h1>Settings</h1>
      <TokenForm />
      <About />
    </>
  );
}

function TokenForm() {
  const token = useToken();
  const [draft, setDraft] = useState(token);
  const [message, setMessage] = useState('');
  const save = (event: Event) => {
    event.preventDefault();
    saveToken(draft);
    setDraft(draft.trim());
    setMessage(draft.trim() === '' ? 'No token is set; requests are anonymous.' : 'Token saved.');
  };
  const clear = () => {
    saveToken('');
    setDraft('');
    setMessage('Token cleared; requests are anonymous.');
  };
  return (
    <section class="panel">
      <h2 id="token-title">ACL token</h2>
      <form class="token-form" onSubmit={save}>
        <label for="token">Token</label>
        <div class="token-row">
          <input
            id="token"
            type="password"
            name="token"
            aria-label="ACL token"
            autocomplete="off"
            spellcheck={false}
            value={draft}
            onInput={(event) => setDraft(event.currentTarget.value)}
          />
          <button type="submit" class="primary">
            Save
          </button>
          <button type="button" onClick={clear} disabled={token === '' && draft === ''}>
            Clear
          </button>
        </div>
      </form>
      <p class="status" role="status">
        {message || (token === '' ? 'No token is set; requests are anonymous.' : 'A token is set.')}
      </p>
      <p class="muted hint">
        The token is kept in this browser's localStorage and sent with every request as the{' '}
        <code>X-Consul-Token</code> header. Clear it on a shared computer.
      </p>
    </section>
  );
}

function About() {
  const client = useClient();
  const self = usePoll((signal) => client.agent.self({ signal }), 0, [client]);
  return (
    <section class="panel" aria-labelledby="about-title">
      <h2 id="about-title">About</h2>
      <LiveView live={self}>
        {(info) => {
          const config: Partial<AgentConfig> = info.Config ?? {};
          return (
            <dl class="facts">
              <div>
                <dt>Agent</dt>
                <dd>{config.NodeName || '—'}</dd>
              </div>
              <div>
                <dt>Version</dt>
                <dd>
                  {config.Version || '—'}
                  {config.Revision ? <span class="muted"> ({config.Revision})</span> : null}
                </dd>
              </div>
              <div>
                <dt>Datacenter</dt>
                <dd>{config.Datacenter || '—'}</dd>
              </div>
              <div>
                <dt>Mode</dt>
                <dd>{config.Server ? 'Server' : 'Client'}</dd>
              </div>
            </dl>
          );
        }}
      </LiveView>
    </section>
  );
}
