/** `host:port` as people read it: IPv6 hosts in brackets, the port left out when it is 0. */
export function hostPort(host: string, port: number | null | undefined): string {
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  if (!port) return host;
  return `${shown}:${port}`;
}
