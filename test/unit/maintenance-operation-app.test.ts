import { describe, expect, it } from 'vitest';
import operation from '../../src/maintenance-operation/app';

type Field = { field: string; meta?: { interface?: string; options?: { text?: string } } };
const fieldsFor = (values: Record<string, unknown>) =>
	(operation.options as (values: Record<string, unknown>) => Field[])(values);

describe('the maintenance operation in the Flow editor', () => {
	it('shows no notice for working options', () => {
		const fields = fieldsFor({ tasks: ['refresh', 'retention'], keep_days: 90, archive: 'files' });
		expect(fields.map((f) => f.field)).not.toContain('problems');
		expect(fields.map((f) => f.field)).toEqual(
			expect.arrayContaining([
				'tasks',
				'keep_days',
				'archive',
				'archive_months',
				'anonymize_days',
				'erase_user',
				'batch_size',
				'dry_run',
			]),
		);
	});

	it('names what the handler would refuse, above the options', () => {
		const [notice] = fieldsFor({ tasks: ['erase'], keep_days: -1 });
		expect(notice?.field).toBe('problems');
		expect(notice?.meta?.interface).toBe('presentation-notice');
		expect(notice?.meta?.options?.text).toContain('"keep_days" must be a whole number from 1 to 36500 (got "-1")');
		expect(notice?.meta?.options?.text).toContain('"erase_user" is required for the erase task');
	});

	it('leaves templated values to the run', () => {
		expect(fieldsFor({ tasks: ['erase'], erase_user: '{{$trigger.body.user}}' })[0]?.field).not.toBe('problems');
	});
});
