// The shape of GET /analytics/status, shared by the endpoint and the panel.
export interface ActivityTableStatus {
	rows: number;
	oldest: string | null;
	newest: string | null;
}

export interface AnalyticsStatus {
	extension: { name: string; startedAt: string };
	database: { client: string };
	queue: { kind: 'memory' | 'redis' };
	config: Record<string, unknown>;
	activity: ActivityTableStatus;
	revisions: { rows: number };
}
