// Identifiers shared by the API and app entries; no Node imports here.
export const PACKAGE_NAME = 'directus-extension-activity-analytics';
export const ENDPOINT_ID = 'analytics';
export const OPERATION_ID = 'activity-maintenance';
export const PANEL_ID = 'activity-analytics-dashboard';
export const ENV_PREFIX = 'ACTIVITY_ANALYTICS_';
