import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { RetrainStatus, TrainingUpload } from '../types';

/** How often the status is asked for while a retraining is queued or running. */
export const RETRAIN_POLL_MS = 5_000;

/** Staff: the last retraining's status (idle when there was none). */
export async function getRetrainStatus(): Promise<RetrainStatus> {
  const { data } = await api.get<RetrainStatus>('/fraud/retrain/');
  return data;
}

export const getRetrainStatusQueryOptions = () =>
  queryOptions({
    queryKey: ['fraud', 'retrain'],
    queryFn: getRetrainStatus,
    refetchInterval: (query) => {
      const state = query.state.data?.state;
      return state === 'queued' || state === 'running' ? RETRAIN_POLL_MS : false;
    }
  });

export function useRetrainStatus() {
  return useQuery(getRetrainStatusQueryOptions());
}

/** Staff: upload a training CSV; the server checks it whole and keeps it privately. */
export async function uploadTrainingCsv(file: File): Promise<TrainingUpload> {
  const form = new FormData();
  form.append('file', file);
  const { data } = await api.post<TrainingUpload>('/fraud/retrain/uploads/', form);
  return data;
}

export type StartRetrainInput = { source: 'table' } | { source: 'upload'; upload_id: string };

/** Staff: start a retraining (409 while one runs). */
export async function startRetrain(input: StartRetrainInput): Promise<RetrainStatus> {
  const { data } = await api.post<RetrainStatus>('/fraud/retrain/', input);
  return data;
}

export function useUploadTrainingCsv() {
  return useMutation({ mutationFn: uploadTrainingCsv });
}

export function useStartRetrain() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: startRetrain,
    onSuccess: (status) => queryClient.setQueryData(['fraud', 'retrain'], status),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['fraud', 'retrain'] })
  });
}
