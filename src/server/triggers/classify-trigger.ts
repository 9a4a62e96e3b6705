/** A database trigger on a Directus collection, as the three dialects report it. */
export interface TriggerInfo {
	name: string;
	table: string;
	/** create | update | delete, from the trigger's events. */
	actions: ('create' | 'update' | 'delete')[];
	timing: 'before' | 'after' | 'instead of';
	/** The SQL that creates the trigger again. */
	definition: string;
	/** The body that runs: the trigger function (PostgreSQL) or the trigger statement. */
	body: string;
	/** PostgreSQL with track_functions on: calls and total milliseconds of the trigger's function. */
	cost: { calls: number; totalMs: number; meanMs: number } | null;
}

export interface TriggerClassification {
	audit: boolean;
	/** The table an audit trigger writes to. */
	auditTable: string | null;
	reason: string;
}

// Names audit tables commonly carry; directus_activity/revisions count too (a trigger doing Directus's job).
const AUDIT_TABLE = /(audit|_log$|^log_|logs?$|history|activity|revision|journal|trail|changes?$|changelog)/i;
const INSERT_TARGET = /insert\s+into\s+((?:"[^"]+"|`[^`]+`|[\w$]+)(?:\.(?:"[^"]+"|`[^`]+`|[\w$]+))?)/gi;

/** An audit trigger records the change (usually OLD/NEW) in another table whose name says it is a log. */
export function classifyTrigger(trigger: Pick<TriggerInfo, 'table' | 'body'>): TriggerClassification {
	const targets = [...trigger.body.matchAll(INSERT_TARGET)].map((m) => unquote(m[1]!.split('.').at(-1)!));
	const other = targets.filter((t) => t !== trigger.table);
	const auditTable = other.find((t) => AUDIT_TABLE.test(t)) ?? null;
	if (auditTable) return { audit: true, auditTable, reason: `records changes in ${auditTable}` };
	if (other.length > 0)
		return {
			audit: false,
			auditTable: null,
			reason: `writes to ${other.join(', ')}, which is not named like an audit table`,
		};
	return { audit: false, auditTable: null, reason: 'writes no other table' };
}

function unquote(name: string): string {
	return name.replace(/^["`]|["`]$/g, '');
}
