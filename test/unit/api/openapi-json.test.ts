import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApiJson } from '#shared/openapi';

describe('functions/api/actions/openapi.json', () => {
  it('is what scripts/build-openapi.ts generates from functions/shared/openapi.ts (else: npm run openapi)', () => {
    const committed = readFileSync(
      new URL('../../../functions/api/actions/openapi.json', import.meta.url),
      'utf8',
    );
    expect(committed, 'openapi.json is stale: run `npm run openapi` and commit it').toBe(openApiJson());
  });
});
