import '#shared/zod-locale';
import * as z from 'zod/mini';
import { textSchema } from '#shared/validation';

/** `tracker`: a shop's backend, which may only report conversions (issue 18). */
export const ROLES = ['admin', 'editor', 'viewer', 'tracker'] as const;
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
export type Permission = 'read' | 'write_links' | 'track_conversions' | 'admin';

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: ['read', 'write_links', 'track_conversions', 'admin'],
  editor: ['read', 'write_links', 'track_conversions'],
  viewer: ['read'],
  tracker: ['track_conversions'],
};

/** The roles that hold `permission`, for error messages ("needs an editor or admin key"). */
export function rolesWith(permission: Permission): Role[] {
  return ROLES.filter((role) => can(role, permission));
}

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export const createKeySchema = z.strictObject({
  name: textSchema(1, 100),
  role: z.enum(ROLES),
});
export type CreateKeyInput = z.infer<typeof createKeySchema>;
