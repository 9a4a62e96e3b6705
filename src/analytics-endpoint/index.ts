import { defineEndpoint } from '@directus/extensions-sdk';
import { parseConfig } from '../server/config';
import { ENDPOINT_ID } from '../shared/constants';
import { mountStatusRoute } from './routes/status';

export default defineEndpoint({
	id: ENDPOINT_ID,
	handler: (router, { database, env }) => {
		const config = parseConfig(env);
		mountStatusRoute(router, database, config);
	},
});
