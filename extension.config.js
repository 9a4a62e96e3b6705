// Build configuration for `directus-extension build`. The API bundle inlines its dependencies
// (ioredis, lru-cache, cron-parser) so the installed extension needs no node_modules of its own.
export default {
	plugins: [],
};
