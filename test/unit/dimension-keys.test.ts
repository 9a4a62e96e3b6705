import { describe, expect, it } from 'vitest';
import { dimensionKeyFor } from '../../src/server/schema/dimension-keys';

describe('dimensionKeyFor', () => {
	it('folds case, accents and trailing spaces for MySQL default collations', () => {
		const key = dimensionKeyFor('utf8mb4_unicode_ci');
		expect(key('FE80::A')).toBe(key('fe80::a'));
		expect(key('https://Café.test ')).toBe(key('https://cafe.test'));
		expect(key('10.0.0.1')).not.toBe(key('10.0.0.2'));
	});

	it('keeps case for binary and case-sensitive collations, and trailing spaces for NO PAD ones', () => {
		expect(dimensionKeyFor('utf8mb4_bin')('FE80::A')).not.toBe(dimensionKeyFor('utf8mb4_bin')('fe80::a'));
		expect(dimensionKeyFor('utf8mb4_bin')('a ')).toBe('a');
		expect(dimensionKeyFor('utf8mb4_0900_ai_ci')('a ')).toBe('a ');
		expect(dimensionKeyFor('utf8mb4_0900_ai_ci')('É')).toBe('e');
		expect(dimensionKeyFor('utf8mb4_0900_as_ci')('É')).toBe('é');
		expect(dimensionKeyFor('utf8mb4_unicode_nopad_ci')('A ')).toBe('a ');
	});

	it('compares exactly where the column has no collation (PostgreSQL and SQLite here)', () => {
		expect(dimensionKeyFor(null)('FE80::A ')).toBe('FE80::A ');
	});
});
