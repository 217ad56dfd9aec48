import type { WebUi } from '../context.ts';
import type { ApiResponse } from '../response.ts';
import { text } from '../response.ts';
import { type RouteDefinition, route } from '../route.ts';

/** What `GET /` says when the UI is off (Consul's wording, naming Cairn). */
export const UI_DISABLED_TEXT =
  'Cairn agent: UI disabled. To enable, set ui_config.enabled=true in the agent configuration and restart.';

/**
 * `GET /`, Consul's `Index`: a 301 to the UI's content path when the UI is on, else a 200 that
 * says the UI is off. Clients (python-consul's tests) point an HTTP check at the agent's own
 * address: it passes either way, as health checks follow redirects. A UI served at `/` itself
 * takes this path over (routes/ui.ts).
 */
export function rootRoutes(ui: WebUi | undefined): RouteDefinition[] {
  if (ui === undefined) return [route('/', { GET: () => text(200, UI_DISABLED_TEXT) })];
  if (ui.contentPath === '/') return [];
  return [route('/', { GET: () => movedPermanently(ui.contentPath) })];
}

/** Go's `http.Redirect` with 301, as Consul's mux answers. */
export function movedPermanently(location: string): ApiResponse {
  return {
    status: 301,
    headers: { location, 'content-type': 'text/html; charset=utf-8' },
    body: `<a href="${escapeHtml(location)}">Moved Permanently</a>.\n\n`,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;');
}
