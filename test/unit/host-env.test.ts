import { describe, expect, it } from 'vitest';
import { ROLLUP_INTERNAL_TABLES } from '../../scripts/host.mjs';
import {
	MEMBER_COUNTS_TABLE,
	MEMBER_QUARTERS_TABLE,
	MEMBER_SETS_TABLE,
	MEMBERS_TABLE,
} from '../../src/server/schema/member-tables';
import {
	FLOW_ALERTS_TABLE,
	FLOW_FAILURES_TABLE,
	FLOW_PENDING_TABLE,
	FLOW_RUNS_TABLE,
	FLOW_STEPS_TABLE,
} from '../../src/server/schema/flow-tables';
import { GAPS_TABLE, ROLLUP_TABLES, STATE_TABLE } from '../../src/server/schema/rollup-tables';
import {
	ARCHIVE_ACTIVITY_TABLE,
	ARCHIVE_FILES_TABLE,
	ARCHIVE_REVISIONS_TABLE,
	VIEW_REFRESHES_TABLE,
} from '../../src/server/schema/retention-tables';
import {
	DROPPED_TRIGGERS_TABLE,
	WRITER_COLLECTIONS_TABLE,
	WRITER_LEDGER_TABLE,
} from '../../src/server/schema/writer-tables';

describe('host env', () => {
	it('excludes exactly our internal tables from the Directus schema (the alert collections stay)', () => {
		const internal = [
			...ROLLUP_TABLES.map((t) => t.name),
			MEMBERS_TABLE,
			MEMBER_SETS_TABLE,
			MEMBER_COUNTS_TABLE,
			MEMBER_QUARTERS_TABLE,
			STATE_TABLE,
			GAPS_TABLE,
			'activity_analytics_migrations',
			'activity_analytics_migrations_lock',
			'activity_analytics_failed_logins',
			WRITER_LEDGER_TABLE,
			WRITER_COLLECTIONS_TABLE,
			DROPPED_TRIGGERS_TABLE,
			ARCHIVE_ACTIVITY_TABLE,
			ARCHIVE_REVISIONS_TABLE,
			VIEW_REFRESHES_TABLE,
			ARCHIVE_FILES_TABLE,
			FLOW_RUNS_TABLE,
			FLOW_STEPS_TABLE,
			FLOW_FAILURES_TABLE,
			FLOW_PENDING_TABLE,
		];
		expect([...ROLLUP_INTERNAL_TABLES].sort()).toEqual(internal.sort());
		expect(ROLLUP_INTERNAL_TABLES).not.toContain('activity_analytics_alerts');
		expect(ROLLUP_INTERNAL_TABLES).not.toContain(FLOW_ALERTS_TABLE);
	});
});
