import { PageTitle } from '@/components/ui/page-title';
import { Spinner } from '@/components/ui/spinner';
import { ProfileForm } from '@/features/account/components/profile-form';
import { SavedCards } from '@/features/account/components/saved-cards';
import { AddressBook } from '@/features/addresses/components/address-book';
import { useUser } from '@/features/auth/api/get-me';

export default function AccountRoute() {
  const { user } = useUser();
  return (
    <>
      <PageTitle title="My account" />
      {user ? (
        <div className="account-grid">
          <ProfileForm user={user} />
          <AddressBook />
          <SavedCards />
        </div>
      ) : (
        <Spinner />
      )}
    </>
  );
}
