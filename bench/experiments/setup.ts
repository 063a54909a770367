import type { BenchContext } from '../context';
import type { LinkInfo } from '../throughput';

/**
 * What every experiment starts from, as `npm run bench` does: a quiet process, DynamoDB Local in memory
 * and the local runtime with its stream poller off. `run` gets the bench context and the server's URL;
 * the runtime is stopped after it, whatever happens.
 */
export async function withBenchRuntime<T>(
  run: (ctx: BenchContext, runtime: { url: string }) => Promise<T>,
): Promise<T> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.TOUCHPOINT_LOG_SILENT = '1';
  const { freePort } = await import('#local/dynamodb-local');
  const { startLocalRuntime } = await import('#local/runtime');
  const runtime = await startLocalRuntime({ port: await freePort(), aggregate: false });
  try {
    const { benchContext } = await import('../context');
    return await run(await benchContext(runtime), runtime);
  } finally {
    await runtime.stop();
  }
}

/** The link figure 2 loads, created through the API as the suite creates it. */
export async function posterLink(ctx: BenchContext): Promise<LinkInfo> {
  const { apiOk } = await import('../context');
  const link = await apiOk<{ id: string; slug: string; domain: string }>(ctx, 'POST', '/api/links', {
    url: 'https://example.com/spring?lang=en',
    touchpoint: 'spring-poster-lobby',
    stage: 'awareness',
  });
  return { ...link, journey: 'default', stage: 'awareness', touchpoint: 'spring-poster-lobby' };
}
