import { en } from 'zod/locales';
import { config } from 'zod/mini';

/**
 * English messages for zod's mini API. The edge schemas use `zod/mini` rather than the classic API because
 * its functions tree-shake (the api bundle is loaded at every cold start, docs/benchmarks.md), but unlike
 * the classic API it registers no locale, and without one every issue reads "Invalid input". Our 400s
 * quote zod's messages, so every module that builds schemas imports this one first.
 * (`en` is imported by name: `z.locales.en` would keep all 47 locales in the bundle.)
 */
config(en());
