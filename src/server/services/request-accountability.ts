import type { Accountability } from '@directus/types';
import type { Request } from 'express';

/** Directus puts the caller's accountability on the request; express's types do not know it. */
export function accountabilityOf(req: Request): Accountability | null {
	return (req as Request & { accountability?: Accountability | null }).accountability ?? null;
}
