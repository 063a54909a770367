/**
 * `npm run openapi`: writes functions/api/actions/openapi.json from functions/shared/openapi.ts. The api
 * Lambda serves that file rather than bundling the builder (~11 KiB less to load at every cold start,
 * docs/benchmarks.md), so run this after changing routes or request bodies and commit the result;
 * test/unit/api/openapi-json.test.ts fails while the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiJson } from '#shared/openapi';

const file = fileURLToPath(new URL('../functions/api/actions/openapi.json', import.meta.url));
writeFileSync(file, openApiJson());
console.log(`wrote ${file}`);
