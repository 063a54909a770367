/** Patterns shared by the edge schemas and the redirect (kept free of zod so the redirect bundle stays small). */
export const SLUG_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Slug-like names for touchpoints, journeys, stages, channels: lowercase, digits, '-', '_', '.'. */
export const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9._-]{0,78}[a-z0-9])?$/;
