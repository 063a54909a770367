import { Session } from 'node:inspector/promises';

/** V8 CPU profiling of this process for the experiments: self time by package / source file and by function. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

function category(url: string): string {
  if (!url) return '(native / GC / idle)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  const f = /\/(functions\/.+?)(\?|$)/.exec(url);
  if (f) return f[1]!;
  if (url.startsWith('node:')) return url;
  return url.split('/').slice(-2).join('/');
}

/** Runs `run` under the V8 sampling profiler; returns its result and a printable summary. */
export async function profileWhile<T>(
  run: () => Promise<T>,
  top = { categories: 22, functions: 25 },
): Promise<{ result: T; summary: string }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const stop = async () => {
    const { profile } = (await session.post('Profiler.stop')) as unknown as {
      profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    };
    session.disconnect();
    return profile;
  };
  let result: T;
  try {
    result = await run();
  } catch (error) {
    await stop();
    throw error;
  }
  const profile = await stop();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName || '(anonymous)';
    const isIdle = name === '(idle)' || name === '(program)' || name === '(garbage collector)';
    // The inspector session's own `dispatch` (the profiler waiting on itself) is idle time too.
    const cat = isIdle
      ? name
      : name === 'dispatch' && !n.callFrame.url
        ? '(idle)'
        : category(n.callFrame.url);
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + t);
    const fn = `${name} ${category(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + t);
  }
  const show = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, t]) => `  ${((t / total) * 100).toFixed(1).padStart(5)} %  ${k}`)
      .join('\n');
  return {
    result,
    summary:
      `self time by package / file:\n${show(byCategory, top.categories)}\n\n` +
      `top functions:\n${show(byFunction, top.functions)}`,
  };
}
