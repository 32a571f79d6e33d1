import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { notify } from '@/lib/notifications';
import type { ApiError } from '@/lib/api-error';
import { useDeleteSavedCard } from '../api/delete-saved-card';
import { useSavedCards } from '../api/get-saved-cards';

export function SavedCards() {
  const cards = useSavedCards();
  const remove = useDeleteSavedCard();
  return (
    <section className="panel" aria-labelledby="cards-heading">
      <h2 id="cards-heading">Saved cards</h2>
      {cards.error ? <Alert>{(cards.error as ApiError).message}</Alert> : null}
      {remove.error ? <Alert>{(remove.error as ApiError).message}</Alert> : null}
      {cards.data?.length === 0 ? (
        <p className="muted">No saved cards. You can save one at checkout.</p>
      ) : null}
      <ul className="address-list">
        {cards.data?.map((card) => (
          <li key={card.id} className="address-item">
            <p>
              {card.brand.toUpperCase()} ending in {card.last4} · expires{' '}
              {String(card.exp_month).padStart(2, '0')}/{card.exp_year}
            </p>
            <Button
              variant="ghost"
              aria-label={`Remove card ending in ${card.last4}`}
              onClick={() =>
                remove.mutateAsync(card.id).then(
                  () => notify('Card removed.'),
                  () => undefined
                )
              }
            >
              Remove
            </Button>
          </li>
        ))}
      </ul>
    </section>
  );
}
