/**
 * `npm run create-key -- --name "first admin" --role admin`: registers an API key directly in the table
 * and prints its secret once. For the first key of a deployed stack (AWS_REGION and TABLE_NAME set,
 * credentials from the usual AWS chain) or a local table (DYNAMODB_ENDPOINT).
 */
import { parseArgs } from 'node:util';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { name: { type: 'string', default: 'admin' }, role: { type: 'string', default: 'admin' } },
  });
  // Both options have defaults, so parseArgs always returns them.
  const { name = 'admin', role = 'admin' } = values;
  if (role !== 'admin' && role !== 'editor' && role !== 'viewer')
    throw new Error('--role must be admin, editor or viewer');
  const { createApiKey } = await import('#auth/service');
  const key = await createApiKey({ name, role });
  process.stdout.write(`${key.role} key '${key.name}' (id ${key.id}):\n${key.key}\n`);
}

main().catch((err) => {
  process.stderr.write(`create-key failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
