import type { Knex } from 'knex';
import * as rollupTables from '../../../migrations/20261123-001-rollup-tables';
import * as failedLogins from '../../../migrations/20261123-002-failed-logins';
import * as writerTables from '../../../migrations/20261123-003-writer-tables';
import * as activityIndexes from '../../../migrations/20261123-004-activity-indexes';
import * as archiveTables from '../../../migrations/20261123-005-archive-tables';
import * as viewRefreshes from '../../../migrations/20261123-006-view-refreshes';
import * as archivePartitions from '../../../migrations/20261127-007-archive-partitions';
import * as timestampIndex from '../../../migrations/20261127-008-activity-timestamp-index';
import * as collectionRollups from '../../../migrations/20261127-009-collection-rollups';
import * as rollupKeyIndexes from '../../../migrations/20261127-010-rollup-key-indexes';
import * as memberSets from '../../../migrations/20261127-011-member-sets';
import * as memberCounts from '../../../migrations/20261127-012-member-counts';
import * as pendingParentLinks from '../../../migrations/20261130-013-pending-parent-links';
import * as dropCollectionRollups from '../../../migrations/20261201-014-drop-collection-rollups';
import * as closeDays from '../../../migrations/20261201-015-close-days';
import * as gapFloor from '../../../migrations/20261201-016-gap-floor';
import * as openHours from '../../../migrations/20261201-017-open-hours';
import * as memberQuarters from '../../../migrations/20261201-018-member-quarters';
import * as flowRuns from '../../../migrations/20261204-019-flow-runs';
import * as flowAlerts from '../../../migrations/20261207-020-flow-alerts';
import * as suspiciousIndexes from '../../../migrations/20261207-021-suspicious-indexes';

interface Migration {
	name: string;
	/** `{ transaction: false }` for a migration that must run outside a transaction (CREATE INDEX CONCURRENTLY). */
	config?: { transaction?: boolean };
	up(knex: Knex): Promise<void>;
	down(knex: Knex): Promise<void>;
}

/** Every migration in migrations/, in order. They are bundled, so the installed extension carries them. */
export const MIGRATIONS: readonly Migration[] = [
	rollupTables,
	failedLogins,
	writerTables,
	activityIndexes,
	archiveTables,
	viewRefreshes,
	archivePartitions,
	timestampIndex,
	collectionRollups,
	rollupKeyIndexes,
	memberSets,
	memberCounts,
	pendingParentLinks,
	dropCollectionRollups,
	closeDays,
	gapFloor,
	openHours,
	memberQuarters,
	flowRuns,
	flowAlerts,
	suspiciousIndexes,
];

const MIGRATIONS_TABLE = 'activity_analytics_migrations';

/** Frees a migration lock a killed process left behind. */
export const UNLOCK_COMMAND = 'npx directus analytics migrate unlock';

/** knex's MigrationLocked: another process holds the migration lock (or a killed one left it). */
export function isMigrationLocked(error: unknown): boolean {
	return (error as { name?: unknown } | null)?.name === 'MigrationLocked';
}

// knex's migrator brings the lock table, so several instances starting at once apply each migration once.
const source: Knex.MigrationSource<Migration> = {
	getMigrations: async () => [...MIGRATIONS],
	getMigrationName: (migration) => migration.name,
	getMigration: async (migration) => migration,
};

export const MIGRATOR_CONFIG: Knex.MigratorConfig = {
	migrationSource: source,
	tableName: MIGRATIONS_TABLE,
	disableMigrationsListValidation: true,
};

export async function migrateUp(database: Knex): Promise<string[]> {
	const [, applied] = (await database.migrate.latest(MIGRATOR_CONFIG)) as [number, string[]];
	return applied;
}

export async function migrateDown(database: Knex): Promise<string[]> {
	const [, reverted] = (await database.migrate.rollback(MIGRATOR_CONFIG, true)) as [number, string[]];
	return reverted;
}

/** Reverts only the most recent migration. */
export async function migrateDownLast(database: Knex): Promise<string[]> {
	const [, reverted] = (await database.migrate.down(MIGRATOR_CONFIG)) as [number, string[]];
	return reverted;
}

export async function migrationStatus(database: Knex): Promise<{ applied: string[]; pending: string[] }> {
	const [applied, pending] = (await database.migrate.list(MIGRATOR_CONFIG)) as [{ name: string }[], Migration[]];
	return { applied: applied.map((m) => m.name), pending: pending.map((m) => m.name) };
}
