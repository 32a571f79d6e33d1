import { useSyncExternalStore } from 'react';
import { dismissNotice, getNotices, subscribeNotices } from '@/lib/notifications';

/** The polite live region every notice is read from; mounted once in the layout. */
export function Notifications() {
  const current = useSyncExternalStore(subscribeNotices, getNotices);
  return (
    <div className="notifications" aria-live="polite" role="status">
      {current.map((notice) => (
        <div key={notice.id} className={`notice notice-${notice.tone}`}>
          <span>{notice.text}</span>
          <button
            type="button"
            className="notice-close"
            aria-label="Dismiss"
            onClick={() => dismissNotice(notice.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
