/** The staff fraud API's shapes (app/backend/API.md, "Fraud review (staff)"). */

export type FraudRange = { start: string; end: string };

export type FraudSummary = {
  range: FraudRange;
  totals: {
    scored: number;
    flagged: number;
    held: number;
    awaiting_review: number;
    approved: number;
    rejected: number;
  };
  statistics: {
    count: number;
    mean: number | null;
    max: number | null;
    p50: number | null;
    p95: number | null;
    p99: number | null;
    threshold: number | null;
  };
  scoring_enabled: boolean;
  mode: string;
};

export type FraudBin = { lower: number; upper: number; count: number };

export type FraudDistribution = {
  range: FraudRange;
  threshold: number | null;
  upper: number;
  overflow: number;
  bins: FraudBin[];
};

export type FraudDriver = { feature: string; share: number };

export type FraudFlag = {
  id: number;
  created_at: string;
  status: string;
  amount: string;
  currency: string;
  card_brand: string;
  card_last4: string;
  billing_city: string;
  billing_state: string;
  billing_country: string;
  client_ip: string | null;
  user_email: string | null;
  order_id: number | null;
  order_status: string | null;
  billing_name: string | null;
  fraud_score: number;
  fraud_threshold: number;
  drivers: FraudDriver[] | null;
  review: {
    decision: 'approved' | 'rejected';
    decided_by: string | null;
    decided_at: string;
    reason: string;
    refunded: boolean | null;
  } | null;
};

export type FraudFlagPage = { results: FraudFlag[]; latest_id: number };

/** What the page filters by: a date range (whole UTC days) and flagged or only held. */
export type FraudFilters = FraudRange & { state: 'flagged' | 'held' };

/** GET/POST /api/fraud/retrain/: the last retraining (on GitHub, or the CLI on the server). */
export type RetrainStatus = {
  mode: 'github' | 'local' | 'unavailable';
  state: 'idle' | 'queued' | 'running' | 'succeeded' | 'failed';
  source?: 'table' | 'upload';
  started_at?: string;
  finished_at?: string;
  started_by?: string;
  message?: string;
  run_url?: string | null;
  conclusion?: string | null;
};

/** POST /api/fraud/retrain/uploads/: a training CSV the server checked and kept. */
export type TrainingUpload = { id: string; rows: number; formula_rows: number; size: number };

/** One problem of a refused training CSV (line 1 is the header). */
export type TrainingFileProblem = { line: number; column: string | null; message: string };
