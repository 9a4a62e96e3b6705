import { defineHook } from '@directus/extensions-sdk';
import { describeConfig, parseConfig } from '../server/config';

export default defineHook((_register, { env, logger }) => {
	try {
		const config = parseConfig(env);
		logger.info({ config: describeConfig(config) }, 'activity analytics: configuration');
	} catch (error) {
		logger.error(error instanceof Error ? error.message : String(error));
		throw error;
	}
});
