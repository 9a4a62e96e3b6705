import {
	ArcElement,
	BarController,
	BarElement,
	CategoryScale,
	Chart,
	DoughnutController,
	Filler,
	Legend,
	LinearScale,
	LineController,
	LineElement,
	PointElement,
	Tooltip,
} from 'chart.js';

// Only what the panel draws: line, bar and doughnut charts.
Chart.register(
	LineController,
	LineElement,
	PointElement,
	BarController,
	BarElement,
	DoughnutController,
	ArcElement,
	CategoryScale,
	LinearScale,
	Filler,
	Tooltip,
	Legend,
);

export { Chart };

/** Colours from the Directus theme, read from the panel's element so light and dark themes both fit. */
export function themeColors(element: Element) {
	const style = getComputedStyle(element);
	const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
	return {
		primary: read('--theme--primary', '#6644ff'),
		secondary: read('--theme--secondary', '#ff99dd'),
		success: read('--theme--success', '#2ecda7'),
		warning: read('--theme--warning', '#ffa439'),
		danger: read('--theme--danger', '#e35169'),
		foreground: read('--theme--foreground', '#4f5464'),
		subdued: read('--theme--foreground-subdued', '#a2b5cd'),
		border: read('--theme--border-color-subdued', '#f0f4f9'),
		font: read('--theme--fonts--sans--font-family', 'Inter, system-ui, sans-serif'),
	};
}
