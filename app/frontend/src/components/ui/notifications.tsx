import { useSyncExternalStore } from 'react';

type Notice = { id: number; tone: 'success' | 'error' | 'info'; text: string };

let notices: Notice[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((listener) => listener());

/** Shows a short message in the page's live region ("Added to cart", "Order marked delivered"). */
export function notify(text: string, tone: Notice['tone'] = 'success'): void {
  const id = nextId++;
  notices = [...notices, { id, tone, text }];
  emit();
  setTimeout(() => dismiss(id), 5000);
}

function dismiss(id: number): void {
  notices = notices.filter((notice) => notice.id !== id);
  emit();
}

/** The polite live region every notice is read from; mounted once in the layout. */
export function Notifications() {
  const current = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => notices
  );
  return (
    <div className="notifications" aria-live="polite" role="status">
      {current.map((notice) => (
        <div key={notice.id} className={`notice notice-${notice.tone}`}>
          <span>{notice.text}</span>
          <button type="button" className="notice-close" aria-label="Dismiss" onClick={() => dismiss(notice.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
