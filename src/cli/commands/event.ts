/** `cairn event -name NAME [-node RE] [-service RE] [-tag RE] [PAYLOAD]`: fires a user event. */

import type { CairnClient } from '../../api-client/client.ts';
import { compileGoRegexp } from '../../lib/filter/go-regexp.ts';
import type { Output } from '../output.ts';
import { EXIT_FAILURE, reportFailure } from '../report-error.ts';

export interface EventOptions {
  name?: string;
  node?: string;
  service?: string;
  tag?: string;
  /** Positional arguments: at most one, the payload. */
  args: string[];
}

export async function runEvent(client: CairnClient, options: EventOptions, output: Output): Promise<number> {
  const name = options.name ?? '';
  if (name === '') {
    output.error('Event name must be specified');
    return EXIT_FAILURE;
  }
  for (const [label, pattern] of [
    ['node', options.node],
    ['service', options.service],
    ['tag', options.tag],
  ] as const) {
    if (!pattern) continue;
    const compiled = compileGoRegexp(pattern);
    if (typeof compiled === 'string') {
      output.error(`Failed to compile ${label} filter regexp: ${compiled}`);
      return EXIT_FAILURE;
    }
  }
  if (options.tag && !options.service) {
    output.error('Cannot provide tag filter without service filter.');
    return EXIT_FAILURE;
  }
  if (options.args.length > 1) {
    output.error('Too many command line arguments.');
    return EXIT_FAILURE;
  }
  try {
    await client.agent.self();
  } catch (error) {
    return reportFailure(output, 'Error querying Cairn agent', error);
  }
  try {
    const event = await client.event.fire(name, options.args[0], {
      ...(options.node ? { node: options.node } : {}),
      ...(options.service ? { service: options.service } : {}),
      ...(options.tag ? { tag: options.tag } : {}),
    });
    output.line(`Event ID: ${event.ID}`);
  } catch (error) {
    return reportFailure(output, 'Error firing event', error);
  }
  return 0;
}
