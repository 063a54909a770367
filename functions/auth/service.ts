import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError } from '../shared/errors';
import { type ApiKey, type ApiKeyView, type CreateKeyInput, can, type Permission, type Role } from './model';
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
  const match = KEY_FORMAT.exec(secret);
  return match ? match[1]! : `x${sha256(secret).slice(0, 11)}`;
}

function toView({ hash: _hash, ...rest }: ApiKey): ApiKeyView {
  return rest;
}

export interface Principal {
  keyId: string;
  role: Role;
}

export async function authenticate(authorization: string | undefined): Promise<Principal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) throw new UnauthorizedError();
  const secret = match[1]!;
  if (secret.length > 512) throw new UnauthorizedError('The API key is not valid.');
  const stored = await getApiKey(keyIdOf(secret));
  const presented = Buffer.from(sha256(secret), 'hex');
  if (!stored || !timingSafeEqual(presented, Buffer.from(stored.hash, 'hex'))) {
    throw new UnauthorizedError('The API key is not valid (revoked or mistyped).');
  }
  return { keyId: stored.id, role: stored.role };
}

export function authorize(principal: Principal, permission: Permission): void {
  if (!can(principal.role, permission)) {
    const needs = permission === 'admin' ? 'an admin key' : 'an editor or admin key';
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
