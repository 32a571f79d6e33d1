import { QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { api } from '@/lib/api-client';
import { createQueryClient } from '@/lib/react-query';
import { server } from '@/testing/server';
import { RetrainPanel } from '../retrain-panel';
import type { RetrainStatus } from '../../types';

function renderPanel() {
  render(
    <QueryClientProvider client={createQueryClient()}>
      <RetrainPanel />
    </QueryClientProvider>
  );
  return userEvent.setup();
}

function statusApi(initial: RetrainStatus) {
  const state = { status: initial, started: [] as unknown[] };
  server.use(
    http.get('/api/fraud/retrain/', () => HttpResponse.json(state.status)),
    http.post('/api/fraud/retrain/', async ({ request }) => {
      state.started.push(await request.json());
      state.status = { mode: state.status.mode, state: 'running', source: 'upload' };
      return HttpResponse.json(state.status, { status: 202 });
    })
  );
  return state;
}

const csv = (text: string) => new File([text], 'training.csv', { type: 'text/csv' });

describe('RetrainPanel', () => {
  test('uploads the chosen CSV as multipart, then starts a retraining on it', async () => {
    const state = statusApi({ mode: 'local', state: 'idle' });
    // jsdom's FormData reaches MSW's XHR interception as "[object FormData]", so the body the
    // panel builds is read where it is handed to the API client; a browser sends it multipart.
    const post = vi.spyOn(api, 'post');
    server.use(
      http.post('/api/fraud/retrain/uploads/', () => {
        return HttpResponse.json(
          { id: 'a'.repeat(32), rows: 120, formula_rows: 2, size: 9000 },
          { status: 201 }
        );
      })
    );
    const events = renderPanel();
    expect(await screen.findByText('No retraining yet.')).toBeInTheDocument();

    await events.upload(screen.getByLabelText('Training CSV'), csv('id,created_at\n'));
    await events.click(screen.getByRole('button', { name: 'Upload and retrain' }));

    await waitFor(() =>
      expect(state.started).toEqual([{ source: 'upload', upload_id: 'a'.repeat(32) }])
    );
    const [url, body] = post.mock.calls[0] ?? [];
    expect(url).toBe('/fraud/retrain/uploads/');
    expect(body).toBeInstanceOf(FormData);
    const sent = (body as FormData).get('file');
    expect(sent).toBeInstanceOf(File);
    expect([(sent as File).name, (sent as File).size]).toEqual(['training.csv', 14]);
    post.mockRestore();
    expect(await screen.findByText(/Uploaded 120 rows. 2 of them hold a cell/)).toBeInTheDocument();
    expect(await screen.findByTestId('retrain-status')).toHaveTextContent(
      'Running: retraining on an uploaded CSV'
    );
    expect(screen.getByRole('button', { name: 'Upload and retrain' })).toBeDisabled();
  });

  test('lists each problem of a refused CSV with its line and column, and starts nothing', async () => {
    const state = statusApi({ mode: 'local', state: 'idle' });
    server.use(
      http.post('/api/fraud/retrain/uploads/', () =>
        HttpResponse.json(
          {
            message:
              'The CSV file cannot be used for training; nothing was stored. line 1, column client_ip: missing column',
            extra: {
              errors: [
                { line: 1, column: 'client_ip', message: 'missing column' },
                { line: 7, column: null, message: "not valid CSV ('\"' expected after '\"')" }
              ]
            }
          },
          { status: 400 }
        )
      )
    );
    const events = renderPanel();
    await events.upload(await screen.findByLabelText('Training CSV'), csv('x\n'));
    await events.click(screen.getByRole('button', { name: 'Upload and retrain' }));

    const problems = await screen.findByTestId('csv-problems');
    expect(
      within(problems)
        .getAllByRole('listitem')
        .map((li) => li.textContent)
    ).toEqual([
      'Line 1, column client_ip: missing column',
      "Line 7: not valid CSV ('\"' expected after '\"')"
    ]);
    expect(screen.getByRole('alert')).toHaveTextContent('The file was not accepted');
    expect(screen.getByLabelText('Training CSV')).toHaveAttribute('aria-invalid', 'true');
    expect(state.started).toEqual([]);
  });

  test("on GitHub: retrains on the shop's table, links the run, and shows a 502's message", async () => {
    const state = statusApi({
      mode: 'github',
      state: 'succeeded',
      source: 'table',
      message: 'The new model reaches the servers through model delivery within minutes.',
      run_url: 'https://github.com/shop/ecommerce/actions/runs/1'
    });
    const events = renderPanel();
    expect(await screen.findByRole('link', { name: 'The workflow run on GitHub' })).toHaveAttribute(
      'href',
      'https://github.com/shop/ecommerce/actions/runs/1'
    );

    server.use(
      http.post('/api/fraud/retrain/', () =>
        HttpResponse.json(
          {
            message:
              'FRAUD_RETRAIN_GITHUB_TOKEN may not run workflows in shop/ecommerce: give the fine-grained token Actions: write on that repository.',
            extra: { github_status: 403 }
          },
          { status: 502 }
        )
      )
    );
    await events.click(screen.getByRole('button', { name: "Retrain on the shop's table" }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Actions: write');
    expect(state.started).toEqual([]);
  });

  test('on GitHub: offers the upload too and starts a retraining on it', async () => {
    const state = statusApi({ mode: 'github', state: 'idle' });
    server.use(
      http.post('/api/fraud/retrain/uploads/', () =>
        HttpResponse.json(
          { id: 'b'.repeat(32), rows: 7, formula_rows: 0, size: 700 },
          { status: 201 }
        )
      )
    );
    const events = renderPanel();
    expect(await screen.findByText(/private storage for the GitHub workflow/)).toBeInTheDocument();
    await events.upload(screen.getByLabelText('Training CSV'), csv('id,created_at\n'));
    await events.click(screen.getByRole('button', { name: 'Upload and retrain' }));
    await waitFor(() =>
      expect(state.started).toEqual([{ source: 'upload', upload_id: 'b'.repeat(32) }])
    );
  });

  test('on GitHub: says why an uploaded file did not reach the workflow', async () => {
    statusApi({ mode: 'github', state: 'idle' });
    const sent: unknown[] = [];
    server.use(
      http.post('/api/fraud/retrain/uploads/', () =>
        HttpResponse.json(
          { id: 'c'.repeat(32), rows: 7, formula_rows: 0, size: 700 },
          { status: 201 }
        )
      ),
      http.post('/api/fraud/retrain/', async ({ request }) => {
        sent.push(await request.json());
        return HttpResponse.json(
          {
            message:
              'The uploaded CSV could not be put in S3 for the workflow (S3 refused the put: AccessDenied); nothing was dispatched.',
            extra: {}
          },
          { status: 502 }
        );
      })
    );
    const events = renderPanel();
    await events.upload(await screen.findByLabelText('Training CSV'), csv('id,created_at\n'));
    await events.click(screen.getByRole('button', { name: 'Upload and retrain' }));
    expect(await screen.findByText(/nothing was dispatched/)).toBeInTheDocument();
    expect(sent).toEqual([{ source: 'upload', upload_id: 'c'.repeat(32) }]);
  });
});
