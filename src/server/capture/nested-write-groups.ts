/**
 * Directus emits a write's own action and then the actions of its nested relational writes in one synchronous
 * run, all with the same accountability object. Within such a run, revisions of other collections belong to
 * the last revision of the run's first collection: that is the `parent` link Directus sets on nested revisions.
 * Call it synchronously when the action arrives. A parent without a revision links nothing (the store finds none).
 * (A nested write two levels deep is linked to the top item, not to its middle parent.)
 */
export function createNestedWriteGroups(): (accountability: object, collection: string, key: string) => string | null {
	let tick = 0;
	let tickScheduled = false;
	const groups = new WeakMap<object, { tick: number; rootCollection: string; lastRootKey: string | null }>();
	return (accountability, collection, key) => {
		if (!tickScheduled) {
			tickScheduled = true;
			setImmediate(() => {
				tick++;
				tickScheduled = false;
			});
		}
		let group = groups.get(accountability);
		if (!group || group.tick !== tick) {
			group = { tick, rootCollection: collection, lastRootKey: null };
			groups.set(accountability, group);
		}
		if (collection === group.rootCollection) {
			group.lastRootKey = key;
			return null;
		}
		return group.lastRootKey;
	};
}
