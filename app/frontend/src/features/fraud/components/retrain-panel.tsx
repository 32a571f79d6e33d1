import { useId, useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Spinner } from '@/components/ui/spinner';
import { toApiError } from '@/lib/api-error';
import { useRetrainStatus, useStartRetrain, useUploadTrainingCsv } from '../api/retrain';
import type { RetrainStatus, TrainingFileProblem, TrainingUpload } from '../types';

const STATE_LABELS: Record<RetrainStatus['state'], string> = {
  idle: 'No retraining yet.',
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Finished',
  failed: 'Failed'
};

/** The problems of a refused CSV, as the API lists them in `extra.errors`. */
function fileProblems(error: unknown): TrainingFileProblem[] {
  const errors = toApiError(error).extra.errors;
  if (!Array.isArray(errors)) return [];
  return errors.filter(
    (e): e is TrainingFileProblem =>
      Boolean(e) && typeof e === 'object' && typeof (e as TrainingFileProblem).line === 'number'
  );
}

function StatusLine({ status }: { status: RetrainStatus }) {
  if (status.state === 'idle') return <p className="muted">{STATE_LABELS.idle}</p>;
  const source = status.source === 'upload' ? 'an uploaded CSV' : "the shop's table";
  return (
    <div data-testid="retrain-status">
      <p>
        <strong>{STATE_LABELS[status.state]}</strong>: retraining on {source}
        {status.started_at ? `, started ${new Date(status.started_at).toLocaleString()}` : ''}
        {status.started_by ? ` by ${status.started_by}` : ''}.
      </p>
      {status.message ? <p>{status.message}</p> : null}
      {status.run_url ? (
        <p>
          <a href={status.run_url} target="_blank" rel="noreferrer">
            The workflow run on GitHub
          </a>
        </p>
      ) : null}
    </div>
  );
}

/**
 * Retraining the fraud model: on the shop's own table, or on a CSV staff upload — trained by the
 * server itself, or on GitHub, where the server first puts the file in its private bucket for the
 * workflow. The server checks a CSV whole; each problem it finds is listed with its line.
 */
export function RetrainPanel() {
  const status = useRetrainStatus();
  const upload = useUploadTrainingCsv();
  const start = useStartRetrain();
  const [file, setFile] = useState<File | null>(null);
  const [uploaded, setUploaded] = useState<TrainingUpload | null>(null);
  const fileId = useId();
  const mode = status.data?.mode;
  const active = status.data?.state === 'queued' || status.data?.state === 'running';
  const busy = upload.isPending || start.isPending;
  const problems = upload.error ? fileProblems(upload.error) : [];

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    start.reset();
    setUploaded(null);
    try {
      const stored = await upload.mutateAsync(file);
      setUploaded(stored);
      await start.mutateAsync({ source: 'upload', upload_id: stored.id });
    } catch {
      // Shown below from the mutations' errors.
    }
  }

  return (
    <section aria-labelledby="fraud-retrain">
      <h2 id="fraud-retrain">Retrain the model</h2>
      {status.isPending ? <Spinner label="Loading the retraining status…" /> : null}
      {status.error ? <Alert>{status.error.message}</Alert> : null}
      {status.data ? (
        <div role="status" aria-live="polite">
          <StatusLine status={status.data} />
        </div>
      ) : null}
      {mode === 'unavailable' ? (
        <p className="muted">
          Retraining is not set up on this server (no GitHub token and no model file).
        </p>
      ) : null}
      <div className="button-row">
        <Button
          variant="secondary"
          busy={start.isPending && start.variables?.source === 'table'}
          disabled={busy || active || mode === 'unavailable'}
          onClick={() => {
            upload.reset();
            start.mutate({ source: 'table' });
          }}
        >
          Retrain on the shop&apos;s table
        </Button>
      </div>
      {mode === 'local' || mode === 'github' ? (
        <form aria-label="Retrain on a CSV" onSubmit={(event) => void submit(event)}>
          <div className="field">
            <label htmlFor={fileId}>Training CSV</label>
            <input
              id={fileId}
              type="file"
              accept=".csv,text/csv"
              aria-invalid={problems.length > 0 || undefined}
              onChange={(event) => setFile(event.target.files?.[0] ?? null)}
            />
            <p className="field-hint">
              The 16 columns of the shop&apos;s payments table (id, created_at, user_id, amount,
              status, …), UTF-8.
              {mode === 'github'
                ? ' The file goes to the shop’s private storage for the GitHub workflow, which trains on it; it is deleted after 3 days.'
                : ''}
            </p>
          </div>
          <Button type="submit" busy={upload.isPending} disabled={!file || busy || active}>
            Upload and retrain
          </Button>
        </form>
      ) : null}
      {uploaded ? (
        <Alert tone="info">
          {`Uploaded ${uploaded.rows} rows.`}
          {uploaded.formula_rows > 0
            ? ` ${uploaded.formula_rows} of them hold a cell that looks like a spreadsheet formula; it is kept as text.`
            : ''}
        </Alert>
      ) : null}
      {upload.error ? (
        <Alert title="The file was not accepted">
          {problems.length > 0 ? (
            <ul data-testid="csv-problems">
              {problems.map((p) => (
                <li key={`${p.line}-${p.column ?? ''}-${p.message}`}>
                  Line {p.line}
                  {p.column ? `, column ${p.column}` : ''}: {p.message}
                </li>
              ))}
            </ul>
          ) : (
            upload.error.message
          )}
        </Alert>
      ) : null}
      {start.error ? <Alert>{start.error.message}</Alert> : null}
    </section>
  );
}
