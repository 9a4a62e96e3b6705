import { useApi } from '@directus/extensions-sdk';
import { onMounted, ref } from 'vue';
import type { AnalyticsStatus } from '../../shared/status';

export type LoadState = 'loading' | 'ready' | 'forbidden' | 'error';

interface ApiErrorShape {
	response?: { status?: number; data?: { errors?: { message?: string }[] } };
	message?: string;
}

/** Loads GET /analytics/status with the viewer's session; a 401/403 becomes the polite "no access" state. */
export function useAnalyticsStatus() {
	const api = useApi();
	const state = ref<LoadState>('loading');
	const status = ref<AnalyticsStatus | null>(null);
	const errorMessage = ref<string | null>(null);

	async function load(): Promise<void> {
		state.value = 'loading';
		try {
			const response = await api.get<{ data: AnalyticsStatus }>('/analytics/status');
			status.value = response.data.data;
			state.value = 'ready';
		} catch (error) {
			const shaped = error as ApiErrorShape;
			const code = shaped.response?.status;
			if (code === 401 || code === 403) {
				state.value = 'forbidden';
				return;
			}
			errorMessage.value = shaped.response?.data?.errors?.[0]?.message ?? shaped.message ?? 'Unknown error';
			state.value = 'error';
		}
	}

	onMounted(load);
	return { state, status, errorMessage, reload: load };
}
