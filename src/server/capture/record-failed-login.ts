import type { Knex } from 'knex';
import { FAILED_LOGINS_TABLE } from '../schema/rollup-tables';

export interface LoginAttempt {
	status?: string;
	user?: string | null;
	provider?: string;
	payload?: Record<string, unknown>;
}

/** The row for a failed login, or null for any other login event. Passwords are never kept. */
export function failedLoginRow(meta: LoginAttempt, ip: string | null | undefined, at = Date.now()) {
	if (meta.status !== 'fail') return null;
	const identifier = meta.payload?.['email'] ?? meta.payload?.['identifier'] ?? null;
	return {
		at,
		ip: ip ? String(ip).slice(0, 50) : null,
		identifier: typeof identifier === 'string' ? identifier.slice(0, 255).toLowerCase() : null,
		user: meta.user ? String(meta.user).slice(0, 36) : null,
		provider: meta.provider ? String(meta.provider).slice(0, 128) : null,
	};
}

export async function recordFailedLogin(
	database: Knex,
	row: NonNullable<ReturnType<typeof failedLoginRow>>,
): Promise<void> {
	await database(FAILED_LOGINS_TABLE).insert(row);
}
