import { useI18n } from 'vue-i18n';
import { PANEL_MESSAGES, type PanelMessageKey } from '../panel-messages';

const NAMESPACE = 'activity_analytics';

/**
 * The app's i18n (its locale, number and date formats) with the panel's strings merged in once per i18n
 * instance; `t` takes the panel's own keys.
 */
export function usePanelI18n() {
	const i18n = useI18n({ useScope: 'global' });
	for (const [locale, messages] of Object.entries(PANEL_MESSAGES)) {
		if (!i18n.te(`${NAMESPACE}.no_access`, locale)) i18n.mergeLocaleMessage(locale, { [NAMESPACE]: messages });
	}
	const t = (key: PanelMessageKey, values: Record<string, unknown> = {}): string =>
		i18n.t(`${NAMESPACE}.${key}`, values);
	return { t, n: i18n.n, d: i18n.d };
}
