import type { RegisterRoutes } from '../deps.js';

export const registerJourneyRoutes: RegisterRoutes = async () => {};
