import { stripemodelProfile } from './stripemodel.js';
import { transactionsProfile } from './transactions.js';
import type { FeatureProfile } from './profile.js';

/** Every feature profile by name. */
export const PROFILES: Record<FeatureProfile['name'], FeatureProfile> = {
  stripemodel: stripemodelProfile,
  transactions: transactionsProfile
};

export const PROFILE_NAMES = Object.keys(PROFILES) as FeatureProfile['name'][];
