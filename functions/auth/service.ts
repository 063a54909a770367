import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { config } from '#shared/config';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
  UnauthorizedError,
} from '#shared/errors';
import { FailureLimiter } from './failure-limiter';
import {
  type ApiKey,
  type ApiKeyView,
  type CreateKeyInput,
  can,
  type Permission,
  type Role,
  rolesWith,
} from './model';
import { deleteApiKey, deleteApiKeyKeeping, getApiKey, listApiKeys, putApiKey } from './repository';

const KEY_FORMAT = /^tp_([a-z0-9]{12})_([A-Za-z0-9_-]{32,})$/;

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Keys we issue embed their public id (`tp_<id>_<secret>`), so a lookup is one GetItem. A key given
 * from outside (TOUCHPOINT_API_KEY) has no id; its id is derived from its hash instead.
 */
export function keyIdOf(secret: string): string {
  const id = KEY_FORMAT.exec(secret)?.[1];
  return id ?? `x${sha256(secret).slice(0, 11)}`;
}

function toView({ hash: _hash, ...rest }: ApiKey): ApiKeyView {
  return rest;
}

export interface Principal {
  keyId: string;
  role: Role;
}

let limiter: FailureLimiter | undefined;

function failureLimiter(): FailureLimiter {
  limiter ??= new FailureLimiter({ limit: config().authFailuresPerMinute, windowMs: 60_000 });
  return limiter;
}

/** Forget every client's failures (tests and the local server start from a clean slate). */
export function resetAuthFailures(): void {
  limiter = undefined;
  knownKeyIds = undefined;
}

/**
 * Ids of the keys that exist, read (one Query) only when an address is over its failure limit and at
 * most once a minute. A key with a known id is still checked in full: an address is shared (an office,
 * or every user of one CloudFront edge, since the API sees the edge's address), so a guesser there must
 * not lock out a colleague whose key this process has not seen yet. Guesses with made-up ids, the
 * guesser's only way to try many keys, are answered 429 without a read.
 */
let knownKeyIds: { ids: Set<string>; readAt: number } | undefined;
const KNOWN_KEY_IDS_TTL_MS = 60_000;

async function isKnownKeyId(id: string): Promise<boolean> {
  if (!knownKeyIds || Date.now() - knownKeyIds.readAt > KNOWN_KEY_IDS_TTL_MS) {
    knownKeyIds = { ids: new Set((await listApiKeys()).map((k) => k.id)), readAt: Date.now() };
  }
  return knownKeyIds.ids.has(id);
}

/**
 * The principal behind an `Authorization: Bearer` header. `client` names the caller (its address) for
 * the failed-attempt limiter: past AUTH_FAILURES_PER_MINUTE wrong keys it is answered 429 without a
 * lookup, except with a key that has worked here before (ADR 0029).
 */
export async function authenticate(authorization: string | undefined, client: string): Promise<Principal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  const secret = match?.[1];
  const hash = secret !== undefined && secret.length <= 512 ? sha256(secret) : null;
  const wait = failureLimiter().retryAfterSeconds(client, hash);
  if (wait > 0 && !(secret !== undefined && (await isKnownKeyId(keyIdOf(secret))))) {
    throw new TooManyRequestsError(
      'Too many requests with a missing or wrong API key; try again later.',
      wait,
    );
  }
  const fail = (message?: string): never => {
    failureLimiter().recordFailure(client, hash);
    throw new UnauthorizedError(message);
  };
  if (secret === undefined) return fail();
  if (hash === null) return fail('The API key is not valid.');
  const stored = await getApiKey(keyIdOf(secret));
  if (!stored || !timingSafeEqual(Buffer.from(hash, 'hex'), Buffer.from(stored.hash, 'hex'))) {
    return fail('The API key is not valid (revoked or mistyped).');
  }
  failureLimiter().recordSuccess(hash);
  return { keyId: stored.id, role: stored.role };
}

export function authorize(principal: Principal, permission: Permission): void {
  if (!can(principal.role, permission)) {
    const roles = rolesWith(permission);
    const needs = `${/^[aeiou]/.test(roles[0] ?? '') ? 'an' : 'a'} ${roles.join(' or ')} key`;
    throw new ForbiddenError(`This key has the ${principal.role} role; this action needs ${needs}.`);
  }
}

export async function createApiKey(
  input: CreateKeyInput,
  now = new Date(),
): Promise<ApiKeyView & { key: string }> {
  const secret = generateSecret();
  const key: ApiKey = {
    id: keyIdOf(secret),
    name: input.name,
    role: input.role,
    hash: sha256(secret),
    createdAt: now.toISOString(),
    lastFour: secret.slice(-4),
  };
  await putApiKey(key);
  return { ...toView(key), key: secret };
}

/** Registers a secret chosen by the operator (TOUCHPOINT_API_KEY, or the generated first-start key). */
export async function registerApiKey(
  secret: string,
  name: string,
  role: Role,
  now = new Date(),
): Promise<ApiKeyView> {
  const key: ApiKey = {
    id: keyIdOf(secret),
    name,
    role,
    hash: sha256(secret),
    createdAt: now.toISOString(),
    lastFour: secret.slice(-4),
  };
  const existing = await getApiKey(key.id);
  if (existing && existing.hash === key.hash && existing.role === role) return toView(existing);
  await putApiKey(key);
  return toView(key);
}

export function generateSecret(): string {
  const id = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  return `tp_${id}_${randomBytes(24).toString('base64url')}`;
}

export async function listKeys(): Promise<ApiKeyView[]> {
  return (await listApiKeys()).map(toView);
}

/** Revokes a key; the last admin key cannot be revoked, or nobody could manage keys any more. */
export async function revokeKey(id: string): Promise<void> {
  const all = await listApiKeys();
  const target = all.find((k) => k.id === id);
  if (!target) throw new NotFoundError(`There is no API key with id '${id}'.`);
  if (target.role !== 'admin') {
    await deleteApiKey(id);
    return;
  }
  const lastAdmin = new ConflictError(
    'This is the last admin key; create another admin key before revoking it.',
  );
  const survivor = all.find((k) => k.role === 'admin' && k.id !== id);
  if (!survivor || !(await deleteApiKeyKeeping(id, survivor.id))) throw lastAdmin;
}
