import { Initial1767225600000 } from './1767225600000-initial';

/** In order; listed explicitly because the API is bundled. */
export const MIGRATIONS = [Initial1767225600000];
