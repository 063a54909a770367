import '../shared/zod-locale';
import * as z from 'zod/mini';

export const ROLES = ['admin', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  /** sha256 of the whole secret; the secret itself is never stored. */
  hash: string;
  createdAt: string;
  lastFour: string;
}

export type ApiKeyView = Omit<ApiKey, 'hash'>;

/** What a request is allowed to do, by role. Kept here so every route asks the same question. */
export type Permission = 'read' | 'write_links' | 'admin';

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: ['read', 'write_links', 'admin'],
  editor: ['read', 'write_links'],
  viewer: ['read'],
};

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export const createKeySchema = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
  role: z.enum(ROLES),
});
export type CreateKeyInput = z.infer<typeof createKeySchema>;
