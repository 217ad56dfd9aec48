/** `cairn services deregister`: removes services from the local agent, by file or by `-id`. */

import type { CairnClient, ServiceRegistration } from '../../api-client/client.ts';
import type { InputReader } from '../data-argument.ts';
import type { Output } from '../output.ts';
import { attempt } from '../report-error.ts';
import { definitionField } from '../service-definitions.ts';
import { loadServiceFiles } from './services-register.ts';

export async function runServicesDeregister(
  client: CairnClient,
  options: { id?: string | undefined; files?: string[] },
  output: Output,
  input: InputReader,
): Promise<number> {
  const files = options.files ?? [];
  if (files.length === 0 && !options.id) {
    output.error('Service deregistration requires at least one argument or -id.');
    return 1;
  }
  if (files.length > 0 && options.id) {
    output.error('Service deregistration requires arguments or -id, not both.');
    return 1;
  }
  let definitions: ServiceRegistration[] = [{ ID: options.id }];
  if (files.length > 0) {
    const loaded = await loadServiceFiles(files, input);
    if (!loaded.ok) {
      output.error(`Error: ${loaded.message}`);
      return 1;
    }
    definitions = loaded.definitions;
  }
  for (const definition of definitions) {
    const id = String(definitionField(definition, 'ID') || definitionField(definition, 'Name') || '');
    if (id === '') continue;
    const deregistered = await attempt(output, `Error deregistering service ${JSON.stringify(id)}`, () =>
      client.agent.serviceDeregister(id),
    );
    if (!deregistered.ok) return deregistered.exitCode;
    output.line(`Deregistered service: ${id}`);
  }
  return 0;
}
