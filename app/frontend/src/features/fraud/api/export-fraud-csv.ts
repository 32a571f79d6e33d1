import { useMutation } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { FraudRange } from '../types';

/**
 * Staff: the CSV of a date range. Fetched through the API client (it needs the access token,
 * which a plain link would not send), then handed to the browser as a download.
 */
export async function exportFraudCsv(range: FraudRange): Promise<Blob> {
  const { data } = await api.get<Blob>('/fraud/export/', {
    params: range,
    responseType: 'blob',
    headers: { Accept: 'text/csv, application/json' }
  });
  return data;
}

function download(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later: some browsers start reading the blob only after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function useExportFraudCsv() {
  return useMutation({
    mutationFn: async (range: FraudRange) => {
      const blob = await exportFraudCsv(range);
      download(blob, `fraud-${range.start}-${range.end}.csv`);
      return blob;
    }
  });
}
