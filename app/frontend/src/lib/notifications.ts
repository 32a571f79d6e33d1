export type Notice = { id: number; tone: 'success' | 'error' | 'info'; text: string };

let notices: Notice[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((listener) => listener());

/** Shows a short message in the page's live region ("Added to cart", "Order marked delivered"). */
export function notify(text: string, tone: Notice['tone'] = 'success'): void {
  const id = nextId++;
  notices = [...notices, { id, tone, text }];
  emit();
  setTimeout(() => dismissNotice(id), 5000);
}

export function dismissNotice(id: number): void {
  notices = notices.filter((notice) => notice.id !== id);
  emit();
}

export const getNotices = (): Notice[] => notices;

export function subscribeNotices(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
